"""Request models enforce the model's constraints; response models accept whatever IAM sends.

Every constrained member of the Access Advisor requests is tried just inside and just outside
its bounds. A refusal is a ``ParamValidationError`` (also a ``ValueError`` and an ``IamError``)
whose problems name the wire member (``Tags[0].Key``) and the rule, never the value.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamlast
from iamlast import errors, models
from iamlast.errors import FieldProblem, ParamValidationError

ROOT = Path(__file__).resolve().parents[2]
JOB = "examplef-1305-c245-eba4-71fe298bcda7"
ARN = "arn:aws:iam::123456789012:role/AccessAdvisor"
ENTITY_PATH = "o-a1b2c3d4e5/r-f6g7"  # 19 characters: the minimum
MARKER_OK = "AAEAAQAAAAEAAAAgLWF4ZXhhbXBsZW1hcmtlcg=="

GSLAD = "GenerateServiceLastAccessedDetailsRequest"
GET = "GetServiceLastAccessedDetailsRequest"
GETE = "GetServiceLastAccessedDetailsWithEntitiesRequest"
LPGSA = "ListPoliciesGrantingServiceAccessRequest"
GOAR = "GenerateOrganizationsAccessReportRequest"
GETO = "GetOrganizationsAccessReportRequest"

#: A valid request of each shape; each case below changes one member.
BASE: dict[str, dict[str, Any]] = {
    GSLAD: {"Arn": ARN},
    GET: {"JobId": JOB},
    GETE: {"JobId": JOB, "ServiceNamespace": "iam"},
    LPGSA: {"Arn": ARN, "ServiceNamespaces": ["iam", "s3"]},
    GOAR: {"EntityPath": ENTITY_PATH},
    GETO: {"JobId": JOB},
}

OK = None
#: (shape, member, value, the rule broken or OK). ``...`` as value removes the member.
CASES: list[tuple[str, str, Any, str | None]] = [
    # GenerateServiceLastAccessedDetails: Arn 20..2048, Granularity enum
    (GSLAD, "Arn", "a" * 19, "min_length"),
    (GSLAD, "Arn", "a" * 20, OK),
    (GSLAD, "Arn", "a" * 2048, OK),
    (GSLAD, "Arn", "a" * 2049, "max_length"),
    (GSLAD, "Arn", ..., "required"),
    (GSLAD, "Granularity", "SERVICE_LEVEL", OK),
    (GSLAD, "Granularity", "ACTION_LEVEL", OK),
    (GSLAD, "Granularity", "service_level", "enum"),
    (GSLAD, "Granularity", "RESOURCE_LEVEL", "enum"),
    (GSLAD, "Granularity", "", "enum"),
    # GetServiceLastAccessedDetails: JobId exactly 36, MaxItems 1..1000, Marker 1..320 [\u0020-\u00FF]+
    (GET, "JobId", JOB, OK),
    (GET, "JobId", JOB[:-1], "min_length"),
    (GET, "JobId", JOB + "x", "max_length"),
    (GET, "JobId", ..., "required"),
    (GET, "MaxItems", 0, "min"),
    (GET, "MaxItems", 1, OK),
    (GET, "MaxItems", 1000, OK),
    (GET, "MaxItems", 1001, "max"),
    (GET, "MaxItems", -1, "min"),
    (GET, "Marker", MARKER_OK, OK),
    (GET, "Marker", " ", OK),  # \u0020, the low end of the pattern
    (GET, "Marker", "ÿ" * 320, OK),  # \u00FF, the high end, at the maximum length
    (GET, "Marker", "a" * 321, "max_length"),
    (GET, "Marker", "", "min_length"),
    (GET, "Marker", "abc\u0100", "pattern"),
    (GET, "Marker", "abc\x1f", "pattern"),
    (GET, "Marker", "line\nbreak", "pattern"),
    # GetServiceLastAccessedDetailsWithEntities: ServiceNamespace 1..64 [\w-]*
    (GETE, "ServiceNamespace", "a", OK),
    (GETE, "ServiceNamespace", "a-b_c9", OK),
    (GETE, "ServiceNamespace", "a" * 64, OK),
    (GETE, "ServiceNamespace", "a" * 65, "max_length"),
    (GETE, "ServiceNamespace", "", "min_length"),
    (GETE, "ServiceNamespace", "s3 ", "pattern"),
    (GETE, "ServiceNamespace", "é", "pattern"),  # \w is ASCII-only, as IAM applies it
    (GETE, "ServiceNamespace", ..., "required"),
    (GETE, "JobId", JOB, OK),
    (GETE, "JobId", "x" * 37, "max_length"),
    (GETE, "JobId", ..., "required"),
    (GETE, "MaxItems", 1, OK),
    (GETE, "MaxItems", 1001, "max"),
    (GETE, "Marker", "\u20ac", "pattern"),
    (GETE, "Marker", "\u00ff", OK),
    # ListPoliciesGrantingServiceAccess: ServiceNamespaces 1..200 items of [\w-]*
    (LPGSA, "ServiceNamespaces", ["iam"], OK),
    (LPGSA, "ServiceNamespaces", ["s"] * 200, OK),
    (LPGSA, "ServiceNamespaces", ["s"] * 201, "max_length"),
    (LPGSA, "ServiceNamespaces", [], "min_length"),
    (LPGSA, "ServiceNamespaces", ..., "required"),
    (LPGSA, "ServiceNamespaces", ["iam", "b c"], "pattern"),
    (LPGSA, "Arn", "a" * 20, OK),
    (LPGSA, "Arn", "a" * 19, "min_length"),
    (LPGSA, "Arn", ..., "required"),
    (LPGSA, "Marker", "x" * 320, OK),
    (LPGSA, "Marker", "x" * 321, "max_length"),
    # GenerateOrganizationsAccessReport: EntityPath 19..427 with a pattern, policy id pattern
    (GOAR, "EntityPath", ENTITY_PATH, OK),
    (GOAR, "EntityPath", "o-a1b2c3d4e5/r-f6g7/ou-f6g7-abcdefgh", OK),
    (GOAR, "EntityPath", "o-a1b2c3d4e5/r-f6g7/" + "a" * 407, OK),  # 427
    (GOAR, "EntityPath", "o-a1b2c3d4e5/r-f6g7/" + "a" * 408, "max_length"),
    (GOAR, "EntityPath", "o-a1b2c3d4e5/r-f6g", "min_length"),
    (GOAR, "EntityPath", "x-a1b2c3d4e5/r-f6g7", "pattern"),
    (GOAR, "EntityPath", "o-A1B2C3D4E5/r-f6g7", "pattern"),
    (GOAR, "EntityPath", ..., "required"),
    (GOAR, "OrganizationsPolicyId", "p-12345678", OK),
    (GOAR, "OrganizationsPolicyId", "p-" + "a" * 128, OK),
    (GOAR, "OrganizationsPolicyId", "p-" + "a" * 129, "pattern"),
    (GOAR, "OrganizationsPolicyId", "p-1234567", "pattern"),
    (GOAR, "OrganizationsPolicyId", "p-1234567é", "pattern"),
    # GetOrganizationsAccessReport: SortKey enum, the paging members
    *[(GETO, "SortKey", key, OK) for key in models.SortKeyType.values()],
    (GETO, "SortKey", "SERVICE_NAMESPACE", "enum"),
    (GETO, "SortKey", models.SortKeyType("LAST_AUTHENTICATED_TIME"), "enum"),
    (GETO, "MaxItems", 1, OK),
    (GETO, "MaxItems", 0, "min"),
    (GETO, "MaxItems", 1000, OK),
    (GETO, "MaxItems", 1001, "max"),
    (GETO, "Marker", MARKER_OK, OK),
    (GETO, "Marker", "", "min_length"),
    (GETO, "JobId", JOB, OK),
    (GETO, "JobId", "", "min_length"),
    (GETO, "JobId", ..., "required"),
]


def _kwargs(shape: str, member: str, value: Any) -> dict[str, Any]:
    kwargs = dict(BASE[shape])
    if value is ...:
        kwargs.pop(member, None)
    else:
        kwargs[member] = value
    return kwargs


def _id(case: tuple[str, str, Any, str | None]) -> str:
    shape, member, value, rule = case
    shown = (
        "missing"
        if value is ...
        else (f"len{len(value)}" if isinstance(value, str | list) else value)
    )
    return f"{shape.removesuffix('Request')}-{member}-{shown}-{rule or 'ok'}"


def problems(exc: ParamValidationError) -> set[tuple[str, str]]:
    return {(p.path, p.rule) for p in exc.problems}


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_request_constraints(case: tuple[str, str, Any, str | None]) -> None:
    shape, member, value, rule = case
    cls = getattr(models, shape)
    kwargs = _kwargs(shape, member, value)
    if rule is None:
        request = cls(**kwargs)
        assert request.to_query()  # a valid request serializes
        assert cls.of_json(kwargs) == request
        return
    for attempt in (
        lambda: cls(**kwargs),
        lambda: cls.validated(kwargs),
        lambda: cls.of_json(kwargs),
    ):
        with pytest.raises(ParamValidationError) as info:
            attempt()
        err = info.value
        assert isinstance(err, ValueError) and isinstance(err, iamlast.IamError)
        assert isinstance(err, errors.IamError)
        assert err.shape == shape
        # an item of a list is named by its index: ServiceNamespaces[1]
        path = (
            f"{member}[{len(value) - 1}]"
            if isinstance(value, list) and rule == "pattern"
            else member
        )
        assert (path, rule) in problems(err), err.problems
        assert all(p.path == path for p in err.problems), err.problems
        assert path in err.fields
        assert shape in str(err) and member in str(err)


def test_the_base_requests_are_valid() -> None:
    for shape, kwargs in BASE.items():
        getattr(models, shape)(**kwargs)


def test_every_constrained_member_is_tried() -> None:
    """Each member of the six requests with a constraint has a case on both sides of it."""
    spec = json.loads((ROOT / "specs" / "iam-2010-05-08" / "service-2.json").read_text())
    shapes = spec["shapes"]
    for name in BASE:
        for member, ref in shapes[name]["members"].items():
            target = shapes[ref["shape"]]
            constrained = {"min", "max", "pattern", "enum"} & set(target)
            if not constrained:
                continue
            tried = [c for c in CASES if c[0] == name and c[1] == member]
            assert any(c[3] is OK for c in tried), (name, member)
            assert any(c[3] not in (OK, "required") for c in tried), (name, member)
        for member in shapes[name].get("required", []):
            assert (name, member, ..., "required") in CASES


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.GetServiceLastAccessedDetailsWithEntitiesRequest(MaxItems=0, Marker="")
    assert problems(info.value) >= {
        ("JobId", "required"),
        ("ServiceNamespace", "required"),
        ("MaxItems", "min"),
        ("Marker", "min_length"),
    }
    assert "4 problems" in str(info.value) or "5 problems" in str(info.value)


def test_unknown_member_in_of_json_is_refused() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.GetServiceLastAccessedDetailsRequest.of_json({"JobId": JOB, "MaxItem": 5})
    assert problems(info.value) == {("MaxItem", "unknown")}


def test_wrong_type_is_refused_with_the_wire_name() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.GetServiceLastAccessedDetailsRequest(JobId=JOB, MaxItems="many")
    assert [p.path for p in info.value.problems] == ["MaxItems"]


# ------------------------------------------------------------------ names in and out


def test_attribute_name_and_wire_name_are_the_same_member() -> None:
    by_attr = models.GetServiceLastAccessedDetailsRequest(job_id=JOB, max_items=5, marker="m")
    by_wire = models.GetServiceLastAccessedDetailsRequest(JobId=JOB, MaxItems=5, Marker="m")
    mixed = models.GetServiceLastAccessedDetailsRequest.validated(
        {"job_id": JOB, "MaxItems": 5, "marker": "m"}
    )
    assert by_attr == by_wire == mixed
    assert (
        by_attr.to_query() == by_wire.to_query() == {"JobId": JOB, "MaxItems": "5", "Marker": "m"}
    )
    for kwargs in ({"job_id": JOB, "max_items": 0}, {"JobId": JOB, "MaxItems": 0}):
        with pytest.raises(ParamValidationError) as info:
            models.GetServiceLastAccessedDetailsRequest(**kwargs)
        assert problems(info.value) == {("MaxItems", "min")}  # always the wire name


def test_nested_paths_name_the_list_index_and_wire_member() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest(
            role_name="r",
            tags=[
                {"Key": "ok", "Value": "fine"},
                {"key": "k" * 129, "value": "v"},
                models.Tag.model_construct(key="bad\x07key", value="tab\tvalue"),
            ],
        )
    assert problems(info.value) == {
        ("Tags[1].Key", "max_length"),
        ("Tags[2].Key", "pattern"),
        ("Tags[2].Value", "pattern"),
    }
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest(RoleName="r", Tags=[{"Value": "no key"}])
    assert problems(info.value) == {("Tags[0].Key", "required")}
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest(RoleName="r", Tags=[{"Key": str(i), "Value": ""} for i in range(51)])
    assert problems(info.value) == {("Tags", "max_length")}
    models.TagRoleRequest(RoleName="r", Tags=[{"Key": str(i), "Value": ""} for i in range(50)])
    models.TagRoleRequest(RoleName="r", Tags=[{"Key": "k" * 128, "Value": "v" * 256}])


def test_nested_paths_from_of_json() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest.of_json({"RoleName": "r", "Tags": [{"Key": "", "Value": "v"}]})
    assert problems(info.value) == {("Tags[0].Key", "min_length")}


@pytest.mark.parametrize("key", ["Ünïcode", "中文", "ключ", "café au lait", "٣", "x\u00a0y"])
def test_unicode_letters_pass_p_l_patterns(key: str) -> None:
    tag = models.Tag(Key=key, Value=key)
    request = models.TagRoleRequest(RoleName="r", Tags=[tag])
    assert request.to_query()["Tags.member.1.Key"] == key


@pytest.mark.parametrize(
    "key", ["bad\x07", "tab\tkey", "new\nline", "nul\x00", "del\x7f", "<tag>", "a;b"]
)
def test_control_and_other_characters_fail_tag_patterns(key: str) -> None:
    with pytest.raises(ParamValidationError) as info:
        models.Tag(Key=key, Value="v")
    assert problems(info.value) == {("Key", "pattern")}


@pytest.mark.parametrize("name", ["rôle", "Ærole", "роль", "role name", "role\u200b"])
def test_w_is_ascii_only(name: str) -> None:
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest(RoleName=name, Tags=[])
    assert problems(info.value) == {("RoleName", "pattern")}


def test_ascii_word_characters_pass() -> None:
    models.TagRoleRequest(RoleName="My_Role+=,.@-1", Tags=[])


# ------------------------------------------------------------------ sensitive members


SECRET = "Zq7-UNIQUE-SECRET-\u00e9\x01"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        (SECRET, "pattern"),
        ("Zq7-UNIQUE-SECRET-" * 8, "max_length"),
        ("", "min_length"),
        (8675309, "type"),
    ],
)
def test_sensitive_values_are_never_echoed(password: Any, rule: str) -> None:
    with pytest.raises(ParamValidationError) as info:
        models.CreateLoginProfileRequest(UserName="alice", Password=password)
    err = info.value
    assert problems(err) == {("Password", rule)}
    shown = " ".join([str(err), repr(err), *map(str, err.args), *(p.message for p in err.problems)])
    secret = str(password)
    if secret:
        assert secret not in shown
        assert "UNIQUE-SECRET" not in shown and "8675309" not in shown


def test_sensitive_values_are_masked_in_repr() -> None:
    request = models.CreateLoginProfileRequest(UserName="alice", Password="hunter2-correct")
    assert "hunter2" not in repr(request) and "hunter2" not in str(request)
    assert request.to_query()["Password"] == "hunter2-correct"


def test_non_sensitive_values_are_not_echoed_either() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.GenerateServiceLastAccessedDetailsRequest(Arn="short-distinct")
    assert "short-distinct" not in str(info.value)


def test_field_problem_is_plain_data() -> None:
    problem = FieldProblem("Tags[0].Key", "pattern", "does not match")
    assert str(problem) == "Tags[0].Key: does not match"
    err = ParamValidationError("TagRoleRequest", [problem])
    assert err.fields == ("Tags[0].Key",) and err.problems == (problem,)


# ------------------------------------------------------------------ responses are lenient

NS = "https://iam.amazonaws.com/doc/2010-05-08/"


def test_responses_accept_what_requests_refuse() -> None:
    long_marker = "m\u0100" * 400  # too long, and outside the request pattern
    document = f"""<GetServiceLastAccessedDetailsWithEntitiesResponse xmlns="{NS}">
      <GetServiceLastAccessedDetailsWithEntitiesResult>
        <JobStatus>PAUSED</JobStatus>
        <JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>
        <EntityDetailsList>
          <member>
            <EntityInfo>
              <Arn>short</Arn><Name>{"n" * 500}</Name><Type>GROUP_OF_ROBOTS</Type><Id>i</Id>
            </EntityInfo>
          </member>
        </EntityDetailsList>
        <IsTruncated>true</IsTruncated>
        <Marker>{long_marker}</Marker>
      </GetServiceLastAccessedDetailsWithEntitiesResult>
    </GetServiceLastAccessedDetailsWithEntitiesResponse>"""
    r = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(document)
    assert r.job_status == "PAUSED" and not r.job_status.known
    assert r.marker == long_marker
    info = r.entity_details_list[0].entity_info
    assert (info.arn, len(info.name), info.type) == ("short", 500, "GROUP_OF_ROBOTS")
    assert r.job_completion_date is None  # "required" in the model, absent while IN_PROGRESS
    again = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_json(r.to_json())
    assert again == r
    # the request side refuses the same marker
    with pytest.raises(ParamValidationError):
        models.GetServiceLastAccessedDetailsWithEntitiesRequest(
            JobId=JOB, ServiceNamespace="iam", Marker=long_marker
        )


def test_a_shape_used_both_ways_is_lenient_in_responses_and_strict_in_requests() -> None:
    document = f"""<ListRoleTagsResponse xmlns="{NS}"><ListRoleTagsResult>
      <Tags><member><Key>{"k" * 200}</Key><Value>semi;colon</Value></member></Tags>
      <IsTruncated>false</IsTruncated>
    </ListRoleTagsResult></ListRoleTagsResponse>"""
    r = models.ListRoleTagsResponse.of_xml(document)
    assert len(r.tags[0].key) == 200
    assert models.ListRoleTagsResponse.of_json(r.to_json()) == r
    # sending what was received is checked again
    with pytest.raises(ParamValidationError) as info:
        models.TagRoleRequest(RoleName="r", Tags=r.tags)
    assert problems(info.value) == {("Tags[0].Key", "max_length"), ("Tags[0].Value", "pattern")}


# ------------------------------------------------------------------ lazy imports


def _run(code: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_import_iamlast_loads_no_model_and_no_heavy_dependency() -> None:
    loaded = _run(
        "import sys, json, iamlast; from iamlast import IamError, ParamValidationError; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    assert not [m for m in loaded if m.startswith("iamlast._generated")]
    assert "iamlast._runtime.shape" not in loaded
    for heavy in ("httpx", "botocore", "pydantic", "lxml", "boto3", "click", "rich"):
        assert heavy not in loaded, heavy


def _module_closure(shape: str) -> set[str]:
    from codegen import names

    spec = json.loads((ROOT / "specs" / "iam-2010-05-08" / "service-2.json").read_text())["shapes"]
    seen: set[str] = set()
    stack = [shape]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        raw = spec[name]
        stack.extend(m["shape"] for m in raw.get("members", {}).values())
        stack.extend(raw[k]["shape"] for k in ("member", "key", "value") if k in raw)
    return {
        f"iamlast._generated.shapes.{names.module(n)}"
        for n in seen
        if spec[n]["type"] == "structure"
    }


def test_accessing_a_model_loads_only_its_modules() -> None:
    loaded = _run(
        "import sys, json; from iamlast import models; models.Role; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('iamlast._generated.shapes.'))))"
    )
    expected = _module_closure("Role")
    assert "iamlast._generated.shapes.role_last_used" in expected
    assert set(loaded) == expected


def test_errors_and_operations_load_no_shape_module() -> None:
    loaded = _run(
        "import sys, json; from iamlast import errors, operations; "
        "errors.NoSuchEntityError; operations.get('ListRoles'); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('iamlast._generated.shapes.'))))"
    )
    assert loaded == []
