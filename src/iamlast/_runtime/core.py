"""The one request lifecycle, without I/O: build a request, classify its response.

Both clients call these functions; only sending and sleeping differ between them. Building the
request and reading the response live in :mod:`.prepare` (re-exported here).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .deadline import DeadlineExceededError
from .errors import (
    CallTimeoutError,
    ClientClosedError,
    ResponseParseError,
    ServiceError,
    TransportError,
)
from .prepare import (
    DEFAULT_COMPRESSION_MIN_BYTES,
    EmptyResponse,
    PreparedRequest,
    build_request,
    coerce_request,
    parse_response,
    request_id_header,
)
from .ratelimit import TokenBucket, active_limiter
from .raw import RawResponse
from .records import MutableRecord
from .retry import (
    AdaptiveRateLimiter,
    RetryDecision,
    RetryKind,
    RetryPolicy,
    RetryQuota,
    RetryState,
    TransportErrorKind,
    classify,
    decide,
    parse_retry_after,
)
from .shape import OutputShape, ResponseMetadata, Shape, new
from .signing import Credentials, sign_request

_log = logging.getLogger("iamlast")
# A socket timeout shortened to the time left may fire a hair before the deadline.
_DEADLINE_SLACK = 0.01

if TYPE_CHECKING:
    from .registry import OperationSpec

__all__ = [
    "DEFAULT_COMPRESSION_MIN_BYTES",
    "Call",
    "ClientState",
    "EmptyResponse",
    "PreparedRequest",
    "Step",
    "build_request",
    "closed",
    "coerce_request",
    "parse_response",
    "timed_out",
]

# --------------------------------------------------------------------------- the lifecycle


class ClientState(MutableRecord):
    """What every call of one client shares: where to send, how to retry, how to decode."""

    _fields = (
        "endpoint_url",
        "signing_region",
        "api_version",
        "decode_error",
        "policy",
        "quota",
        "limiter",
        "rate_limiter",
        "compression_min_bytes",
        "disable_compression",
        "max_response_bytes",
        "service",
        "protocol",
        "target_prefix",
        "json_version",
    )
    __slots__ = _fields

    def __init__(
        self,
        endpoint_url: str,
        signing_region: str,
        api_version: str,
        decode_error: Any,
        policy: RetryPolicy,
        quota: RetryQuota,
        limiter: AdaptiveRateLimiter | None = None,
        rate_limiter: TokenBucket | None = None,
        compression_min_bytes: int = DEFAULT_COMPRESSION_MIN_BYTES,
        disable_compression: bool = False,
        max_response_bytes: int = 32 * 1024 * 1024,
        service: str = "iam",
        protocol: str = "query",
        target_prefix: str = "",
        json_version: str = "1.1",
    ) -> None:
        self.endpoint_url = endpoint_url
        self.signing_region = signing_region
        self.api_version = api_version
        self.decode_error = decode_error
        self.policy = policy
        self.quota = quota
        self.limiter = limiter
        self.rate_limiter = rate_limiter
        self.compression_min_bytes = compression_min_bytes
        self.disable_compression = disable_compression
        self.max_response_bytes = max_response_bytes
        #: The name requests are signed for (the model's signing name).
        self.service = service
        #: The wire protocol: ``"query"`` (awsQuery) or ``"json"`` (awsJson).
        self.protocol = protocol
        #: awsJson: ``X-Amz-Target`` is ``<target_prefix>.<Operation>``.
        self.target_prefix = target_prefix
        #: awsJson: the JSON version of ``Content-Type``.
        self.json_version = json_version


class Step(MutableRecord):
    """What the client does next: sleep ``delay`` and send again, or finish with a value/error."""

    _fields = ("retry", "delay", "value", "error")
    __slots__ = _fields

    def __init__(
        self,
        retry: bool,
        delay: float = 0.0,
        value: Any = None,
        error: BaseException | None = None,
    ) -> None:
        self.retry = retry
        self.delay = delay
        self.value = value
        self.error = error

    def outcome(self) -> Any:
        """The call's result; raises the error when it failed."""
        if self.error is not None:
            raise self.error
        return self.value


