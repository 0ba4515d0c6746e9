"""The real console script (``.venv/bin/iamlast``) in a subprocess: the issue's example
invocation, one json run per command, the error lines, demo, fake-server, progress on a
terminal, and a library that never loads the CLI's dependencies."""

from __future__ import annotations

import csv
import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from iamlast.cli.demo import LAST_LINE
from iamlast.testing import FakeIAM

from .conftest import ADMINS, ALICE, IAMLAST, Outcome, clean_env, one_error_line, validate

Run = Callable[..., Outcome]


def test_the_issue_example(run: Run, iam: FakeIAM, env: dict[str, str]) -> None:
    """`iamlast report ARN --endpoint-url URL --output csv`: options after the subcommand."""
    env = {k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL_IAM"}
    out = run("report", ALICE, "--endpoint-url", iam.endpoint_url, "--output", "csv", env_=env)
    assert out.code == 0, out.stderr
    table = list(csv.reader(io.StringIO(out.stdout)))
    assert table[0][:4] == ["arn", "namespace", "name", "status"]
    assert len(table) - 1 == len(iam.account.granted_services(iam.account.user("alice")))
    assert out.stderr == ""


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("report", ("report", ALICE, "--granularity", "action")),
        ("entities", ("entities", ADMINS, "s3")),
        ("policies", ("policies", ALICE, "s3", "iam")),
        ("scan", ("scan", "--groups", "--policies")),
        ("org-report", ("org-report", "o-a1b2c3d4e5/r-f6g7h8i9j0")),
    ],
)
def test_every_command_json(run: Run, command: str, args: tuple[str, ...]) -> None:
    out = run(*args, "--output", "json")
    assert out.code == 0, out.stderr
    validate(command, out.json())


