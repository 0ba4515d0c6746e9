"""The pytest plugin (installed through the ``pytest11`` entry point) and ``python -m iamlast.testing``."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx

from iamlast.testing import FakeIAM

from .conftest import sign


def test_fake_iam_fixture_from_the_entry_point(fake_iam: FakeIAM) -> None:
    assert fake_iam.running
    body = "Action=ListRoles&Version=2010-05-08&MaxItems=1"
    assert httpx.post(fake_iam.endpoint_url + "/", content=body, headers=sign(fake_iam, body)).status_code == 200


def test_fixture_in_a_fresh_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_uses_plugin.py").write_text(textwrap.dedent("""
        import httpx

        def test_it(fake_iam):
            fake_iam.verify_signatures = False
            assert httpx.post(fake_iam.endpoint_url, data={"Action": "ListRoles"}).status_code == 200
            assert fake_iam.calls("ListRoles") == 1
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_command_line_server_prints_endpoint_and_credentials() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "iamlast.testing", "--port", "0", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any(line.startswith("Press Ctrl+C") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        assert url and "export AWS_ACCESS_KEY_ID=AKIA" in text and "AWS_SECRET_ACCESS_KEY=" in text
        assert "--endpoint-url" in text and "boto3.client(" in text
        server: Any = type("S", (), {"endpoint_url": url.group(1), "access_key_id": "AKIAIAMLASTFAKE00001",
                                     "secret_access_key": re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", text).group(1)})  # type: ignore[union-attr]
        body = "Action=ListUsers&Version=2010-05-08"
        assert httpx.post(url.group(1) + "/", content=body, headers=sign(server, body)).status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
