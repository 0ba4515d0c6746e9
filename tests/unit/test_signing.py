"""SigV4 signing through botocore, and the credential sources.

The signatures are checked against an independent SigV4 written here from the published
algorithm, and against a vector of AWS's own SigV4 test suite. Credential tests run with an
empty AWS environment, temporary config files, and instance metadata switched off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from iamlast._runtime.signing import (
    Credentials,
    CredentialSource,
    NoCredentialsError,
    _host_header,
    sign_request,
)

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime(2015, 8, 30, 12, 36, 0)
FORM = "application/x-www-form-urlencoded; charset=utf-8"
BODY = b"Action=ListUsers&Version=2010-05-08"


def sigv4(
    *,
    method: str,
    host: str,
    headers: dict[str, str],
    body: bytes,
    secret: str,
    access_key: str,
    region: str,
    service: str,
    amz_date: str,
) -> str:
    """The Authorization header per the published SigV4 algorithm, for a request to path '/'."""
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed["host"] = host
    signed["x-amz-date"] = amz_date
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )


# -- signing -----------------------------------------------------------------------------------


def test_known_answer_iam_request() -> None:
    got = sign_request(
        method="POST",
        url="https://iam.amazonaws.com/",
        headers={"Content-Type": FORM},
        body=BODY,
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
        now=WHEN,
    )
    expected = sigv4(
        method="POST",
        host="iam.amazonaws.com",
        headers={"Content-Type": FORM},
        body=BODY,
        secret=SECRET,
        access_key=AKID,
        region="us-east-1",
        service="iam",
        amz_date="20150830T123600Z",
    )
    assert got == {
        "Content-Type": FORM,
        "Host": "iam.amazonaws.com",
        "X-Amz-Date": "20150830T123600Z",
        "Authorization": expected,
    }


def test_aws_sigv4_test_suite_get_vanilla() -> None:
    # "get-vanilla" from AWS's published SigV4 test suite.
    got = sign_request(
        method="GET",
        url="https://example.amazonaws.com/",
        headers={},
        body=b"",
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
        service="service",
        now=WHEN,
    )
    assert got["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


def test_session_token_is_sent_and_signed() -> None:
    got = sign_request(
        method="POST",
        url="https://iam.cn-north-1.amazonaws.com.cn/",
        headers={"Content-Type": FORM},
        body=BODY,
        credentials=Credentials(AKID, SECRET, "the-token"),
        region="cn-north-1",
        now=WHEN,
    )
    assert got["X-Amz-Security-Token"] == "the-token"
    assert got["Authorization"] == sigv4(
        method="POST",
        host="iam.cn-north-1.amazonaws.com.cn",
        headers={"Content-Type": FORM, "X-Amz-Security-Token": "the-token"},
        body=BODY,
        secret=SECRET,
        access_key=AKID,
        region="cn-north-1",
        service="iam",
        amz_date="20150830T123600Z",
    )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://iam.amazonaws.com/", "iam.amazonaws.com"),
        ("https://iam.amazonaws.com:443/", "iam.amazonaws.com"),
        ("http://localhost:80/", "localhost"),
        ("http://localhost:5000/", "localhost:5000"),
        ("https://LocalHost:8443/x/", "localhost:8443"),
        ("http://127.0.0.1:4566/", "127.0.0.1:4566"),
        ("http://[::1]:5000/", "[::1]:5000"),
        ("https://[::1]/", "[::1]"),
    ],
)
def test_host_follows_the_url(url: str, host: str) -> None:
    from botocore.auth import _host_from_url

    assert _host_header(url) == host == _host_from_url(url)
    got = sign_request(
        method="POST",
        url=url,
        headers={"host": "stale.example", "Content-Type": FORM},
        body=BODY,
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
        now=WHEN,
    )
    assert got["Host"] == host
    assert "host" not in got
    assert "SignedHeaders=content-type;host;x-amz-date," in got["Authorization"]


def test_headers_kept_and_nothing_extra() -> None:
    given = {"Content-Type": FORM, "X-Custom": "  a   b ", "User-Agent": "iamlast/0.1"}
    snapshot = dict(given)
    got = sign_request(
        method="POST",
        url="https://iam.amazonaws.com/",
        headers=given,
        body=BODY,
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
        now=WHEN,
    )
    assert given == snapshot  # the input is not modified
    assert set(got) == {*given, "Host", "X-Amz-Date", "Authorization"}
    assert got["User-Agent"] == "iamlast/0.1"
    # User-Agent is never signed (proxies rewrite it); other headers are.
    assert "SignedHeaders=content-type;host;x-amz-date;x-custom," in got["Authorization"]


def test_botocore_adds_no_user_agent() -> None:
    got = sign_request(
        method="POST",
        url="https://iam.amazonaws.com/",
        headers={},
        body=b"",
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
    )
    assert {name.lower() for name in got} == {"host", "x-amz-date", "authorization"}


@pytest.mark.parametrize(
    "now",
    [
        WHEN,
        WHEN.replace(tzinfo=UTC),
        WHEN.replace(tzinfo=timezone(timedelta(hours=2))) + timedelta(hours=2),
    ],
)
def test_pinned_time_equals_botocore_clock(now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.auth

    def sign(at: datetime | None) -> dict[str, str]:
        return sign_request(
            method="POST",
            url="https://iam.amazonaws.com/",
            headers={"Content-Type": FORM},
            body=BODY,
            credentials=Credentials(AKID, SECRET, "tok"),
            region="us-east-1",
            now=at,
        )

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: WHEN)
    assert sign(None) == sign(now)
    assert sign(None)["X-Amz-Date"] == "20150830T123600Z"


def test_unpinned_uses_current_time() -> None:
    got = sign_request(
        method="POST",
        url="https://iam.amazonaws.com/",
        headers={},
        body=b"",
        credentials=Credentials(AKID, SECRET),
        region="us-east-1",
    )
    stamp = datetime.strptime(got["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


@pytest.mark.parametrize(
    "url",
    [
        "https://iam.amazonaws.com/",
        "http://127.0.0.1:4566",
        "https://example.com/a//b/./c/../d e~%7E/",
        "https://example.com/x?b=2&a=1&a=0&flag",
        "http://[::1]:8080/path/",
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": FORM},
        {"Content-Type": FORM, "Content-Encoding": "gzip", "X-Custom": "  a \t b  c "},
        {"X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts", "User-Agent": "x/1"},
        {"host": "stale.example", "Connection": "keep-alive", "X-Amzn-Trace-Id": "Root=1"},
        {"X-Unicode": "ÿ é", "Accept": "*/*"},
    ],
)
@pytest.mark.parametrize("token", [None, "", "the-token"])
@pytest.mark.parametrize("body", [b"", BODY])
def test_own_signing_is_botocores(
    url: str, headers: dict[str, str], token: str | None, body: bytes
) -> None:
    # The usual request is signed without SigV4Auth: the same headers, in the same order.
    from iamlast._runtime import signing

    args = (
        "post",
        url,
        headers,
        body,
        Credentials(AKID, SECRET, token),
        "eu-west-1",
        "iam",
        WHEN,
    )
    fast = signing._sign_fast(*args)
    assert fast is not None
    slow = signing._sign_botocore(*args)
    assert list(fast.items()) == list(slow.items())


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "old"},
        {"X-Amz-Date": "20000101T000000Z"},
        {"date": "Sun, 30 Aug 2015 12:36:00 GMT"},
        {"X-Amz-Security-Token": "old"},
        {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
        {"X-A": "1", "x-a": "2"},
    ],
)
def test_unusual_headers_are_signed_by_botocore(headers: dict[str, str]) -> None:
    from iamlast._runtime import signing

    args = (
        "POST",
        "https://iam.amazonaws.com/",
        {"Content-Type": FORM, **headers},
        BODY,
        Credentials(AKID, SECRET, "tok"),
        "us-east-1",
        "iam",
        WHEN,
    )
    assert signing._sign_fast(*args) is None
    got = sign_request(
        method="POST",
        url="https://iam.amazonaws.com/",
        headers={"Content-Type": FORM, **headers},
        body=BODY,
        credentials=Credentials(AKID, SECRET, "tok"),
        region="us-east-1",
        now=WHEN,
    )
    assert got == signing._sign_botocore(*args)


def test_botocore_signs_while_its_debug_log_is_on(caplog: pytest.LogCaptureFixture) -> None:
    # With botocore.auth at DEBUG the request goes through SigV4Auth, which logs the canonical
    # request (the session token masked: see tests/reliability/test_secrets.py).
    with caplog.at_level("DEBUG", logger="botocore.auth"):
        got = sign_request(
            method="POST",
            url="https://iam.amazonaws.com/",
            headers={"Content-Type": FORM},
            body=BODY,
            credentials=Credentials(AKID, SECRET, "the-token"),
            region="us-east-1",
            now=WHEN,
        )
    assert any("CanonicalRequest" in r.getMessage() for r in caplog.records)
    assert "the-token" not in caplog.text
    assert got["X-Amz-Security-Token"] == "the-token"


# -- credentials values ------------------------------------------------------------------------


def test_credentials_repr_masks_secrets() -> None:
    creds = Credentials(
        "AKIAEXAMPLE", "very-secret", "very-token", datetime(2030, 1, 1, tzinfo=UTC)
    )
    text = repr(creds)
    assert text == (
        "Credentials(access_key_id='AKIAEXAMPLE', secret_access_key='****', "
        "session_token='****', expiry='2030-01-01T00:00:00+00:00')"
    )
    assert str(creds) == text
    assert "very" not in f"{creds} {creds!r} {[creds]}"
    assert repr(Credentials("AKIAEXAMPLE", "s")).endswith("session_token=None)")


def test_credentials_validation() -> None:
    with pytest.raises(ValueError, match="access key id and a secret"):
        Credentials("", "secret")
    with pytest.raises(ValueError, match="access key id and a secret"):
        Credentials("AKID", "")


# -- credential sources ------------------------------------------------------------------------


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty AWS environment: no AWS_* variables, empty files, no instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def test_static_sources() -> None:
    creds = Credentials("AKIA1", "s1")
    assert CredentialSource(creds).get() is creds
    assert CredentialSource(("AKIA2", "s2")).get() == Credentials("AKIA2", "s2")
    assert CredentialSource(("AKIA3", "s3", "t3")).get() == Credentials("AKIA3", "s3", "t3")
    assert CredentialSource(("AKIA4", "s4", "")).get().session_token is None
    expired = Credentials("AKIA5", "s5", "t5", datetime(2000, 1, 1, tzinfo=UTC))
    # Nothing can refresh explicit credentials, so there is never a refresh to wait for.
    assert not CredentialSource(expired).needs_refresh()


def test_bad_sources() -> None:
    with pytest.raises(ValueError, match="profile applies only"):
        CredentialSource(("AKIA", "s"), profile="dev")
    with pytest.raises(ValueError, match="credentials tuple"):
        CredentialSource(("AKIA",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unsupported credentials: dict"):
        CredentialSource({"key": "AKIA"})  # type: ignore[arg-type]


@pytest.mark.usefixtures("aws_home")
def test_chain_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    source = CredentialSource()
    assert source.needs_refresh()  # nothing resolved yet
    assert source.get() == Credentials("AKIAENV", "env-secret", "env-token")
    assert not source.needs_refresh()
    assert "env-secret" not in repr(source)
    assert "env-token" not in repr(source)
    assert repr(source) == "CredentialSource(default chain, profile=None, access_key_id='AKIAENV')"


def test_chain_from_shared_files(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (aws_home / "credentials").write_text(
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n"
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret\n"
    )
    (aws_home / "config").write_text(
        "[profile ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = ops-secret\n"
        "aws_session_token = ops-token\n"
    )
    assert CredentialSource().get().access_key_id == "AKIADEFAULT"
    assert CredentialSource(profile="dev").get() == Credentials("AKIADEV", "dev-secret")
    assert CredentialSource(profile="ops").get() == Credentials(
        "AKIAOPS", "ops-secret", "ops-token"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert CredentialSource().get().access_key_id == "AKIADEV"


PROCESS_SCRIPT = """\
import datetime, json, pathlib, sys
counter = pathlib.Path(sys.argv[1])
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
lifetimes = [int(m) for m in sys.argv[2].split(",")]
lifetime = datetime.timedelta(minutes=lifetimes[min(n, len(lifetimes)) - 1])
expiry = datetime.datetime.now(datetime.timezone.utc) + lifetime
print(json.dumps({
    "Version": 1,
    "AccessKeyId": f"AKIAPROC{n}",
    "SecretAccessKey": f"proc-secret-{n}",
    "SessionToken": f"proc-token-{n}",
    "Expiration": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
}))
"""


def process_profile(home: Path, name: str, minutes: str) -> Path:
    """A profile whose credential_process hands out credentials living ``minutes`` (per call)."""
    script, counter = home / "creds.py", home / f"{name}.count"
    script.write_text(PROCESS_SCRIPT)
    with (home / "config").open("a") as config:
        config.write(
            f"[profile {name}]\n"
            f"credential_process = {sys.executable} {script} {counter} {minutes}\n"
        )
    return counter


def test_credential_process_refreshes_short_lived_credentials(aws_home: Path) -> None:
    counter = process_profile(aws_home, "short", minutes="5,60")
    source = CredentialSource(profile="short")
    # Five minutes left is inside botocore's refresh window: it runs the process again at once.
    creds = source.get()
    assert (creds.access_key_id, creds.session_token) == ("AKIAPROC2", "proc-token-2")
    assert creds.expiry is not None
    assert creds.expiry > datetime.now(UTC) + timedelta(minutes=50)
    assert not source.needs_refresh()
    assert source.get() is creds
    assert counter.read_text() == "2"


def test_credential_process_always_near_expiry(aws_home: Path) -> None:
    counter = process_profile(aws_home, "always", minutes="5")
    source = CredentialSource(profile="always")
    assert source.get().access_key_id == "AKIAPROC2"
    # Still inside the window: needs_refresh says get() will do I/O, and it does.
    assert source.needs_refresh()
    assert source.get().access_key_id == "AKIAPROC3"
    assert counter.read_text() == "3"


def test_credential_process_long_lived(aws_home: Path) -> None:
    counter = process_profile(aws_home, "long", minutes="60")
    source = CredentialSource(profile="long")
    creds = source.get()
    assert not source.needs_refresh()
    assert source.get() is creds
    assert counter.read_text() == "1"
    # Judged at a later time, the same credentials are due; botocore decides on its own clock.
    later = datetime.now(UTC) + timedelta(minutes=50)
    assert source.needs_refresh(later)
    assert source.get(later).access_key_id == "AKIAPROC1"


def test_concurrent_first_use_resolves_once(aws_home: Path) -> None:
    counter = process_profile(aws_home, "shared", minutes="60")
    source = CredentialSource(profile="shared")
    results: list[Credentials] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(source.get())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
    assert counter.read_text() == "1"


def test_botocore_refreshable_credentials() -> None:
    from botocore.credentials import RefreshableCredentials

    calls = []

    def refresh() -> dict[str, str]:
        calls.append(1)
        expiry = datetime.now(UTC) + timedelta(hours=1)
        return {
            "access_key": f"AKIANEW{len(calls)}",
            "secret_key": "new-secret",
            "token": "new-token",
            "expiry_time": expiry.isoformat(),
        }

    botocore_creds = RefreshableCredentials(
        "AKIAOLD",
        "old-secret",
        "old-token",
        datetime.now(UTC) + timedelta(minutes=5),
        refresh,
        "test",
    )
    source = CredentialSource(botocore_creds)
    assert source.needs_refresh()
    creds = source.get()
    assert (creds.access_key_id, creds.secret_access_key) == ("AKIANEW1", "new-secret")
    assert creds.expiry is not None
    assert creds.expiry > datetime.now(UTC) + timedelta(minutes=50)
    assert not source.needs_refresh()
    assert source.get() is creds
    assert calls == [1]
    assert (
        repr(source)
        == "CredentialSource(RefreshableCredentials, profile=None, access_key_id='AKIANEW1')"
    )


def test_botocore_static_credentials() -> None:
    from botocore.credentials import Credentials as BotoCredentials

    source = CredentialSource(BotoCredentials("AKIABOTO", "boto-secret"))
    assert source.get() == Credentials("AKIABOTO", "boto-secret")
    assert not source.needs_refresh()


@pytest.mark.usefixtures("aws_home")
def test_no_credentials_default_profile() -> None:
    source = CredentialSource()
    with pytest.raises(NoCredentialsError, match="for profile 'default'") as caught:
        source.get()
    assert "credential_process" in str(caught.value)
    assert caught.value.profile is None
    assert source.needs_refresh()  # still nothing resolved


def test_no_credentials_named_profiles(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (aws_home / "config").write_text("[profile empty]\nregion = eu-west-1\n")
    with pytest.raises(NoCredentialsError, match="for profile 'empty'"):
        CredentialSource(profile="empty").get()
    with pytest.raises(NoCredentialsError, match="profile 'ghost' was not found") as caught:
        CredentialSource(profile="ghost").get()
    assert caught.value.profile == "ghost"
    monkeypatch.setenv("AWS_PROFILE", "phantom")
    with pytest.raises(NoCredentialsError, match="'phantom'"):
        CredentialSource().get()


# -- lazy import -------------------------------------------------------------------------------


def test_botocore_is_not_imported_with_the_runtime() -> None:
    code = (
        "import sys, iamlast._runtime.signing, iamlast._runtime.endpoints, iamlast._runtime.retry;"
        "assert 'botocore' not in sys.modules, sorted(m for m in sys.modules if 'boto' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_signing_module_alone_does_not_import_botocore() -> None:
    code = "import iamlast._runtime.signing, sys; assert 'botocore' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- what the usual request needs of botocore ----------------------------------------------------


def test_the_unsigned_headers_are_botocores() -> None:
    from botocore.auth import SIGNED_HEADERS_BLACKLIST

    from iamlast._runtime.signing import UNSIGNED_HEADERS

    assert frozenset(SIGNED_HEADERS_BLACKLIST) == UNSIGNED_HEADERS


_SEGMENTS = ["", ".", "..", "a", "b c", "~x", "%7E", "é", "...", ".a", "a."]


@pytest.mark.parametrize(
    "path",
    ["", "/", "//", "/a//b/./c/../d/", "a/b", "/..", "/../a", "/a/..", "/a/../", "./a", "a/./"],
)
def test_canonical_path_is_botocores(path: str) -> None:
    from botocore.utils import normalize_url_path

    from iamlast._runtime.signing import canonical_path

    assert canonical_path(path) == normalize_url_path(path)


def test_canonical_path_is_botocores_for_every_small_path() -> None:
    import itertools

    from botocore.utils import normalize_url_path

    from iamlast._runtime.signing import canonical_path

    for n in range(4):
        for parts in itertools.product(_SEGMENTS, repeat=n):
            for lead in ("", "/"):
                path = lead + "/".join(parts)
                assert canonical_path(path) == normalize_url_path(path), path


def test_a_call_with_keys_given_loads_neither_botocore_auth_nor_urllib3(tmp_path: Path) -> None:
    # The usual request is signed without botocore.auth (which brings botocore.awsrequest and
    # urllib3 along): its clock is the system's unless botocore.auth is loaded.
    code = (
        "import sys, json\n"
        "from iamlast._runtime.signing import sign_request\n"
        "from iamlast._runtime.credentials import Credentials\n"
        "h = sign_request(method='POST', url='https://iam.amazonaws.com/', headers={}, body=b'',"
        " credentials=Credentials('AKID', 'secret'), region='us-east-1')\n"
        "print(json.dumps([h['X-Amz-Date'], sorted(m for m in sys.modules"
        " if m.startswith(('botocore.auth', 'botocore.awsrequest', 'urllib3')))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    import json

    stamp, loaded = json.loads(done.stdout)
    assert loaded == []
    signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 60
