"""``python -m benchmarks.hostile``: the figures of issue 11, iamlast beside boto3, against small
misbehaving loopback servers (started here; nothing leaves the machine).

1. No credentials anywhere, the instance-metadata endpoint not answering (botocore's default
   1-s timeout): wall time until a scan of 8 ARNs at concurrency 8 has failed for every ARN.
2. An advisory refresh that takes 4 s (credentials 15 minutes from expiry): the longest any
   call waited while 16 threads (16 tasks) kept calling, 20 calls each, 50 ms apart.
3. A server setting a new cookie on each of 1,500 responses: the Cookie header of the last
   request.
4. A server closing kept-alive connections idle for more than 50 ms: 50 calls, 60 ms apart;
   time beyond the pauses.

Run it on a quiet machine; ``PYTHONPATH=<old checkout>/src`` measures an older iamlast (lines
that need newer arguments say so).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
KEYS = {"aws_access_key_id": "AKIDBENCH00000000000", "aws_secret_access_key": "bench-secret"}


def _document(action: str) -> bytes:
    inner = {
        "ListUsers": "<Users/><IsTruncated>false</IsTruncated>",
        "ListRoles": "<Roles/><IsTruncated>false</IsTruncated>",
    }.get(action, "")
    result = f"<{action}Result>{inner}</{action}Result>" if inner else ""
    return (
        f'<{action}Response xmlns="{NS}">{result}<ResponseMetadata><RequestId>rid</RequestId>'
        f"</ResponseMetadata></{action}Response>"
    ).encode()


class Server:
    """Keep-alive HTTP/1.1 on raw sockets; ``idle`` closes a connection left idle longer than
    that when the next request arrives (no answer); ``cookies`` sets a new cookie per answer;
    ``silent`` never answers. Keeps the last request's Cookie header."""

    def __init__(self, *, idle: float | None = None, cookies: bool = False, silent: bool = False):
        self.idle, self.cookies, self.silent = idle, cookies, silent
        self.answered = 0
        self.last_cookie = ""
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf, last = b"", time.monotonic()
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                headers = {}
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    headers[k.strip().lower()] = v.strip()
                size = int(headers.get(b"content-length", b"0"))
                while len(rest) < size:
                    data = conn.recv(65536)
                    if not data:
                        return
                    rest += data
                body, buf = rest[:size], rest[size:]
                if self.silent:
                    continue
                if self.idle is not None and time.monotonic() - last > self.idle:
                    return  # idle too long: closed as the request arrives
                with self._lock:
                    self.answered += 1
                    n = self.answered
                    self.last_cookie = headers.get(b"cookie", b"").decode()
                doc = _document(dict(parse_qsl(body.decode())).get("Action", ""))
                extra = f"Set-Cookie: c{n}=session-{n:06d}-xxxxxxxxxxxxxxxxxxxxxx; Path=/\r\n"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                    + (extra.encode() if self.cookies else b"")
                    + b"Content-Length: %d\r\n\r\n" % len(doc)
                    + doc
                )
                last = time.monotonic()
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self._sock.close()


