"""A canary secret key and session token never show: not in any log line of any logger at DEBUG,
not in the repr/str of the client, its credential source, raw responses, response models, nor in
any exception (its str, repr, attributes, chained causes and formatted traceback), on success and
on every error path, with both clients; nor in the CLI's output, with and without --verbose.

tests/client/test_secrets.py checks the client's reprs and a retried call's log lines; this file
walks every error path (modelled error, throttled to exhaustion, transport error, parse error,
validation error, no credentials, a rejected signature), the emulator's temporary credentials and
the command line.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import iamlast
from iamlast import AsyncClient, Client, errors
from iamlast.testing import FakeIAM

from ._seeds import output_document
from .conftest import client_kwargs

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("short_backoff")]

AKID = "ASIARELIABILITY00042"
SECRET = "zQ9+SecretCanary/Rel1ab1l1ty+wJalrXUtnFE"
TOKEN = "IQoJTokenCanary//Rel1ab1l1ty//FwoGZXIvYXdzEJr//////////wEaDHRva2VuLWNhbmFyeQ=="
NS = "https://iam.amazonaws.com/doc/2010-05-08/"


def fragments(secret: str, width: int = 10) -> list[str]:
    """Every ``width``-character stretch of a secret: a partial leak counts too."""
    return [secret[i : i + width] for i in range(len(secret) - width + 1)]


def assert_clean(text: str, secrets: tuple[str, ...] = (SECRET, TOKEN)) -> None:
    for secret in secrets:
        for piece in fragments(secret):
            assert piece not in text, f"a piece of a secret ({piece!r}) leaked:\n{text[:3000]}"


def exception_text(exc: BaseException) -> str:
    """All an exception can show: the formatted traceback with its chain, and for it and each
    exception it chains to, str, repr and attributes (pickled and restored too, when it can be)."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        parts += [repr(v) for v in vars(current).values() if not isinstance(v, bytes)]
        if isinstance(current, errors.ServiceError):
            parts.append(repr(current.to_json()))
        try:
            parts.append(repr(pickle.loads(pickle.dumps(current))))
        except Exception:  # not every exception pickles; that is not the point here
            pass
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    lines = [caplog.text]
    for record in caplog.records:
        lines += [record.getMessage(), repr(record.args), record.exc_text or ""]
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(exception_text(record.exc_info[1]))
    return "\n".join(lines)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG, captured at the root (what logging.basicConfig(level=DEBUG) shows)."""
    caplog.set_level(logging.DEBUG)
    for name in ("iamlast", "botocore", "botocore.auth", "httpx", "httpcore", "urllib3", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# --------------------------------------------------------------------------------- responses


def ok(operation: str, result: str = "") -> bytes:
    return (
        f'<{operation}Response xmlns="{NS}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>rid-ok</RequestId></ResponseMetadata></{operation}Response>"
    ).encode()


def error_body(code: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{code} happened</Message></Error><RequestId>rid-err</RequestId></ErrorResponse>"
    ).encode()


Answer = Callable[[httpx.Request], httpx.Response]


def always(status: int, body: bytes) -> Answer:
    return lambda request: httpx.Response(status, content=body)


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


#: name → (how the endpoint answers, the exception expected, or None for success)
PATHS: dict[str, tuple[Answer, type[BaseException] | None]] = {
    "success": (always(200, output_document("ListRoles")), None),
    "modelled-error": (always(404, error_body("NoSuchEntity")), errors.NoSuchEntityError),
    "throttled-then-failed": (always(400, error_body("Throttling")), errors.ThrottlingError),
    "server-error": (always(503, b"<html>Service Unavailable</html>"), errors.UnknownServiceError),
    "transport-error": (refuse, errors.TransportError),
    "parse-error": (
        always(200, b"<ListRolesResponse><ListRolesResult><Roles>"),
        errors.ResponseParseError,
    ),
    "rejected-signature": (
        always(403, error_body("SignatureDoesNotMatch")),
        errors.SignatureDoesNotMatchError,
    ),
}


def _client(mode: str, answer: Answer, **extra: Any) -> Any:
    kwargs: dict[str, Any] = {
        "endpoint_url": "https://iam.secrets.test",
        "aws_access_key_id": AKID,
        "aws_secret_access_key": SECRET,
        "aws_session_token": TOKEN,
        "max_attempts": 3,
        **extra,
    }
    transport = httpx.MockTransport(answer)
    if mode == "sync":
        return Client(http_client=httpx.Client(transport=transport), **kwargs)
    return AsyncClient(http_client=httpx.AsyncClient(transport=transport), **kwargs)


async def _run(
    client: Any, mode: str, call: Callable[[Any], Any]
) -> tuple[Any, BaseException | None]:
    try:
        if mode == "sync":
            with client:
                return call(client), None
        async with client:
            return await call(client), None
    except Exception as exc:
        return None, exc


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("path", list(PATHS))
async def test_no_secret_on_any_path(
    path: str, mode: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    answer, expected = PATHS[path]
    client = _client(mode, answer)
    shown = [repr(client), str(client), repr(client._credentials)]
    result, exc = await _run(client, mode, lambda c: c.list_roles(max_items=5))
    raw, raw_exc = await _run(
        _client(mode, answer), mode, lambda c: c.with_raw_response.list_roles(max_items=5)
    )
    shown += [repr(client), str(client), repr(client._credentials)]  # after resolving
    if expected is None:
        assert exc is None and result is not None
        shown += [repr(result), str(result)]
    else:
        assert isinstance(exc, expected), exc
        shown.append(exception_text(exc))
    if raw is not None:
        shown += [repr(raw), raw.text]
        try:
            shown.append(repr(raw.parse()))
        except iamlast.IamError as parse_exc:
            shown.append(exception_text(parse_exc))
    if raw_exc is not None:
        shown.append(exception_text(raw_exc))
    assert debug_logs.records, "nothing was logged: the DEBUG capture is not working"
    # botocore.auth logs the canonical request (with the session token) at DEBUG while signing
    assert any(r.name == "botocore.auth" for r in debug_logs.records)
    assert_clean("\n".join(shown) + "\n" + log_text(debug_logs))


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_no_secret_in_validation_errors(
    mode: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=output_document("ListRoles"))

    # The secret itself passed where a request member goes: refused, and not echoed.
    for call in (
        lambda c: c.list_roles(max_items=0, marker=SECRET),
        lambda c: c.get_role(role_name=SECRET + " " + TOKEN),
        lambda c: c.create_login_profile(user_name="alice", password=TOKEN * 10),
        lambda c: c.list_roles(path_prefx=SECRET),
    ):
        _, exc = await _run(_client(mode, answer), mode, call)
        assert isinstance(exc, errors.ParamValidationError), exc
        assert_clean(exception_text(exc) + log_text(debug_logs))
    assert calls == []


def test_no_secret_when_no_credentials_are_found(
    aws_env: pytest.MonkeyPatch, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    # A secret without its key id (the environment, and a profile): unusable, and never shown.
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    aws_env.setenv("AWS_SESSION_TOKEN", TOKEN)
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(
        f"[half]\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    )
    for kwargs in ({}, {"profile": "half"}, {"profile": "absent"}):
        client = Client(endpoint_url="https://iam.secrets.test", **kwargs)
        with pytest.raises(iamlast.IamError) as caught:
            client.list_roles()
        assert isinstance(caught.value, errors.NoCredentialsError), caught.value
        assert_clean(exception_text(caught.value) + repr(client) + repr(client._credentials))
    assert_clean(log_text(debug_logs))


def _chain_credentials(source: str, aws_env: pytest.MonkeyPatch) -> None:
    """Put the canaries where botocore's default chain finds them."""
    if source == "environment":
        aws_env.setenv("AWS_ACCESS_KEY_ID", AKID)
        aws_env.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        aws_env.setenv("AWS_SESSION_TOKEN", TOKEN)
        return
    lines = f"aws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    if source == "credentials-file":
        Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(f"[default]\n{lines}")
    else:
        Path(os.environ["AWS_CONFIG_FILE"]).write_text(f"[profile canary]\n{lines}")
        aws_env.setenv("AWS_PROFILE", "canary")


