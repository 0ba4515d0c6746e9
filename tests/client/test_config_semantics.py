"""The AWS config files and the credential chain read without botocore.session resolve exactly
what botocore's Session resolves (iamlast._runtime.aws_config).

For a matrix of environments and config files — static keys, named profiles, AWS_PROFILE and
AWS_DEFAULT_PROFILE, env over file, a missing profile, a malformed file, credential_process,
assume-role chains (source_profile, credential_source) and web identity against a loopback STS,
SSO and container settings, region, retry and services settings — both sides are asked the same
questions: the profile, the scoped config, the whole config, every configuration variable, the
provider chain botocore builds (each provider's type and settings, in order), the credentials it
finds, and, through iamlast, the settings a client resolves and the credentials it signs with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import botocore.session
import pytest
from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES
from botocore.credentials import create_credential_resolver

import iamlast
from iamlast._runtime.aws_config import ConfigSession, load_settings
from iamlast._runtime.credentials import CredentialSource
from iamlast.testing import FakeIAM
from iamlast.testing.httpserver import Reply, Request, ThreadedHTTPServer

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
EXPIRES = "2099-01-01T00:00:00Z"


class Sts:
    """A loopback STS answering AssumeRole (credentials derived from the role and from the key
    that signed the call, so a chain of profiles shows in the result) and
    AssumeRoleWithWebIdentity (from the role and the token)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadedHTTPServer(self._answer)
        self.url = f"http://127.0.0.1:{self._server.port}"

    def _answer(self, request: Request) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        with self._lock:
            self.calls.append(form)
        if request.path == "/container-credentials":  # the container provider's endpoint
            if request.headers.get("authorization") != "container-token":
                return Reply(401, [("Content-Type", "application/json")], b'{"message": "no"}')
            creds = {
                "AccessKeyId": "ASIACONTAINER00000",
                "SecretAccessKey": "secret-container",
                "Token": "token-container",
                "Expiration": EXPIRES,
            }
            return Reply(200, [("Content-Type", "application/json")], json.dumps(creds).encode())
        action = form.get("Action", "")
        role = form.get("RoleArn", "").rsplit("/", 1)[-1]
        if action == "AssumeRole":
            auth = request.headers.get("authorization", "")
            signer = auth.split("Credential=", 1)[1].split("/", 1)[0] if auth else "unsigned"
            key, secret, token = f"ASIA{role.upper()}", f"secret-{role}", f"token-{role}-{signer}"
        elif action == "AssumeRoleWithWebIdentity":
            key, secret = f"ASIAWEB{role.upper()}", f"secret-web-{role}"
            token = f"token-{role}-{form.get('WebIdentityToken', '')}"
        else:
            return Reply(400, [("Content-Type", "text/xml")], b"<ErrorResponse/>")
        body = (
            f'<{action}Response xmlns="{STS_NS}"><{action}Result><Credentials>'
            f"<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken><Expiration>{EXPIRES}</Expiration>"
            f"</Credentials><AssumedRoleUser><AssumedRoleId>AROA0:{role}</AssumedRoleId>"
            f"<Arn>arn:aws:sts::444455556666:assumed-role/{role}/s</Arn></AssumedRoleUser>"
            f"</{action}Result><ResponseMetadata><RequestId>rid-sts</RequestId>"
            f"</ResponseMetadata></{action}Response>"
        )
        return Reply(200, [("Content-Type", "text/xml")], body.encode())

    def close(self) -> None:
        self._server.close()


@pytest.fixture(scope="module")
def sts() -> Iterator[Sts]:
    server = Sts()
    yield server
    server.close()


@dataclass
class Case:
    config: str = ""
    credentials: str = ""
    env: dict[str, str] = field(default_factory=dict)
    profile: str | None = None


STATIC = "aws_access_key_id = AKIDFILE0000000000\naws_secret_access_key = secret-file\n"
PROCESS = (
    f"credential_process = {sys.executable} -c "
    "\"import json; print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDPROCESS000000', "
    "'SecretAccessKey': 'secret-process', 'SessionToken': 'token-process', "
    f"'Expiration': '{EXPIRES}'}}))\"\n"
)

