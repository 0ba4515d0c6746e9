"""``FakeIAM``: the emulator as a real HTTP server on loopback.

One thread accepts, one thread serves each connection (keep-alive), and every request runs:
parse → SigV4 check → fault decision → operation → reply. Shared state (jobs, caches, the
request log, the fault RNG) sits behind short locks, so concurrent clients are fine.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import uuid
import zlib
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl

from iamlast.errors import ServiceError, ServiceValidationError

from .account import SyntheticAccount
from .faults import Decision, FaultInjector, Faults
from .handlers import Emulator, error_response
from .httpserver import Reply, Request, ThreadedHTTPServer
from .jobs import JobStore
from .sigv4 import Credentials, SigV4Verifier

if TYPE_CHECKING:
    from iamlast import AsyncClient, Client

__all__ = ["FakeIAM", "RequestRecord"]

ACCESS_KEY_ID = "AKIAIAMLASTFAKE00001"
TEMPORARY_ACCESS_KEY_ID = "ASIAIAMLASTFAKE00001"
SECRET_ACCESS_KEY = "iamlastFakeSecretAccessKey/0123456789abc"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEIamlastFakeSessionToken//////////wEaCXVzLWVhc3QtMSJGMEQCIFakeTokenForTests="


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the emulator saw it."""

    action: str | None
    params: dict[str, str]
    status: int
    error_code: str | None
    time: float
    duration: float
    fault: str | None = None
    request_id: str = ""


@dataclass
class _Stats:
    by_action: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    by_error: Counter[str] = field(default_factory=Counter)
    by_fault: Counter[str] = field(default_factory=Counter)


class _DateCache:
    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._value = formatdate(second, usegmt=True)
            self._second = second
        return self._value


