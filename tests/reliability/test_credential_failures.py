"""Credentials that misbehave, through both clients: nothing found (remembered for a few seconds),
refreshes that take long (advisory: nobody waits; mandatory: callers wait), a source that hangs
(cancellable; ``asyncio.run`` still exits), and errors that name what failed without keeping
any of the provider's output.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import iamlast
from iamlast import errors

from ._hostile import Blackhole, Recording, StsDenying
from .test_secrets import SECRET, assert_clean, exception_text

pytestmark = pytest.mark.timeout(60)

MODES = ["sync", "async"]


def make_client(mode: str, **kwargs: Any) -> Any:
    cls = iamlast.Client if mode == "sync" else iamlast.AsyncClient
    return cls(**kwargs)


async def call(mode: str, client: Any, method: str = "list_users", **kwargs: Any) -> Any:
    result = getattr(client, method)(**kwargs)
    return await result if mode == "async" else result


async def close(mode: str, client: Any) -> None:
    if mode == "sync":
        client.close()
    else:
        await client.aclose()


async def outcome(mode: str, client: Any) -> BaseException | Any:
    try:
        return await call(mode, client)
    except Exception as exc:
        return exc


async def concurrently(mode: str, client: Any, n: int) -> list[Any]:
    """``n`` calls at once: threads for the sync client, tasks for the async one."""
    if mode == "async":
        return list(await asyncio.gather(*(outcome(mode, client) for _ in range(n))))
    barrier = threading.Barrier(n)

    def one() -> Any:
        barrier.wait()
        try:
            return client.list_users()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: one(), range(n)))


@pytest.fixture
def server() -> Iterator[Recording]:
    with Recording() as s:
        yield s


def signer(request: Any) -> str:
    """The access key id a recorded request was signed with."""
    auth = request.headers["authorization"]
    return auth.split("Credential=", 1)[1].split("/", 1)[0]


# --------------------------------------------------------------------------- nothing found


@pytest.fixture
def no_metadata(aws_env: pytest.MonkeyPatch) -> Iterator[Blackhole]:
    """The whole default chain finds nothing, its instance-metadata step included: a loopback
    endpoint that hangs up on every connection, so each search of the chain shows there (the
    benchmarks measure the slow case, an endpoint that never answers)."""
    with Blackhole(hang_up=True) as imds:
        aws_env.delenv("AWS_EC2_METADATA_DISABLED")
        aws_env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url.rstrip("/"))
        aws_env.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1")
        yield imds


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_lookup_runs_once_and_is_remembered(
    mode: str, no_metadata: Blackhole, server: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("iamlast._runtime.credentials.FAILURE_MEMORY", 1.5)
    client = make_client(mode, endpoint_url=server.url)
    started = time.monotonic()
    results = await concurrently(mode, client, 8)
    first_round = time.monotonic() - started
    assert all(isinstance(r, errors.NoCredentialsError) for r in results), results
    assert len({str(r) for r in results}) == 1
    one_lookup = no_metadata.connections
    assert 1 <= one_lookup <= 3  # one search of the chain, not eight in a row
    assert first_round < 4.0

    started = time.monotonic()
    again = await outcome(mode, client)
    assert time.monotonic() - started < 0.3  # at once, from memory
    assert again == results[0] and again is not results[0]
    assert no_metadata.connections == one_lookup

    await asyncio.sleep(1.6)  # forgotten: the next call searches again
    assert isinstance(await outcome(mode, client), errors.NoCredentialsError)
    assert no_metadata.connections > one_lookup
    assert server.requests == []
    await close(mode, client)


# --------------------------------------------------------------------------- refreshes


class Clock:
    """The wall clock the credential source judges expiry by."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        clock = self

        class Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Frozen:  # type: ignore[override]
                return cls.fromtimestamp(clock.now.timestamp(), tz)

        monkeypatch.setattr("iamlast._runtime.credentials.datetime", Frozen)


