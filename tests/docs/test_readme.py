"""Every README code block marked ``python runnable`` runs, as written, against the emulator
(``python runnable pytest`` blocks run under pytest); and the first screen says how to start."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, python

README = ROOT / "README.md"
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str, int]]:
    """(info string, code, line number) of every fenced block in the README."""
    text = README.read_text(encoding="utf-8")
    return [
        (m.group(1).strip(), m.group(2), text.count("\n", 0, m.start()) + 1)
        for m in _FENCE.finditer(text)
    ]


RUNNABLE = [
    (info, code, line) for info, code, line in blocks() if info.split()[1:2] == ["runnable"]
]


def test_the_readme_has_runnable_blocks() -> None:
    kinds = {info for info, _, _ in RUNNABLE}
    assert kinds == {"python runnable", "python runnable pytest"}
    assert len(RUNNABLE) >= 9
    everything = "\n".join(code for _, code, _ in RUNNABLE)
    for name in (
        "wait_for_job",
        "paginate_entities",
        "last_accessed",
        "scan(",
        "AsyncClient",
        "match exc",
        "max_attempts",
        "FakeIAM",
        "fake_iam",
    ):
        assert name in everything, f"no runnable block shows {name}"


@pytest.mark.parametrize(
    ("info", "code", "line"), RUNNABLE, ids=[f"line{line}" for _, _, line in RUNNABLE]
)
def test_runnable_block(
    info: str, code: str, line: int, env: dict[str, str], tmp_path: Path
) -> None:
    if info.endswith("pytest"):
        script = tmp_path / "test_block.py"
        script.write_text(code, encoding="utf-8")
        done = python(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)], env, tmp_path)
    else:
        script = tmp_path / "block.py"
        script.write_text(code, encoding="utf-8")
        done = python([str(script)], env, tmp_path)
    assert done.returncode == 0, (
        f"README block at line {line} failed:\n{done.stdout}\n{done.stderr}"
    )
    assert "Traceback" not in done.stderr


def test_runnable_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    """What the README shows type-checks as a user's code would: ``mypy --strict``, with the
    project's mypy settings (the pydantic plugin), each block its own module."""
    files = []
    for _, code, line in RUNNABLE:
        path = tmp_path / f"readme_block_line{line}.py"
        path.write_text(code, encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"README blocks under mypy --strict:\n{done.stdout}{done.stderr}"


def test_the_first_screen() -> None:
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:20])
    assert "make demo" in first and "make test" in first
    assert "Access Advisor" in first


def test_the_sample_output_is_the_demo() -> None:
    """The CLI section shows real demo output: the same headings the demo prints."""
    from iamlast.cli.demo import LAST_LINE

    text = README.read_text(encoding="utf-8")
    assert LAST_LINE in text
    for heading in (
        "Services granted to arn:aws:iam::123456789012:user/",
        "Unused services and the policies that grant them",
        "SYNTHETIC DATA",
    ):
        assert heading in text