class Call:
    """One call's life: the prepared request, its attempts, and every decision about them.

    The clients loop ``before_send`` → sign → send → ``on_response`` / ``on_transport_error``
    until a step says stop; they only perform the I/O and the sleeping.

    ``call_timeout`` (seconds, from ``now`` on one monotonic clock) bounds the whole call: no
    retry is scheduled whose backoff would end past it (the last error is the result), and an
    attempt that is still running at the deadline ends in :class:`CallTimeoutError`.
    """

    def __init__(
        self,
        state: ClientState,
        spec: OperationSpec,
        request: Shape | None,
        *,
        raw: bool = False,
        call_timeout: float | None = None,
        now: float = 0.0,
        deadline: float | None = None,
    ) -> None:
        self.state = state
        self.spec = spec
        self.raw = raw
        self.prepared = build_request(
            spec,
            request,
            endpoint_url=state.endpoint_url,
            api_version=state.api_version,
            compression_min_bytes=state.compression_min_bytes,
            disable_compression=state.disable_compression,
            protocol=state.protocol,
            target_prefix=state.target_prefix,
            json_version=state.json_version,
        )
        self.retry = RetryState()
        self._started = 0.0
        self._last_error: BaseException | None = None
        self.call_timeout = call_timeout
        self.deadline = None if call_timeout is None else now + call_timeout
        #: A workflow's deadline (``wait_for_job``'s timeout: see :mod:`.deadline`): attempts and
        #: backoff are cut to it, and running out of it is DeadlineExceededError.
        self.flow_deadline = deadline
        #: Attempts signed (and so sent, or being sent).
        self.sent = 0

    def time_left(self, now: float) -> float | None:
        """Seconds left before ``call_timeout`` runs out (None: no bound)."""
        return None if self.deadline is None else self.deadline - now

    def timed_out(self) -> CallTimeoutError:
        """The error for a call that ran out of ``call_timeout``."""
        assert self.call_timeout is not None
        return timed_out(self.spec.name, self.call_timeout, self.sent)

    def closed(self) -> ClientClosedError:
        """The error for a call on a client that is (or got) closed."""
        return closed(self.spec.name)

    def before_send(self, now: float) -> float:
        """Seconds to wait before this attempt: a shared rate limit (``max_rate``, a scan's
        ``rate_limit``) and the adaptive limiter's pacing. Raises :class:`CallTimeoutError` when
        that wait would pass the deadline."""
        self._started = now
        wait = 0.0
        for bucket in (self.state.rate_limiter, active_limiter.get()):
            if bucket is not None:
                wait = max(wait, bucket.reserve(now))
        limiter = self.state.limiter
        if limiter is not None:
            wait = max(wait, limiter.acquire(now + wait))
        return self._within_time(now, wait)

    def clear_to_send(self, now: float) -> float:
        """After waiting what :meth:`before_send` said: 0.0 when the attempt may go now (the
        rate limits count it sent), else the seconds still to wait — a caller woken late must
        not send right behind the request before it. Raises as :meth:`before_send` does."""
        buckets = [b for b in (self.state.rate_limiter, active_limiter.get()) if b is not None]
        wait = max((b.gap(now) for b in buckets), default=0.0)
        for bucket in buckets if wait == 0.0 else ():
            wait = bucket.clear(now)  # asked again, atomically: another sender may have gone
            if wait > 0:
                break
        return self._within_time(now, wait) if wait > 0 else 0.0

    def _within_time(self, now: float, wait: float) -> float:
        if self.deadline is not None and now + wait >= self.deadline:
            raise self.timed_out()
        if self.flow_deadline is not None and now + wait >= self.flow_deadline:
            if self.retry.attempts > 1 and self.retry.last_retry_cost is not None:
                # The retry granted after the last failure is not made: its tokens go back.
                self.state.quota.release(self.retry.last_retry_cost)
            raise self._out_of_time(self._last_error, self.retry.attempts - 1)
        return wait

    def attempt_timeout(self, now: float) -> float | None:
        """The most this attempt's socket operations may wait under a workflow's deadline
        (None without one); DeadlineExceededError when nothing is left."""
        if self.flow_deadline is None:
            return None
        left = self.flow_deadline - now
        if left <= 0:
            raise self._out_of_time(self._last_error, self.retry.attempts - 1)
        return left

    def attempt_budget(self, now: float) -> float | None:
        """What each socket operation of this attempt may take: what is left of
        ``call_timeout`` and of a workflow's deadline, whichever is less (None: neither)."""
        flow = self.attempt_timeout(now)
        call = self.time_left(now)
        if flow is None:
            return call
        return flow if call is None else min(flow, call)

    def _out_of_time(self, last_error: BaseException | None, sent: int) -> DeadlineExceededError:
        return DeadlineExceededError(self.spec.name, attempts=sent, last_error=last_error)

    def _until_deadline(self, delay: float, now: float) -> float:
        """A retry's backoff, never sleeping past a workflow's deadline (``before_send`` then
        ends the call instead of sending)."""
        if self.flow_deadline is None:
            return delay
        return max(0.0, min(delay, self.flow_deadline - now))

    def headers(self, credentials: Credentials) -> dict[str, str]:
        """The signed headers for this attempt (signed anew each attempt: the date moves)."""
        self.sent += 1
        return sign_request(
            method=self.prepared.method,
            url=self.prepared.url,
            headers=self.prepared.headers,
            body=self.prepared.body,
            credentials=credentials,
            region=self.state.signing_region,
            service=self.state.service,
        )

    def on_response(self, status: int, headers: Mapping[str, str], body: bytes, now: float) -> Step:
        """Decide on an HTTP response: the result, a retry, or the typed error."""
        elapsed = now - self._started
        request_id = request_id_header(headers)
        if status < 300:
            self.state.quota.record_success(self.retry)
            self._feedback(now, throttled=False)
            _log.debug(
                "%s attempt %d: HTTP %d, %d bytes in %.1f ms (request id %s)",
                self.spec.name,
                self.retry.attempts,
                status,
                len(body),
                elapsed * 1000,
                request_id,
            )
            if self.raw:
                return Step(False, value=self._raw(status, headers, body, request_id, elapsed))
            try:
                return Step(False, value=self._parse_success(status, headers, body))
            except ResponseParseError as exc:
                exc.attempts = self.retry.attempts
                return Step(False, error=exc)
        error = self.state.decode_error(self.spec.name, status, body, headers)
        kind = classify(
            status=status,
            code=error.code,
            transport_error=None,
            # The operation's modelled errors: looked up (and their module loaded) on an error.
            modeled=any(error.code in cls.codes for cls in _error_classes(self.spec)),
        )
        self._feedback(now, throttled=kind is RetryKind.THROTTLING)
        decision = decide(
            self.state.policy,
            self.state.quota,
            self.retry,
            kind,
            retry_after=parse_retry_after(_header(headers, "x-amz-retry-after")),
            time_left=self.time_left(now),
        )
        _log.debug(
            "%s attempt %d: HTTP %d %s (request id %s) in %.1f ms; %s",
            self.spec.name,
            self.retry.attempts - (1 if decision.retry else 0),
            status,
            error.code,
            error.request_id,
            elapsed * 1000,
            _decision_text(decision),
        )
        if decision.retry:
            self._last_error = error
            return Step(True, delay=self._until_deadline(decision.delay, now))
        error.attempts = self.retry.attempts
        if self.raw:
            return Step(False, value=self._raw(status, headers, body, error.request_id, elapsed))
        return Step(False, error=error)

    def on_transport_error(
        self, kind: TransportErrorKind, message: str, now: float, *, stale: bool = False
    ) -> Step:
        """Decide on an attempt that got no response (connection, timeout, broken body).

        ``stale``: it died on a reused kept-alive connection before any response, as when the
        server closed that connection while it sat idle; it is retried at once, no backoff (it
        still counts as an attempt, and pays the quota like any retry).
        """
        if self.deadline is not None and now >= self.deadline - _DEADLINE_SLACK:
            return Step(False, error=self.timed_out())  # cut short by the call's own bound
        retry_kind = classify(status=None, code=None, transport_error=kind)
        self._feedback(now, throttled=False)
        decision = decide(
            self.state.policy,
            self.state.quota,
            self.retry,
            retry_kind,
            time_left=self.time_left(now),
            immediate=stale,
        )
        _log.debug(
            "%s attempt %d: %s (%s); %s",
            self.spec.name,
            self.retry.attempts - (1 if decision.retry else 0),
            kind.value,
            message,
            _decision_text(decision),
        )
        attempts = self.retry.attempts - (1 if decision.retry else 0)
        error = TransportError(
            f"{self.spec.name}: {kind.value}: {message}",
            kind=kind.value,
            operation=self.spec.name,
            attempts=attempts,
        )
        if self.flow_deadline is not None and now >= self.flow_deadline - _DEADLINE_SLACK:
            # The attempt's timeouts were cut to the workflow's deadline: running out of time is
            # the failure, not the transport.
            if decision.retry and self.retry.last_retry_cost is not None:
                self.state.quota.release(self.retry.last_retry_cost)
            return Step(False, error=self._out_of_time(error, attempts))
        if decision.retry:
            self._last_error = error
            return Step(True, delay=self._until_deadline(decision.delay, now))
        return Step(False, error=error)

    def oversize(self, size: int | None) -> ResponseParseError:
        """The error for a response body over the size limit (read no further)."""
        limit = self.state.max_response_bytes
        shown = f"{size} bytes" if size is not None else "more bytes"
        return ResponseParseError(
            f"response body of {shown} exceeds the {limit}-byte limit; not read",
            operation=self.spec.name,
        )

    def _feedback(self, now: float, *, throttled: bool) -> None:
        if self.state.limiter is not None:
            self.state.limiter.on_response(now, throttled)

    def _parse_success(self, status: int, headers: Mapping[str, str], body: bytes) -> Any:
        result = parse_response(
            self.spec, status, headers, body, self.state.decode_error, protocol=self.state.protocol
        )
        if isinstance(result, OutputShape):
            meta = result.response_metadata
            rid = meta.request_id if meta is not None else None
            result.__dict__["response_metadata"] = new(
                ResponseMetadata,
                {
                    "request_id": rid or request_id_header(headers),
                    "http_status_code": status,
                    "http_headers": {k.lower(): v for k, v in headers.items()},
                    "retry_attempts": self.retry.attempts - 1,
                },
            )
            result.__pydantic_fields_set__.add("response_metadata")
        return result

    def _raw(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        request_id: str | None,
        elapsed: float,
    ) -> RawResponse[Any]:
        def parse() -> Any:
            if status >= 300:
                error = self.state.decode_error(self.spec.name, status, body, headers)
                error.attempts = self.retry.attempts
                raise error
            return self._parse_success(status, headers, body)

        return RawResponse(
            operation=self.spec.name,
            status_code=status,
            headers=dict(headers),
            content=body,
            request_id=request_id,
            attempts=self.retry.attempts,
            elapsed=elapsed,
            _parse=parse,
        )


def timed_out(operation: str, call_timeout: float, sent: int) -> CallTimeoutError:
    """The error for a call of ``operation`` that ran out of ``call_timeout`` seconds."""
    noun = "attempt" if sent == 1 else "attempts"
    return CallTimeoutError(
        f"{operation}: not complete within call_timeout={call_timeout:g} s ({sent} {noun} sent)",
        operation=operation,
        timeout=call_timeout,
        attempts=sent,
    )


def closed(operation: str) -> ClientClosedError:
    """The error for a call of ``operation`` on a closed client."""
    return ClientClosedError(
        f"{operation}: the client is closed; a closed client sends nothing more",
        operation=operation,
    )


def _error_classes(spec: OperationSpec) -> tuple[type[ServiceError], ...]:
    try:
        return spec.error_classes
    except (ImportError, AttributeError):
        return ()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _decision_text(decision: RetryDecision) -> str:
    if decision.retry:
        return f"retrying in {decision.delay:.3f} s ({decision.reason})"
    return f"not retrying ({decision.reason})"
