"""The synthetic account: deterministic by seed, realistic in shape, and a 100,000-entity policy
that is generated per page instead of held in memory."""

from __future__ import annotations

import re
import time
import tracemalloc
from datetime import timedelta

from iamlast.testing import CATALOGUE, TRACKED_ACTIONS, FakeIAM, SyntheticAccount
from iamlast.testing.reports import VirtualEntities, entity_rows, service_rows

from .conftest import AS_OF


def _fingerprint(acct: SyntheticAccount) -> list[object]:
    out: list[object] = []
    for p in [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]:
        out.append((p.arn, p.id, p.path, p.create_date, [m.arn for m in p.managed], [(i.name, i.services) for i in p.inline]))
        out.extend(acct.usage(p.arn, ns) for ns in acct.granted_services(p)[:30])
    out.extend((p.arn, p.policy_id, p.services, p.attachment_count) for p in acct.policies.values())
    out.extend((g.name, [m.name for m in g.members]) for g in acct.groups.values())
    return out


def test_same_seed_same_account() -> None:
    a = SyntheticAccount.generate(5, as_of=AS_OF)
    b = SyntheticAccount.generate(5, as_of=AS_OF)
    c = SyntheticAccount.generate(6, as_of=AS_OF)
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_account_shape_is_realistic() -> None:
    acct = SyntheticAccount.generate(0, as_of=AS_OF)
    assert len(acct.users) == 25 and len(acct.roles) == 40 and len(acct.groups) == 6
    assert len(CATALOGUE) >= 400 and sum(1 for s in CATALOGUE if not s.namespace.startswith("synthetic")) >= 60
    paths = [r.path for r in acct.roles.values()]
    assert any(p.startswith("/aws-service-role/") for p in paths) and "/service-role/" in paths
    assert len(acct.granted_services(acct.admin_role)) >= 400
    assert all(g.members for g in acct.groups.values())
    assert any(p.aws_managed and p.attached for p in acct.policies.values())
    assert any(not p.aws_managed and p.attached for p in acct.policies.values())
    assert any(p.inline for p in [*acct.users.values(), *acct.roles.values()])
    ids = [p.id for p in [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"A(IDA|ROA|GPA)[A-Z2-7]{17}", i) for i in ids)
    ages = [acct.as_of - u.when if u else None for r in acct.roles.values() for u in (acct.usage(r.arn, ns) for ns in acct.granted_services(r))]
    assert any(a is None for a in ages)
    assert any(a is not None and a < timedelta(days=30) for a in ages)
    assert any(a is not None and a > timedelta(days=90) for a in ages)


def test_action_data_only_where_iam_tracks_actions() -> None:
    acct = SyntheticAccount.generate(0, as_of=AS_OF)
    rows = service_rows(acct, acct.admin_role, action_level=True)
    assert {r.namespace for r in rows if r.actions is not None} == set(TRACKED_ACTIONS)
    s3 = next(r for r in rows if r.namespace == "s3")
    assert s3.actions is not None and [a.action for a in s3.actions] == list(TRACKED_ACTIONS["s3"])
    if s3.when is not None:
        assert max(a.when for a in s3.actions if a.when) == s3.when


def test_custom_scenarios_and_many_principals() -> None:
    acct = SyntheticAccount(as_of=AS_OF)
    started = time.monotonic()
    roles = acct.add_roles(1000)
    assert time.monotonic() - started < 2.0 and len(acct.roles) == 1000
    acct.set_usage(roles[0], "s3", AS_OF - timedelta(days=3), region="eu-west-1")
    acct.set_usage(roles[0], "ec2", None)
    rows = {r.namespace: r for r in service_rows(acct, roles[0], action_level=False)}
    assert rows["s3"].when == AS_OF - timedelta(days=3) and rows["s3"].region == "eu-west-1"
    assert rows["ec2"].when is None and rows["ec2"].total == 0
    with FakeIAM(acct) as iam:
        assert iam.account.role("scan-role-00999").arn.endswith(":role/scan-role-00999")


def test_100k_entities_are_generated_per_page() -> None:
    acct = SyntheticAccount.generate(0, as_of=AS_OF)
    policy = acct.policy("iamlast-bulk-100k")
    rows = entity_rows(acct, policy, "s3")
    assert isinstance(rows, VirtualEntities) and len(rows) == 100_000
    far = rows[99_990:100_000]
    assert next(r.name for r in far).endswith("099990") and rows[99_990] == far[0]
    accessed = [r.when for r in rows[:2000] if r.when]
    assert accessed == sorted(accessed, reverse=True)


def test_100k_policy_pages_far_apart_over_http_memory_flat() -> None:
    with FakeIAM(SyntheticAccount.generate(0, as_of=AS_OF), job_polls=0, verify_signatures=False) as iam:
        policy = iam.account.policy("iamlast-bulk-100k")
        job = re.search(r"<JobId>(.*)</JobId>", iam.emulator.handle("GenerateServiceLastAccessedDetails", {"Arn": policy.arn}, "r")[1])
        assert job
        params = {"Action": "GetServiceLastAccessedDetailsWithEntities", "Version": "2010-05-08",
                  "JobId": job.group(1), "ServiceNamespace": "ec2", "MaxItems": "1000"}
        import httpx

        with httpx.Client(base_url=iam.endpoint_url) as c:
            def page(marker: str | None) -> tuple[str, str | None]:
                body = c.post("/", data={**params, **({"Marker": marker} if marker else {})}).text
                found = re.search(r"<Marker>(.*)</Marker>", body)
                return body, found.group(1) if found else None

            body, marker = page(None)
            assert "-role-000000<" in body
            for _ in range(9):  # walk to entity 10,000
                body, marker = page(marker)
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                for _ in range(5):
                    body, marker = page(marker)
                grown = tracemalloc.get_traced_memory()[0] - before
            finally:
                tracemalloc.stop()
            assert "-user-014999<" in body and marker is not None
            assert grown < 2_000_000, grown  # nothing accumulates per entity served
