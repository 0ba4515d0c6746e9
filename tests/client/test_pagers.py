"""The generated ``paginate_<op>`` pagers through both clients: Marker following, page_size,
max_items, resume, and the loud failures on a broken Marker protocol."""

from __future__ import annotations

import httpx
import pytest
import respx

import iamlast
from iamlast import errors

from ._support import ok

ROLE = (
    "<member><Path>/</Path><RoleName>{n}</RoleName><RoleId>AROA{n:017d}</RoleId>"
    "<Arn>arn:aws:iam::123456789012:role/{n}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>"
)
ARN = "arn:aws:iam::123456789012:role/r"


def roles_page(names: range, marker: str | None, truncated: bool | None = None) -> httpx.Response:
    members = "".join(ROLE.format(n=n) for n in names)
    truncated = marker is not None if truncated is None else truncated
    tail = f"<IsTruncated>{str(truncated).lower()}</IsTruncated>"
    if marker:
        tail += f"<Marker>{marker}</Marker>"
    return httpx.Response(200, content=ok("ListRoles", f"<Roles>{members}</Roles>{tail}"))


def lpgsa_page(marker: str | None) -> httpx.Response:
    tail = (
        f"<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>"
        if marker
        else "<IsTruncated>false</IsTruncated>"
    )
    entry = (
        "<member><ServiceNamespace>s3</ServiceNamespace><Policies><member><PolicyName>p</PolicyName>"
        "<PolicyType>MANAGED</PolicyType><PolicyArn>arn:aws:iam::aws:policy/AmazonS3FullAccess</PolicyArn>"
        "</member></Policies></member>"
    )
    return httpx.Response(
        200,
        content=ok(
            "ListPoliciesGrantingServiceAccess",
            f"<PoliciesGrantingServiceAccess>{entry}</PoliciesGrantingServiceAccess>{tail}",
        ),
    )


def bodies(route: respx.Route) -> list[bytes]:
    return [call.request.content for call in route.calls]


def test_items_follow_the_marker(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [
        roles_page(range(2), "m1"),
        roles_page(range(2, 4), "m2"),
        roles_page(range(4, 5), None),
    ]
    pager = client.paginate_list_roles(path_prefix="/", page_size=2)
    assert [r.role_name for r in pager] == ["0", "1", "2", "3", "4"]
    assert pager.pages_read == 3
    assert pager.resume_marker is None
    assert bodies(iam) == [
        b"Action=ListRoles&Version=2010-05-08&PathPrefix=%2F&MaxItems=2",
        b"Action=ListRoles&Version=2010-05-08&PathPrefix=%2F&Marker=m1&MaxItems=2",
        b"Action=ListRoles&Version=2010-05-08&PathPrefix=%2F&Marker=m2&MaxItems=2",
    ]


def test_max_items_stops_early_and_resumes(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [roles_page(range(3), "m1"), roles_page(range(3, 6), "m2")]
    pager = client.paginate_list_roles(max_items=4)
    assert [r.role_name for r in pager] == ["0", "1", "2", "3"]
    assert iam.call_count == 2
    marker = pager.resume_marker
    assert marker is not None
    # The service sent 3 items where 1 was asked: the pager stopped inside that page, so the
    # resume point names the page (m1) and how much of it was consumed; a service serving m1
    # again gives exactly the rest.
    iam.side_effect = [roles_page(range(3, 6), None)]
    rest = client.paginate_list_roles(starting_marker=marker)
    assert [r.role_name for r in rest] == ["4", "5"]
    assert b"Marker=m1" in iam.calls.last.request.content


def test_pages(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [roles_page(range(2), "m1"), roles_page(range(2, 3), None)]
    pages = list(client.paginate_list_roles().pages())
    assert [len(p.roles) for p in pages] == [2, 1]
    assert all(p.response_metadata is not None for p in pages)


def test_truncated_page_without_marker_fails_loudly(
    iam: respx.Route, client: iamlast.Client
) -> None:
    iam.side_effect = [roles_page(range(2), None, truncated=True)]
    with pytest.raises(errors.PaginationError) as caught:
        list(client.paginate_list_roles())
    assert caught.value.operation == "ListRoles"


def test_repeated_marker_fails_loudly(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [
        roles_page(range(1), "same"),
        roles_page(range(1, 2), "same"),
        roles_page(range(2, 3), None),
    ]
    with pytest.raises(errors.PaginationError):
        list(client.paginate_list_roles())
    assert iam.call_count == 2


def test_an_error_on_a_later_page_propagates(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [
        roles_page(range(2), "m1"),
        httpx.Response(
            403, content=b"<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"
        ),
    ]
    seen: list[str] = []
    with pytest.raises(errors.AccessDeniedError):
        for role in client.paginate_list_roles():
            seen.append(role.role_name)
    assert seen == ["0", "1"]


def test_pager_for_an_operation_botocore_does_not_page(
    iam: respx.Route, client: iamlast.Client
) -> None:
    # ListPoliciesGrantingServiceAccess pages with Marker, though paginators-1.json omits it.
    iam.side_effect = [lpgsa_page("m1"), lpgsa_page(None)]
    entries = list(
        client.paginate_list_policies_granting_service_access(arn=ARN, service_namespaces=["s3"])
    )
    assert [e.service_namespace for e in entries] == ["s3", "s3"]
    assert b"Marker=m1" in bodies(iam)[1]


def test_page_size_is_not_silently_ignored(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [lpgsa_page(None)]
    try:
        list(
            client.paginate_list_policies_granting_service_access(
                arn=ARN, service_namespaces=["s3"], page_size=5
            )
        )
    except (TypeError, ValueError):
        return  # refusing the argument is a fine answer
    assert b"MaxItems=5" in bodies(iam)[0]


async def test_async_pager(iam: respx.Route, aclient: iamlast.AsyncClient) -> None:
    iam.side_effect = [roles_page(range(2), "m1"), roles_page(range(2, 3), None)]
    pager = aclient.paginate_list_roles(page_size=2)
    assert [r.role_name async for r in pager] == ["0", "1", "2"]
    iam.side_effect = [roles_page(range(2), "m1"), roles_page(range(2, 3), None)]
    assert [len(p.roles) async for p in aclient.paginate_list_roles().pages()] == [2, 1]
    iam.side_effect = [roles_page(range(1), "x"), roles_page(range(1, 2), "x")]
    with pytest.raises(errors.PaginationError):
        await aclient.paginate_list_roles().all()