class GatedProvider:
    """botocore-shaped credentials: the first snapshot at once, valid an hour; every later one
    (a refresh) waits for ``gate``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.gate = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()
        self.threads: list[threading.Thread] = []
        self.count = 0
        self._expiry_time = clock.now + timedelta(hours=1)

    def get_frozen_credentials(self) -> tuple[str, str, str]:
        self.count += 1
        if self.count > 1:
            self.threads.append(threading.current_thread())
            self.started.set()
            assert self.gate.wait(30)
            self._expiry_time = self.clock.now + timedelta(hours=1)
            self.finished.set()
        return (f"AKIDGATED{self.count}", f"secret-{self.count}", f"token-{self.count}")


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedProvider]:
    provider = GatedProvider(Clock(monkeypatch))
    yield provider
    provider.gate.set()


def _settled(futures: list[Any], within: float) -> bool:
    done, _ = wait_all(futures, timeout=within)
    return len(done) == len(futures)


@pytest.mark.parametrize("mode", MODES)
async def test_an_advisory_refresh_holds_up_nobody(
    mode: str, gated: GatedProvider, server: Recording
) -> None:
    client = make_client(mode, credentials=gated, endpoint_url=server.url)
    await call(mode, client)
    gated.clock.now += timedelta(minutes=48)  # 12 minutes left: the advisory window
    n = 16 if mode == "sync" else 200
    if mode == "sync":
        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(client.list_users) for _ in range(n)]
            assert _settled(futures, 10), "calls waited for an advisory refresh"
            assert all(f.exception() is None for f in futures)
    else:
        await asyncio.wait_for(asyncio.gather(*(client.list_users() for _ in range(n))), 10)
        # Unrelated work on the loop's default executor is not held up either.
        assert await asyncio.wait_for(asyncio.to_thread(lambda: 42), 2) == 42
    assert gated.started.wait(5)
    assert not gated.finished.is_set()  # every call above signed while the refresh waited
    assert {signer(r) for r in server.requests} == {"AKIDGATED1"}
    assert len(gated.threads) == 1  # one refresh, on a daemon thread iamlast owns
    assert gated.threads[0].daemon and gated.threads[0].name == "iamlast-credentials"
    gated.gate.set()
    assert gated.finished.wait(5)
    deadline = time.monotonic() + 5
    while signer(server.requests[-1]) != "AKIDGATED2" and time.monotonic() < deadline:
        await call(mode, client)
        await asyncio.sleep(0.01)
    assert signer(server.requests[-1]) == "AKIDGATED2"
    assert gated.count == 2
    await close(mode, client)


@pytest.mark.parametrize("mode", MODES)
async def test_a_mandatory_refresh_makes_callers_wait(
    mode: str, gated: GatedProvider, server: Recording
) -> None:
    client = make_client(mode, credentials=gated, endpoint_url=server.url)
    await call(mode, client)
    gated.clock.now += timedelta(minutes=55)  # 5 minutes left: the mandatory window
    before = len(server.requests)
    if mode == "sync":
        pool = ThreadPoolExecutor(8)
        futures = [pool.submit(client.list_users) for _ in range(8)]
        assert gated.started.wait(5)
        assert not _settled(futures, 0.3)
        assert not any(f.done() for f in futures)
        gated.gate.set()
        assert _settled(futures, 10) and all(f.exception() is None for f in futures)
        pool.shutdown()
    else:
        tasks = [asyncio.create_task(client.list_users()) for _ in range(8)]
        await asyncio.sleep(0.3)
        assert gated.started.is_set() and not any(t.done() for t in tasks)
        gated.gate.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert [signer(r) for r in server.requests[before:]] == ["AKIDGATED2"] * 8
    assert gated.count == 2  # one refresh for all eight
    await close(mode, client)


class Hanging:
    """A credential source that never answers (a credential_process or SSO login that hangs)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls = 0

    def get_frozen_credentials(self) -> tuple[str, str, str]:
        self.calls += 1
        self.gate.wait(30)
        return ("AKIDLATE", "late-secret", "late-token")


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    source = Hanging()
    yield source
    source.gate.set()


async def test_a_hanging_source_is_cancellable(hanging: Hanging, server: Recording) -> None:
    client = iamlast.AsyncClient(credentials=hanging, endpoint_url=server.url)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.list_users(), 0.5)
    assert time.monotonic() - started < 2.0
    # The loop stays free meanwhile, its default executor too.
    assert await asyncio.wait_for(asyncio.to_thread(lambda: 1), 2) == 1
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.list_users(), 0.2)
    assert hanging.calls == 1  # the second call waited for the same lookup
    await client.aclose()
    assert server.requests == []