@pytest.mark.parametrize("source", ["environment", "credentials-file", "config-profile"])
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_no_secret_with_credentials_from_the_default_chain(
    source: str, mode: str, aws_env: pytest.MonkeyPatch, debug_logs: pytest.LogCaptureFixture
) -> None:
    _chain_credentials(source, aws_env)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, content=error_body("Throttling"))

    transport = httpx.MockTransport(answer)
    options: dict[str, Any] = {"endpoint_url": "https://iam.secrets.test", "max_attempts": 2}
    client: Any
    if mode == "sync":
        client = Client(http_client=httpx.Client(transport=transport), **options)
    else:
        client = AsyncClient(http_client=httpx.AsyncClient(transport=transport), **options)
    _, exc = await _run(client, mode, lambda c: c.list_roles())
    assert isinstance(exc, errors.ThrottlingError), exc
    assert seen and seen[0].headers["x-amz-security-token"] == TOKEN  # they were used...
    shown = exception_text(exc) + repr(client) + str(client) + repr(client._credentials)
    assert AKID in repr(client._credentials)
    assert_clean(shown + log_text(debug_logs))  # ...and never shown


def _credential_process(tmp_path: Path, stdout: str) -> None:
    script = tmp_path / "creds.py"
    script.write_text(f"print({stdout!r})\n")
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[default]\ncredential_process = {sys.executable} {script}\n"
    )


