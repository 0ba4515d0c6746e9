"""Line 2, client CPU per call: GetServiceLastAccessedDetailsWithEntities for a completed job,
1000 entities per page and 100, measured with ``time.process_time`` in this process while the
emulator runs in its own, so the server's work is never counted. Each side's client is built and
warmed up first (imports, connection, first-use model loading excluded).

Line 3, parsing alone: one 1000-entity response body as it came off the wire, iamlast's
``of_xml`` (the whole model: timestamps, enums, nested models) against botocore's QueryParser
with the operation's output shape (its parse alone: no handlers, no client).
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import time
from collections.abc import Callable
from typing import Any

from . import boto_loops
from .harness import Emulator, Row, Stat, interleave

OPERATION = "GetServiceLastAccessedDetailsWithEntities"


def _batch(call: Callable[[], Any], n: int) -> tuple[float, float]:
    """(cpu, wall) seconds per call over ``n`` calls."""
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        call()
    return (time.process_time() - cpu0) / n, (time.perf_counter() - wall0) / n


def _job(em: Emulator) -> tuple[Any, str]:
    import iamlast

    client = iamlast.Client(**em.iamlast_kwargs())
    job_id = client.generate_service_last_accessed_details(arn=em.arns["page_policy"]).job_id
    client.wait_for_job(job_id)
    return client, job_id


def cpu_per_call(
    em: Emulator, *, page_sizes: dict[int, int], reps: int, warmup: bool = True
) -> list[Row]:
    """``page_sizes``: entities per page -> calls per repetition."""
    client, job_id = _job(em)
    boto = boto_loops.client(em.boto3_kwargs())
    aio = _AioSide(em) if importlib.util.find_spec("aiobotocore") else None
    rows: list[Row] = []
    try:
        for size, calls in page_sizes.items():

            def ours(size: int = size) -> Any:
                return client.get_service_last_accessed_details_with_entities(
                    job_id=job_id, service_namespace="s3", max_items=size
                )

            def theirs(size: int = size) -> Any:
                return boto.get_service_last_accessed_details_with_entities(
                    JobId=job_id, ServiceNamespace="s3", MaxItems=size
                )

            # Same data on both sides, and everything loaded before measuring.
            got_ours = len(ours().entity_details_list or [])
            got_theirs = len(theirs()["EntityDetailsList"])
            if got_ours != size or got_theirs != size:
                raise RuntimeError(f"expected {size} entities, got {got_ours} / {got_theirs}")
            sides: list[tuple[str, Callable[[], tuple[float, float]]]] = [
                ("iamlast", lambda ours=ours, calls=calls: _batch(ours, calls)),
                ("boto3", lambda theirs=theirs, calls=calls: _batch(theirs, calls)),
            ]
            if aio is not None:
                sides.append(
                    ("aiobotocore", lambda size=size, calls=calls: aio.batch(job_id, size, calls))
                )
            if warmup:
                interleave(1, sides)  # excluded
            got = interleave(reps, sides)
            cpu = {k: Stat([c for c, _ in v]) for k, v in got.items()}
            wall = {k: Stat([w for _, w in v]) for k, v in got.items()}
            rows.append(
                Row(
                    "2",
                    f"client CPU per call, {size} entities/page",
                    "s",
                    cpu["iamlast"],
                    cpu["boto3"],
                    target=0.2 if size == 1000 else None,
                    notes=f"{calls} calls/rep; wall per call {wall['iamlast'].median * 1e3:.1f} ms vs "
                    f"{wall['boto3'].median * 1e3:.1f} ms (includes the server)",
                    extra={
                        "wall_iamlast": wall["iamlast"].as_json(),
                        "wall_boto3": wall["boto3"].as_json(),
                    },
                )
            )
            if aio is not None:
                rows.append(
                    Row(
                        "2",
                        f"client CPU per call, {size} entities/page, vs aiobotocore",
                        "s",
                        cpu["iamlast"],
                        cpu["aiobotocore"],
                        reference_label="aiobotocore",
                    )
                )
    finally:
        if aio is not None:
            aio.close()
        client.close()
    if aio is None:
        rows.append(
            Row(
                "2",
                "client CPU per call vs aiobotocore",
                "s",
                None,
                None,
                skipped="aiobotocore is not installed",
            )
        )
    return rows


class _AioSide:
    """An aiobotocore client on its own event loop, kept open across batches."""

    def __init__(self, em: Emulator) -> None:
        from aiobotocore.session import get_session

        self.loop = asyncio.new_event_loop()
        self._cm = get_session().create_client("iam", **em.boto3_kwargs())
        self.client = self.loop.run_until_complete(self._cm.__aenter__())

    def batch(self, job_id: str, size: int, n: int) -> tuple[float, float]:
        async def calls() -> None:
            for _ in range(n):
                await self.client.get_service_last_accessed_details_with_entities(
                    JobId=job_id, ServiceNamespace="s3", MaxItems=size
                )

        gc.collect()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        self.loop.run_until_complete(calls())
        return (time.process_time() - cpu0) / n, (time.perf_counter() - wall0) / n

    def close(self) -> None:
        self.loop.run_until_complete(self._cm.__aexit__(None, None, None))
        self.loop.close()


def parsing(em: Emulator, *, size: int, parses: int, reps: int, warmup: bool = True) -> list[Row]:
    import botocore.session
    from botocore.parsers import QueryParser

    from iamlast.models import GetServiceLastAccessedDetailsWithEntitiesResponse as Model

    client, job_id = _job(em)
    try:
        raw = client.with_raw_response.get_service_last_accessed_details_with_entities(
            job_id=job_id, service_namespace="s3", max_items=size
        )
        body: bytes = raw.content
    finally:
        client.close()
    shape = (
        botocore.session.get_session()
        .get_service_model("iam")
        .operation_model(OPERATION)
        .output_shape
    )
    parser = QueryParser()
    response = {"body": body, "headers": {}, "status_code": 200}

    def ours() -> Any:
        return Model.of_xml(body)

    def theirs() -> Any:
        return parser.parse(response, shape)

    n_ours = len(ours().entity_details_list or [])
    n_theirs = len(theirs()["EntityDetailsList"])
    if n_ours != size or n_theirs != size:
        raise RuntimeError(f"expected {size} entities, parsed {n_ours} / {n_theirs}")
    sides = [
        ("iamlast", lambda: _batch(ours, parses)[0]),
        ("botocore", lambda: _batch(theirs, parses)[0]),
    ]
    if warmup:
        interleave(1, sides)  # excluded
    got = interleave(reps, sides)
    return [
        Row(
            "3",
            f"parse one {size}-entity body ({len(body) // 1024} KiB), CPU",
            "s",
            Stat(got["iamlast"]),
            Stat(got["botocore"]),
            reference_label="botocore",
            target=0.1,
            notes=f"{parses} parses/rep; botocore's parse excludes its handlers, of_xml builds the "
            "typed models",
        )
    ]
