"""Client arguments of the wrong type are refused at construction, naming them, for both clients;
the right types (and the AWS common errors they meet later) keep working."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
import respx

import iamlast
from iamlast import errors

from ._support import AKID, SECRET, error

CLIENTS = {"sync": iamlast.Client, "async": iamlast.AsyncClient}
KEYS = {"aws_access_key_id": AKID, "aws_secret_access_key": SECRET}

BAD: list[tuple[str, Any]] = [
    ("aws_access_key_id", 123),
    ("aws_secret_access_key", b"secret"),
    ("aws_session_token", 5),
    ("region", 5),
    ("profile", ["dev"]),
    ("endpoint_url", b"https://iam.amazonaws.com"),
    ("max_attempts", 2.5),
    ("max_attempts", "3"),
    ("max_attempts", True),
    ("max_attempts", 0),
    ("max_rate", "x"),
    ("max_rate", 0),
    ("max_rate", float("nan")),
    ("timeout", "3"),
    ("timeout", -1),
    ("timeout", float("inf")),
    ("timeout", True),
    ("call_timeout", "10"),
    ("call_timeout", 0),
    ("retry_mode", "legacy"),
    ("retry_mode", 1),
    ("use_fips", "yes"),
    ("verify", 1),
    ("credentials", {"key": "AKID"}),
    ("credentials", ("AKID",)),
    ("credentials", ("AKID", 5)),
    ("credentials", ("", "secret")),
    ("aws_access_key_id", ""),
    ("http_client", object()),
]


def _kwargs(name: str, value: Any) -> dict[str, Any]:
    if name in ("aws_access_key_id", "aws_secret_access_key"):
        return {**KEYS, name: value}
    if name == "credentials":
        return {name: value}
    return {**KEYS, name: value}


@pytest.mark.parametrize("mode", list(CLIENTS))
@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v!r}"[:40] for n, v in BAD])
def test_a_wrong_argument_is_refused_naming_it(
    mode: str, name: str, value: Any, router: respx.MockRouter
) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        CLIENTS[mode](**_kwargs(name, value))
    assert name in caught.value.fields
    assert caught.value.shape == CLIENTS[mode].__name__
    assert not router.calls


@pytest.mark.parametrize("mode", list(CLIENTS))
def test_every_wrong_argument_is_named_at_once(mode: str) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        CLIENTS[mode](
            aws_access_key_id=123, aws_secret_access_key=SECRET, max_attempts=2.5, timeout="3"
        )
    assert set(caught.value.fields) == {"aws_access_key_id", "max_attempts", "timeout"}


@pytest.mark.parametrize("mode", list(CLIENTS))
def test_values_are_not_echoed_for_strings(mode: str) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        CLIENTS[mode](aws_access_key_id=AKID, aws_secret_access_key=b"wJalrXUtnFEMIbytes")
    assert "wJalrXUtnFEMI" not in str(caught.value)


def test_the_wrong_kind_of_http_client_is_refused() -> None:
    with httpx.Client() as sync_http:
        with pytest.raises(errors.ParamValidationError, match=r"httpx\.AsyncClient"):
            iamlast.AsyncClient(**KEYS, http_client=sync_http)  # type: ignore[arg-type]


async def test_the_wrong_kind_of_http_client_is_refused_by_the_sync_client() -> None:
    async with httpx.AsyncClient() as async_http:
        with pytest.raises(errors.ParamValidationError, match=r"httpx\.Client"):
            iamlast.Client(**KEYS, http_client=async_http)  # type: ignore[arg-type]


GOOD: list[dict[str, Any]] = [
    {"timeout": 3},
    {"timeout": 2.5},
    {"timeout": httpx.Timeout(5.0, connect=1.0)},
    {"call_timeout": 30},
    {"max_attempts": 1},
    {"max_rate": 0.5},
    {"retry_mode": "adaptive"},
    {"use_fips": False},
    {"verify": False},
    {"verify": ssl.create_default_context()},
    {"region": "eu-west-1", "profile": None},
]


@pytest.mark.parametrize("mode", list(CLIENTS))
@pytest.mark.parametrize("extra", GOOD, ids=[repr(sorted(g))[:40] for g in GOOD])
def test_right_arguments_are_accepted(mode: str, extra: dict[str, Any]) -> None:
    CLIENTS[mode](**KEYS, **extra)


def test_credentials_in_every_accepted_form() -> None:
    from iamlast._runtime.signing import Credentials

    for credentials in (
        (AKID, SECRET),
        (AKID, SECRET, None),
        (AKID, SECRET, "tok"),
        Credentials(AKID, SECRET),
    ):
        iamlast.Client(credentials=credentials)


# --------------------------------------------------------------------------- common errors


CLOCK_SKEW = ["RequestTimeTooSkewed", "RequestInTheFuture", "RequestExpired"]


@pytest.mark.parametrize("mode", list(CLIENTS))
@pytest.mark.parametrize(
    "code", [*CLOCK_SKEW, "InvalidSignatureException", "AuthFailure", "NotAuthorized"]
)
async def test_common_codes_have_their_classes(mode: str, code: str, iam: respx.Route) -> None:
    iam.mock(return_value=error(code, status=403, message="check your clock"))
    client = CLIENTS[mode](**KEYS)
    with pytest.raises(errors.CommonServiceError) as caught:
        result = client.list_roles()
        if mode == "async":
            await result
    assert type(caught.value) is not errors.UnknownServiceError
    assert type(caught.value).__name__ in errors.__all__
    assert caught.value.code == code
    assert isinstance(caught.value, errors.ClockSkewError) == (code in CLOCK_SKEW)
    assert iam.call_count == 1  # none of them is retried


def test_request_time_too_skewed_decodes_to_its_class() -> None:
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>RequestTimeTooSkewed</Code>"
        b"<Message>The difference between the request time and the current time is too large."
        b"</Message></Error><RequestId>rid</RequestId></ErrorResponse>"
    )
    err = errors.decode_error("ListRoles", 403, body, {})
    assert isinstance(err, errors.RequestTimeTooSkewedError)
    assert isinstance(err, errors.ClockSkewError)
    assert err.request_id == "rid"


@pytest.mark.parametrize("mode", list(CLIENTS))
@pytest.mark.parametrize(
    ("setting", "value"),
    [("endpoint_url", "ftp://iam.amazonaws.com"), ("region", "not a region!")],
)
def test_a_bad_endpoint_or_region_is_an_iam_error(
    mode: str, setting: str, value: str, aws_env: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    aws_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))  # resolved at construction
    with pytest.raises(errors.InvalidSettingError, match=setting.split("_")[0]) as caught:
        CLIENTS[mode](**KEYS, **{setting: value})
    assert isinstance(caught.value, ValueError)  # as before, for code that caught that


@pytest.mark.parametrize("mode", list(CLIENTS))
@pytest.mark.parametrize(
    ("variable", "value"), [("AWS_MAX_ATTEMPTS", "many"), ("AWS_RETRY_MODE", "bogus")]
)
def test_a_bad_retry_setting_in_the_environment_is_an_iam_error(
    mode: str, variable: str, value: str, aws_env: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    aws_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    aws_env.setenv(variable, value)
    with pytest.raises(errors.InvalidSettingError) as caught:
        CLIENTS[mode](**KEYS)
    assert isinstance(caught.value, errors.ConfigurationError)