def test_missing_credentials(run: Run, iam: FakeIAM, tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    bare = {"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true"}
    out = run("report", ALICE, "--endpoint-url", iam.endpoint_url, env_=bare)
    assert out.code == 1
    line = one_error_line(out)
    assert "no AWS credentials found" in line and "aws configure" in line
    assert iam.calls() == 0


def test_access_denied(run: Run, iam: FakeIAM) -> None:
    from iamlast.errors import AccessDeniedError

    iam.fail_next(
        1,
        AccessDeniedError("not authorized to perform: iam:GenerateServiceLastAccessedDetails"),
        action="GenerateServiceLastAccessedDetails",
    )
    out = run("report", ALICE, "-o", "json")
    assert out.code == 1 and out.stdout == ""
    assert "access denied: not authorized" in one_error_line(out)


def test_malformed_arn(run: Run, iam: FakeIAM) -> None:
    out = run("report", "arn:aws:iam::123:user/alice")
    assert out.code == 2
    assert "malformed ARN" in one_error_line(out)
    assert iam.calls() == 0


def test_unknown_namespace(run: Run) -> None:
    out = run("entities", ALICE, "doesnotexist")
    assert out.code == 1
    assert "'doesnotexist' is not in the report" in one_error_line(out)
    bad = run("policies", ALICE, "Not_A-Namespace!")
    assert bad.code == 2
    assert "invalid service namespace" in one_error_line(bad)


def test_usage_error(run: Run) -> None:
    out = run("scan", "--frobnicate")
    assert out.code == 2
    assert "No such option" in one_error_line(out)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_broken_pipe_is_quiet(env: dict[str, str], fmt: str) -> None:
    proc = subprocess.Popen(
        [str(IAMLAST), "scan", "-o", fmt], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "Error" not in err


def test_demo_offline_without_credentials(tmp_path: Path) -> None:
    """No credentials, and an AWS setup that would break a normal client: the demo does not care."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[this is not an ini file\n")
    env = {
        "AWS_PROFILE": "does-not-exist",
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": os.environ["PATH"],
        "COLUMNS": "120",
    }
    started = time.monotonic()
    done = subprocess.run(
        [str(IAMLAST), "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "SYNTHETIC DATA" in lines[0]
    assert lines[-1] == LAST_LINE and "SYNTHETIC" in lines[-1]
    assert "$ iamlast report arn:aws:iam::123456789012:user/" in done.stdout
    assert "$ iamlast scan" in done.stdout
    assert "Unused services and the policies that grant them" in done.stdout
    assert elapsed < 15, f"the demo took {elapsed:.1f} s"


def test_fake_server_serves_until_sigterm(run: Run, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(IAMLAST), "fake-server", "--port", "0", "--seed", "3"],
        env=clean_env(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        exports: dict[str, str] = {}
        seen = []
        while "Press Ctrl+C" not in "".join(seen[-1:]):
            line = proc.stdout.readline()
            assert line, f"fake-server exited: {''.join(seen)}"
            seen.append(line)
            m = re.match(r"\s+export (\w+)=(\S+)", line)
            if m:
                exports[m.group(1)] = m.group(2)
        assert "SYNTHETIC" in seen[0]
        assert set(exports) >= {
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ENDPOINT_URL_IAM",
        }
        hint = next(line.split()[-1] for line in seen if "iamlast report" in line)
        out = run("report", hint, "-o", "json", env_=clean_env(tmp_path / "home2", exports))
        assert out.code == 0, out.stderr
        validate("report", out.json())
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_fake_server_port_in_use(run: Run, iam: FakeIAM) -> None:
    out = run("fake-server", "--port", str(iam.port))
    assert out.code == 1
    assert "could not listen on 127.0.0.1" in one_error_line(out)


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal; (exit code, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL
    )
    shown: list[bytes] = []
    finished = threading.Event()

    def drain() -> None:
        # Our copy of the slave end stays open until the child is done, so reads never hit the
        # EIO that would drop what is still buffered; stop once it is done and nothing is left.
        while True:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                shown.append(os.read(master, 65536))
            elif finished.is_set():
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    stdout, _ = proc.communicate(timeout=60)
    finished.set()
    reader.join(timeout=10)
    os.close(slave)
    os.close(master)
    return proc.returncode, stdout.decode(), b"".join(shown).decode(errors="replace")


def test_progress_on_a_terminal_only(env: dict[str, str], iam: FakeIAM) -> None:
    iam.job_polls = 1  # jobs take a poll, so there is something to watch
    env = {**env, "TERM": "xterm-256color"}
    code, stdout, terminal = _on_a_terminal([str(IAMLAST), "scan", "--groups", "-o", "json"], env)
    assert code == 0
    validate("scan", __import__("json").loads(stdout))  # stdout stays clean
    assert "Listing principals" in terminal or "Reading last-accessed reports" in terminal

    code, stdout, terminal = _on_a_terminal(
        [str(IAMLAST), "scan", "--groups", "-o", "json", "--quiet"], env
    )
    assert code == 0 and terminal.strip() == ""


_LOADED = """
loaded = sorted(m for m in sys.modules
                if m.split('.')[0] in ('click', 'rich') or m.startswith('iamlast.cli'))
print(loaded)
"""


def _loaded_after(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code + _LOADED],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_library_loads_no_cli() -> None:
    assert _loaded_after("import iamlast, iamlast.advisor, iamlast.report, iamlast.errors") == "[]"


def test_using_the_library_loads_no_cli(iam: FakeIAM) -> None:
    """Clients, a report, the async client: still no click or rich (httpx would import its own
    CLI's click and rich if the library did not keep it from doing so)."""
    code = f"""
import iamlast, iamlast.advisor
with iamlast.Client(endpoint_url={iam.endpoint_url!r}, aws_access_key_id={iam.access_key_id!r},
                    aws_secret_access_key={iam.secret_access_key!r}) as c:
    c.last_accessed({ALICE!r})
iamlast.AsyncClient
"""
    assert _loaded_after(code) == "[]"


_WITHOUT = """
import sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Missing())
from iamlast.cli import main
sys.exit(main(["--help"]))
"""


@pytest.mark.parametrize("blocked", ["click", "rich"])
def test_without_the_cli_extra_one_line_says_what_to_install(blocked: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT.format(blocked=blocked)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"needs {blocked}, which is not installed" in done.stderr
    assert "pip install 'iamlast[cli]'" in done.stderr


def _options(help_text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text))


def test_fake_server_is_python_m_iamlast_testing() -> None:
    ours = subprocess.run(
        [str(IAMLAST), "fake-server", "--help"], capture_output=True, text=True, timeout=60
    )
    module = subprocess.run(
        [sys.executable, "-m", "iamlast.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ours.returncode == module.returncode == 0
    assert _options(ours.stdout) == _options(module.stdout)
    assert {
        "--port",
        "--seed",
        "--latency",
        "--throttle-rate",
        "--error-rate",
        "--job-polls",
        "--roles",
    } <= _options(ours.stdout)
    assert "usage: iamlast fake-server" in ours.stdout


def test_fake_server_bad_option_is_one_line(run: Run) -> None:
    out = run("fake-server", "--throttle-rate", "1.5")
    assert out.code == 2
    line = one_error_line(out)
    assert "--throttle-rate: 1.5 is out of range" in line and "iamlast fake-server --help" in line


def test_fake_server_with_latency_and_faults(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            str(IAMLAST),
            "fake-server",
            "--latency",
            "0.2",
            "--roles",
            "3",
            "--users",
            "2",
            "--no-bulk-policies",
            "--no-verify",
        ],
        env=clean_env(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = [proc.stdout.readline() for _ in range(3)]
        assert "2 users" in seen[1] and "faults: latency 0.2" in seen[2]
        url = re.search(r"listening on (\S+):", seen[0]).group(1)  # type: ignore[union-attr]
        import httpx

        started = time.monotonic()
        assert (
            httpx.post(url, data={"Action": "ListRoles"}).status_code == 200
        )  # unsigned: --no-verify
        assert time.monotonic() - started >= 0.2
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
