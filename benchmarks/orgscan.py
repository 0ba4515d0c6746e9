"""Line 9, an organization scan: ``scan_organization`` over N accounts of P principals each,
against an emulated Organization whose every account's IAM allows ``rate`` requests per second
(its own token bucket, a tenth of a second deep; over it, 400 Throttling) and adds ``latency``
to every IAM reply. Jobs complete at the first poll. Each account's principals are roles granted
four services, as line 5's (``--account-shape seeded`` on the emulator serves generated accounts
instead, whose administrator role's reports list every service: several times the client CPU per
request).

IAM's quota is per account, so accounts scan side by side: the bound is the slowest account's
requests answered 200 divided by ``rate`` (every account in flight at once). Measured:

- wall time against that bound: ``AsyncClient.scan_organization`` and ``Client.scan_organization``
  (``account_concurrency`` = N, ``rate_limit`` = 0.95 × rate per account), and the same scan with
  ``executor=`` a dask ``LocalCluster`` of 2 worker processes (the cluster started beforehand);
- client CPU per request (this process's CPU time over every request the server saw) against
  the single-account scan's: ``AsyncClient.scan()`` of one account at the same rate.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

from .harness import Emulator, Row, Stat

ROLE = "OrganizationAccountAccessRole"
CONCURRENCY = 4  # per account: 20 rps × 50 ms needs one request in flight on average


def _options(em: Emulator) -> dict[str, dict[str, str]]:
    return {
        "sts": {"endpoint_url": em.endpoint_url},
        "organizations": {"endpoint_url": em.endpoint_url},
    }


def _count(items: Any) -> tuple[int, int]:
    principals = failed = 0
    for item in items:
        if item.kind == "result":
            principals += 1
            failed += 0 if item.ok else 1
        elif item.kind == "failed":
            failed += 1
    return principals, failed


def _org_async(
    em: Emulator, rate: float, accounts: list[str] | None, executor: Any = None
) -> tuple[int, int]:
    import iamlast

    async def go() -> tuple[int, int]:
        principals = failed = 0
        async with iamlast.AsyncClient(**em.iamlast_kwargs()) as client:
            async for item in client.scan_organization(
                ROLE,
                accounts=accounts,
                account_concurrency=64,
                concurrency=CONCURRENCY,
                max_requests_in_flight=None,
                rate_limit=rate,
                client_options=_options(em),
                executor=executor,
                poll_delay=0.05,
            ):
                if item.kind == "result":
                    principals += 1
                    failed += 0 if item.ok else 1
                elif item.kind == "failed":
                    failed += 1
        return principals, failed

    return asyncio.run(go())


def _org_sync(em: Emulator, rate: float, accounts: list[str] | None) -> tuple[int, int]:
    import iamlast

    with iamlast.Client(**em.iamlast_kwargs()) as client:
        return _count(
            client.scan_organization(
                ROLE,
                accounts=accounts,
                account_concurrency=64,
                concurrency=CONCURRENCY,
                max_requests_in_flight=None,
                rate_limit=rate,
                client_options=_options(em),
                poll_delay=0.05,
            )
        )


def _single_async(em: Emulator, rate: float) -> tuple[int, int]:
    import iamlast

    async def go() -> tuple[int, int]:
        principals = failed = 0
        async with iamlast.AsyncClient(**em.iamlast_kwargs()) as client:
            async for result in client.scan(
                concurrency=CONCURRENCY, rate_limit=rate, poll_delay=0.05
            ):
                principals += 1
                failed += 0 if result.ok else 1
        return principals, failed

    return asyncio.run(go())


def _cluster() -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=32,  # a unit per account, every account in flight at once
        dashboard_address=None,
        silence_logs=40,
        host="127.0.0.1",
    )
    return cluster, Client(cluster)


def run(
    em: Emulator,
    *,
    accounts: int,
    principals: int,
    reps: int,
    rate: float,
    latency: float,
    warmup: bool = True,
) -> list[Row]:
    under = round(rate * 0.95, 3)
    all_accounts: list[str] = list(em.info["accounts"])
    warm = all_accounts[1:3]
    try:
        cluster, dask = _cluster()
        skipped = None
    except Exception as exc:  # dask not installed, or no processes here
        cluster = dask = None
        skipped = f"no dask LocalCluster: {type(exc).__name__}: {exc}"

    variants: list[tuple[str, Callable[[list[str] | None], tuple[int, int]]]] = [
        ("AsyncClient.scan_organization", lambda a: _org_async(em, under, a)),
        ("Client.scan_organization (threads)", lambda a: _org_sync(em, under, a)),
    ]
    if dask is not None:
        executor = dask.get_executor()
        variants.append(
            (
                "AsyncClient.scan_organization, executor=dask LocalCluster(2 worker processes)",
                lambda a: _org_async(em, under, a, executor),
            )
        )
    single = "AsyncClient.scan() of one account"
    if warmup:
        for name, scan in variants:
            started = time.perf_counter()
            scan(warm)
            print(f"  9. warm-up: {name}: {time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
        _single_async(em, under)
    time.sleep(0.3)
    walls: dict[str, list[float]] = {n: [] for n, _ in variants}
    bounds: dict[str, list[float]] = {n: [] for n, _ in variants}
    cpu: dict[str, list[float]] = {n: [] for n, _ in [*variants, (single, None)]}
    info: dict[str, list[dict[str, Any]]] = {n: [] for n, _ in [*variants, (single, None)]}
    sides: list[tuple[str, Callable[[], tuple[int, int]]]] = [
        *((n, lambda s=s: s(None)) for n, s in variants),  # type: ignore[misc]
        (single, lambda: _single_async(em, under)),
    ]
    try:
        for rep in range(reps):
            for name, scan in sides if rep % 2 == 0 else list(reversed(sides)):
                em.clear()
                started, cpu0 = time.perf_counter(), time.process_time()
                done, failed = scan()
                wall, used = time.perf_counter() - started, time.process_time() - cpu0
                print(f"  9. rep {rep + 1}/{reps}: {name}: {wall:.2f} s", file=sys.stderr, flush=True)
                counters = em.counters()
                requests = sum(counters["statuses"].values())
                slowest = max(counters["iam_ok"].values()) if counters["iam_ok"] else 0
                if name in walls:
                    walls[name].append(wall)
                    bounds[name].append(slowest / rate)
                cpu[name].append(used / max(1, requests))
                info[name].append(
                    {
                        "wall": wall,
                        "requests": requests,
                        "throttled": counters["errors"].get("Throttling", 0),
                        "principals": done,
                        "failed": failed,
                        "services": counters["services"],
                    }
                )
                time.sleep(0.3)
    finally:
        if dask is not None:
            dask.close()
            cluster.close()

    size = f"{accounts} accounts × {principals} principals @ {rate:g} rps/account, {latency * 1e3:g} ms"

    def note(name: str) -> str:
        runs = info[name]
        return (
            f"over {len(runs)} runs: {sum(r['principals'] for r in runs)} principals, "
            f"{sum(r['failed'] for r in runs)} failed, {sum(r['throttled'] for r in runs)} "
            f"throttled, {runs[0]['requests'] if runs else 0} requests a run"
        )

    rows = []
    for name, _ in variants:
        dask_line = "dask" in name
        rows.append(
            Row(
                "9",
                f"org scan {size}: {name}, wall",
                "s",
                Stat(walls[name]),
                Stat(bounds[name]),
                reference_label="bound",
                target=1.3 if dask_line else (1.15 if name.startswith("Async") else None),
                notes=note(name),
                extra={"runs": info[name]},
            )
        )
        if not dask_line:  # a cluster's CPU is in its workers, not here
            rows.append(
                Row(
                    "9",
                    f"org scan {size}: {name}, client CPU per request",
                    "s",
                    Stat(cpu[name]),
                    Stat(cpu[single]),
                    reference_label="one account",
                    target=1.10 if name.startswith("Async") else None,
                    notes=f"reference: {single} at the same rate; {note(single)}",
                )
            )
    if skipped:
        rows.append(Row("9", "org scan under dask", "s", None, None, skipped=skipped))
    return rows
