"""What botocore 1.44.8's IAM model added, end to end: the new operation
(UpdateOpenIDConnectProvider) through both clients, and the new request members written exactly as
botocore's own QuerySerializer writes them (it is the reference: boto3 sends what it writes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import botocore.session
import httpx
import pytest
import respx
from botocore.serialize import QuerySerializer

import iamlast
from iamlast import models
from iamlast.errors import ConcurrentModificationError, NoSuchEntityError
from iamlast.operations import OPERATIONS
from iamlast.testing import of_query

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
IAM = "https://iam.amazonaws.com/"
SERVICE = botocore.session.get_session().get_service_model("iam")
ARN = "arn:aws:iam::123456789012:oidc-provider/idp.example.com"
CONTEXT = {
    "KeyDefinitionList": [{"SourceKey": "email", "TargetKey": "mail"}, {"SourceKey": "groups"}],
    "SubjectSourceKey": "sub",
    "SubjectTypeValue": "user",
}

#: boto3-style parameters of calls using what 1.44.8 added.
CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "UpdateOpenIDConnectProvider",
        {
            "OpenIDConnectProviderArn": ARN,
            "ContextProvider": CONTEXT,
            "IdentityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-1",
        },
    ),
    (
        "UpdateOpenIDConnectProvider",
        {
            "OpenIDConnectProviderArn": ARN,
            "RemoveContextProvider": True,
            "RemoveIdentityCenterInstance": False,
        },
    ),
    (
        "CreateOpenIDConnectProvider",
        {"Url": "https://idp.example.com", "ContextProvider": {"SubjectSourceKey": "sub"}},
    ),
    (
        "CreateSAMLProvider",
        {"SAMLMetadataDocument": "x" * 1000, "Name": "idp", "ContextProvider": CONTEXT},
    ),
    (
        "UpdateSAMLProvider",
        {
            "SAMLProviderArn": ARN,
            "RemoveContextProvider": True,
            "IdentityCenterInstanceArn": "arn:aws:sso:::instance/i",
        },
    ),
    (
        "CreateRole",
        {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSigninSessionDuration": 43200},
    ),
    ("UpdateRole", {"RoleName": "r", "ResetMaxSigninSessionDuration": True}),
    ("CreateLoginProfile", {"UserName": "u", "MaxSigninSessionDuration": 7776000}),
    ("UpdateLoginProfile", {"UserName": "u", "MaxSigninSessionDuration": 3600}),
]


def botocore_form(operation: str, params: dict[str, Any]) -> dict[str, str]:
    body = QuerySerializer().serialize_to_request(params, SERVICE.operation_model(operation))[
        "body"
    ]
    form = {k: str(v) for k, v in body.items()}  # urlencoded later: ints are still ints here
    assert form.pop("Action") == operation and form.pop("Version") == "2010-05-08"
    return form


@pytest.mark.parametrize(
    ("operation", "params"), CALLS, ids=[f"{o}-{i}" for i, (o, _) in enumerate(CALLS)]
)
def test_new_request_members_are_written_as_botocore_writes_them(
    operation: str, params: dict[str, Any]
) -> None:
    request = OPERATIONS[operation].input_model.of_json(params)  # type: ignore[union-attr]
    assert request.to_query() == botocore_form(operation, params)
    # and the emulator's side reads them back to the same request
    assert of_query(type(request), request.to_query()) == request


def test_the_new_operation_is_described() -> None:
    spec = OPERATIONS["UpdateOpenIDConnectProvider"]
    assert spec.input_model is models.UpdateOpenIDConnectProviderRequest and spec.output is None
    assert spec.paginator is None  # botocore pages it not, nor does IAM
    assert set(spec.error_classes) >= {ConcurrentModificationError, NoSuchEntityError}
    doc = iamlast.Client.update_open_id_connect_provider.__doc__ or ""
    assert "trusted identity propagation context provider" in " ".join(doc.split())
    assert iamlast.AsyncClient.update_open_id_connect_provider.__doc__ == doc


def test_request_limits_from_the_new_model() -> None:
    with pytest.raises(iamlast.ParamValidationError) as info:
        models.UpdateRoleRequest(role_name="r", max_signin_session_duration=60)
    assert [(p.path, p.rule) for p in info.value.problems] == [("MaxSigninSessionDuration", "min")]
    with pytest.raises(iamlast.ParamValidationError) as info:
        models.UpdateOpenIDConnectProviderRequest(
            open_id_connect_provider_arn=ARN,
            context_provider={
                "SubjectSourceKey": "s",
                "KeyDefinitionList": [{"SourceKey": "k"}] * 11,
            },
        )
    assert [(p.path, p.rule) for p in info.value.problems] == [
        ("ContextProvider.KeyDefinitionList", "max_length")
    ]


def _ok(operation: str) -> bytes:
    return (
        f'<{operation}Response xmlns="{NS}"><ResponseMetadata><RequestId>rid-1</RequestId>'
        f"</ResponseMetadata></{operation}Response>"
    ).encode()


def _error(code: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>no</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>"
    ).encode()


@pytest.fixture
def sent(aws_env: pytest.MonkeyPatch) -> Iterator[list[dict[str, str]]]:
    """Mocked IAM: answers UpdateOpenIDConnectProvider, then NoSuchEntity, then
    ConcurrentModification; the list holds each request's form."""
    forms: list[dict[str, str]] = []
    answers = iter(
        [
            (200, _ok("UpdateOpenIDConnectProvider")),
            (404, _error("NoSuchEntity")),
            (409, _error("ConcurrentModification")),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        forms.append(dict(parse_qsl(request.content.decode(), keep_blank_values=True)))
        status, body = next(answers)
        return httpx.Response(status, content=body)

    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(IAM).mock(side_effect=answer)
        yield forms


KEYS: dict[str, Any] = {
    "aws_access_key_id": "AKIDEXAMPLE",
    "aws_secret_access_key": "secret",
    "max_attempts": 1,
}


def _check(forms: list[dict[str, str]], first: Any) -> None:
    assert first.response_metadata.request_id == "rid-1"
    expected = {"Action": "UpdateOpenIDConnectProvider", "Version": "2010-05-08"}
    expected.update(botocore_form("UpdateOpenIDConnectProvider", dict(CALLS[0][1])))
    assert forms[0] == expected


def test_the_new_operation_through_the_client(sent: list[dict[str, str]]) -> None:
    with iamlast.Client(**KEYS) as client:
        first = client.update_open_id_connect_provider(
            open_id_connect_provider_arn=ARN,
            context_provider=CONTEXT,
            identity_center_instance_arn="arn:aws:sso:::instance/ssoins-1",
        )
        _check(sent, first)
        with pytest.raises(NoSuchEntityError):
            client.update_open_id_connect_provider(open_id_connect_provider_arn=ARN)
        with pytest.raises(ConcurrentModificationError):
            client.update_open_id_connect_provider(open_id_connect_provider_arn=ARN)


async def test_the_new_operation_through_the_async_client(sent: list[dict[str, str]]) -> None:
    async with iamlast.AsyncClient(**KEYS) as client:
        first = await client.update_open_id_connect_provider(
            models.UpdateOpenIDConnectProviderRequest(
                open_id_connect_provider_arn=ARN,
                context_provider=models.ContextProvider.of_json(CONTEXT),
                identity_center_instance_arn="arn:aws:sso:::instance/ssoins-1",
            )
        )
        _check(sent, first)
        with pytest.raises(NoSuchEntityError):
            await client.update_open_id_connect_provider(open_id_connect_provider_arn=ARN)
        with pytest.raises(ConcurrentModificationError):
            await client.update_open_id_connect_provider(open_id_connect_provider_arn=ARN)