@contextmanager
def empty_aws_environment(**extra: str) -> Iterator[None]:
    """No AWS_* settings, empty config files; ``extra`` set on top."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as home:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                del os.environ[name]
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            path = os.path.join(home, name.lower())
            open(path, "w").close()
            os.environ[name] = path
        os.environ["NO_PROXY"] = "*"
        os.environ.update(extra)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _boto3(endpoint: str, **kwargs: Any) -> Any:
    import boto3

    return boto3.session.Session().client(
        "iam", endpoint_url=endpoint, region_name="us-east-1", **kwargs
    )


# --------------------------------------------------------------------------- 1. no credentials


ARNS = [f"arn:aws:iam::123456789012:role/r{i}" for i in range(8)]


def no_credentials() -> dict[str, float]:
    import iamlast

    out: dict[str, float] = {}
    iam, imds = Server(), Server(silent=True)
    try:
        with empty_aws_environment(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url):
            started = time.perf_counter()
            with iamlast.Client(endpoint_url=iam.url) as client:
                results = list(client.scan(ARNS, concurrency=8))
            out["iamlast Client.scan"] = time.perf_counter() - started
            assert len(results) == 8 and not any(r.ok for r in results)

            async def scan() -> None:
                async with iamlast.AsyncClient(endpoint_url=iam.url) as client:
                    results = [r async for r in client.scan(ARNS, concurrency=8)]
                assert len(results) == 8 and not any(r.ok for r in results)

            started = time.perf_counter()
            asyncio.run(scan())
            out["iamlast AsyncClient.scan"] = time.perf_counter() - started

            from botocore.exceptions import NoCredentialsError

            started = time.perf_counter()
            boto = _boto3(iam.url)  # botocore searches the chain here, once

            def one(arn: str) -> None:
                try:
                    boto.generate_service_last_accessed_details(Arn=arn)
                except NoCredentialsError:
                    return
                raise AssertionError("credentials found")

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(one, ARNS))
            out["boto3, 8 threads"] = time.perf_counter() - started
    finally:
        iam.close()
        imds.close()
    return out


# --------------------------------------------------------------------------- 2. advisory refresh


def _refreshable(refresh_seconds: float) -> Any:
    from botocore.credentials import RefreshableCredentials

    def refresh() -> dict[str, str]:
        time.sleep(refresh_seconds)
        return {
            "access_key": "AKIDREFRESHED0000000",
            "secret_key": "refreshed-secret",
            "token": "refreshed-token",
            "expiry_time": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        }

    # Just outside the 15-minute advisory window now; inside it a second later.
    return RefreshableCredentials(
        "AKIDFIRST00000000000",
        "first-secret",
        "first-token",
        datetime.now(UTC) + timedelta(minutes=15, seconds=1),
        refresh,
        "bench",
    )


def _latencies_threads(call: Callable[[], Any], threads: int, per_thread: int) -> list[float]:
    def worker() -> list[float]:
        out = []
        for _ in range(per_thread):
            started = time.perf_counter()
            call()
            out.append(time.perf_counter() - started)
            time.sleep(0.05)
        return out

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(worker) for _ in range(threads)]
        return [x for f in futures for x in f.result()]


def advisory_refresh(refresh_seconds: float = 4.0) -> dict[str, str]:
    import iamlast

    out: dict[str, str] = {}
    server = Server()

    def shown(latencies: list[float]) -> str:
        return f"max {max(latencies):.3f} s, median {statistics.median(latencies) * 1000:.1f} ms"

    try:
        with empty_aws_environment():
            with iamlast.Client(
                credentials=_refreshable(refresh_seconds), endpoint_url=server.url
            ) as c:
                c.list_users()
                time.sleep(1.5)
                out["iamlast Client, 16 threads"] = shown(_latencies_threads(c.list_users, 16, 20))

            async def tasks(credentials: Any) -> list[float]:
                async with iamlast.AsyncClient(
                    credentials=credentials, endpoint_url=server.url
                ) as c:
                    await c.list_users()
                    await asyncio.sleep(1.5)

                    async def one() -> list[float]:
                        out = []
                        for _ in range(20):
                            started = time.perf_counter()
                            await c.list_users()
                            out.append(time.perf_counter() - started)
                            await asyncio.sleep(0.05)
                        return out

                    done = await asyncio.gather(*(one() for _ in range(16)))
                    return [x for each in done for x in each]

            base = asyncio.run(tasks(("AKIDSTATIC0000000000", "static-secret")))
            out["iamlast AsyncClient, 16 tasks"] = (
                shown(asyncio.run(tasks(_refreshable(refresh_seconds))))
                + f" (no refresh due: max {max(base):.3f} s)"
            )

            import botocore.session

            session = botocore.session.Session()
            session._credentials = _refreshable(refresh_seconds)
            boto = session.create_client("iam", endpoint_url=server.url, region_name="us-east-1")
            boto.list_users()
            time.sleep(1.5)
            out["boto3, 16 threads"] = shown(_latencies_threads(boto.list_users, 16, 20))
    finally:
        server.close()
    return out


# --------------------------------------------------------------------------- 3. cookies


def cookies(responses: int = 1500) -> dict[str, int]:
    import iamlast

    out: dict[str, int] = {}
    for name in ("iamlast Client", "iamlast AsyncClient", "boto3"):
        server = Server(cookies=True)
        try:
            with empty_aws_environment():
                if name == "iamlast Client":
                    with iamlast.Client(**KEYS, endpoint_url=server.url) as c:
                        for _ in range(responses + 1):
                            c.list_users()
                elif name == "iamlast AsyncClient":

                    async def go(url: str = server.url) -> None:
                        async with iamlast.AsyncClient(**KEYS, endpoint_url=url) as c:
                            for _ in range(responses + 1):
                                await c.list_users()

                    asyncio.run(go())
                else:
                    boto = _boto3(server.url, **KEYS)
                    for _ in range(responses + 1):
                        boto.list_users()
            out[name] = len(server.last_cookie)
        finally:
            server.close()
    return out


# --------------------------------------------------------------------------- 4. idle close


def idle_close(calls: int = 50, pause: float = 0.06) -> dict[str, str]:
    import iamlast

    out: dict[str, str] = {}
    for name in ("iamlast Client", "iamlast AsyncClient", "boto3"):
        server = Server(idle=0.05)
        try:
            with empty_aws_environment():
                started = time.perf_counter()
                if name == "iamlast Client":
                    with iamlast.Client(**KEYS, endpoint_url=server.url) as c:
                        for _ in range(calls):
                            c.list_users()
                            time.sleep(pause)
                elif name == "iamlast AsyncClient":

                    async def go(url: str = server.url) -> None:
                        async with iamlast.AsyncClient(**KEYS, endpoint_url=url) as c:
                            for _ in range(calls):
                                await c.list_users()
                                await asyncio.sleep(pause)

                    asyncio.run(go())
                else:
                    boto = _boto3(server.url, **KEYS)
                    for _ in range(calls):
                        boto.list_users()
                        time.sleep(pause)
                total = time.perf_counter() - started
            out[name] = f"{total:.2f} s ({total - calls * pause:.2f} s beyond the pauses)"
        finally:
            server.close()
    return out


def main() -> int:
    import iamlast

    print(f"iamlast from {os.path.dirname(iamlast.__file__)}", file=sys.stderr)
    figures: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("1. no credentials, IMDS silent: scan 8 ARNs at concurrency 8 (wall)", no_credentials),
        ("2. 4-s advisory refresh: longest wait of any call", advisory_refresh),
        ("3. Cookie header after 1,500 responses setting cookies (bytes)", cookies),
        ("4. 50 calls, server closes connections idle > 50 ms", idle_close),
    ]
    only = set(sys.argv[1:])
    for title, measure in figures:
        if only and title[0] not in only:
            continue
        print(title, flush=True)
        try:
            for who, value in measure().items():
                shown = f"{value:.2f} s" if isinstance(value, float) else str(value)
                print(f"    {who:32} {shown}", flush=True)
        except Exception as exc:  # an older iamlast without an argument used here
            print(f"    not measured: {type(exc).__name__}: {exc}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