def test_asyncio_run_exits_while_a_source_hangs(hanging: Hanging, server: Recording) -> None:
    async def main() -> None:
        client = iamlast.AsyncClient(credentials=hanging, endpoint_url=server.url)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.list_users(), 0.5)

    started = time.monotonic()
    asyncio.run(main())  # returns: nothing of iamlast's is left for it to join
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("mode", MODES)
async def test_call_timeout_bounds_a_hanging_lookup(
    mode: str, hanging: Hanging, server: Recording
) -> None:
    client = make_client(mode, credentials=hanging, endpoint_url=server.url, call_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(errors.CallTimeoutError) as caught:
        await call(mode, client)
    assert time.monotonic() - started < 2.5
    assert (caught.value.timeout, caught.value.attempts, caught.value.operation) == (
        0.5,
        0,
        "ListUsers",
    )
    assert server.requests == []
    await close(mode, client)


# --------------------------------------------------------------------------- what failed


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_profile_from_the_environment_is_named(
    mode: str, aws_env: pytest.MonkeyPatch, server: Recording
) -> None:
    aws_env.setenv("AWS_PROFILE", "nosuch")
    with pytest.raises(errors.NoCredentialsError) as caught:
        client = make_client(mode, endpoint_url=server.url)
        await call(mode, client)
    assert "profile 'nosuch' was not found" in str(caught.value)
    assert caught.value.profile == "nosuch"


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_profile_argument_is_named(mode: str, server: Recording) -> None:
    with pytest.raises(errors.NoCredentialsError, match="profile 'nosuch' was not found"):
        await call(mode, make_client(mode, endpoint_url=server.url, profile="nosuch"))


@pytest.fixture
def sts() -> Iterator[StsDenying]:
    with StsDenying() as s:
        yield s


def _assume_role_profile(sts: StsDenying, aws_env: pytest.MonkeyPatch) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[profile audit]\n"
        "role_arn = arn:aws:iam::444455556666:role/audit\n"
        "source_profile = dev\n"
        "region = us-east-1\n"
    )
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[dev]\naws_access_key_id = AKIDDEVSOURCE0000000\naws_secret_access_key = {SECRET}\n"
    )
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url.rstrip("/"))


@pytest.mark.parametrize("how", ["argument", "environment"])
@pytest.mark.parametrize("mode", MODES)
async def test_a_refused_assume_role_names_the_profile_and_the_sts_error(
    mode: str, how: str, sts: StsDenying, server: Recording, aws_env: pytest.MonkeyPatch
) -> None:
    _assume_role_profile(sts, aws_env)
    kwargs: dict[str, Any] = {"endpoint_url": server.url}
    if how == "argument":
        kwargs["profile"] = "audit"
    else:
        aws_env.setenv("AWS_PROFILE", "audit")
    client = make_client(mode, **kwargs)
    with pytest.raises(errors.NoCredentialsError) as caught:
        await call(mode, client)
    error = caught.value
    assert "profile 'audit'" in str(error)
    assert "AssumeRole failed: AccessDenied" in str(error)
    assert StsDenying.MESSAGE in str(error)
    assert (error.code, error.profile) == ("AccessDenied", "audit")
    assert error.__cause__ is None and error.__context__ is None
    assert len(sts.requests) == 1 and b"Action=AssumeRole" in sts.requests[0].body
    assert server.requests == []
    assert_clean(exception_text(error), (SECRET,))
    await close(mode, client)


def _credential_process(stdout: str, tmp_path: Path) -> None:
    script = tmp_path / "creds.py"
    script.write_text(f"import sys\nsys.stdout.write({stdout!r})\n")
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[default]\ncredential_process = {sys.executable} {script}\n"
    )


MALFORMED = {
    "not-json": '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "' + SECRET,
    "secret-then-garbage": f"SecretAccessKey={SECRET}\n",
    "wrong-version": '{"Version": 2, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "'
    + SECRET
    + '"}',
}


def _reachable(error: BaseException) -> str:
    """Everything reachable from an exception: the chain, attributes, and the locals of every
    frame of its traceback."""
    parts = [exception_text(error)]
    tb = error.__traceback__
    while tb is not None:
        parts += [repr(v) for v in tb.tb_frame.f_locals.values()]
        tb = tb.tb_next
    return "\n".join(parts)


@pytest.mark.parametrize("output", list(MALFORMED))
@pytest.mark.parametrize("mode", MODES)
async def test_a_malformed_credential_process_keeps_none_of_its_output(
    mode: str, output: str, tmp_path: Path, server: Recording
) -> None:
    _credential_process(MALFORMED[output], tmp_path)
    client = make_client(mode, endpoint_url=server.url)
    with pytest.raises(errors.NoCredentialsError) as caught:
        await call(mode, client)
    error = caught.value
    assert error.__cause__ is None and error.__context__ is None
    assert "profile 'default'" in str(error)
    if output != "wrong-version":
        assert "not valid JSON" in str(error)
    assert_clean(_reachable(error), (SECRET,))
    assert server.requests == []
    await close(mode, client)


def test_the_failure_memory_is_documented() -> None:
    import iamlast._runtime.credentials as credentials

    assert credentials.FAILURE_MEMORY == 5.0
    for doc in (iamlast.Client.__doc__, credentials.__doc__):
        assert doc is not None and ("5 seconds" in doc or "FAILURE_MEMORY" in doc)
