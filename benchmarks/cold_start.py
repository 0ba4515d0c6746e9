"""Line 1, cold start: a fresh process imports the SDK, builds a client and makes one call
(ListRoles against the emulator). Wall time is taken from the parent (spawn to exit), CPU from
the child's rusage (user + system), so interpreter start-up counts on both sides alike; the bare
interpreter (``python -c pass``) is measured too, for scale.

Both sides start from bytecode, as installed wheels do: iamlast's sources are compiled first and
the children may use and write ``.pyc`` files (PYTHONDONTWRITEBYTECODE is unset for them).

Measured in the same run, interleaved with those:

- the import floor of the stack iamlast needs — httpx without its command line, pydantic,
  lxml, botocore.auth and botocore.credentials — imported and nothing else; and, for scale
  only, that floor "in use": plus httpcore and h11 (which httpx imports with its first
  transport) and one pydantic model defined (which loads pydantic's model machinery);
- both SDKs without bytecode (a read-only install, an image built with
  PYTHONDONTWRITEBYTECODE): every module of site-packages and of iamlast is compiled from its
  source, the standard library still comes from its ``.pyc`` files, on both sides alike.
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

FLOOR = """\
import sys
sys.modules["httpx._main"] = None  # httpx without its command line, as iamlast imports it
import httpx
del sys.modules["httpx._main"]
import pydantic
import lxml.etree
import botocore.auth
import botocore.credentials
"""

# For scale, not a target: the floor plus what any use of the stack loads on top of it — httpx
# imports httpcore and h11 when it builds its first transport, and defining one pydantic model
# loads pydantic's model machinery (``import pydantic`` alone loads almost none of it).
FLOOR_IN_USE = (
    FLOOR
    + """\
import httpcore, h11
from pydantic import BaseModel, ConfigDict
class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
    member: int | None = None
"""
)

# Compile site-packages and iamlast from source (never their .pyc): what a process without
# bytecode pays. The standard library keeps its .pyc, as it has on both sides.
NO_BYTECODE = f"""\
import importlib.machinery as _machinery, sysconfig as _sysconfig
_FROM_SOURCE = tuple({{_sysconfig.get_paths()["purelib"], _sysconfig.get_paths()["platlib"], {str(ROOT / "src")!r}}})
_get_code = _machinery.SourceFileLoader.get_code
def _compiled(self, fullname):
    path = self.get_filename(fullname)
    if path.startswith(_FROM_SOURCE):
        return compile(self.get_data(path), path, "exec", dont_inherit=True)
    return _get_code(self, fullname)
_machinery.SourceFileLoader.get_code = _compiled
"""


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
        ("floor", lambda: run_child(FLOOR, [])),
        ("floor_in_use", lambda: run_child(FLOOR_IN_USE, [])),
        ("python", lambda: run_child(BARE, [])),
        ("iamlast_source", lambda: run_child(NO_BYTECODE + IAMLAST, args)),
        ("boto3_source", lambda: run_child(NO_BYTECODE + BOTO3, args)),
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
            target=0.8,
            notes=f"bare interpreter: {cpu['python'].median * 1e3:.0f} ms CPU",
        ),
        Row(
            "1",
            "cold start, CPU, against the import floor",
            "s",
            cpu["iamlast"],
            cpu["floor"],
            reference_label="import floor",
            target=1.25,
            notes=f"floor wall {wall['floor'].median * 1e3:.0f} ms",
            extra={"floor_wall": wall["floor"].as_json()},
        ),
        Row(
            "1",
            "cold start, CPU, against the floor in use (+ httpcore, h11, one pydantic model)",
            "s",
            cpu["iamlast"],
            cpu["floor_in_use"],
            reference_label="floor in use",
            notes="for scale: what any request through httpx into a pydantic model loads",
        ),
        Row(
            "1",
            "cold start without bytecode, CPU",
            "s",
            cpu["iamlast_source"],
            cpu["boto3_source"],
            target=1.0,
            notes="site-packages and iamlast compiled from source on both sides",
            extra={
                "iamlast_source_wall": wall["iamlast_source"].as_json(),
                "boto3_source_wall": wall["boto3_source"].as_json(),
            },
        ),
    ]