CASES: dict[str, Case] = {
    "nothing": Case(),
    "credentials-file-default": Case(credentials=f"[default]\n{STATIC}"),
    "config-file-default": Case(config=f"[default]\n{STATIC}region = eu-west-1\n"),
    "env-over-file": Case(
        credentials=f"[default]\n{STATIC}",
        env={"AWS_ACCESS_KEY_ID": "AKIDENV00000000000", "AWS_SECRET_ACCESS_KEY": "secret-env"},
    ),
    "profile-argument": Case(config=f"[profile dev]\n{STATIC}", profile="dev"),
    "profile-argument-skips-env": Case(
        credentials=f"[dev]\n{STATIC}",
        env={"AWS_ACCESS_KEY_ID": "AKIDENV00000000000", "AWS_SECRET_ACCESS_KEY": "secret-env"},
        profile="dev",
    ),
    "aws-profile": Case(credentials=f"[dev]\n{STATIC}", env={"AWS_PROFILE": "dev"}),
    "aws-default-profile-wins": Case(
        credentials=f"[dev]\n{STATIC}[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s\n",
        env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "ops"},
    ),
    "files-merged": Case(
        config="[profile dev]\nregion = ap-southeast-2\naws_access_key_id = AKIDCONFIG\n",
        credentials=f"[dev]\n{STATIC}",
        profile="dev",
    ),
    "missing-profile": Case(credentials=f"[default]\n{STATIC}", profile="absent"),
    "missing-aws-profile": Case(credentials=f"[default]\n{STATIC}", env={"AWS_PROFILE": "absent"}),
    "malformed-config": Case(config="[default\nregion = us-west-2\n"),
    "malformed-credentials": Case(credentials="aws_access_key_id = AKID\n"),
    "credential-process": Case(config=f"[default]\n{PROCESS}"),
    "partial-keys": Case(credentials="[default]\naws_access_key_id = AKIDHALF\n"),
    "region-and-retries": Case(
        config=(
            "[profile dev]\nregion = cn-north-1\nretry_mode = adaptive\nmax_attempts = 7\n"
            "metadata_service_timeout = 3\nmetadata_service_num_attempts = 2\n"
            "disable_request_compression = true\n"
            f"{STATIC}"
        ),
        profile="dev",
    ),
    "env-settings-over-file": Case(
        config=f"[default]\nregion = eu-west-1\nretry_mode = standard\nmax_attempts = 2\n{STATIC}",
        env={
            "AWS_DEFAULT_REGION": "us-gov-west-1",
            "AWS_RETRY_MODE": "legacy",
            "AWS_MAX_ATTEMPTS": "5",
            "AWS_METADATA_SERVICE_TIMEOUT": "4",
            "AWS_USE_FIPS_ENDPOINT": "true",
        },
    ),
    "services-section": Case(
        config=(
            "[profile dev]\nservices = local\nregion = eu-central-1\n"
            f"{STATIC}"
            "[services local]\niam =\n  endpoint_url = http://127.0.0.1:9\n"
            "sts =\n  endpoint_url = http://127.0.0.1:10\n"
        ),
        profile="dev",
    ),
    "imds-settings": Case(
        config="[default]\nec2_metadata_service_endpoint_mode = IPv6\nec2_metadata_v1_disabled = true\n",
        env={"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9/"},
    ),
    "sso-profile": Case(
        config=(
            "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
            "sso_role_name = Audit\nregion = us-east-2\n"
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
            "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        ),
        profile="sso",
    ),
    "legacy-sso-profile": Case(
        config=(
            "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
            "sso_account_id = 111122223333\nsso_role_name = Audit\n"
        ),
        env={"AWS_PROFILE": "sso"},
    ),
}

#: Cases resolved against the loopback STS (AWS_ENDPOINT_URL_STS is set to it; it also serves
#: the container provider's credentials).
STS_CASES: dict[str, Case] = {
    "assume-role-source-profile": Case(
        config="[profile audit]\nrole_arn = arn:aws:iam::444455556666:role/audit\nsource_profile = dev\n",
        credentials=f"[dev]\n{STATIC}",
        profile="audit",
    ),
    "assume-role-two-hops": Case(
        config=(
            "[profile audit]\nrole_arn = arn:aws:iam::444455556666:role/audit\nsource_profile = hop\n"
            "[profile hop]\nrole_arn = arn:aws:iam::444455556666:role/hop\nsource_profile = dev\n"
            "external_id = ext-1\nrole_session_name = hop-session\nduration_seconds = 1800\n"
        ),
        credentials=f"[dev]\n{STATIC}",
        env={"AWS_PROFILE": "audit"},
    ),
    "assume-role-credential-source": Case(
        config=(
            "[profile audit]\nrole_arn = arn:aws:iam::444455556666:role/audit\n"
            "credential_source = Environment\n"
        ),
        env={"AWS_ACCESS_KEY_ID": "AKIDENV00000000000", "AWS_SECRET_ACCESS_KEY": "secret-env"},
        profile="audit",
    ),
    "assume-role-source-is-process": Case(
        config=(
            "[profile audit]\nrole_arn = arn:aws:iam::444455556666:role/audit\nsource_profile = proc\n"
            f"[profile proc]\n{PROCESS}"
        ),
        profile="audit",
    ),
    "container-settings": Case(
        env={
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "{sts}/container-credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-token",
            "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
        },
    ),
    "web-identity-env": Case(
        env={"AWS_ROLE_ARN": "arn:aws:iam::444455556666:role/ci", "AWS_ROLE_SESSION_NAME": "ci"},
    ),
    "web-identity-profile": Case(
        config="[profile ci]\nrole_arn = arn:aws:iam::444455556666:role/ci\nweb_identity_token_file = {token}\n",
        profile="ci",
    ),
}


