"""The benchmark harness runs end to end on tiny sizes and writes its JSON (no timings checked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINES = {"1", "2", "3", "4", "5", "6", "7", "8", "9"}


def test_quick_run_writes_results(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    files = list(tmp_path.glob("*-quick.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text())
    assert data["meta"]["quick"] is True
    rows = data["rows"]
    assert {r["line"] for r in rows} == LINES
    for row in rows:
        assert row["status"] in {"PASS", "MISS", "info", "SKIP"}
        if row["status"] != "SKIP":
            assert row["value"]["n"] >= 1
            assert row["value"]["median"] >= 0
    # The table is printed with a status per line.
    assert "cold start" in proc.stdout
    assert "scan" in proc.stdout
    # A quick run never rewrites the committed summary.
    assert "LATEST.md" not in proc.stdout
