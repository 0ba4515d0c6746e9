"""No repr, str or log line shows the secret access key or the session token (canary values)."""

from __future__ import annotations

import logging
import pickle

import httpx
import pytest
import respx

import iamlast
from iamlast import errors
from iamlast._runtime.signing import Credentials
from iamlast.models import CreateLoginProfileRequest

from ._support import AKID, GET_ROLE_OK, SECRET, TOKEN, FakeClock, error

PASSWORD = "PASSWORD-CANARY-hunter2!"
CANARIES = (SECRET, TOKEN)


def assert_clean(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text
    # Nor a recognisable piece of one.
    assert "CANARY" not in text.replace(AKID, "")


@pytest.mark.parametrize(
    "make",
    [
        lambda: iamlast.Client(
            aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
        ),
        lambda: iamlast.Client(credentials=(AKID, SECRET, TOKEN)),
        lambda: iamlast.Client(credentials=Credentials(AKID, SECRET, TOKEN)),
        lambda: iamlast.AsyncClient(credentials=(AKID, SECRET, TOKEN)),
    ],
    ids=["keywords", "tuple", "Credentials", "async"],
)
def test_client_repr(make: object) -> None:
    client = make()  # type: ignore[operator]
    text = repr(client) + str(client)
    assert_clean(text)
    assert AKID in text  # the key id is not a secret, and it helps


def test_credentials_repr() -> None:
    creds = Credentials(AKID, SECRET, TOKEN)
    assert_clean(repr(creds) + str(creds))


def test_request_model_with_password() -> None:
    request = CreateLoginProfileRequest(user_name="alice", password=PASSWORD)
    text = repr(request) + str(request) + f"{request!r}"
    assert PASSWORD not in text
    assert "alice" in text


def test_error_repr_str_and_json(iam: respx.Route, clock: FakeClock) -> None:
    iam.side_effect = [error("Throttling"), error("Throttling"), error("AccessDenied", 403)]
    with iamlast.Client(credentials=(AKID, SECRET, TOKEN)) as client:
        with pytest.raises(errors.AccessDeniedError) as caught:
            client.get_role(role_name="r")
    err = caught.value
    assert_clean(repr(err) + str(err) + repr(err.to_json()) + repr(vars(err)))
    assert_clean(repr(pickle.loads(pickle.dumps(err))))


def test_transport_error_text(iam: respx.Route, clock: FakeClock) -> None:
    iam.side_effect = httpx.ConnectError("refused")
    with iamlast.Client(credentials=(AKID, SECRET, TOKEN)) as client:
        with pytest.raises(errors.TransportError) as caught:
            client.list_roles()
    assert_clean(repr(caught.value) + str(caught.value) + repr(vars(caught.value)))


def test_raw_response_repr(iam: respx.Route) -> None:
    iam.respond(200, content=GET_ROLE_OK)
    with iamlast.Client(credentials=(AKID, SECRET, TOKEN)) as client:
        raw = client.with_raw_response.get_role(role_name="r")
    assert_clean(repr(raw) + repr(raw.parse()))


def full_retried_call(iam: respx.Route) -> None:
    iam.side_effect = [
        httpx.ConnectError("refused"),
        error("Throttling"),
        httpx.Response(500),
        httpx.Response(200, content=GET_ROLE_OK),
    ]
    with iamlast.Client(credentials=(AKID, SECRET, TOKEN), max_attempts=4) as client:
        client.get_role(role_name="r")
        with pytest.raises(errors.NoSuchEntityError):
            iam.side_effect = [error("NoSuchEntity", 404)]
            client.get_role(role_name="r")


def test_debug_log_lines_of_iamlast(
    iam: respx.Route, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="iamlast")
    full_retried_call(iam)
    lines = [r for r in caplog.records if r.name.startswith("iamlast")]
    assert len(lines) >= 5  # one per attempt
    text = "\n".join(f"{r.getMessage()} {r.args!r}" for r in lines)
    assert_clean(text)
    assert "GetRole attempt 1" in text and "retrying" in text


def test_no_log_line_of_any_logger_during_a_call(
    iam: respx.Route, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: what logging.basicConfig(level=DEBUG) shows
    full_retried_call(iam)
    assert caplog.records
    assert_clean("\n".join(r.getMessage() for r in caplog.records))
