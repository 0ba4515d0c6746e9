"""Line 4, a full report with entities for a role granted many services: iamlast's
``Client.last_accessed(arn, with_entities=True)`` against the boto3 loop doing the same work
(generate, poll, page all services, page every service's entities), both sequential, one request
at a time (``concurrency=1``), service-default page sizes. Wall time and client CPU per report;
both clients' default (8 services at a time) is shown for information.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

from . import boto_loops
from .harness import Emulator, Row, Stat, interleave


def _timed(run: Callable[[], Any]) -> tuple[float, float]:
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    run()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def run(em: Emulator, *, reps: int) -> list[Row]:
    import iamlast

    arn = em.arns["report_role"]
    client = iamlast.Client(**em.iamlast_kwargs())
    boto = boto_loops.client(em.boto3_kwargs())
    loop = asyncio.new_event_loop()
    aclient = iamlast.AsyncClient(**em.iamlast_kwargs())
    try:

        def ours() -> Any:
            return client.last_accessed(arn, with_entities=True, concurrency=1)

        def ours_concurrent() -> Any:
            return client.last_accessed(arn, with_entities=True)

        def theirs() -> Any:
            return boto_loops.report(boto, arn, with_entities=True)

        def ours_async() -> Any:
            return loop.run_until_complete(aclient.last_accessed(arn, with_entities=True))

        # The same report on every side (and everything loaded before measuring).
        em.clear()
        report = ours()
        requests = sum(int(n) for n in em.counters()["actions"].values())
        services, entities = theirs()
        n_ours = len(report.services)
        if n_ours != len(services) or sum(len(v) for v in entities.values()) == 0:
            raise RuntimeError(f"reports differ: {n_ours} services vs {len(services)}")
        ours_async()
        ours_concurrent()
        sides = [
            ("iamlast", lambda: _timed(ours)),
            ("boto3", lambda: _timed(theirs)),
            ("async", lambda: _timed(ours_async)),
            ("threads", lambda: _timed(ours_concurrent)),
        ]
        got = interleave(reps, sides)
    finally:
        loop.run_until_complete(aclient.aclose())
        loop.close()
        client.close()
    wall = {k: Stat([w for w, _ in v]) for k, v in got.items()}
    cpu = {k: Stat([c for _, c in v]) for k, v in got.items()}
    label = f"full report with entities, {n_ours} services ({requests} requests)"
    return [
        Row(
            "4",
            f"{label}, wall",
            "s",
            wall["iamlast"],
            wall["boto3"],
            notes="sync Client vs boto3 loop, both sequential",
        ),
        Row("4", f"{label}, client CPU", "s", cpu["iamlast"], cpu["boto3"]),
        Row(
            "4",
            f"{label}, wall, Client (8 services at a time)",
            "s",
            wall["threads"],
            wall["boto3"],
            notes="information: concurrency, not per-call speed",
        ),
        Row(
            "4",
            f"{label}, wall, AsyncClient (8 services at a time)",
            "s",
            wall["async"],
            wall["boto3"],
            notes="information: concurrency, not per-call speed",
        ),
    ]
