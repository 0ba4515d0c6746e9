"""The synthetic organization behind GenerateOrganizationsAccessReport: every path in it reports,
a malformed path is refused with InvalidInput, a well-formed one outside it makes the job FAIL."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamlast.testing import FakeIAM
from iamlast.testing.organization import MalformedEntityPath, SyntheticOrganization

ROOT = "o-a1b2c3d4e5/r-f6g7h8i9j0"


def _report(client: Any, path: str) -> dict[str, Any]:
    job_id = client.generate_organizations_access_report(EntityPath=path)["JobId"]
    page: dict[str, Any] = {}
    for _ in range(3):
        page = client.get_organizations_access_report(JobId=job_id, MaxItems=1000)
        if page["JobStatus"] != "IN_PROGRESS":
            break
    return page


def test_the_default_tree() -> None:
    org = SyntheticOrganization.default("123456789012")
    paths = org.paths()
    assert paths[0] == ROOT
    assert f"{ROOT}/ou-a1b2-c3d4e5f6/123456789012" in paths
    assert f"{ROOT}/ou-a1b2-c3d4e5f6/ou-a1b2-k9l8m7n6/210987654321" in paths
    assert org.accounts_under(f"{ROOT}/ou-a1b2-z1y2x3w4") == []
    assert len(org.accounts_under(ROOT)) == len(org.accounts) == 6
    assert org.locate(ROOT + "/") == "r-f6g7h8i9j0"


@pytest.mark.parametrize(
    "path",
    [
        f"{ROOT}/ou-a1b2-k9l8m7n6",  # an OU, but not directly under the root
        f"{ROOT}/ou-a1b2-c3d4e5f6/111122223333",  # an account, but not in that OU
        f"{ROOT}/999999999999",
        "o-zzzzzzzzzz/r-zz99",  # the made-up organization
        "o-a1b2c3d4e5/r-ab12",
    ],
)
def test_well_formed_but_unknown(path: str) -> None:
    assert SyntheticOrganization.default("123456789012").locate(path) is None


@pytest.mark.parametrize(
    ("path", "why"),
    [
        (f"{ROOT}/ou-a1b2-c3d4e5f6/xyz", "'xyz' is neither an OU id nor an account id"),
        (f"{ROOT}/123456789012/ou-a1b2-c3d4e5f6", "'123456789012' is not an OU id"),
        (f"{ROOT}//ou-a1b2-c3d4e5f6", "empty segment"),
    ],
)
def test_malformed(path: str, why: str) -> None:
    with pytest.raises(MalformedEntityPath, match=why):
        SyntheticOrganization.default("123456789012").locate(path)


def test_every_path_in_the_organization_reports(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 0
    org = iam.account.organization
    for path in org.paths():
        page = _report(client, path)
        assert page["JobStatus"] == "COMPLETED", path
        accounts = set(org.accounts_under(path))
        used = [d for d in page["AccessDetails"] if "LastAuthenticatedTime" in d]
        assert {d["EntityPath"] for d in used} <= accounts, path
        if not accounts:  # an OU without accounts: nothing was ever used under it
            assert used == [] and page["NumberOfServicesNotAccessed"] == len(page["AccessDetails"])


def test_an_unknown_path_fails_the_job(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 0
    page = _report(client, "o-zzzzzzzzzz/r-zz99")
    assert page["JobStatus"] == "FAILED"
    assert page["ErrorDetails"]["Code"] == "NoSuchEntity"
    assert "o-zzzzzzzzzz/r-zz99 does not exist" in page["ErrorDetails"]["Message"]
    assert "AccessDetails" not in page


def test_a_malformed_path_is_invalid_input(iam: FakeIAM, client: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.generate_organizations_access_report(EntityPath=f"{ROOT}/ou-a1b2-c3d4e5f6/xyz")
    assert exc.value.response["Error"]["Code"] == "InvalidInput"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.jobs.org_jobs == {}


def test_the_iamlast_client_raises_job_failed(iam: FakeIAM) -> None:
    import iamlast

    iam.job_polls = 0
    with iam.client() as c, pytest.raises(iamlast.JobFailedError) as exc:
        c.organizations_report("o-zzzzzzzzzz/r-zz99", poll_delay=0.001)
    assert exc.value.code == "NoSuchEntity"


def test_tests_can_grow_the_tree(iam: FakeIAM, client: Any) -> None:
    iam.job_polls = 0
    org = iam.account.organization
    ou = org.add_ou("ou-a1b2-n3wn3wn3", "New", parent="ou-a1b2-z1y2x3w4")
    account = org.add_account("777788889999", parent="ou-a1b2-n3wn3wn3")
    assert account == f"{ou}/777788889999"
    assert _report(client, account)["JobStatus"] == "COMPLETED"
    with pytest.raises(ValueError, match="not an OU id"):
        org.add_ou("ou-X", "bad")
