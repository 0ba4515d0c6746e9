"""The README's least-privilege example type-checks under mypy --strict (tests/docs runs it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def examples() -> list[str]:
    """The runnable blocks of the least-privilege section (trim_policy's, then propose's)."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Least privilege", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^```python runnable\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert found, "the least-privilege section has a runnable example"
    return found


def example() -> str:
    return examples()[0]


def test_the_readme_example_uses_trim_policy() -> None:
    code = example()
    assert "from iamlast.leastprivilege import trim_policy" in code
    assert "trim_policy(" in code


def test_the_readme_shows_propose_apply_and_rollback() -> None:
    code = "\n".join(examples()[1:])
    for call in (".propose(", ".apply(", ".rollback(", "Proposal.from_json"):
        assert call in code, call


@pytest.mark.parametrize("index", [0, 1])
def test_the_readme_examples_pass_mypy_strict(tmp_path: Path, index: int) -> None:
    script = tmp_path / f"readme_leastprivilege_{index}.py"
    script.write_text(examples()[index], encoding="utf-8")
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
