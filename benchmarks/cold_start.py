"""Line 1, cold start: a fresh process imports the SDK, builds a client and makes one call
(ListRoles against the emulator). Wall time is taken from the parent (spawn to exit), CPU from
the child's rusage (user + system), so interpreter start-up counts on both sides alike; the bare
interpreter (``python -c pass``) is measured too, for scale.

Both sides start from bytecode, as installed wheels do: iamlast's sources are compiled first and
the children may use and write ``.pyc`` files (PYTHONDONTWRITEBYTECODE is unset for them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from .harness import ROOT, Emulator, Row, Stat, child_env, interleave

IAMLAST = """\
import sys
import iamlast
endpoint, region, key, secret = sys.argv[1:5]
client = iamlast.Client(endpoint_url=endpoint, region=region,
                        aws_access_key_id=key, aws_secret_access_key=secret)
roles = client.list_roles().roles
assert roles, "no roles"
"""

BOTO3 = """\
import sys
import boto3
endpoint, region, key, secret = sys.argv[1:5]
client = boto3.client("iam", endpoint_url=endpoint, region_name=region,
                      aws_access_key_id=key, aws_secret_access_key=secret)
roles = client.list_roles()["Roles"]
assert roles, "no roles"
"""

BARE = "pass\n"


def compile_sources() -> None:
    """Byte-compile iamlast (an editable install has no .pyc files; a wheel install does)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "iamlast")],
        check=True,
        env=child_env(),
    )


def run_child(code: str, args: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of ``python -c code args`` from spawn to exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"cold-start child failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def run(em: Emulator, *, reps: int, compile_first: bool, warmup: bool = True) -> list[Row]:
    if compile_first:
        compile_sources()
    args = [
        em.info["endpoint_url"],
        em.info["region"],
        em.info["access_key_id"],
        em.info["secret_access_key"],
    ]
    sides = [
        ("iamlast", lambda: run_child(IAMLAST, args)),
        ("boto3", lambda: run_child(BOTO3, args)),
        ("python", lambda: run_child(BARE, [])),
    ]
    if warmup:
        interleave(1, sides)  # excluded: page cache, any .pyc still to write
    got: dict[str, Any] = interleave(reps, sides)
    wall = {k: Stat([w for w, _ in v]) for k, v in got.items()}
    cpu = {k: Stat([c for _, c in v]) for k, v in got.items()}
    note = f"bare interpreter: {wall['python'].median * 1e3:.0f} ms wall"
    return [
        Row(
            "1",
            "cold start, wall: import + client + ListRoles",
            "s",
            wall["iamlast"],
            wall["boto3"],
            target=0.5,
            notes=note,
            extra={"python_wall": wall["python"].as_json(), "python_cpu": cpu["python"].as_json()},
        ),
        Row(
            "1",
            "cold start, CPU (child rusage)",
            "s",
            cpu["iamlast"],
            cpu["boto3"],
            notes=f"bare interpreter: {cpu['python'].median * 1e3:.0f} ms CPU",
        ),
    ]
