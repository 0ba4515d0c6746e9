"""Input pydantic's lax mode would coerce, refused as boto3 refuses it: bytes where a string is
wanted, a str where a list is wanted, a lone surrogate in any string member.

Every string and list member of every operation's input (nested ones one level down, such as
``Tags[0].Key``) is tried through both clients; each must fail with ParamValidationError naming
that member, before anything is sent (the mocked route sees no call).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import respx
from pydantic import BaseModel

import iamlast
from iamlast import errors
from iamlast._generated.operations import OPERATIONS

MODES = ["sync", "async"]


def _core(annotation: Any) -> Any:
    """The annotation without Annotated[...] and Optional."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            rest = [a for a in get_args(annotation) if a is not NoneType]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


@dataclass(frozen=True)
class Member:
    operation: str  # the client method
    path: str  # the wire path a problem must name
    kind: str  # "str" or "list[str]"
    build: Any  # value -> the keyword arguments that put ``value`` at ``path``


def _members() -> list[Member]:
    out: list[Member] = []
    for spec in OPERATIONS.values():
        model = spec.input_model
        if model is None:
            continue
        for name, field in model.model_fields.items():
            wire = field.alias or name
            core = _core(field.annotation)
            if core is str:
                out.append(Member(spec.python_name, wire, "str", lambda v, n=name: {n: v}))
            elif get_origin(core) is list:
                item = _core(get_args(core)[0])
                if item is str:
                    out.append(
                        Member(spec.python_name, wire, "list[str]", lambda v, n=name: {n: v})
                    )
                elif isinstance(item, type) and issubclass(item, BaseModel):
                    for inner, inner_field in item.model_fields.items():
                        if _core(inner_field.annotation) is str:
                            out.append(
                                Member(
                                    spec.python_name,
                                    f"{wire}[0].{inner_field.alias or inner}",
                                    "str",
                                    lambda v, n=name, i=inner: {n: [{i: v}]},
                                )
                            )
    return out


MEMBERS = _members()
STRINGS = [m for m in MEMBERS if m.kind == "str"]
LISTS = [m for m in MEMBERS if m.kind == "list[str]"]

BAD_STRINGS = {
    "bytes": (b"abc", "type"),
    "bytearray": (bytearray(b"abc"), "type"),
    "lone surrogate": ("ab\udc80c", "utf8"),
    "lone high surrogate": ("\ud83d", "utf8"),
}
BAD_LISTS = {"str": ("s3", "type"), "bytes": (b"s3", "type")}


def test_the_sweep_covers_the_model() -> None:
    assert len(STRINGS) > 300
    assert len(LISTS) > 5
    assert any(m.path == "ServiceNamespaces" for m in LISTS)
    assert any(m.path == "Tags[0].Key" for m in STRINGS)


async def _call(mode: str, client: Any, member: Member, value: Any) -> BaseException | None:
    method = getattr(client, member.operation)
    try:
        result = method(**member.build(value))
        if mode == "async":
            await result
    except BaseException as exc:
        return exc
    return None


def _named(exc: BaseException | None, member: Member, rule: str) -> str | None:
    """None when ``exc`` is the right refusal; otherwise what went wrong."""
    if not isinstance(exc, errors.ParamValidationError):
        return f"{member.operation} {member.path}: {exc!r}"
    found = [(p.path, p.rule) for p in exc.problems]
    if (member.path, rule) not in found:
        return f"{member.operation} {member.path}: problems {found}"
    return None


def _client(mode: str) -> Any:
    cls = iamlast.Client if mode == "sync" else iamlast.AsyncClient
    return cls(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(BAD_STRINGS), ids=list(BAD_STRINGS))
async def test_every_string_member_refuses(mode: str, case: str, iam: respx.Route) -> None:
    value, rule = BAD_STRINGS[case]
    client = _client(mode)
    wrong = [
        problem
        for member in STRINGS
        if (problem := _named(await _call(mode, client, member, value), member, rule))
    ]
    assert wrong == [], f"{len(wrong)} of {len(STRINGS)} members: {wrong[:10]}"
    assert iam.call_count == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(BAD_LISTS), ids=list(BAD_LISTS))
async def test_every_list_member_refuses_a_string(mode: str, case: str, iam: respx.Route) -> None:
    value, rule = BAD_LISTS[case]
    client = _client(mode)
    wrong = [
        problem
        for member in LISTS
        if (problem := _named(await _call(mode, client, member, value), member, rule))
    ]
    assert wrong == [], wrong
    assert iam.call_count == 0


@pytest.mark.parametrize("mode", MODES)
async def test_an_item_of_a_list_refuses_bytes(mode: str, iam: respx.Route) -> None:
    member = next(m for m in LISTS if m.path == "ServiceNamespaces")
    exc = await _call(mode, _client(mode), member, ["s3", b"ec2"])
    assert isinstance(exc, errors.ParamValidationError)
    assert [(p.path, p.rule) for p in exc.problems] == [("ServiceNamespaces[1]", "type")]
    assert iam.call_count == 0


@pytest.mark.parametrize("mode", MODES)
async def test_the_namespace_pager_refuses_a_string(mode: str, iam: respx.Route) -> None:
    client = _client(mode)
    with pytest.raises(errors.ParamValidationError) as caught:
        pager = client.paginate_policies_granting_service_access(
            "arn:aws:iam::123456789012:user/u", "s3"
        )
        if mode == "sync":
            pager.all()
        else:
            await pager.all()
    # A workflow method names its own argument (the request models name wire paths).
    assert caught.value.fields == ("service_namespaces",)
    assert iam.call_count == 0


def test_a_request_model_refuses_too() -> None:
    from iamlast.models import GetRoleRequest, ListPoliciesGrantingServiceAccessRequest

    with pytest.raises(errors.ParamValidationError, match="RoleName: expected a string"):
        GetRoleRequest(role_name=b"r")  # type: ignore[arg-type]
    with pytest.raises(errors.ParamValidationError, match="ServiceNamespaces: expected a list"):
        ListPoliciesGrantingServiceAccessRequest.validated(
            {"Arn": "arn:aws:iam::123456789012:user/u", "ServiceNamespaces": "s3"}
        )


@pytest.mark.parametrize("mode", MODES)
async def test_good_unicode_still_goes_out(mode: str, iam: respx.Route) -> None:
    from tests.client._support import ok

    iam.respond(200, content=ok("TagRole"))
    client = _client(mode)
    result = client.tag_role(role_name="r", tags=[{"Key": "Größe", "Value": "日本 語"}])
    if mode == "async":
        await result
        await client.aclose()
    else:
        client.close()
    assert iam.call_count == 1