def _arrange(case: Case, aws_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token = tmp_path / "web-identity-token"
    token.write_text("jwt-token")
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(case.config.replace("{token}", str(token)))
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(case.credentials)
    aws_env.setenv("HOME", str(tmp_path))  # the SSO token cache (~/.aws/sso/cache) is empty
    for name, value in case.env.items():  # {sts}: the loopback STS (STS_CASES set it)
        aws_env.setenv(name, value.replace("{sts}", os.environ.get("AWS_ENDPOINT_URL_STS", "")))
    if "AWS_ROLE_ARN" in case.env:
        aws_env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))


def _outcome(read: Any) -> Any:
    """What ``read()`` returns, or the error it raises (its type and botocore's kwargs)."""
    try:
        return ("value", read())
    except Exception as exc:
        kwargs = getattr(exc, "kwargs", None)
        detail = str(exc) if kwargs is None else {k: str(v) for k, v in kwargs.items()}
        return ("error", type(exc).__name__, detail)


_SIMPLE = (str, int, float, bool, type(None))


def _settings(obj: Any, depth: int = 0) -> Any:
    """A provider's configuration: its plain attributes, its nested helpers' too (a fetcher, a
    token provider), what its ``load_config`` returns; never the session object itself."""
    if isinstance(obj, _SIMPLE):
        return obj
    if isinstance(obj, list | tuple):
        return [_settings(item, depth) for item in obj]
    if isinstance(obj, dict):
        return {k: _settings(v, depth) for k, v in sorted(obj.items())}
    described: dict[str, Any] = {"type": type(obj).__name__}
    if depth > 2:
        return described
    for name, value in sorted(vars(obj).items()):
        if name in ("_session", "_client_creator", "_time_fetcher", "_web_identity_token_loader"):
            continue
        if name == "_load_config":
            described[name] = _settings(value(), depth + 1)
        elif isinstance(value, _SIMPLE | list | tuple | dict):
            described[name] = _settings(value, depth + 1)
        elif callable(value) and not hasattr(value, "__dict__"):
            continue
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            described[name] = _settings(value, depth + 1)
    return described


def _frozen(credentials: Any) -> Any:
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    return (credentials.method, frozen.access_key, frozen.secret_key, frozen.token)


def observe(session: Any) -> dict[str, Any]:
    """Everything the chain and iamlast's settings read of a session."""
    seen: dict[str, Any] = {
        "profile": _outcome(lambda: session.profile),
        "scoped": _outcome(session.get_scoped_config),
        "full": _outcome(lambda: session.full_config),
        "instance": session.instance_variables(),
        "user_agent": session.user_agent(),
    }
    for name in sorted(BOTOCORE_DEFAUT_SESSION_VARIABLES):
        seen[f"var:{name}"] = _outcome(lambda n=name: session.get_config_variable(n))
    seen["chain"] = _outcome(lambda: _settings(create_credential_resolver(session).providers))
    seen["credentials"] = _outcome(lambda: _frozen(session.get_credentials()))
    return seen


def _compare(case: Case, aws_env: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    _arrange(case, aws_env, tmp_path)
    expected = observe(botocore.session.Session(profile=case.profile))
    got = observe(ConfigSession(case.profile))
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], key
    return expected


