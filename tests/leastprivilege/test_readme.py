"""The README's least-privilege example type-checks under mypy --strict (tests/docs runs it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def example() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Least privilege", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```python runnable\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert found, "the least-privilege section has a runnable example"
    return found.group(1)


def test_the_readme_example_uses_trim_policy() -> None:
    code = example()
    assert "from iamlast.leastprivilege import trim_policy" in code
    assert "trim_policy(" in code


def test_the_readme_example_passes_mypy_strict(tmp_path: Path) -> None:
    script = tmp_path / "readme_leastprivilege.py"
    script.write_text(example(), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(script),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
