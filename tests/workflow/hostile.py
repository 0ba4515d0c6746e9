"""Small scripted IAM endpoints on loopback for the workflow tests: pages that never end,
polls that stall or never answer, job statuses IAM does not send today.

Each action's handler takes the request's form parameters and returns ``(status, xml)``; the
server records every request it received (and when) before answering.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from iamlast.testing.httpserver import Reply, Request, ThreadedHTTPServer

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
Handler = Callable[[dict[str, str]], tuple[int, str]]


def ok(operation: str, result: str) -> str:
    return (
        f'<{operation}Response xmlns="{NS}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>rid-{operation}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )


def roles_page(start: int, count: int, marker: str | None) -> str:
    members = "".join(
        f"<member><Path>/</Path><RoleName>r{n}</RoleName><RoleId>AROA{n:017d}</RoleId>"
        f"<Arn>arn:aws:iam::123456789012:role/r{n}</Arn>"
        "<CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
        for n in range(start, start + count)
    )
    more = f"<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>" if marker else (
        "<IsTruncated>false</IsTruncated>"
    )
    return ok("ListRoles", f"<Roles>{members}</Roles>{more}")


def details(status: str | None, *, services: int = 1, marker: str | None = None) -> str:
    members = "".join(
        f"<member><ServiceName>Service {n}</ServiceName><ServiceNamespace>svc{n}</ServiceNamespace>"
        "</member>"
        for n in range(services)
    )
    status_xml = f"<JobStatus>{status}</JobStatus>" if status is not None else ""
    more = f"<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>" if marker else (
        "<IsTruncated>false</IsTruncated>"
    )
    done = "<JobCompletionDate>2024-01-01T00:00:05Z</JobCompletionDate>" if status == "COMPLETED" else ""
    return ok(
        "GetServiceLastAccessedDetails",
        f"{status_xml}<JobType>SERVICE_LEVEL</JobType>"
        f"<JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>{done}"
        f"<ServicesLastAccessed>{members}</ServicesLastAccessed>{more}",
    )


@dataclass(frozen=True)
class Seen:
    action: str
    params: dict[str, str]
    at: float


class Hostile:
    """``with Hostile({"ListRoles": handler, ...}) as server:``; ``client_kwargs()`` points a
    client at it. Actions without a handler get a job-completing default."""

    def __init__(self, handlers: dict[str, Handler] | None = None) -> None:
        self.handlers: dict[str, Handler] = {
            "GenerateServiceLastAccessedDetails": self._generate,
            "GetServiceLastAccessedDetails": lambda p: (200, details("COMPLETED")),
        }
        self.handlers.update(handlers or {})
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._jobs = itertools.count(1)
        self.closing = threading.Event()
        self._server = ThreadedHTTPServer(self._handle)

    def _generate(self, params: dict[str, str]) -> tuple[int, str]:
        job = f"{next(self._jobs):08d}-0000-4000-8000-000000000000"
        return 200, ok("GenerateServiceLastAccessedDetails", f"<JobId>{job}</JobId>")

    def _handle(self, request: Request) -> Reply:
        params = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        action = params.get("Action", "")
        with self._lock:
            self.seen.append(Seen(action, params, time.monotonic()))
        handler = self.handlers.get(action)
        if handler is None:
            status, body = 400, (
                f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>'
                f"<Message>{action}</Message></Error><RequestId>rid</RequestId></ErrorResponse>"
            )
        else:
            status, body = handler(params)
        return Reply(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", "rid")], body.encode())

    def stall(self, seconds: float) -> None:
        """Hold the current request ``seconds`` (cut short when the server closes)."""
        self.closing.wait(seconds)

    def calls(self, action: str | None = None) -> int:
        with self._lock:
            return sum(1 for s in self.seen if action is None or s.action == action)

    def after(self, moment: float) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.at > moment]

    def client_kwargs(self, **extra: Any) -> dict[str, Any]:
        return {
            "endpoint_url": f"http://127.0.0.1:{self._server.port}",
            "region": "us-east-1",
            "aws_access_key_id": "AKIDHOSTILE000000000",
            "aws_secret_access_key": "hostile-secret",
            **extra,
        }

    def close(self) -> None:
        self.closing.set()
        self._server.close(timeout=5.0)

    def __enter__(self) -> Hostile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def endless_roles(page: int = 20) -> Handler:
    """ListRoles that is always truncated, with a fresh marker and ``page`` new roles each time."""
    counter = itertools.count()

    def handler(params: dict[str, str]) -> tuple[int, str]:
        n = next(counter)
        return 200, roles_page(n * page, page, f"m{n + 1}")

    return handler


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    start = time.monotonic()
    yield lambda: time.monotonic() - start
