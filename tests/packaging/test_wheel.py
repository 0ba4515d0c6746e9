"""What a user installs: a clean clone builds an sdist and, from it, a wheel; the wheel carries
the licence, the project URLs and the schemas, and stays under 998 kB (its size before issue 15
moved the emulator's codecs out of the models); installed into a fresh venv, the library works
without the ``cli`` extra (and the ``iamlast`` script says what to install), and with it
``iamlast demo`` runs — nowhere near the checkout.

Slow (two venvs, a build, the dependencies from the package index): ``-m packaging`` runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(600)]


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=540
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _venv(path: Path) -> Path:
    _run([sys.executable, "-m", "venv", path], path.parent)
    return path / "bin"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the sdist, the wheel built from it) of a clean clone of the committed tree."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    work = tmp_path_factory.mktemp("packaging")
    clone = work / "clone"
    _run(["git", "clone", "--quiet", "--no-hardlinks", ROOT, clone], work)
    tools = _venv(work / "tools")
    _run([tools / "python", "-m", "pip", "install", "--quiet", "build"], work)
    dist = work / "dist"
    # No --sdist/--wheel: the wheel is built from the sdist, so the sdist must be complete.
    _run([tools / "python", "-m", "build", "--outdir", dist, clone], work)
    (sdist,) = dist.glob("iamlast-*.tar.gz")
    (wheel,) = dist.glob("iamlast-*.whl")
    return sdist, wheel


def test_the_sdist_has_the_examples_and_the_licence(built: tuple[Path, Path]) -> None:
    sdist, _ = built
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "pyproject.toml"} <= names
    assert {"examples/scan_account.py", "examples/org_report.py"} <= names
    assert "src/iamlast/cli/schemas/scan.json" in names


def test_the_wheel_metadata(built: tuple[Path, Path]) -> None:
    _, wheel = built
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = whl.read(meta).decode()
    dist_info = meta.rsplit("/", 1)[0]
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Source, " in metadata and "Project-URL: Issues, " in metadata
    assert "Provides-Extra: cli" in metadata
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    core = {
        re.match(r"Requires-Dist: ([\w.-]+)", r).group(1) for r in requires if "extra ==" not in r
    }  # type: ignore[union-attr]
    assert core == {"httpx", "pydantic", "lxml", "botocore", "regex", "sniffio"}
    assert any(r.startswith("Requires-Dist: click") and "extra == 'cli'" in r for r in requires)
    assert {"iamlast/py.typed", "iamlast/cli/schemas/scan.json"} <= names


#: Bytes: the wheel was 998 kB before the emulator-only codecs and the raw-response copies left.
WHEEL_LIMIT = 998_000


def test_the_wheel_is_smaller_than_before(built: tuple[Path, Path]) -> None:
    _, wheel = built
    size = wheel.stat().st_size
    assert size < WHEEL_LIMIT, f"{wheel.name} is {size:,} bytes (limit {WHEEL_LIMIT:,})"
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
    # the emulator's generated codecs ship with iamlast.testing, not inside the models
    assert {"iamlast/testing/_generated/writers.py", "iamlast/testing/_generated/readers.py"} <= names


def test_installed_in_a_fresh_venv(built: tuple[Path, Path], tmp_path: Path) -> None:
    _, wheel = built
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "LANG": "C.UTF-8",
        "COLUMNS": "120",
    }
    bin_ = _venv(tmp_path / "venv")
    _run([bin_ / "python", "-m", "pip", "install", "--quiet", wheel], tmp_path)

    # The library alone: no click, no rich, and the script says what to install.
    _run(
        [bin_ / "python", "-c", "import iamlast, iamlast.testing; print(iamlast.__version__)"],
        tmp_path,
        env,
    )
    bare = subprocess.run(
        [bin_ / "iamlast", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bare.returncode == 2 and bare.stdout == ""
    assert "pip install 'iamlast[cli]'" in bare.stderr and "Traceback" not in bare.stderr

    _run(
        [bin_ / "python", "-m", "pip", "install", "--quiet", f"iamlast[cli] @ {wheel.as_uri()}"],
        tmp_path,
    )
    out = _run([bin_ / "iamlast", "demo"], tmp_path, env)
    assert "SYNTHETIC DATA" in out.splitlines()[0]
    assert "Unused services and the policies that grant them" in out
    where = _run([bin_ / "python", "-c", "import iamlast; print(iamlast.__file__)"], tmp_path, env)
    assert str(ROOT) not in where and str(tmp_path / "venv") in where
