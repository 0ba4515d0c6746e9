"""Line 8, least-privilege proposals for a whole account: ``client.propose(every principal)`` on
a generated account of ``principals`` users, roles and groups, against an emulator that allows
``rate`` requests per second (a token bucket a tenth of a second deep; over it, 400 Throttling)
and adds ``latency`` to every reply.

Each principal costs its reads (Get{Role,User,Group}, its inline policies, its attachments, a
user's groups, a group's members) and its ACTION_LEVEL report (generate, read); each managed or
group policy is read once, and a customer-managed policy shared by several principals is trimmed
on its own from its own report. So the run is bound by the rate: the bound is (requests answered
200) / rate, and each client's wall time is shown against it. The planning — the pure core's
trimming and safety check, in this process — overlaps the reading (each principal, once read,
is planned on propose's planner thread, off the async client's event loop), so what shows above
the bound is the planning the reads could not hide and the tail of the last reports. Jobs
complete at the first poll.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from .harness import Emulator, Row, Stat

CONCURRENCY = 16


def _async(em: Emulator, arns: list[str], rate: float) -> Any:
    import iamlast

    async def go() -> Any:
        async with iamlast.AsyncClient(**em.iamlast_kwargs()) as client:
            return await client.propose(arns, concurrency=CONCURRENCY, rate_limit=rate, poll_delay=0.05)

    return asyncio.run(go())


def _sync(em: Emulator, arns: list[str], rate: float) -> Any:
    import iamlast

    with iamlast.Client(**em.iamlast_kwargs()) as client:
        return client.propose(arns, concurrency=CONCURRENCY, rate_limit=rate, poll_delay=0.05)


def run(em: Emulator, *, reps: int, rate: float, latency: float, warmup: bool = True) -> list[Row]:
    arns: list[str] = list(em.arns["propose_arns"])
    under = round(rate * 0.95, 3)
    variants: list[tuple[str, float | None, Callable[[list[str]], Any]]] = [
        (
            f"iamlast AsyncClient.propose(concurrency={CONCURRENCY}, rate_limit={under:g})",
            1.3,
            lambda a: _async(em, a, under),
        ),
        (
            f"iamlast Client.propose({CONCURRENCY} threads, rate_limit={under:g})",
            1.3,
            lambda a: _sync(em, a, under),
        ),
    ]
    if warmup:  # excluded: imports, the catalog's first files, connections
        for _, _, propose in variants:
            propose(arns[:8])
    pause = 0.2  # the server's bucket (0.1 s deep) refills between runs
    time.sleep(pause)
    walls: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    bounds: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    info: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        for name, _, propose in order:
            em.clear()
            started = time.perf_counter()
            proposal = propose(arns)
            wall = time.perf_counter() - started
            counters = em.counters()
            ok = int(counters["statuses"].get("200", 0))
            walls[name].append(wall)
            bounds[name].append(ok / rate)
            statuses = Counter(p.status.value for p in proposal.principals)
            info[name].append(
                {
                    "ok_requests": ok,
                    "throttled": int(counters["errors"].get("Throttling", 0)),
                    "principals": dict(statuses),
                    "policies_on_their_own": len(proposal.policies),
                    "steps": len(proposal.steps()),
                }
            )
            time.sleep(pause)
    rows = []
    for name, target, _ in variants:
        runs = info[name]
        throttled = sum(i["throttled"] for i in runs)
        first = runs[0]
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(first["principals"].items()))
        rows.append(
            Row(
                "8",
                f"propose for {len(arns)} principals @ {rate:g} rps, {latency * 1e3:g} ms: {name}",
                "s",
                Stat(walls[name]),
                Stat(bounds[name]),
                reference_label="bound",
                target=target,
                notes=f"{first['ok_requests']} requests/run ({statuses}; "
                f"{first['policies_on_their_own']} shared policies trimmed on their own; "
                f"{first['steps']} steps); over {reps} runs {throttled} throttled requests"
                + "; the planning runs on propose's planner thread (an Offload), "
                + ("off the event loop" if "Async" in name else "the workers waiting on it"),
                extra={"runs": runs},
            )
        )
    return rows