@pytest.mark.parametrize("name", list(CASES))
def test_the_config_session_reads_what_botocores_session_reads(
    name: str, aws_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _compare(CASES[name], aws_env, tmp_path)


@pytest.mark.parametrize("name", list(STS_CASES))
def test_assume_role_and_web_identity_resolve_alike(
    name: str, sts: Sts, aws_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    aws_env.setenv("AWS_DEFAULT_REGION", "us-east-1")  # an STS client needs one
    before = len(sts.calls)
    seen = _compare(STS_CASES[name], aws_env, tmp_path)
    assert seen["credentials"][0] == "value" and seen["credentials"][1] is not None
    assert len(sts.calls) > before  # both sides went to STS (the chain is not faked)


def _botocore_settings(profile: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    session = botocore.session.Session(profile=profile)
    return dict(session.get_scoped_config()), dict(session.full_config.get("services", {}) or {})


@pytest.mark.parametrize("name", list(CASES))
def test_a_client_resolves_its_settings_as_from_botocore(
    name: str, aws_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    case = CASES[name]
    _arrange(case, aws_env, tmp_path)
    assert _outcome(lambda: load_settings(case.profile)) == _outcome(
        lambda: _botocore_settings(case.profile)
    )
    session = botocore.session.Session(profile=case.profile)
    try:
        session.get_scoped_config()
    except Exception:  # a missing profile, a malformed file: the client refuses, as botocore
        with pytest.raises(iamlast.IamError):
            iamlast.Client(profile=case.profile).retry_policy  # noqa: B018
        return
    client = iamlast.Client(profile=case.profile)
    mode = session.get_config_variable("retry_mode")
    assert client.retry_policy.mode == ("standard" if mode == "legacy" else mode)
    assert client.retry_policy.max_attempts == (session.get_config_variable("max_attempts") or 3)
    iam = session.create_client(
        "iam", aws_access_key_id="AKIDX", aws_secret_access_key="x", region_name=None
    )
    assert client.endpoint_url.rstrip("/") == iam.meta.endpoint_url.rstrip("/")


@pytest.mark.parametrize("name", [*CASES, *STS_CASES])
def test_iamlast_signs_with_what_botocores_chain_finds(
    name: str, sts: Sts, aws_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    case = CASES.get(name) or STS_CASES[name]
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    aws_env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    _arrange(case, aws_env, tmp_path)
    expected = _outcome(
        lambda: _frozen(botocore.session.Session(profile=case.profile).get_credentials())
    )
    source = CredentialSource(profile=case.profile, remember_failure=0)
    try:
        found = source.get(timeout=30)
    except iamlast.IamError:
        assert expected[0] == "error" or expected[1] is None
        return
    assert expected[0] == "value" and expected[1] is not None
    assert (found.access_key_id, found.secret_access_key, found.session_token) == expected[1][1:]


# ----------------------------------------------------------------------- what gets imported

_CHILD = """
import json, sys
import iamlast
client = iamlast.Client(endpoint_url=sys.argv[1], **json.loads(sys.argv[2]))
assert client.list_roles().roles
print(json.dumps(sorted(m for m in sys.modules if m.startswith("botocore"))))
"""

_HEAVY = ("botocore.session", "botocore.client", "botocore.waiter", "botocore.docs")


def _child_modules(endpoint: str, kwargs: dict[str, Any]) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, endpoint, json.dumps(kwargs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(
    "where", ["explicit", "environment", "credentials-file", "config-profile", "process"]
)
def test_a_call_imports_no_botocore_session_client_waiter_or_docs(
    where: str, aws_env: pytest.MonkeyPatch
) -> None:
    with FakeIAM() as iam:
        key, secret = iam.access_key_id, iam.secret_access_key
        lines = f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        config = Path(os.environ["AWS_CONFIG_FILE"])
        kwargs: dict[str, Any] = {"region": "us-east-1"}
        config.write_text("[default]\nregion = us-east-1\nretry_mode = standard\n")
        if where == "explicit":
            kwargs.update(aws_access_key_id=key, aws_secret_access_key=secret)
        elif where == "environment":
            aws_env.setenv("AWS_ACCESS_KEY_ID", key)
            aws_env.setenv("AWS_SECRET_ACCESS_KEY", secret)
        elif where == "credentials-file":
            Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(f"[dev]\n{lines}")
            kwargs["profile"] = "dev"
        elif where == "config-profile":
            config.write_text(f"[profile dev]\nregion = us-east-1\n{lines}")
            aws_env.setenv("AWS_PROFILE", "dev")
        else:
            script = (
                "import json; print(json.dumps({'Version': 1, "
                f"'AccessKeyId': {key!r}, 'SecretAccessKey': {secret!r}}}))"
            )
            config.write_text(f'[default]\ncredential_process = {sys.executable} -c "{script}"\n')
        loaded = _child_modules(iam.endpoint_url, kwargs)
    assert "botocore.credentials" in loaded or where == "explicit"
    assert not loaded & set(_HEAVY), sorted(loaded & set(_HEAVY))


def test_an_assume_role_profile_brings_botocore_session_in_only_then(
    sts: Sts, aws_env: pytest.MonkeyPatch
) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[profile audit]\nrole_arn = arn:aws:iam::444455556666:role/audit\nsource_profile = dev\n"
    )
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(f"[dev]\n{STATIC}")
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    aws_env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    code = (
        "import sys\nfrom iamlast._runtime.aws_config import ConfigSession\n"
        "s = ConfigSession('audit')\nassert s.get_scoped_config()['source_profile'] == 'dev'\n"
        "assert 'botocore.session' not in sys.modules\n"
        "creds = s.get_credentials().get_frozen_credentials()\n"
        "assert creds.access_key == 'ASIAAUDIT', creds.access_key\n"
        "assert 'botocore.session' in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
