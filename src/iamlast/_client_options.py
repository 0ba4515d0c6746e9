"""The clients' constructor arguments, checked when given: a wrong type is a ParamValidationError
naming the argument, not a TypeError at the first call or a silently truncated number."""

from __future__ import annotations

import math
import ssl
from collections.abc import Mapping
from typing import Any

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from ._runtime.errors import FieldProblem, ParamValidationError
from ._runtime.signing import BotocoreCredentials, Credentials

__all__ = ["check_client_arguments"]

_STRINGS = (
    "region",
    "profile",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "endpoint_url",
)
_RETRY_MODES = ("standard", "adaptive")


def _kind(value: Any) -> str:
    return type(value).__name__


def _shown(value: Any) -> str:
    # Numbers are shown (never secret); anything else only by its type (it may be a key).
    return repr(value) if isinstance(value, int | float) else _kind(value)


def _positive_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _credentials_problem(value: Any) -> str | None:
    if isinstance(value, Credentials | BotocoreCredentials):
        return None
    if isinstance(value, tuple):
        if len(value) not in (2, 3):
            return "a credentials tuple is (key, secret) or (key, secret, token)"
        key, secret, *token = value
        if not (isinstance(key, str) and isinstance(secret, str)) or (
            token and token[0] is not None and not isinstance(token[0], str)
        ):
            return "a credentials tuple holds strings"
        if not key or not secret:
            return "a credentials tuple needs both an access key id and a secret access key"
        return None
    return (
        "must be a Credentials, a (key, secret[, token]) tuple or a botocore credentials "
        f"object, not {_kind(value)}"
    )


def check_client_arguments(
    client: str, given: Mapping[str, Any], *, http_client_type: type[Any]
) -> None:
    """Refuse every argument of the wrong type or out of range, all at once, naming each."""
    problems: list[FieldProblem] = []

    def refuse(name: str, rule: str, message: str) -> None:
        problems.append(FieldProblem(name, rule, message))

    for name in _STRINGS:
        value = given.get(name)
        if value is not None and not isinstance(value, str):
            refuse(name, "type", f"must be a string, not {_kind(value)}")
        elif value == "" and name in ("aws_access_key_id", "aws_secret_access_key"):
            refuse(name, "min_length", "must not be empty")
    if (given.get("aws_access_key_id") is None) != (given.get("aws_secret_access_key") is None):
        refuse(
            "aws_access_key_id", "usage", "aws_access_key_id and aws_secret_access_key go together"
        )
    if given.get("aws_access_key_id") is not None and given.get("credentials") is not None:
        refuse(
            "credentials",
            "usage",
            "pass either credentials= or aws_access_key_id=/aws_secret_access_key=",
        )
    credentials = given.get("credentials")
    if credentials is not None and (problem := _credentials_problem(credentials)):
        refuse("credentials", "type", problem)
    use_fips = given.get("use_fips")
    if use_fips is not None and not isinstance(use_fips, bool):
        refuse("use_fips", "type", f"must be True, False or None, not {_kind(use_fips)}")
    timeout = given.get("timeout")
    if (
        timeout is not None
        and not isinstance(timeout, httpx.Timeout)
        and not _positive_number(timeout)
    ):
        refuse(
            "timeout",
            "type",
            "must be a positive number of seconds (per socket operation) or an httpx.Timeout, "
            f"not {_shown(timeout)}",
        )
    for name, what in (("call_timeout", "seconds"), ("max_rate", "requests per second")):
        value = given.get(name)
        if value is not None and not _positive_number(value):
            refuse(name, "type", f"must be a positive number of {what}, not {_shown(value)}")
    attempts = given.get("max_attempts")
    if attempts is not None and (
        not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1
    ):
        refuse("max_attempts", "type", f"must be an integer of at least 1, not {_shown(attempts)}")
    mode = given.get("retry_mode")
    if mode is not None and mode not in _RETRY_MODES:
        shown = repr(mode) if isinstance(mode, str) else _kind(mode)
        refuse("retry_mode", "enum", f"must be 'standard' or 'adaptive', not {shown}")
    verify = given.get("verify", True)
    if not isinstance(verify, bool | str | ssl.SSLContext):
        refuse(
            "verify",
            "type",
            f"must be True, False, a CA bundle path or an ssl.SSLContext, not {_kind(verify)}",
        )
    http_client = given.get("http_client")
    if http_client is not None and not isinstance(http_client, http_client_type):
        refuse(
            "http_client",
            "type",
            f"must be an {http_client_type.__module__}.{http_client_type.__name__}, "
            f"not {_kind(http_client)}",
        )
    if problems:
        raise ParamValidationError(client, problems)
