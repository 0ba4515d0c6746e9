"""Retries through the sync client: which failures are retried, how often, how long, and the quota.

Time is fake (the ``clock`` fixture): every sleep is recorded and returns at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import respx

import iamlast
from iamlast import errors

from ._support import AKID, GET_ROLE_OK, SECRET, FakeClock, error, ok


def fresh_ok() -> httpx.Response:
    return httpx.Response(200, content=GET_ROLE_OK)


def always(factory: Callable[[], object]) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect answering every request with ``factory()`` (raised if an exception)."""

    def answer(request: httpx.Request) -> httpx.Response:
        result = factory()
        if isinstance(result, BaseException):
            raise result
        assert isinstance(result, httpx.Response)
        return result

    return answer


RETRYABLE: list[tuple[str, Callable[[], httpx.Response], type[errors.ServiceError]]] = [
    ("Throttling", lambda: error("Throttling", 400), errors.ThrottlingError),
    ("ThrottlingException", lambda: error("ThrottlingException", 400), errors.ThrottlingError),
    ("RequestLimitExceeded", lambda: error("RequestLimitExceeded", 400), errors.ThrottlingError),
    (
        "TooManyRequestsException",
        lambda: error("TooManyRequestsException", 400),
        errors.ThrottlingError,
    ),
    ("HTTP 429", lambda: httpx.Response(429), errors.UnknownServiceError),
    ("HTTP 500", lambda: httpx.Response(500), errors.UnknownServiceError),
    (
        "HTTP 502",
        lambda: httpx.Response(502, text="<html>Bad Gateway</html>"),
        errors.UnknownServiceError,
    ),
    ("HTTP 503", lambda: httpx.Response(503), errors.UnknownServiceError),
    ("HTTP 504", lambda: httpx.Response(504), errors.UnknownServiceError),
    ("InternalFailure 500", lambda: error("InternalFailure", 500), errors.InternalFailureError),
    (
        "ServiceUnavailable 503",
        lambda: error("ServiceUnavailable", 503),
        errors.ServiceUnavailableError,
    ),
    ("RequestTimeout", lambda: error("RequestTimeout", 400), errors.RequestTimeoutError),
    ("RequestTimeout 408", lambda: error("RequestTimeout", 408), errors.RequestTimeoutError),
    (
        "PriorRequestNotComplete",
        lambda: error("PriorRequestNotComplete", 400),
        errors.RequestTimeoutError,
    ),
]

NOT_RETRIED: list[tuple[str, int, type[errors.ServiceError]]] = [
    ("NoSuchEntity", 404, errors.NoSuchEntityError),
    ("InvalidInput", 400, errors.InvalidInputError),
    ("AccessDenied", 403, errors.AccessDeniedError),
    ("LimitExceeded", 409, errors.LimitExceededError),
    ("ReportGenerationLimitExceeded", 409, errors.ReportGenerationLimitExceededError),
    ("ValidationError", 400, errors.ServiceValidationError),
    ("ExpiredToken", 400, errors.ExpiredTokenError),
    ("SignatureDoesNotMatch", 403, errors.SignatureDoesNotMatchError),
    ("SomethingNew", 400, errors.UnknownServiceError),
]


class BrokenStream(httpx.SyncByteStream):
    """A body that stops half way: the server promised more bytes than it sent."""

    def __iter__(self) -> Iterator[bytes]:
        yield GET_ROLE_OK[:40]
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


def truncated() -> httpx.Response:
    return httpx.Response(
        200, headers={"Content-Length": str(len(GET_ROLE_OK))}, stream=BrokenStream()
    )


TRANSPORT: list[tuple[str, Callable[[], object]]] = [
    ("connect error", lambda: httpx.ConnectError("connection refused")),
    ("connect timeout", lambda: httpx.ConnectTimeout("connect timed out")),
    ("read timeout", lambda: httpx.ReadTimeout("read timed out")),
    ("remote protocol error", lambda: httpx.RemoteProtocolError("server disconnected")),
    ("read error", lambda: httpx.ReadError("connection reset")),
    ("truncated body", truncated),
]


# --------------------------------------------------------------------------- what is retried


@pytest.mark.parametrize(("name", "failure", "cls"), RETRYABLE, ids=[r[0] for r in RETRYABLE])
def test_retryable_response_then_success(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    name: str,
    failure: Callable[[], httpx.Response],
    cls: type,
) -> None:
    iam.side_effect = [failure(), failure(), fresh_ok()]
    role = client.get_role(role_name="r")
    assert role.role.role_name == "r"
    assert iam.call_count == 3
    assert len(clock.sleeps) == 2
    assert role.response_metadata is not None
    assert role.response_metadata.retry_attempts == 2