class FakeIAM:
    """A loopback IAM endpoint serving a synthetic account; see the package docs for a tour.

    ``with FakeIAM() as iam:`` (or ``async with``) starts it on a free port; point any client
    at :attr:`endpoint_url` with :meth:`client_kwargs` or :meth:`env`.
    """

    def __init__(
        self,
        account: SyntheticAccount | None = None,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        temporary_credentials: bool = False,
        verify_signatures: bool = True,
        job_polls: int = 1,
        page_cap: int | None = None,
        max_org_reports: int = 3,
        faults: Faults | None = None,
        log_limit: int = 100_000,
    ) -> None:
        self.account = account if account is not None else SyntheticAccount.generate(seed)
        self.host = host
        self._port = port
        self.region = region
        self.verify_signatures = verify_signatures
        self.access_key_id = TEMPORARY_ACCESS_KEY_ID if temporary_credentials else ACCESS_KEY_ID
        self.secret_access_key = SECRET_ACCESS_KEY
        self.session_token: str | None = SESSION_TOKEN if temporary_credentials else None
        self.jobs = JobStore(seed=seed, job_polls=job_polls, max_org_reports=max_org_reports)
        self.emulator = Emulator(self.account, self.jobs, page_cap=page_cap)
        self._verifier = SigV4Verifier(
            [Credentials(self.access_key_id, self.secret_access_key, self.session_token)], region=region
        )
        self._faults = FaultInjector(faults)
        self._log: deque[RequestRecord] = deque(maxlen=log_limit)
        self._stats = _Stats()
        self._log_lock = threading.Lock()
        self._dates = _DateCache()
        self._server: ThreadedHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving (idempotent); returns ``self``."""
        if self._server is None:
            self._server = ThreadedHTTPServer(self._handle, self.host, self._port)
            self._port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()

    @property
    def running(self) -> bool:
        """Whether the server is up."""
        return self._server is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------ connection facts

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._server is None and self._port == 0:
            raise RuntimeError("FakeIAM is not started: use `with FakeIAM() as iam:` or .start()")
        return f"http://{self.host}:{self._port}"

    def client_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``boto3.client("iam", **iam.client_kwargs())``."""
        kwargs = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        if self.session_token is not None:
            kwargs["aws_session_token"] = self.session_token
        return kwargs

    def iamlast_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``iamlast.Client(**iam.iamlast_kwargs())`` (or AsyncClient)."""
        kwargs = self.client_kwargs()
        kwargs["region"] = kwargs.pop("region_name")
        return kwargs

    def client(self, **options: Any) -> Client:
        """An :class:`iamlast.Client` pointed at this server (``options`` override settings)."""
        from iamlast import Client

        return Client(**{**self.iamlast_kwargs(), **options})

    def async_client(self, **options: Any) -> AsyncClient:
        """An :class:`iamlast.AsyncClient` pointed at this server."""
        from iamlast import AsyncClient

        return AsyncClient(**{**self.iamlast_kwargs(), **options})

    def env(self) -> dict[str, str]:
        """``AWS_*`` environment variables pointing SDKs and the AWS CLI at this server."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_IAM": self.endpoint_url,
        }
        if self.session_token is not None:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env

    # ------------------------------------------------------------------ knobs

    @property
    def faults(self) -> Faults:
        """The fault settings in force; assign a new :class:`Faults` to change them."""
        return self._faults.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._faults.set(value)

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> Faults:
        """Replace the faults, or change some settings of the current ones; returns them."""
        new = faults if faults is not None else self.faults.with_(**changes)
        self._faults.set(new)
        return new

    def fail_next(self, count: int, error: str | ServiceError | type[ServiceError] = "Throttling", *, action: str | None = None) -> None:
        """Answer the next ``count`` requests (to ``action``, or any) with ``error``: a code
        (``"Throttling"``, ``"InternalFailure"``, ``"ServiceUnavailable"``), a
        :class:`ServiceError`, or ``"drop"`` / ``"truncate"`` / ``"slow_body"``."""
        self._faults.fail_next(count, error, action)

    @property
    def page_cap(self) -> int | None:
        """The most items any page holds, whatever MaxItems asks (``None``: no cap)."""
        return self.emulator.page_cap

    @page_cap.setter
    def page_cap(self, value: int | None) -> None:
        self.emulator.page_cap = value

    @property
    def job_polls(self) -> int:
        """How many polls a new job answers IN_PROGRESS before it completes."""
        return self.jobs.job_polls

    @job_polls.setter
    def job_polls(self, value: int) -> None:
        self.jobs.job_polls = value

    def set_job_polls(self, arn_or_entity_path: str, polls: int) -> None:
        """Per-ARN (or Organizations entity path) override of :attr:`job_polls`."""
        self.jobs.polls_for[arn_or_entity_path] = polls

    def fail_jobs(self, match: str | Callable[[str], bool], *, code: str = "ServiceFailure",
                  message: str = "The job could not be completed because of an internal error.") -> None:
        """Make future jobs for an ARN / entity path (or those ``match(key)`` accepts) FAIL."""
        self.jobs.fail(match, code=code, message=message)

    # ------------------------------------------------------------------ introspection

    @property
    def requests(self) -> list[RequestRecord]:
        """The request log, oldest first (the last ``log_limit`` requests)."""
        with self._log_lock:
            return list(self._log)

    def calls(self, action: str | None = None) -> int:
        """How many requests arrived (for ``action``, or all)."""
        with self._log_lock:
            if action is None:
                return sum(self._stats.by_action.values())
            return self._stats.by_action[action]

    def counters(self) -> dict[str, dict[Any, int]]:
        """Request counts by action, HTTP status, error code and injected fault."""
        with self._log_lock:
            s = self._stats
            return {"actions": dict(s.by_action), "statuses": dict(s.by_status),
                    "errors": dict(s.by_error), "faults": dict(s.by_fault)}

    def clear_log(self) -> None:
        """Forget the request log and counters."""
        with self._log_lock:
            self._log.clear()
            self._stats = _Stats()

    # ------------------------------------------------------------------ the request path

    def _handle(self, req: Request) -> Reply:
        started = time.monotonic()
        rid = str(uuid.uuid4())
        fault: Decision | None = None
        params: dict[str, str] = {}
        action: str | None = None
        try:
            body = req.body
            encoding = req.headers.get("content-encoding", "").lower()
            form = gzip.decompress(body) if encoding == "gzip" and body else body
            if req.query:
                params.update(parse_qsl(req.query, keep_blank_values=True))
            if req.method == "POST" and form:
                params.update(parse_qsl(form.decode("utf-8"), keep_blank_values=True))
            action = params.get("Action")
            auth_error = None
            if self.verify_signatures:
                auth_error = self._verifier.verify(req.method, req.path, req.query, req.headers, body)
            if auth_error is not None:
                status, text, code = error_response(auth_error, rid)
            else:
                fault = self._faults.decide(action or "")
                if fault.error is not None:
                    status, text, code = error_response(fault.error, rid)
                elif fault.connection == "drop":
                    status, text, code = 0, "", None
                else:
                    status, text, code = self.emulator.handle(action, params, rid)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError):
            status, text, code = error_response(ServiceValidationError("The request body could not be read."), rid)
        if fault is not None and fault.latency > 0:
            time.sleep(fault.latency)
        self._record(RequestRecord(
            action, params, status, code, time.time(), time.monotonic() - started,
            fault.kind if fault is not None else None, rid,
        ))
        headers = [("x-amzn-RequestId", rid), ("Content-Type", "text/xml"), ("Date", self._dates.now())]
        connection = fault.connection if fault is not None else None
        return Reply(status, headers, text.encode("utf-8"), connection, fault.stall if fault is not None else 0.0)

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(record)
            s = self._stats
            s.by_action[record.action or ""] += 1
            s.by_status[record.status] += 1
            if record.error_code:
                s.by_error[record.error_code] += 1
            if record.fault:
                s.by_fault[record.fault] += 1