def _process_json(version: int, **extra: str) -> str:
    fields = {
        "Version": version,
        "AccessKeyId": AKID,
        "SecretAccessKey": SECRET,
        "SessionToken": TOKEN,
    }
    return json.dumps({**fields, **extra})


BAD_PROCESS_OUTPUT = {
    "not-json": f"{SECRET} {TOKEN}",
    "bad-expiration": _process_json(1, Expiration="not-a-date"),
    "wrong-version": _process_json(2),
}


@pytest.mark.parametrize("output", list(BAD_PROCESS_OUTPUT))
def test_no_secret_when_a_credential_process_misbehaves(
    output: str, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    _credential_process(tmp_path, BAD_PROCESS_OUTPUT[output])
    client = Client(endpoint_url="https://iam.secrets.test")
    with pytest.raises(Exception) as caught:
        client.list_roles()
    text = "".join(traceback.format_exception(caught.value))
    text += "\n".join(str(e) + repr(e) for e in (caught.value, caught.value.__cause__) if e)
    assert_clean(text + repr(client) + log_text(debug_logs))


@pytest.mark.parametrize("output", ["not-json", "bad-expiration"])
def test_a_misbehaving_credential_process_is_a_typed_error(output: str, tmp_path: Path) -> None:
    _credential_process(tmp_path, BAD_PROCESS_OUTPUT[output])
    with pytest.raises(errors.NoCredentialsError):
        Client(endpoint_url="https://iam.secrets.test").list_roles()


# --------------------------------------------------------------------------------- models


def test_create_access_key_secret_is_masked_in_every_repr() -> None:
    body = ok(
        "CreateAccessKey",
        f"<AccessKey><UserName>alice</UserName><AccessKeyId>{AKID}</AccessKeyId>"
        f"<Status>Active</Status><SecretAccessKey>{SECRET}</SecretAccessKey>"
        "<CreateDate>2024-01-02T03:04:05Z</CreateDate></AccessKey>",
    )
    with _client("sync", always(200, body)) as client:
        response = client.create_access_key(user_name="alice")
        raw = client.with_raw_response.create_access_key(user_name="alice")
    key = response.access_key
    assert key.secret_access_key == SECRET  # the caller gets it...
    for shown in (response, key, raw.parse(), raw):
        assert_clean(repr(shown) + str(shown) + f"{shown!r}")  # ...nothing prints it
    assert AKID in repr(key)
    copied = key.model_copy()
    assert_clean(repr(copied) + repr([key]) + repr({"k": key}))


# --------------------------------------------------------------------------------- the emulator


@pytest.fixture
def temporary() -> Iterator[FakeIAM]:
    with FakeIAM(temporary_credentials=True, job_polls=0) as server:
        yield server


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_temporary_credentials_against_the_emulator(
    mode: str, temporary: FakeIAM, debug_logs: pytest.LogCaptureFixture
) -> None:
    secrets = (temporary.secret_access_key, str(temporary.session_token))
    kwargs = client_kwargs(temporary, max_attempts=2)
    cls = Client if mode == "sync" else AsyncClient
    shown: list[str] = []

    async def run(call: Callable[[Any], Any], **extra: Any) -> None:
        client = cls(**{**kwargs, **extra})
        result, exc = await _run(client, mode, call)
        shown.extend([repr(client), repr(client._credentials), repr(result)])
        if exc is not None:
            shown.append(exception_text(exc))

    arn = temporary.account.admin_role.arn
    await run(lambda c: c.last_accessed(arn, poll_delay=0.005, max_poll_delay=0.01))
    await run(lambda c: c.get_service_last_accessed_details(job_id="x" * 36))  # NoSuchEntity
    temporary.fail_next(2, "Throttling")
    await run(lambda c: c.list_roles())
    await run(lambda c: c.list_roles(), aws_session_token=None)  # the token left out: rejected
    await run(lambda c: c.list_roles(), aws_secret_access_key=SECRET)  # the wrong secret
    temporary.fail_next(2, "drop")
    await run(lambda c: c.list_roles())
    assert any("InvalidClientTokenId" in s for s in shown)
    assert any("SignatureDoesNotMatch" in s for s in shown)
    assert_clean("\n".join(shown) + log_text(debug_logs), (*secrets, SECRET))


# --------------------------------------------------------------------------------- the CLI


def _cli_env(server: FakeIAM, **changes: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("AWS_")}
    env.update(server.env())
    env.update(
        {
            "AWS_CONFIG_FILE": os.environ["AWS_CONFIG_FILE"],
            "AWS_SHARED_CREDENTIALS_FILE": os.environ["AWS_SHARED_CREDENTIALS_FILE"],
            "AWS_EC2_METADATA_DISABLED": "true",
            "COLUMNS": "160",
        }
    )
    env.update(changes)
    return env


def _cli_cases(server: FakeIAM) -> list[tuple[str, list[str], dict[str, str | None], int]]:
    admin = server.account.admin_role.arn
    missing = "arn:aws:iam::123456789012:role/not-there"
    closed = socket_that_refuses()
    return [
        ("report", ["report", admin, "-o", "json"], {}, 0),
        ("report-table", ["report", admin], {}, 0),
        ("scan", ["scan", "--roles", "-o", "ndjson", "--concurrency", "4"], {}, 0),
        ("not-found", ["report", missing], {}, 1),
        ("wrong-secret", ["report", admin], {"AWS_SECRET_ACCESS_KEY": SECRET}, 1),
        ("no-token", ["report", admin], {"AWS_SESSION_TOKEN": None}, 1),
        ("unreachable", ["report", admin], {"AWS_ENDPOINT_URL_IAM": closed}, 1),
        ("bad-argument", ["report", "not-an-arn"], {}, 2),
    ]


def socket_that_refuses() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there now


@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_cli_output_never_shows_the_secrets(
    temporary: FakeIAM, verbose: bool, aws_env: pytest.MonkeyPatch
) -> None:
    from iamlast.cli import cli

    secrets = (temporary.secret_access_key, str(temporary.session_token), SECRET)
    runner = CliRunner()
    seen_codes = []
    for name, args, changes, code in _cli_cases(temporary):
        argv = [*args, "--verbose"] if verbose else args
        result = runner.invoke(
            cli, argv, env=_cli_env(temporary, **changes), catch_exceptions=False
        )
        seen_codes.append((name, result.exit_code))
        output = result.stdout + result.stderr
        assert result.exit_code == code, (name, output[-2000:])
        assert_clean(output, secrets)
        if verbose and code == 1:
            assert "Traceback" in result.stderr  # --verbose really showed the traceback
    assert len(seen_codes) == 8


def test_cli_console_script_never_shows_the_secrets(temporary: FakeIAM, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("iamlast")
    if not script.exists():
        pytest.skip("the iamlast console script is not installed in this environment")
    secrets = (temporary.secret_access_key, str(temporary.session_token), SECRET)
    env = {k: v for k, v in _cli_env(temporary).items() if v is not None}
    env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
    admin = temporary.account.admin_role.arn
    for args, extra in (
        (["report", admin, "--verbose"], {}),
        (["report", admin, "--verbose"], {"AWS_SECRET_ACCESS_KEY": SECRET}),
    ):
        done = subprocess.run(
            [str(script), *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert_clean(done.stdout + done.stderr, secrets)
        assert "iamlast: DEBUG" in done.stderr  # the request log was on