@pytest.mark.parametrize(("name", "failure", "cls"), RETRYABLE, ids=[r[0] for r in RETRYABLE])
def test_retryable_response_gives_up_after_three_attempts(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    name: str,
    failure: Callable[[], httpx.Response],
    cls: type,
) -> None:
    iam.side_effect = always(failure)
    with pytest.raises(cls) as caught:
        client.get_role(role_name="r")
    assert iam.call_count == 3
    assert len(clock.sleeps) == 2
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert caught.value.operation == "GetRole"


@pytest.mark.parametrize(("name", "failure"), TRANSPORT, ids=[t[0] for t in TRANSPORT])
def test_transport_failure_then_success(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    name: str,
    failure: Callable[[], object],
) -> None:
    iam.side_effect = [failure(), fresh_ok()]
    role = client.get_role(role_name="r")
    assert role.role.role_name == "r"
    assert iam.call_count == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize(("name", "failure"), TRANSPORT, ids=[t[0] for t in TRANSPORT])
def test_transport_failure_gives_up_with_transport_error(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    name: str,
    failure: Callable[[], object],
) -> None:
    iam.side_effect = always(failure)
    with pytest.raises(errors.TransportError) as caught:
        client.get_role(role_name="r")
    assert iam.call_count == 3
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert caught.value.operation == "GetRole"


@pytest.mark.parametrize(("code", "status", "cls"), NOT_RETRIED, ids=[n[0] for n in NOT_RETRIED])
def test_not_retried(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock, code: str, status: int, cls: type
) -> None:
    iam.side_effect = lambda request: error(code, status, message=f"{code} says no")
    with pytest.raises(cls) as caught:
        client.generate_service_last_accessed_details(arn="arn:aws:iam::123456789012:role/r")
    assert iam.call_count == 1
    assert clock.sleeps == []
    err = caught.value
    assert (err.code, err.status_code, err.message, err.attempts) == (
        code,
        status,
        f"{code} says no",
        1,
    )
    assert "attempts" not in str(err)
    assert client.retry_quota.available == 500


# --------------------------------------------------------------------------- attempts and backoff


@pytest.mark.parametrize("attempts", [1, 2, 5])
def test_max_attempts(iam: respx.Route, clock: FakeClock, attempts: int) -> None:
    iam.side_effect = lambda request: httpx.Response(503)
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_attempts=attempts
    ) as client:
        with pytest.raises(errors.ServiceError) as caught:
            client.list_roles()
    assert iam.call_count == attempts
    assert len(clock.sleeps) == attempts - 1
    assert caught.value.attempts == attempts
    assert ("after" in str(caught.value)) == (attempts > 1)


def test_max_attempts_from_the_environment(
    iam: respx.Route, clock: FakeClock, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_MAX_ATTEMPTS", "4")
    iam.side_effect = lambda request: httpx.Response(500)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        with pytest.raises(errors.ServiceError):
            client.list_roles()
    assert iam.call_count == 4


@pytest.mark.parametrize("bad", [0, -1, True])
def test_max_attempts_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_attempts=bad)


@pytest.mark.parametrize(
    ("rand_value", "failure", "expected"),
    [
        (0.5, lambda: httpx.Response(500), [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]),
        (1.0, lambda: httpx.Response(503), [1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]),
        (1.0, lambda: error("Throttling"), [1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]),
        (0.25, lambda: httpx.ReadTimeout("slow"), [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]),
        (0.0, lambda: httpx.Response(500), [0.0] * 7),
    ],
    ids=["500 x0.5", "503 x1", "throttling x1", "timeout x0.25", "no jitter"],
)
def test_backoff_is_full_jitter_doubling_to_20s(
    iam: respx.Route,
    clock: FakeClock,
    rand: Callable[[float], None],
    rand_value: float,
    failure: Callable[[], object],
    expected: list[float],
) -> None:
    rand(rand_value)
    iam.side_effect = always(failure)
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_attempts=8
    ) as client:
        with pytest.raises(errors.IamError):
            client.list_roles()
    assert clock.sleeps == pytest.approx(expected)


def test_retry_after_header_raises_the_delay(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)
    throttled = error("Throttling")
    throttled.headers["x-amz-retry-after"] = "1500"
    iam.side_effect = [throttled, fresh_ok()]
    client.get_role(role_name="r")
    assert clock.sleeps == [1.5]


# --------------------------------------------------------------------------- the retry quota


