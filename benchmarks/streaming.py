"""Line 6, streaming memory: iterate every entity of a policy attached to 100,000 entities
through ``client.paginate_entities(job_id, ns, page_size=1000)``, keeping none, in a fresh
process per side. tracemalloc's peak (Python allocations, lxml's C trees excluded) is read after
the first page, after 10,000 entities and at the end, and the process's RSS high-water mark
(VmHWM) at the same points. Flat means the peak at the end is no more than 20 MB above the
peak after the first page. The boto3 side (the same Marker loop, items dropped) is shown for
information. The emulator generates the entities per page; it never holds them all.

``python -m benchmarks.streaming child SIDE PAGE_SIZE CHECKPOINT < info.json`` is the child.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

from .harness import ROOT, Emulator, Row, Stat, child_env

MB = 1024 * 1024


def _hwm() -> float:
    """The process's RSS high-water mark, MB (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _iamlast_items(info: dict[str, Any], page_size: int) -> Iterator[Any]:
    import iamlast

    client = iamlast.Client(
        endpoint_url=info["endpoint_url"],
        region=info["region"],
        aws_access_key_id=info["access_key_id"],
        aws_secret_access_key=info["secret_access_key"],
    )
    job_id = client.generate_service_last_accessed_details(arn=info["arns"]["stream_policy"]).job_id
    client.wait_for_job(job_id)
    yield None  # set up: measuring starts here
    yield from client.paginate_entities(job_id, "s3", page_size=page_size)


def _boto3_items(info: dict[str, Any], page_size: int) -> Iterator[Any]:
    import boto3

    from .boto_loops import wait_for_job

    iam = boto3.client(
        "iam",
        endpoint_url=info["endpoint_url"],
        region_name=info["region"],
        aws_access_key_id=info["access_key_id"],
        aws_secret_access_key=info["secret_access_key"],
    )
    job_id = iam.generate_service_last_accessed_details(Arn=info["arns"]["stream_policy"])["JobId"]
    wait_for_job(iam, job_id)
    yield None
    kwargs: dict[str, Any] = {"JobId": job_id, "ServiceNamespace": "s3", "MaxItems": page_size}
    while True:
        page = iam.get_service_last_accessed_details_with_entities(**kwargs)
        yield from page["EntityDetailsList"]
        if not page.get("IsTruncated"):
            return
        kwargs["Marker"] = page["Marker"]
        del page


def child(side: str, page_size: int, checkpoint: int) -> dict[str, Any]:
    """Iterate everything, reporting memory at the checkpoints (runs in the child process)."""
    info = json.load(sys.stdin)
    items = _iamlast_items(info, page_size) if side == "iamlast" else _boto3_items(info, page_size)
    next(items)  # imports, client, job: before tracing
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    marks: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    count = 0
    for _ in items:
        count += 1
        if count in (page_size, checkpoint):
            name = "first_page" if count == page_size else "checkpoint"
            marks[name] = {
                "peak_mb": (tracemalloc.get_traced_memory()[1] - base) / MB,
                "hwm_mb": _hwm(),
            }
    marks["end"] = {"peak_mb": (tracemalloc.get_traced_memory()[1] - base) / MB, "hwm_mb": _hwm()}
    return {"count": count, "seconds": time.perf_counter() - started, "marks": marks}


def _run_child(em: Emulator, side: str, page_size: int, checkpoint: int) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.streaming",
            "child",
            side,
            str(page_size),
            str(checkpoint),
        ],
        input=json.dumps(em.info),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"streaming child ({side}) failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def run(em: Emulator, *, entities: int, page_size: int, checkpoint: int, reps: int) -> list[Row]:
    got: dict[str, list[dict[str, Any]]] = {"iamlast": [], "boto3": []}
    for rep in range(reps):
        for side in ["iamlast", "boto3"] if rep % 2 == 0 else ["boto3", "iamlast"]:
            result = _run_child(em, side, page_size, checkpoint)
            if result["count"] != entities:
                raise RuntimeError(f"{side} streamed {result['count']} entities, not {entities}")
            got[side].append(result)

    def growth(side: str, mark: str, key: str = "peak_mb") -> Stat:
        return Stat([r["marks"][mark][key] - r["marks"]["first_page"][key] for r in got[side]])

    def level(side: str, mark: str, key: str = "peak_mb") -> float:
        return float(Stat([r["marks"][mark][key] for r in got[side]]).median)

    ours_end = growth("iamlast", "end")
    notes = (
        f"tracemalloc peak: first page {level('iamlast', 'first_page'):.1f} MB, "
        f"{checkpoint:,} {level('iamlast', 'checkpoint'):.1f} MB, {entities:,} "
        f"{level('iamlast', 'end'):.1f} MB (boto3: {level('boto3', 'first_page'):.1f} / "
        f"{level('boto3', 'checkpoint'):.1f} / {level('boto3', 'end'):.1f} MB); RSS high-water "
        f"iamlast {level('iamlast', 'first_page', 'hwm_mb'):.0f} → {level('iamlast', 'end', 'hwm_mb'):.0f} MB, "
        f"boto3 {level('boto3', 'first_page', 'hwm_mb'):.0f} → {level('boto3', 'end', 'hwm_mb'):.0f} MB"
    )
    return [
        Row(
            "6",
            f"stream {entities:,} entities ({page_size}/page): peak growth after the first page",
            "MB",
            ours_end,
            growth("boto3", "end"),
            target=20.0,
            target_kind="value",
            notes=notes,
            extra={"runs": got},
        ),
        Row(
            "6",
            f"stream: peak growth {checkpoint:,} → {entities:,} entities",
            "MB",
            Stat(
                [
                    r["marks"]["end"]["peak_mb"] - r["marks"]["checkpoint"]["peak_mb"]
                    for r in got["iamlast"]
                ]
            ),
            Stat(
                [
                    r["marks"]["end"]["peak_mb"] - r["marks"]["checkpoint"]["peak_mb"]
                    for r in got["boto3"]
                ]
            ),
            notes="must not grow with the count",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "child":
        raise SystemExit("usage: python -m benchmarks.streaming child SIDE PAGE_SIZE CHECKPOINT")
    print(json.dumps(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
