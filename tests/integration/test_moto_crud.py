"""Both clients against a real moto server: create, get, list (paged), tag, delete; typed errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamlast import errors

from ._support import ACCOUNT, POLICY, TRUST, collect, run

# --------------------------------------------------------------------------- roles


async def test_role_lifecycle(api: Any) -> None:
    created = await run(
        api.create_role(
            role_name="app",
            path="/service/",
            assume_role_policy_document=TRUST,
            description="the app",
            max_session_duration=7200,
            tags=[{"Key": "team", "Value": "blue"}],
        )
    )
    role = created.role
    assert role.role_name == "app"
    assert role.path == "/service/"
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/service/app"
    assert role.role_id.startswith("AROA")
    assert role.create_date.tzinfo is not None
    assert created.response_metadata.http_status_code == 200
    assert created.response_metadata.request_id

    got = (await run(api.get_role(role_name="app"))).role
    assert (got.role_name, got.arn, got.description, got.max_session_duration) == (
        "app",
        role.arn,
        "the app",
        7200,
    )
    assert json.loads(got.assume_role_policy_document) == json.loads(TRUST)
    assert [(t.key, t.value) for t in got.tags] == [("team", "blue")]

    await run(api.update_role(role_name="app", description="renamed", max_session_duration=3600))
    got = (await run(api.get_role(role_name="app"))).role
    assert (got.description, got.max_session_duration) == ("renamed", 3600)

    listed = await run(api.list_roles(path_prefix="/service/"))
    assert [r.role_name for r in listed.roles] == ["app"]
    assert listed.is_truncated is False

    await run(api.delete_role(role_name="app"))
    with pytest.raises(errors.NoSuchEntityError) as caught:
        await run(api.get_role(role_name="app"))
    assert caught.value.status_code == 404
    assert caught.value.code == "NoSuchEntity"
    assert caught.value.request_id
    assert (await run(api.list_roles())).roles == []


async def test_role_already_exists(api: Any) -> None:
    await run(api.create_role(role_name="dup", assume_role_policy_document=TRUST))
    with pytest.raises(errors.EntityAlreadyExistsError) as caught:
        await run(api.create_role(role_name="dup", assume_role_policy_document=TRUST))
    assert caught.value.status_code == 409
    assert "dup" in caught.value.message
    assert caught.value.attempts == 1


async def test_no_such_entity_errors(api: Any) -> None:
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.delete_role(role_name="ghost"))
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.get_user(user_name="ghost"))
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.get_group(group_name="ghost"))
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.get_policy(policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/ghost"))
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.get_role_policy(role_name="ghost", policy_name="p"))


async def test_error_match_over_operation_union(api: Any) -> None:
    with pytest.raises(errors.ServiceError) as caught:
        await run(api.get_role(role_name="ghost"))
    err: errors.GetRoleError = caught.value
    assert isinstance(err, errors.GetRoleError)
    match err:
        case errors.NoSuchEntityError(status_code=404, code="NoSuchEntity"):
            pass
        case _:
            pytest.fail(f"unexpected {err!r}")


# --------------------------------------------------------------------------- paging


async def make_roles(api: Any, count: int) -> list[str]:
    names = [f"role-{n:02d}" for n in range(count)]
    for name in names:
        await run(
            api.create_role(role_name=name, path="/paged/", assume_role_policy_document=TRUST)
        )
    return names


async def test_roles_pager_over_several_pages(api: Any) -> None:
    names = await make_roles(api, 7)
    pager = api.paginate_list_roles(path_prefix="/paged/", page_size=3)
    assert sorted(r.role_name for r in await collect(pager)) == names
    assert pager.pages_read == 3
    pages = await collect(api.paginate_list_roles(path_prefix="/paged/", page_size=3).pages())
    assert [len(p.roles) for p in pages] == [3, 3, 1]
    assert [p.is_truncated for p in pages] == [True, True, False]
    assert pages[0].marker and pages[1].marker and pages[2].marker is None


async def test_roles_pager_max_items_and_resume(api: Any) -> None:
    names = await make_roles(api, 7)
    first = api.paginate_list_roles(path_prefix="/paged/", page_size=2, max_items=3)
    head = [r.role_name for r in await collect(first)]
    assert len(head) == 3
    assert first.resume_marker is not None
    rest = api.paginate_list_roles(
        path_prefix="/paged/", page_size=2, starting_marker=first.resume_marker
    )
    tail = [r.role_name for r in await collect(rest)]
    assert sorted(head + tail) == names
    assert rest.resume_marker is None


async def test_roles_manual_markers(api: Any) -> None:
    names = await make_roles(api, 5)
    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        page = await run(api.list_roles(path_prefix="/paged/", max_items=2, marker=marker))
        pages += 1
        seen.extend(r.role_name for r in page.roles)
        if not page.is_truncated:
            assert page.marker is None
            break
        marker = page.marker
    assert pages == 3
    assert sorted(seen) == names


async def test_users_pager(api: Any) -> None:
    for n in range(5):
        await run(api.create_user(user_name=f"user-{n}"))
    users = await collect(api.paginate_list_users(page_size=2))
    assert sorted(u.user_name for u in users) == [f"user-{n}" for n in range(5)]


async def test_policies_pager(api: Any) -> None:
    for n in range(5):
        await run(api.create_policy(policy_name=f"pol-{n}", policy_document=POLICY))
    pager = api.paginate_list_policies(scope="Local", page_size=2)
    policies = await collect(pager)
    assert sorted(p.policy_name for p in policies) == [f"pol-{n}" for n in range(5)]
    assert pager.pages_read == 3


# --------------------------------------------------------------------------- users and groups


async def test_user_and_group_lifecycle(api: Any) -> None:
    user = (
        await run(
            api.create_user(user_name="alice", path="/people/", tags=[{"Key": "k", "Value": "v"}])
        )
    ).user
    assert user.arn == f"arn:aws:iam::{ACCOUNT}:user/people/alice"
    assert (await run(api.get_user(user_name="alice"))).user.user_id == user.user_id
    with pytest.raises(errors.EntityAlreadyExistsError):
        await run(api.create_user(user_name="alice"))

    group = (await run(api.create_group(group_name="devs"))).group
    assert group.group_name == "devs"
    with pytest.raises(errors.EntityAlreadyExistsError):
        await run(api.create_group(group_name="devs"))
    await run(api.add_user_to_group(group_name="devs", user_name="alice"))
    got = await run(api.get_group(group_name="devs"))
    assert [u.user_name for u in got.users] == ["alice"]
    assert [
        g.group_name for g in (await run(api.list_groups_for_user(user_name="alice"))).groups
    ] == ["devs"]
    assert [g.group_name for g in (await run(api.list_groups())).groups] == ["devs"]

    await run(api.remove_user_from_group(group_name="devs", user_name="alice"))
    assert (await run(api.get_group(group_name="devs"))).users == []
    await run(api.delete_group(group_name="devs"))
    await run(api.delete_user(user_name="alice"))
    assert (await run(api.list_users())).users == []
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.delete_user(user_name="alice"))


# --------------------------------------------------------------------------- managed policies


async def test_managed_policy_attach_detach(api: Any) -> None:
    policy = (
        await run(
            api.create_policy(policy_name="read", policy_document=POLICY, description="reads")
        )
    ).policy
    arn = policy.arn
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/read"
    assert policy.default_version_id == "v1"
    with pytest.raises(errors.EntityAlreadyExistsError):
        await run(api.create_policy(policy_name="read", policy_document=POLICY))

    await run(api.create_role(role_name="r", assume_role_policy_document=TRUST))
    await run(api.create_user(user_name="u"))
    await run(api.create_group(group_name="g"))
    await run(api.attach_role_policy(role_name="r", policy_arn=arn))
    await run(api.attach_user_policy(user_name="u", policy_arn=arn))
    await run(api.attach_group_policy(group_name="g", policy_arn=arn))

    attached = await run(api.list_attached_role_policies(role_name="r"))
    assert [(p.policy_name, p.policy_arn) for p in attached.attached_policies] == [("read", arn)]
    assert [
        p.policy_arn
        for p in (await run(api.list_attached_user_policies(user_name="u"))).attached_policies
    ] == [arn]
    assert [
        p.policy_arn
        for p in (await run(api.list_attached_group_policies(group_name="g"))).attached_policies
    ] == [arn]
    entities = await run(api.list_entities_for_policy(policy_arn=arn))
    assert [r.role_name for r in entities.policy_roles] == ["r"]
    assert [u.user_name for u in entities.policy_users] == ["u"]
    assert [g.group_name for g in entities.policy_groups] == ["g"]
    assert (await run(api.get_policy(policy_arn=arn))).policy.attachment_count == 3

    version = (
        await run(
            api.create_policy_version(policy_arn=arn, policy_document=POLICY, set_as_default=True)
        )
    ).policy_version
    assert version.version_id == "v2"
    got = (await run(api.get_policy_version(policy_arn=arn, version_id="v2"))).policy_version
    assert json.loads(got.document) == json.loads(POLICY)  # URL-decoded JSON text
    versions = (await run(api.list_policy_versions(policy_arn=arn))).versions
    assert sorted(v.version_id for v in versions) == ["v1", "v2"]

    await run(api.detach_role_policy(role_name="r", policy_arn=arn))
    await run(api.detach_user_policy(user_name="u", policy_arn=arn))
    await run(api.detach_group_policy(group_name="g", policy_arn=arn))
    assert (await run(api.list_attached_role_policies(role_name="r"))).attached_policies == []
    await run(api.delete_policy_version(policy_arn=arn, version_id="v1"))
    await run(api.delete_policy(policy_arn=arn))
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.get_policy(policy_arn=arn))


# --------------------------------------------------------------------------- inline policies


POLICY_WITH_SPECIALS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Specials",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::bucket/a b+c&d=e%f/*",
                "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}},
            }
        ],
    },
    indent=2,
)


@pytest.mark.parametrize("kind", ["role", "user", "group"])
async def test_inline_policies(api: Any, kind: str) -> None:
    name = f"the-{kind}"
    if kind == "role":
        await run(api.create_role(role_name=name, assume_role_policy_document=TRUST))
    else:
        await run(getattr(api, f"create_{kind}")(**{f"{kind}_name": name}))
    owner = {f"{kind}_name": name}
    await run(
        getattr(api, f"put_{kind}_policy")(
            **owner, policy_name="inline", policy_document=POLICY_WITH_SPECIALS
        )
    )

    got = await run(getattr(api, f"get_{kind}_policy")(**owner, policy_name="inline"))
    assert got.policy_name == "inline"
    assert got.policy_document == POLICY_WITH_SPECIALS  # URL-decoded, byte for byte
    assert getattr(got, f"{kind}_name") == name

    listed = await run(getattr(api, f"list_{kind}_policies")(**owner))
    assert listed.policy_names == ["inline"]
    await run(getattr(api, f"delete_{kind}_policy")(**owner, policy_name="inline"))
    assert (await run(getattr(api, f"list_{kind}_policies")(**owner))).policy_names == []
    with pytest.raises(errors.NoSuchEntityError):
        await run(getattr(api, f"get_{kind}_policy")(**owner, policy_name="inline"))


# --------------------------------------------------------------------------- tags


async def test_role_tags(api: Any) -> None:
    await run(api.create_role(role_name="t", assume_role_policy_document=TRUST))
    await run(
        api.tag_role(
            role_name="t", tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "x y+z"}]
        )
    )
    tags = (await run(api.list_role_tags(role_name="t"))).tags
    assert sorted((t.key, t.value) for t in tags) == [("a", "1"), ("b", "x y+z")]
    await run(api.tag_role(role_name="t", tags=[{"Key": "a", "Value": "2"}]))
    await run(api.untag_role(role_name="t", tag_keys=["b"]))
    tags = (await run(api.list_role_tags(role_name="t"))).tags
    assert [(t.key, t.value) for t in tags] == [("a", "2")]
    with pytest.raises(errors.NoSuchEntityError):
        await run(api.tag_role(role_name="ghost", tags=[{"Key": "a", "Value": "1"}]))


async def test_role_tags_pager(api: Any) -> None:
    await run(api.create_role(role_name="t", assume_role_policy_document=TRUST))
    await run(
        api.tag_role(role_name="t", tags=[{"Key": f"k{n}", "Value": str(n)} for n in range(7)])
    )
    tags = await collect(api.paginate_list_role_tags(role_name="t", page_size=3))
    assert sorted(t.key for t in tags) == [f"k{n}" for n in range(7)]


async def test_user_and_policy_tags(api: Any) -> None:
    await run(api.create_user(user_name="u"))
    await run(api.tag_user(user_name="u", tags=[{"Key": "owner", "Value": "me"}]))
    assert [(t.key, t.value) for t in (await run(api.list_user_tags(user_name="u"))).tags] == [
        ("owner", "me")
    ]
    await run(api.untag_user(user_name="u", tag_keys=["owner"]))
    assert (await run(api.list_user_tags(user_name="u"))).tags == []

    arn = (await run(api.create_policy(policy_name="p", policy_document=POLICY))).policy.arn
    await run(api.tag_policy(policy_arn=arn, tags=[{"Key": "x", "Value": "y"}]))
    assert [t.key for t in (await run(api.list_policy_tags(policy_arn=arn))).tags] == ["x"]


# --------------------------------------------------------------------------- raw responses


async def test_raw_response_from_moto(api: Any) -> None:
    raw = await run(api.with_raw_response.get_role(role_name="ghost"))
    assert raw.status_code == 404 and raw.is_error
    assert b"NoSuchEntity" in raw.content
    with pytest.raises(errors.NoSuchEntityError):
        raw.parse()
    await run(api.create_role(role_name="real", assume_role_policy_document=TRUST))
    raw = await run(api.with_raw_response.get_role(role_name="real"))
    assert raw.status_code == 200
    assert raw.parse().role.role_name == "real"


# --------------------------------------------------------------------------- decoding details


async def test_authorization_details_decode_policy_documents(api: Any) -> None:
    await run(
        api.create_role(role_name="r", description="naïve café", assume_role_policy_document=TRUST)
    )
    await run(
        api.put_role_policy(
            role_name="r", policy_name="inline", policy_document=POLICY_WITH_SPECIALS
        )
    )
    details = await run(api.get_account_authorization_details(filter=["Role"]))
    [role] = details.role_detail_list
    assert json.loads(role.assume_role_policy_document) == json.loads(TRUST)
    assert [(p.policy_name, p.policy_document) for p in role.role_policy_list] == [
        ("inline", POLICY_WITH_SPECIALS)
    ]
    assert (await run(api.get_role(role_name="r"))).role.description == "naïve café"


async def test_access_key_secret_is_returned_but_masked_in_repr(api: Any) -> None:
    await run(api.create_user(user_name="u"))
    key = (await run(api.create_access_key(user_name="u"))).access_key
    assert key.access_key_id.startswith("AKIA")
    assert len(key.secret_access_key) >= 20
    assert key.secret_access_key not in repr(key)
    listed = (await run(api.list_access_keys(user_name="u"))).access_key_metadata
    assert [k.access_key_id for k in listed] == [key.access_key_id]


async def test_credential_report_content_is_bytes(api: Any) -> None:
    await run(api.create_user(user_name="reported"))
    await run(api.generate_credential_report())
    report = await run(api.get_credential_report())
    assert isinstance(report.content, bytes)
    assert report.content.startswith(b"user,arn,")
    assert b"reported" in report.content
