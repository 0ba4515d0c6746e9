"""``python -m codegen.refresh_specs``: the spec copy, and ``--check`` reporting drift.

The committed spec matches the botocore it was refreshed from (the test extra pins that botocore),
and a model with one member more, one less, or a changed operation is reported by name, exit 1.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import botocore
import pytest

from codegen import refresh_specs
from codegen.spec_drift import compare, find_source, stale_overrides

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "iam-2010-05-08"
SPEC: dict[str, Any] = json.loads((SPECS / "service-2.json").read_text())
PAGES: dict[str, Any] = json.loads((SPECS / "paginators-1.json").read_text())
OVERRIDES: dict[str, Any] = json.loads((ROOT / "specs" / "overrides.json").read_text())["iam"]


def _recorded_version() -> str:
    found = re.search(r"from botocore (\S+)\n", (SPECS / "SOURCE.md").read_text())
    assert found is not None, "SOURCE.md names no botocore version"
    return found.group(1)


def _model_dir(tmp_path: Path, model: dict[str, Any], *, packed: bool = False) -> Path:
    """A botocore-style ``data`` directory holding ``model`` (and the committed paginators)."""
    data = tmp_path / "data"
    target = data / "iam" / "2010-05-08"
    target.mkdir(parents=True)
    raw = json.dumps(model, indent=2).encode()
    if packed:
        (target / "service-2.json.gz").write_bytes(gzip.compress(raw))
    else:
        (target / "service-2.json").write_bytes(raw)
    shutil.copy(SPECS / "paginators-1.json", target / "paginators-1.json")
    return data


def test_the_test_extra_pins_the_botocore_the_specs_came_from() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = set(project["optional-dependencies"]["test"])
    version = _recorded_version()
    assert f"botocore=={version}" in pins and f"boto3=={version}" in pins


def test_check_passes_on_the_committed_tree(capsys: pytest.CaptureFixture[str]) -> None:
    if botocore.__version__ != _recorded_version():
        pytest.skip(
            f"botocore {botocore.__version__} installed; the specs came from {_recorded_version()}"
        )
    assert refresh_specs.main(["--check"]) == 0
    assert f"matches botocore {botocore.__version__}" in capsys.readouterr().out


def test_check_command_exit_status() -> None:
    if botocore.__version__ != _recorded_version():
        pytest.skip(
            f"botocore {botocore.__version__} installed; the specs came from {_recorded_version()}"
        )
    result = subprocess.run(
        [sys.executable, "-m", "codegen.refresh_specs", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("packed", [False, True], ids=["json", "gz"])
def test_one_member_added_is_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], packed: bool
) -> None:
    model = copy.deepcopy(SPEC)
    model["shapes"]["Role"]["members"]["Nickname"] = {"shape": "roleNameType"}
    data = _model_dir(tmp_path, model, packed=packed)
    assert refresh_specs.main(["--check", "--from", str(data)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert "differs from" in lines[0] and lines[-1].strip().startswith("refresh:")
    assert lines[1:-1] == ["  members added (1): Role.Nickname"]  # a line per kind, not a diff


def test_removed_and_changed_things_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = copy.deepcopy(SPEC)
    del model["shapes"]["LoginProfile"]["members"]["MaxSigninSessionDuration"]
    model["shapes"]["Role"]["required"].append("Description")
    model["shapes"]["statusType"]["enum"].append("Retired")
    model["operations"]["UpdateRole"]["errors"].append({"shape": "LimitExceededException"})
    del model["operations"]["UpdateOpenIDConnectProvider"]
    del model["shapes"]["UpdateOpenIDConnectProviderRequest"]
    model["operations"]["GetRole"]["documentation"] = "<p>Reworded.</p>"
    assert refresh_specs.main(["--check", "--from", str(_model_dir(tmp_path, model))]) == 1
    out = capsys.readouterr().out
    assert "operations removed (1): UpdateOpenIDConnectProvider" in out
    assert "operations changed (1): UpdateRole (error +LimitExceededException)" in out
    assert "shapes removed (1): UpdateOpenIDConnectProviderRequest" in out
    assert "members removed (1): LoginProfile.MaxSigninSessionDuration" in out
    assert "members changed (1): Role.Description (now required)" in out
    assert "shapes changed (1): statusType (enum +Retired)" in out
    assert "documentation only: 1" in out


def test_a_service_file_path_is_accepted(tmp_path: Path) -> None:
    service = tmp_path / "service-2.json"
    service.write_bytes((SPECS / "service-2.json").read_bytes())
    source = find_source(service)
    assert source.service == service and source.paginators is None
    # no paginators next to it: reported, not silently treated as "no paginators"
    assert refresh_specs.main(["--check", "--from", str(service)]) == 1


def test_missing_model_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refresh_specs.main(["--check", "--from", str(tmp_path)]) == 2
    assert "no service-2.json" in capsys.readouterr().err


def test_write_then_check_then_a_hand_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = copy.deepcopy(SPEC)
    model["shapes"]["Role"]["members"]["Nickname"] = {"shape": "roleNameType"}
    data = _model_dir(tmp_path, model, packed=True)
    dest = tmp_path / "specs"
    assert refresh_specs.main(["--from", str(data), "--specs", str(dest)]) == 0
    assert json.loads((dest / "service-2.json").read_text()) == model
    source_md = (dest / "SOURCE.md").read_text()
    assert str(data / "iam" / "2010-05-08") in source_md and "| `service-2.json` |" in source_md
    assert refresh_specs.main(["--check", "--from", str(data), "--specs", str(dest)]) == 0
    capsys.readouterr()
    edited = (dest / "service-2.json").read_text().replace("Nickname", "Nickname2")
    (dest / "service-2.json").write_text(edited)
    assert refresh_specs.main(["--check", "--from", str(data), "--specs", str(dest)]) == 1
    out = capsys.readouterr().out
    assert "sha256 is not the one SOURCE.md records" in out
    assert (
        "members added (1): Role.Nickname" in out and "members removed (1): Role.Nickname2" in out
    )


def test_paginators_and_metadata_drift() -> None:
    pages = copy.deepcopy(PAGES)
    pages["pagination"]["ListWidgets"] = pages["pagination"].pop("ListRoles")
    model = copy.deepcopy(SPEC)
    model["metadata"]["serviceFullName"] = "Renamed"
    drift = compare(SPEC, model, PAGES, pages)
    assert drift.paginators_changed == ["-ListRoles", "+ListWidgets"]
    assert drift.metadata_changed == ["serviceFullName"]
    assert compare(SPEC, SPEC, PAGES, PAGES).lines() == []


def test_overrides_fit_the_committed_model() -> None:
    assert stale_overrides(SPEC, PAGES, OVERRIDES) == []


def test_stale_overrides_are_reported() -> None:
    model = copy.deepcopy(SPEC)
    model["shapes"]["GetServiceLastAccessedDetailsResponse"]["required"].remove("JobCompletionDate")
    pages = copy.deepcopy(PAGES)
    pages["pagination"]["GetOrganizationsAccessReport"] = {"input_token": "Marker"}
    model["shapes"]["GetServiceLastAccessedDetailsWithEntitiesResponse"]["members"].pop("Error")
    assert stale_overrides(model, pages, OVERRIDES) == [
        "optional_members: GetServiceLastAccessedDetailsResponse.JobCompletionDate is no longer required",
        "paginators: botocore now pages GetOrganizationsAccessReport itself",
        "jobs: GetServiceLastAccessedDetailsWithEntities's output has no member Error",
    ]