def test_quota_drains_stops_retries_and_refills(iam: respx.Route, clock: FakeClock) -> None:
    failing = True

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500) if failing else fresh_ok()

    iam.side_effect = answer
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        quota = client.retry_quota
        assert (quota.capacity, quota.available) == (500, 500)
        # Each failing call makes 3 attempts: 2 retries of 5 tokens.
        for n in range(1, 51):
            with pytest.raises(errors.UnknownServiceError) as caught:
                client.get_role(role_name="r")
            assert caught.value.attempts == 3
            assert quota.available == 500 - 10 * n
        assert iam.call_count == 150

        # Empty: the next failure is not retried at all.
        with pytest.raises(errors.UnknownServiceError) as caught:
            client.get_role(role_name="r")
        assert caught.value.attempts == 1
        assert iam.call_count == 151
        assert quota.available == 0

        # Successes without retries put back one token each.
        failing = False
        for n in range(1, 6):
            client.get_role(role_name="r")
            assert quota.available == n

        # Five tokens buy exactly one retry.
        failing = True
        calls_before = iam.call_count
        with pytest.raises(errors.UnknownServiceError) as caught:
            client.get_role(role_name="r")
        assert caught.value.attempts == 2
        assert iam.call_count - calls_before == 2
        assert quota.available == 0

    # The quota belongs to the client: a new client starts full.
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as other:
        assert other.retry_quota.available == 500


def test_timeouts_cost_ten_tokens(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = always(lambda: httpx.ReadTimeout("slow"))
    with pytest.raises(errors.TransportError):
        client.list_roles()
    assert client.retry_quota.available == 480
    iam.side_effect = always(lambda: httpx.ConnectError("refused"))
    with pytest.raises(errors.TransportError):
        client.list_roles()
    assert client.retry_quota.available == 470


def test_quota_exhausted_by_timeouts(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = always(lambda: httpx.ReadTimeout("slow"))
    for _ in range(25):
        with pytest.raises(errors.TransportError):
            client.list_roles()
    assert client.retry_quota.available == 0
    with pytest.raises(errors.TransportError) as caught:
        client.list_roles()
    assert caught.value.attempts == 1
    assert "after" not in str(caught.value)


def test_success_after_retry_returns_the_retry_cost(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = [httpx.Response(500), httpx.Response(500), fresh_ok()]
    client.get_role(role_name="r")
    # Two retries took 10; the success gives back the cost of the latest one.
    assert client.retry_quota.available == 495


def test_quota_is_shared_by_threads_of_one_client(iam: respx.Route, clock: FakeClock) -> None:
    import threading

    iam.side_effect = lambda request: httpx.Response(500)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:

        def worker() -> None:
            for _ in range(5):
                with pytest.raises(errors.ServiceError):
                    client.list_roles()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert client.retry_quota.available == 500 - 20 * 10


# --------------------------------------------------------------------------- adaptive mode


def test_adaptive_mode_paces_after_throttling(
    iam: respx.Route, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)  # backoff sleeps are 0: any positive sleep is the rate limiter's pacing
    iam.side_effect = [error("Throttling"), fresh_ok(), fresh_ok(), fresh_ok()]
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, retry_mode="adaptive"
    ) as client:
        assert client.retry_policy.mode == "adaptive"
        client.get_role(role_name="r")
        pacing_after_first = [s for s in clock.sleeps if s > 0]
        client.get_role(role_name="r")
        client.get_role(role_name="r")
    # The retry after the throttle already waited for a send slot, and later calls keep pacing.
    assert pacing_after_first, clock.sleeps
    assert len([s for s in clock.sleeps if s > 0]) >= 3, clock.sleeps
    assert iam.call_count == 4


def test_adaptive_mode_is_dormant_until_throttled(
    iam: respx.Route, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)
    iam.side_effect = lambda request: fresh_ok()
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, retry_mode="adaptive"
    ) as client:
        for _ in range(5):
            client.get_role(role_name="r")
    assert clock.sleeps == []


def test_standard_mode_never_paces(
    iam: respx.Route, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)
    iam.side_effect = [error("Throttling"), fresh_ok(), fresh_ok(), fresh_ok()]
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        for _ in range(3):
            client.get_role(role_name="r")
    assert clock.sleeps == [0.0]


def test_retry_mode_is_checked() -> None:
    with pytest.raises(ValueError, match="retry_mode"):
        iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, retry_mode="legacy")  # type: ignore[arg-type]


def test_empty_success_body_for_no_output_operation(
    iam: respx.Route, client: iamlast.Client
) -> None:
    iam.respond(200, content=ok("DeleteRole"))
    result = client.delete_role(role_name="r")
    assert result.response_metadata is not None
    assert result.response_metadata.request_id == "rid-ok"


# --------------------------------------------------------------------------- max_rate


def test_max_rate_spaces_requests_including_retries(
    iam: respx.Route, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)
    iam.side_effect = [fresh_ok(), fresh_ok(), httpx.Response(500), fresh_ok()]
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_rate=2) as client:
        client.get_role(role_name="r")
        client.get_role(role_name="r")
        client.get_role(role_name="r")  # a 500, a zero backoff, then the retry waits its turn
    assert iam.call_count == 4
    assert [s for s in clock.sleeps if s > 0] == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("bad", [0, -1.0])
def test_max_rate_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_rate=bad)
