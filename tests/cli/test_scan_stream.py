"""``iamlast scan`` on a slow IAM, as the real console script in a subprocess: ndjson lines
arrive while the scan runs, SIGINT and SIGTERM leave whole lines (and one CSV header) with a
count on stderr and exit 130 / 143, a JSON document is never cut, ``--resume`` does the rest
with no principal twice and none missing, and ``--arns-from -`` refuses a bad line before
sending anything."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from iamlast.testing import FakeIAM, Faults

from .conftest import IAMLAST, validate_lines

#: Seconds added to every response: a report is then ~0.1-0.2 s, a scan of the roles a few s.
LATENCY = 0.06
SERVICE_LINKED = "/aws-service-role/"


class Streamed:
    """A command running in a subprocess, its stdout lines timestamped as they arrive."""

    def __init__(self, args: list[str], env: dict[str, str], stdin: str | None = None) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(IAMLAST), *args],
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if stdin is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(stdin)
            self.proc.stdin.close()
        self.lines: list[tuple[float, str]] = []
        self._more = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._more:
                self.lines.append((time.monotonic() - self.started, line))
                self._more.notify_all()
        with self._more:
            self._more.notify_all()

    def wait_for_lines(self, count: int, timeout: float = 30) -> None:
        with self._more:
            ok = self._more.wait_for(
                lambda: len(self.lines) >= count or self.proc.poll() is not None, timeout
            )
        assert ok and len(self.lines) >= count, f"only {len(self.lines)} lines"
        assert self.proc.poll() is None, "the scan ended before it could be interrupted"

    def finish(self, timeout: float = 60) -> tuple[int, str, str, float]:
        """(exit code, stdout, stderr, seconds since start)."""
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        code = self.proc.wait(timeout=timeout)
        elapsed = time.monotonic() - self.started
        self._reader.join(timeout=10)
        return code, "".join(line for _, line in self.lines), err, elapsed


@pytest.fixture
def slow(iam: FakeIAM) -> FakeIAM:
    """The emulator with latency on every response."""
    iam.faults = Faults(latency=LATENCY)
    return iam


def _roles(iam: FakeIAM) -> set[str]:
    return {r.arn for r in iam.account.roles.values() if not r.path.startswith(SERVICE_LINKED)}


def _generated_for(iam: FakeIAM) -> list[str]:
    return [
        r.params["Arn"] for r in iam.requests if r.action == "GenerateServiceLastAccessedDetails"
    ]


def test_the_first_line_comes_while_the_scan_runs(slow: FakeIAM, env: dict[str, str]) -> None:
    run = Streamed(["scan", "--roles", "--concurrency", "2", "-o", "ndjson"], env)
    code, out, err, total = run.finish()
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    validate_lines("scan", lines)
    assert {line["arn"] for line in lines} == _roles(slow) and len(lines) == len(_roles(slow))
    first, middle, last = (run.lines[i][0] for i in (0, len(run.lines) // 2, -1))
    assert total > 2.0, f"the scan took {total:.2f} s: too fast to tell streaming apart"
    # The lines came one by one as principals finished, not in a burst at the end: measured
    # between lines, so a slow interpreter start on a loaded machine does not count.
    assert last - first > 1.0, f"every line within {last - first:.2f} s ({first:.2f}-{last:.2f})"
    assert middle - first > 0.3 and last - middle > 0.3, (first, middle, last)


def _interrupted(stderr: str, name: str, written: int, total: int) -> None:
    assert "Traceback" not in stderr
    assert f"interrupted by {name}: {written} of {total} principals done" in stderr, stderr


def test_sigint_keeps_every_finished_principal_and_resume_does_the_rest(
    slow: FakeIAM, env: dict[str, str], tmp_path: Path
) -> None:
    roles = _roles(slow)
    first = Streamed(["scan", "--roles", "--concurrency", "2", "-o", "ndjson"], env)
    first.wait_for_lines(4)
    first.proc.send_signal(signal.SIGINT)
    code, out, err, _ = first.finish()
    assert code == 130
    assert out.endswith("\n")
    done = [json.loads(line) for line in out.splitlines()]  # every line whole
    validate_lines("scan", done)
    assert 4 <= len(done) < len(roles)
    _interrupted(err, "SIGINT", len(done), len(roles))
    assert "--resume" in err

    saved = tmp_path / "roles.ndjson"
    saved.write_text(out)
    slow.clear_log()
    second = Streamed(["scan", "--roles", "-o", "ndjson", "--resume", str(saved)], env)
    code, rest, err, _ = second.finish()
    assert code == 0, err
    assert f"{len(done)} principals done, skipped" in err
    later = [json.loads(line) for line in rest.splitlines()]
    validate_lines("scan", later)
    arns = [p["arn"] for p in done + later]
    assert len(arns) == len(set(arns)), "a principal twice"
    assert set(arns) == roles, "a principal missing"
    # Nothing done in the first run was asked of IAM again.
    assert not {p["arn"] for p in done} & set(_generated_for(slow))


def test_sigterm_csv_whole_rows_one_header(slow: FakeIAM, env: dict[str, str]) -> None:
    run = Streamed(["scan", "--roles", "--concurrency", "2", "-o", "csv"], env)
    run.wait_for_lines(10)
    run.proc.send_signal(signal.SIGTERM)
    code, out, err, _ = run.finish()
    assert code == 143
    assert out.endswith("\n")
    table = list(csv.reader(io.StringIO(out)))
    header = table[0]
    assert header[:3] == ["arn", "type", "name"]
    assert all(row != header for row in table[1:]), "a second header"
    assert all(len(row) == len(header) for row in table), "a row cut short"
    written = int(re.search(r"interrupted by SIGTERM: (\d+) of", err).group(1))  # type: ignore[union-attr]
    assert len({row[0] for row in table[1:]}) <= written
    _interrupted(err, "SIGTERM", written, len(_roles(slow)))


def test_json_is_whole_or_nothing(slow: FakeIAM, env: dict[str, str]) -> None:
    run = Streamed(["scan", "--roles", "--concurrency", "2", "-o", "json"], env)
    # Interrupt once some reports are done (the request log shows them).
    deadline = time.monotonic() + 30
    while len(_generated_for(slow)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.proc.send_signal(signal.SIGINT)
    code, out, err, _ = run.finish()
    assert code == 130
    assert out == ""
    assert "nothing printed (json is printed whole, at the end)" in err


def test_arns_from_stdin_with_a_bad_line_sends_nothing(iam: FakeIAM, env: dict[str, str]) -> None:
    roles = sorted(_roles(iam))
    text = f"# roles to check\n{roles[0]}\n\n{roles[1]}\narn:aws:iam::123456789012:rol/typo\n"
    run = Streamed(["scan", "--arns-from", "-", "-o", "ndjson"], env, stdin=text)
    code, out, err, _ = run.finish()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("iamlast: error: ")
    assert "--arns-from - (stdin): nothing was sent; 1 bad line: line 5: malformed ARN" in err
    assert iam.calls() == 0 and iam.requests == []

    good = Streamed(
        ["scan", "--arns-from", "-", "-o", "ndjson"], env, stdin=text.rsplit("\n", 2)[0]
    )
    code, out, err, _ = good.finish()
    assert code == 0, err
    assert {json.loads(line)["arn"] for line in out.splitlines()} == set(roles[:2])
