"""Line 5, an account scan: a service-last-accessed report (generate, poll, read the services)
for each of many principals, against an emulator that allows ``rate`` requests per second (a
token bucket a tenth of a second deep; over it, 400 Throttling) and adds ``latency`` to every
reply. Jobs complete at the first poll, so each principal costs two requests and the scan is
bound by the rate: the bound is (requests answered 200) / rate, and each client's wall time is
shown against it.

- iamlast: ``AsyncClient.scan(arns, concurrency=16, rate_limit=0.95 × rate)``, the same with the
  sync ``Client.scan`` (16 threads), and ``AsyncClient.scan`` in adaptive retry mode without a
  rate limit (information).
- boto3: the straightforward loop over a ``ThreadPoolExecutor(16)`` sharing one client
  (``max_pool_connections=16``), once with boto3's default retries and once in adaptive mode.
- aiobotocore, where it installs: ``asyncio.gather`` under a 16-slot semaphore, adaptive mode.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import boto_loops
from .harness import Emulator, Row, Stat

CONCURRENCY = 16


def _iamlast_async(em: Emulator, arns: list[str], rate: float | None, **options: Any) -> int:
    import iamlast

    async def go() -> int:
        errors = 0
        async with iamlast.AsyncClient(**em.iamlast_kwargs(), **options) as client:
            async for result in client.scan(arns, concurrency=CONCURRENCY, rate_limit=rate):
                errors += 0 if result.ok else 1
        return errors

    return asyncio.run(go())


def _iamlast_sync(em: Emulator, arns: list[str], rate: float | None) -> int:
    import iamlast

    errors = 0
    with iamlast.Client(**em.iamlast_kwargs()) as client:
        for result in client.scan(arns, concurrency=CONCURRENCY, rate_limit=rate):
            errors += 0 if result.ok else 1
    return errors


def _boto3_threads(em: Emulator, arns: list[str], **config: Any) -> int:
    iam = boto_loops.client(em.boto3_kwargs(), max_pool_connections=CONCURRENCY, **config)
    errors = 0
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        futures = [pool.submit(boto_loops.report, iam, arn) for arn in arns]
        for future in futures:
            try:
                future.result()
            except Exception:
                errors += 1
    return errors


def _aiobotocore(em: Emulator, arns: list[str]) -> int:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    async def go() -> int:
        config = AioConfig(retries={"mode": "adaptive"}, max_pool_connections=CONCURRENCY)
        gate = asyncio.Semaphore(CONCURRENCY)
        async with get_session().create_client("iam", config=config, **em.boto3_kwargs()) as iam:

            async def one(arn: str) -> None:
                async with gate:
                    await boto_loops.aio_report(iam, arn)

            results = await asyncio.gather(*(one(a) for a in arns), return_exceptions=True)
        return sum(1 for r in results if isinstance(r, BaseException))

    return asyncio.run(go())


def run(em: Emulator, *, reps: int, rate: float, latency: float, warmup: bool = True) -> list[Row]:
    arns: list[str] = list(em.arns["scan_roles"])
    under = round(rate * 0.95, 3)
    variants: list[tuple[str, float | None, Callable[[list[str]], int]]] = [
        (
            f"iamlast AsyncClient.scan(concurrency={CONCURRENCY}, rate_limit={under:g})",
            1.15,
            lambda a: _iamlast_async(em, a, under),
        ),
        (
            f"iamlast Client.scan({CONCURRENCY} threads, rate_limit={under:g})",
            1.15,
            lambda a: _iamlast_sync(em, a, under),
        ),
        (
            f"iamlast AsyncClient.scan(concurrency={CONCURRENCY}), adaptive retries, no rate_limit",
            None,
            lambda a: _iamlast_async(em, a, None, retry_mode="adaptive", max_attempts=10),
        ),
        (
            f"boto3 ThreadPoolExecutor({CONCURRENCY}), default retries",
            None,
            lambda a: _boto3_threads(em, a),
        ),
        (
            f"boto3 ThreadPoolExecutor({CONCURRENCY}), adaptive retries",
            None,
            lambda a: _boto3_threads(em, a, retries={"mode": "adaptive"}),
        ),
    ]
    skipped = None
    if importlib.util.find_spec("aiobotocore"):
        variants.append(
            (
                f"aiobotocore gather(semaphore {CONCURRENCY}), adaptive retries",
                None,
                lambda a: _aiobotocore(em, a),
            )
        )
    else:
        skipped = "aiobotocore is not installed"

    warm = arns[: min(len(arns), 2 * CONCURRENCY)]
    for _, _, scan in variants if warmup else ():  # excluded: imports, models, connections
        scan(warm)
    pause = max(0.2, 2 * 0.1)  # the server's bucket (0.1 s deep) refills between runs
    time.sleep(pause)
    walls: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    bounds: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    info: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        for name, _, scan in order:
            em.clear()
            started = time.perf_counter()
            errors = scan(arns)
            wall = time.perf_counter() - started
            counters = em.counters()
            ok = int(counters["statuses"].get("200", 0))
            throttled = int(counters["errors"].get("Throttling", 0))
            walls[name].append(wall)
            bounds[name].append(ok / rate)
            info[name].append(
                {"ok_requests": ok, "throttled": throttled, "failed_principals": errors}
            )
            time.sleep(pause)
    rows = []
    for name, target, _ in variants:
        throttled = sum(i["throttled"] for i in info[name])
        failed = sum(i["failed_principals"] for i in info[name])
        rows.append(
            Row(
                "5",
                f"scan {len(arns)} principals @ {rate:g} rps, {latency * 1e3:g} ms: {name}",
                "s",
                Stat(walls[name]),
                Stat(bounds[name]),
                reference_label="bound",
                target=target,
                notes=f"over {reps} runs: {throttled} throttled requests, {failed} failed principals",
                extra={"runs": info[name]},
            )
        )
    if skipped:
        rows.append(Row("5", "scan: aiobotocore", "s", None, None, skipped=skipped))
    return rows
