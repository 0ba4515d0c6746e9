"""boto3 (a client we did not write) against the emulator: every operation, every page, the
job lifecycle, and the error codes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamlast.testing import FakeIAM, SyntheticAccount

from .conftest import AS_OF, ClientFactory


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _all_pages(call: Any, key: str, **kwargs: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    items: list[Any] = []
    pages: list[dict[str, Any]] = []
    marker = None
    while True:
        page = call(**kwargs, **({"Marker": marker} if marker else {}))
        pages.append(page)
        items.extend(page[key])
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return items, pages
        marker = page["Marker"]


def _completed(client: Any, arn: str, granularity: str = "SERVICE_LEVEL") -> str:
    job_id = str(client.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"])
    for _ in range(10):
        if client.get_service_last_accessed_details(JobId=job_id)["JobStatus"] != "IN_PROGRESS":
            return job_id
    raise AssertionError("job never finished")


def test_job_lifecycle_in_progress_then_completed(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 2
    role = iam.account.role("OrganizationAccountAccessRole")
    job_id = client.generate_service_last_accessed_details(Arn=role.arn)["JobId"]
    assert len(job_id) == 36
    for _ in range(2):
        page = client.get_service_last_accessed_details(JobId=job_id)
        assert page["JobStatus"] == "IN_PROGRESS"
        assert page["JobType"] == "SERVICE_LEVEL"
        assert "JobCompletionDate" not in page and "ServicesLastAccessed" not in page
    done = client.get_service_last_accessed_details(JobId=job_id)
    assert done["JobStatus"] == "COMPLETED"
    assert done["JobCompletionDate"] >= done["JobCreationDate"]
    assert done["ServicesLastAccessed"]


def test_per_arn_job_polls_override(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 0
    slow = iam.account.user("alice").arn
    iam.set_job_polls(slow, 3)
    fast_job = client.generate_service_last_accessed_details(Arn=iam.account.user("bob").arn)["JobId"]
    assert client.get_service_last_accessed_details(JobId=fast_job)["JobStatus"] == "COMPLETED"
    slow_job = client.generate_service_last_accessed_details(Arn=slow)["JobId"]
    statuses = [client.get_service_last_accessed_details(JobId=slow_job)["JobStatus"] for _ in range(4)]
    assert statuses == ["IN_PROGRESS"] * 3 + ["COMPLETED"]


def test_failed_job_has_error_and_no_services(iam: FakeIAM, client: Any) -> None:
    arn = iam.account.role("OrganizationAccountAccessRole").arn
    iam.fail_jobs(arn, code="ServiceFailure", message="boom")
    iam.fail_jobs(lambda key: key.endswith("/bob"))
    for target in (arn, iam.account.user("bob").arn):
        job_id = client.generate_service_last_accessed_details(Arn=target)["JobId"]
        client.get_service_last_accessed_details(JobId=job_id)  # IN_PROGRESS
        page = client.get_service_last_accessed_details(JobId=job_id)
        assert page["JobStatus"] == "FAILED"
        assert "ServicesLastAccessed" not in page and "JobCompletionDate" in page
        assert page["Error"]["Code"] == "ServiceFailure"
    assert page["Error"]["Message"]
    entities = client.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    assert entities["JobStatus"] == "FAILED" and entities["Error"]["Code"] == "ServiceFailure"


def test_400_service_principal_every_page_with_a_page_cap(iam: FakeIAM, client: Any) -> None:
    iam.page_cap = 73
    job_id = _completed(client, iam.account.admin_role.arn)
    services, pages = _all_pages(client.get_service_last_accessed_details, "ServicesLastAccessed", JobId=job_id, MaxItems=100)
    assert len(services) == 420 >= 400
    assert [len(p["ServicesLastAccessed"]) for p in pages] == [73] * 5 + [55]
    namespaces = [s["ServiceNamespace"] for s in services]
    assert namespaces == sorted(set(namespaces))
    s3 = next(s for s in services if s["ServiceNamespace"] == "s3")
    assert s3["ServiceName"] == "Amazon S3"
    used = [s for s in services if "LastAuthenticated" in s]
    never = [s for s in services if "LastAuthenticated" not in s]
    assert used and never
    assert all(s["TotalAuthenticatedEntities"] == 1 and s["LastAuthenticatedEntity"] == iam.account.admin_role.arn for s in used)
    assert all(s["TotalAuthenticatedEntities"] == 0 and "LastAuthenticatedRegion" not in s for s in never)
    assert all("TrackedActionsLastAccessed" not in s for s in services)


def test_action_level_only_for_tracked_services(iam: FakeIAM, client: Any) -> None:
    job_id = _completed(client, iam.account.admin_role.arn, "ACTION_LEVEL")
    page = client.get_service_last_accessed_details(JobId=job_id, MaxItems=1000)
    assert page["JobType"] == "ACTION_LEVEL" and not page["IsTruncated"]
    tracked = {s["ServiceNamespace"]: s["TrackedActionsLastAccessed"] for s in page["ServicesLastAccessed"] if "TrackedActionsLastAccessed" in s}
    assert {"s3", "ec2", "iam", "lambda"} <= set(tracked) <= {"s3", "ec2", "iam", "lambda", "dynamodb", "kms"}
    names = {a["ActionName"] for a in tracked["iam"]}
    assert "CreateRole" in names and "PassRole" not in names
    for actions in tracked.values():
        for a in actions:
            assert ("LastAccessedTime" in a) == ("LastAccessedEntity" in a) == ("LastAccessedRegion" in a)


def test_with_entities_user_role_group_policy(iam: FakeIAM, client: Any) -> None:
    acct = iam.account
    role = acct.admin_role
    job_id = _completed(client, role.arn)
    one = client.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    assert [e["EntityInfo"]["Arn"] for e in one["EntityDetailsList"]] == [role.arn]
    assert one["EntityDetailsList"][0]["EntityInfo"]["Type"] == "ROLE"

    users = [acct.add_user(f"member{i}") for i in range(5)]
    group = acct.add_group("Readers", services=["s3", "sqs"], members=users)
    for i, user in enumerate(users[:3]):
        acct.set_usage(user, "s3", AS_OF.replace(day=1 + i))
    for user in users[3:]:
        acct.set_usage(user, "s3", None)
    job_id = _completed(client, group.arn)
    details = client.get_service_last_accessed_details(JobId=job_id)
    s3 = next(s for s in details["ServicesLastAccessed"] if s["ServiceNamespace"] == "s3")
    assert s3["TotalAuthenticatedEntities"] == 3 and s3["LastAuthenticatedEntity"] == users[2].arn
    listed = client.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")["EntityDetailsList"]
    assert [e["EntityInfo"]["Name"] for e in listed] == ["member2", "member1", "member0", "member3", "member4"]
    assert "LastAuthenticated" not in listed[-1]

    policy = acct.add_policy("shared", ["dynamodb"], attach_to=[users[0], acct.add_role("worker", services=["sts"]), group])
    job_id = _completed(client, policy.arn)
    listed = client.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="dynamodb")["EntityDetailsList"]
    assert {e["EntityInfo"]["Type"] for e in listed} == {"USER", "ROLE"}
    assert len(listed) == 6  # 5 members (one also attached directly) + the role
    assert client.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="ec2")["EntityDetailsList"] == []


def test_1000_entity_policy_max_items_1000_with_page_cap(iam: FakeIAM, client: Any) -> None:
    iam.page_cap = 400
    policy = iam.account.policy("iamlast-bulk-1k")
    job_id = _completed(client, policy.arn)
    entities, pages = _all_pages(
        client.get_service_last_accessed_details_with_entities, "EntityDetailsList", JobId=job_id, ServiceNamespace="s3", MaxItems=1000
    )
    assert len(entities) == 1200 and [len(p["EntityDetailsList"]) for p in pages] == [400, 400, 400]
    assert len({e["EntityInfo"]["Arn"] for e in entities}) == 1200
    times = [e["LastAuthenticated"] for e in entities if "LastAuthenticated" in e]
    assert times == sorted(times, reverse=True)
    assert all("LastAuthenticated" not in e for e in entities[len(times):])  # never-used entities last


def test_list_policies_granting_service_access(iam: FakeIAM, client: Any) -> None:
    acct = iam.account
    user = acct.add_user("dana", services=["s3"], policies=["AmazonS3ReadOnlyAccess"])
    acct.add_group("S3Team", services=["s3", "sqs"], policies=["AmazonSQSFullAccess"], members=[user])
    out = client.list_policies_granting_service_access(Arn=user.arn, ServiceNamespaces=["s3", "sqs", "ec2"])
    by_ns = {e["ServiceNamespace"]: e["Policies"] for e in out["PoliciesGrantingServiceAccess"]}
    assert list(by_ns) == ["s3", "sqs", "ec2"] and by_ns["ec2"] == []
    assert {(p["PolicyName"], p["PolicyType"], p.get("EntityType"), p.get("EntityName")) for p in by_ns["s3"]} == {
        ("dana-inline", "INLINE", "USER", "dana"),
        ("AmazonS3ReadOnlyAccess", "MANAGED", None, None),
        ("S3Team-inline", "INLINE", "GROUP", "S3Team"),
    }
    managed = next(p for p in by_ns["sqs"] if p["PolicyType"] == "MANAGED")
    assert managed["PolicyArn"] == "arn:aws:iam::aws:policy/AmazonSQSFullAccess"

    iam.page_cap = 30
    namespaces = acct.all_services()[:200]
    entries, pages = _all_pages(
        client.list_policies_granting_service_access, "PoliciesGrantingServiceAccess", Arn=acct.admin_role.arn, ServiceNamespaces=namespaces
    )
    assert [e["ServiceNamespace"] for e in entries] == namespaces and len(pages) == 7
    with pytest.raises(ClientError) as exc:
        client.list_policies_granting_service_access(Arn=acct.admin_role.arn, ServiceNamespaces=acct.all_services()[:201])
    assert _code(exc) == "ValidationError"
    assert "Member must have length less than or equal to 200" in exc.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("sort_key", "field", "reverse"),
    [
        ("SERVICE_NAMESPACE_ASCENDING", "ServiceNamespace", False),
        ("SERVICE_NAMESPACE_DESCENDING", "ServiceNamespace", True),
        ("LAST_AUTHENTICATED_TIME_ASCENDING", "LastAuthenticatedTime", False),
        ("LAST_AUTHENTICATED_TIME_DESCENDING", "LastAuthenticatedTime", True),
    ],
)
def test_organizations_report_sort_keys_and_pages(iam: FakeIAM, client: Any, sort_key: str, field: str, reverse: bool) -> None:
    path = "o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6"
    job_id = client.generate_organizations_access_report(EntityPath=path)["JobId"]
    assert client.get_organizations_access_report(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    details, pages = _all_pages(client.get_organizations_access_report, "AccessDetails", JobId=job_id, SortKey=sort_key, MaxItems=30)
    last = pages[-1]
    assert last["JobStatus"] == "COMPLETED" and "JobCompletionDate" in last
    assert last["NumberOfServicesAccessible"] == len(details) > 30
    never = [d for d in details if "LastAuthenticatedTime" not in d]
    assert last["NumberOfServicesNotAccessed"] == len(never) > 0
    assert all(d["TotalAuthenticatedEntities"] == 0 and "EntityPath" not in d for d in never)
    used = [d for d in details if "LastAuthenticatedTime" in d]
    assert all(d["EntityPath"].startswith(path + "/") and d["Region"] for d in used)
    keys = [d[field] for d in (details if field == "ServiceNamespace" else used)]
    assert keys == sorted(keys, reverse=reverse)


def test_organizations_failed_report_and_policy_filter(iam: FakeIAM, client: Any) -> None:
    account_path = "o-a1b2c3d4e5/r-f6g7h8i9j0/111122223333"
    iam.fail_jobs(account_path, code="OrganizationsAccessDenied", message="no access")
    iam.job_polls = 0
    job_id = client.generate_organizations_access_report(EntityPath=account_path)["JobId"]
    page = client.get_organizations_access_report(JobId=job_id)
    assert page["JobStatus"] == "FAILED" and page["ErrorDetails"] == {"Message": "no access", "Code": "OrganizationsAccessDenied"}
    other = "o-a1b2c3d4e5/r-f6g7h8i9j0/444455556666"
    everything = client.get_organizations_access_report(JobId=client.generate_organizations_access_report(EntityPath=other)["JobId"], MaxItems=1000)
    scp = client.generate_organizations_access_report(EntityPath=other, OrganizationsPolicyId="p-12345678")["JobId"]
    filtered = client.get_organizations_access_report(JobId=scp, MaxItems=1000)
    assert filtered["NumberOfServicesAccessible"] < everything["NumberOfServicesAccessible"]
    assert all(d.get("EntityPath", other) == other for d in everything["AccessDetails"])


def test_organizations_report_generation_limit(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 5
    path = "o-a1b2c3d4e5/r-f6g7h8i9j0"
    jobs = [client.generate_organizations_access_report(EntityPath=path)["JobId"] for _ in range(3)]
    with pytest.raises(ClientError) as exc:
        client.generate_organizations_access_report(EntityPath=path)
    assert _code(exc) == "ReportGenerationLimitExceeded" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    for _ in range(6):
        client.get_organizations_access_report(JobId=jobs[0])
    assert client.generate_organizations_access_report(EntityPath=path)["JobId"]


@pytest.mark.parametrize(("operation", "key"), [("list_users", "Users"), ("list_roles", "Roles"), ("list_groups", "Groups"), ("list_policies", "Policies")])
def test_listings_every_page(boto_session: Any, operation: str, key: str) -> None:
    acct = SyntheticAccount.generate(3, users=230, roles=260, groups=40, policies=150, as_of=AS_OF)
    with FakeIAM(acct, page_cap=73) as server:
        client = boto_session.client("iam", **server.client_kwargs())
        items, pages = _all_pages(getattr(client, operation), key, MaxItems=100)
    expected = {"Users": acct.users, "Roles": acct.roles, "Groups": acct.groups, "Policies": acct.policies}[key]
    assert len(items) == len(expected) and all(len(p[key]) <= 73 for p in pages)
    assert len(pages) == -(-len(items) // 73)


def test_list_filters(iam: FakeIAM, client: Any) -> None:
    slr = client.list_roles(PathPrefix="/aws-service-role/")["Roles"]
    assert slr and all(r["Path"].startswith("/aws-service-role/") and r["RoleName"].startswith("AWSServiceRoleFor") for r in slr)
    assert client.list_roles(PathPrefix="/service-role/")["Roles"]
    role = slr[0]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    local = client.list_policies(Scope="Local", MaxItems=1000)["Policies"]
    aws = client.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    everything = client.list_policies(MaxItems=1000)["Policies"]
    assert len(local) + len(aws) == len(everything)
    assert all(":aws:policy/" in p["Arn"] for p in aws) and all(":123456789012:policy/" in p["Arn"] for p in local)
    attached = client.list_policies(Scope="AWS", OnlyAttached=True, MaxItems=1000)["Policies"]
    assert 0 < len(attached) < len(aws) and all(p["AttachmentCount"] > 0 for p in attached)
    assert client.list_policies(PathPrefix="/aws-service-role/")["Policies"]
    assert client.list_policies(PolicyUsageFilter="PermissionsBoundary")["Policies"] == []
    assert all(u["Path"] == "/contractors/" for u in client.list_users(PathPrefix="/contractors/")["Users"])


def test_error_codes(iam: FakeIAM, make_client: ClientFactory) -> None:
    client = make_client(iam, validate=False)  # let the server judge what boto3 would refuse
    cases: list[tuple[str, dict[str, Any], str, int]] = [
        ("generate_service_last_accessed_details", {"Arn": "arn:aws:iam::123456789012:role/nobody-here"}, "NoSuchEntity", 404),
        ("generate_service_last_accessed_details", {"Arn": "arn:aws:iam::123456789012:policy/missing"}, "NoSuchEntity", 404),
        ("generate_service_last_accessed_details", {"Arn": "arn:aws:s3:::a-bucket-not-iam"}, "InvalidInput", 400),
        ("generate_service_last_accessed_details", {"Arn": "short"}, "ValidationError", 400),
        ("get_service_last_accessed_details", {"JobId": "00000000-0000-4000-8000-000000000000"}, "InvalidInput", 400),
        ("get_service_last_accessed_details", {"JobId": "too-short"}, "ValidationError", 400),
        ("get_service_last_accessed_details_with_entities", {"JobId": "00000000-0000-4000-8000-000000000000", "ServiceNamespace": "s3"}, "InvalidInput", 400),
        ("get_organizations_access_report", {"JobId": "00000000-0000-4000-8000-000000000000"}, "NoSuchEntity", 404),
        ("list_policies_granting_service_access", {"Arn": "arn:aws:iam::123456789012:user/ghost", "ServiceNamespaces": ["s3"]}, "NoSuchEntity", 404),
        ("list_policies_granting_service_access", {"Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "ServiceNamespaces": ["s3"]}, "InvalidInput", 400),
        ("list_roles", {"Marker": "not-a-marker-we-issued"}, "InvalidInput", 400),
        ("list_roles", {"MaxItems": 1001}, "ValidationError", 400),
        ("generate_organizations_access_report", {"EntityPath": "not/an/org/path/at/all"}, "ValidationError", 400),
    ]
    for operation, kwargs, code, status in cases:
        with pytest.raises(ClientError) as exc:
            getattr(client, operation)(**kwargs)
        assert (_code(exc), exc.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), operation
    with pytest.raises(ClientError) as exc:
        client.generate_service_last_accessed_details(Arn="arn:aws:iam::123456789012:role/nobody-here")
    assert exc.value.response["Error"]["Message"] == "The role with name nobody-here cannot be found."
    with pytest.raises(ClientError) as exc:
        client.generate_service_last_accessed_details(Arn="short")
    assert exc.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'short' at 'arn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 20"
    )


def test_marker_from_another_listing_is_refused(iam: FakeIAM, client: Any) -> None:
    marker = client.list_roles(MaxItems=2)["Marker"]
    assert client.list_roles(MaxItems=2, Marker=marker)["Roles"]
    with pytest.raises(ClientError) as exc:
        client.list_users(MaxItems=2, Marker=marker)
    assert _code(exc) == "InvalidInput"


def test_throttling_and_5xx_under_faults(iam: FakeIAM, make_client: ClientFactory) -> None:
    client = make_client(iam, retries=1)
    iam.fail_next(1, "Throttling")
    iam.fail_next(1, "InternalFailure")
    iam.fail_next(1, "ServiceUnavailable")
    seen = []
    for _ in range(3):
        with pytest.raises(ClientError) as exc:
            client.list_roles()
        seen.append((_code(exc), exc.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert seen == [("Throttling", 400), ("InternalFailure", 500), ("ServiceUnavailable", 503)]
    assert client.list_roles()["Roles"]


def test_auth_errors_through_boto3(iam: FakeIAM, make_client: ClientFactory) -> None:
    with pytest.raises(ClientError) as exc:
        make_client(iam, aws_secret_access_key="x" * 40).list_roles()
    assert _code(exc) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as exc:
        make_client(iam, aws_access_key_id="AKIAUNKNOWNKEY000000").list_roles()
    assert _code(exc) == "InvalidClientTokenId"


def test_temporary_credentials_with_boto3(boto_session: Any) -> None:
    with FakeIAM(temporary_credentials=True) as server:
        assert server.session_token and server.access_key_id.startswith("ASIA")
        assert boto_session.client("iam", **server.client_kwargs()).list_users()["Users"]
        kwargs = server.client_kwargs()
        del kwargs["aws_session_token"]
        with pytest.raises(ClientError) as exc:
            boto_session.client("iam", **kwargs).list_users()
        assert _code(exc) == "InvalidClientTokenId"


def test_listed_roles_carry_the_sign_in_session_limit_where_one_is_set(iam: FakeIAM, client: Any) -> None:
    """MaxSigninSessionDuration (botocore 1.44.8): served for the role that has one, omitted for
    the rest as IAM omits an unset one; boto3 and iamlast read it alike."""
    import iamlast

    roles, _ = _all_pages(client.list_roles, "Roles", MaxItems=100)
    limits = {r["RoleName"]: r["MaxSigninSessionDuration"] for r in roles if "MaxSigninSessionDuration" in r}
    assert limits == {"OrganizationAccountAccessRole": 43200} and len(roles) > 1
    with iamlast.Client(**iam.iamlast_kwargs()) as ours:
        theirs = {r.role_name: r.max_signin_session_duration for r in ours.paginate_list_roles()}
    assert {k: v for k, v in theirs.items() if v is not None} == limits and len(theirs) == len(roles)
