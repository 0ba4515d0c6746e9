"""The sample response of GetServiceLastAccessedDetailsWithEntities's API reference page parses to
the values the page documents.

The page (../shared/seeds/003_200034e0727a50a8.txt) shows only the inner members of the result;
they are wrapped here in the document IAM really sends. The seeds' README asks that their text
not be copied into the project, so the page is read where it is, and the test skips (saying so)
on a machine without ../shared.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore.session
import pytest
from botocore.parsers import QueryParser

from iamlast import models
from iamlast.testing import to_xml

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "003_200034e0727a50a8.txt"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"
REQUEST_ID = "6b1f2a9c-0000-4000-8000-seedsample003"


def sample_from_seed() -> str:
    if not SEED.exists():
        pytest.skip(
            f"{SEED} is not there (a clean clone without ../shared): the seed page cannot be read"
        )
    page = SEED.read_text(encoding="utf-8")
    match = re.search(r"Sample Response\s*(<.*?>)\s*See Also", page, re.S)
    assert match, "the seed page has no 'Sample Response' section"
    return match.group(1)


def wrap(members: str) -> bytes:
    op = "GetServiceLastAccessedDetailsWithEntities"
    return (
        f'<{op}Response xmlns="{NS}"><{op}Result>{members}</{op}Result>'
        f"<ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></{op}Response>"
    ).encode()


@pytest.fixture
def document() -> bytes:
    return wrap(sample_from_seed())


def test_sample_parses_to_the_documented_values(document: bytes) -> None:
    r = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(document)

    assert r.job_status == models.JobStatusType.COMPLETED and r.job_status.known
    assert r.job_creation_date == datetime(2018, 10, 24, 19, 47, 31, 466000, tzinfo=UTC)
    assert r.job_completion_date == datetime(2018, 10, 24, 19, 47, 35, 241000, tzinfo=UTC)
    assert r.is_truncated is False
    assert r.marker is None and r.error is None
    assert r.response_metadata is not None and r.response_metadata.request_id == REQUEST_ID

    assert len(r.entity_details_list) == 2
    user, role = r.entity_details_list
    assert user.entity_info.arn == "arn:aws:iam::123456789012:user/AWSExampleUser01"
    assert user.entity_info.id == "AIDAEX2EXAMPLEB6IGCDC"
    assert user.entity_info.name == "AWSExampleUser01"
    assert user.entity_info.path == "/"
    assert user.entity_info.type == models.PolicyOwnerEntityType.USER
    assert user.last_authenticated == datetime(2018, 10, 24, 19, 10, 0, tzinfo=UTC)

    assert role.entity_info.arn == "arn:aws:iam::072398337363:role/AWSExampleRole01"
    assert role.entity_info.id == "AROAEAW2EXAMPLENXSIU4"
    assert role.entity_info.name == "AWSExampleRole01"
    assert role.entity_info.type == models.PolicyOwnerEntityType.ROLE
    assert role.last_authenticated is None

    for ts in (r.job_creation_date, r.job_completion_date, user.last_authenticated):
        assert ts is not None and ts.tzinfo is not None and ts.utcoffset() == timedelta(0)


def test_sample_as_json_and_back(document: bytes) -> None:
    r = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(document)
    data = r.to_json()
    assert data["JobCreationDate"] == "2018-10-24T19:47:31.466Z"
    assert data["JobCompletionDate"] == "2018-10-24T19:47:35.241Z"
    assert data["EntityDetailsList"][0]["LastAuthenticated"] == "2018-10-24T19:10:00Z"
    assert "LastAuthenticated" not in data["EntityDetailsList"][1]
    assert data["EntityDetailsList"][1]["EntityInfo"]["Type"] == "ROLE"
    assert data["ResponseMetadata"] == {"RequestId": REQUEST_ID}
    assert models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_json(data) == r
    assert models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(to_xml(r)) == r


def test_botocore_reads_the_sample_alike(document: bytes) -> None:
    op = (
        botocore.session.get_session()
        .get_service_model("iam")
        .operation_model("GetServiceLastAccessedDetailsWithEntities")
    )
    theirs = QueryParser().parse(
        {"body": document, "headers": {}, "status_code": 200}, op.output_shape
    )
    ours = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(document)
    assert theirs["JobStatus"] == ours.job_status
    assert theirs["JobCreationDate"] == ours.job_creation_date
    assert theirs["JobCompletionDate"] == ours.job_completion_date
    assert theirs["IsTruncated"] is ours.is_truncated
    assert [e.get("LastAuthenticated") for e in theirs["EntityDetailsList"]] == [
        e.last_authenticated for e in ours.entity_details_list
    ]
    assert [e["EntityInfo"] for e in theirs["EntityDetailsList"]] == [
        e.entity_info.to_json() for e in ours.entity_details_list
    ]
    assert theirs["ResponseMetadata"]["RequestId"] == REQUEST_ID
