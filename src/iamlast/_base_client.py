"""What every client shares — IAM's, STS's, Organizations' — settings, endpoint and credential
resolution, raw access. Each client class names its service's :class:`ServiceTable` (operations,
error decoder, protocol, signing name); nothing here is specific to one service.

Resolution reads the environment at construction and the AWS config file only when it is needed
(a profile was named, or the file exists), on the first request — so building a client costs
nothing when everything is given explicitly.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from ._runtime.core import ClientState
from ._runtime.endpoints import Endpoint, resolve_endpoint
from ._runtime.errors import (
    ConfigurationError,
    IamError,
    InvalidSettingError,
    NoCredentialsError,
    ServiceError,
)
from ._runtime.ratelimit import TokenBucket
from ._runtime.records import Record
from ._runtime.registry import OperationSpec
from ._runtime.retry import AdaptiveRateLimiter, RetryMode, RetryPolicy, RetryQuota
from ._runtime.signing import BotocoreCredentials, Credentials, CredentialSource

__all__ = ["BaseClient", "CredentialsArg", "ServiceTable"]

CredentialsArg = (
    Credentials | tuple[str, str] | tuple[str, str, str | None] | BotocoreCredentials | None
)


class ServiceTable(Record):
    """What a client needs to know of its service, read from the generated package.

    ``name`` is botocore's service name (it picks the endpoint rules, ``AWS_ENDPOINT_URL_<NAME>``
    and the profile's ``services`` entry); ``protocol`` is ``"query"`` (awsQuery) or ``"json"``
    (awsJson); ``decode_error`` turns an error response into a typed error.
    """

    _fields = (
        "name",
        "signing_name",
        "api_version",
        "protocol",
        "target_prefix",
        "json_version",
        "operations",
        "decode_error",
    )
    __slots__ = _fields

    name: str
    signing_name: str
    api_version: str
    protocol: str
    target_prefix: str
    json_version: str
    operations: Mapping[str, OperationSpec]
    decode_error: Callable[..., Any]

    def __init__(
        self,
        name: str,
        signing_name: str,
        api_version: str,
        protocol: str,
        target_prefix: str,
        json_version: str,
        operations: Mapping[str, OperationSpec],
        decode_error: Callable[..., Any],
    ) -> None:
        self._init(
            name=name,
            signing_name=signing_name,
            api_version=api_version,
            protocol=protocol,
            target_prefix=target_prefix,
            json_version=json_version,
            operations=operations,
            decode_error=decode_error,
        )

    @classmethod
    def of(cls, name: str, package: ModuleType, operations: ModuleType) -> ServiceTable:
        """The table of a generated package (its ``__init__`` and ``operations``).

        The package's error classes (a large module) load with the first error response, not
        with the client: a call that succeeds never needs them.
        """
        errors = package.__name__ + ".errors"

        def decode_error(
            operation: str | None,
            status: int,
            body: bytes | str,
            headers: Mapping[str, str] | None = None,
        ) -> ServiceError:
            decoded: ServiceError = importlib.import_module(errors).decode_error(
                operation, status, body, headers
            )
            return decoded

        return cls(
            name=name,
            signing_name=package.SIGNING_NAME,
            api_version=package.API_VERSION,
            protocol=package.PROTOCOL,
            target_prefix=package.TARGET_PREFIX,
            json_version=package.JSON_VERSION or "1.1",
            operations=operations.OPERATIONS,
            decode_error=decode_error,
        )


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() == "true"


class BaseClient:
    """Settings and resolution shared by every client, sync and async, of every service."""

    #: The service this client class calls (set by each concrete client class).
    _service: ClassVar[ServiceTable]

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        credentials: CredentialsArg = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        endpoint_url: str | None = None,
        use_fips: bool | None = None,
        max_attempts: int | None = None,
        retry_mode: RetryMode | None = None,
        max_rate: float | None = None,
        call_timeout: float | None = None,
        max_response_bytes: int = 32 * 1024 * 1024,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = dict(os.environ if environ is None else environ)
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            raise ValueError("aws_access_key_id and aws_secret_access_key go together")
        if aws_access_key_id is not None:
            if credentials is not None:
                raise ValueError(
                    "pass either credentials= or aws_access_key_id=/aws_secret_access_key="
                )
            assert aws_secret_access_key is not None
            credentials = Credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)
        self._credentials = CredentialSource(
            credentials, profile=profile if credentials is None else None
        )
        self._profile = profile
        self._env = env
        self._region_arg = region
        self._endpoint_arg = endpoint_url
        self._use_fips = use_fips
        if retry_mode is not None and retry_mode not in ("standard", "adaptive"):
            raise ValueError(f"retry_mode must be 'standard' or 'adaptive', not {retry_mode!r}")
        if max_attempts is not None and (isinstance(max_attempts, bool) or max_attempts < 1):
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts!r}")
        self._retry_mode_arg = retry_mode
        self._max_attempts_arg = max_attempts
        self._max_response_bytes = max_response_bytes
        self._rate_limiter = TokenBucket(max_rate) if max_rate is not None else None
        self._call_timeout = None if call_timeout is None else float(call_timeout)
        self._state: ClientState | None = None
        self._lock = threading.Lock()
        # The connection pool: built once (under _pool_lock), never again after close().
        self._pool_lock = threading.Lock()
        self._closed = False
        # Resolve now when no config file can matter, so errors (a bad endpoint_url) surface here.
        if not self._needs_config():
            self._state = self._resolve(None)

    # ------------------------------------------------------------------ resolution

    def _config_path(self) -> Path:
        return Path(
            self._env.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config"
        ).expanduser()

    def _needs_config(self) -> bool:
        if self._profile is not None or self._env.get("AWS_PROFILE"):
            return True
        try:
            return self._config_path().is_file()
        except OSError:
            return False

    def _load_config(self) -> tuple[dict[str, Any], dict[str, Any]]:
        from botocore.exceptions import BotoCoreError, ProfileNotFound

        from ._runtime.aws_config import load_settings

        try:
            scoped, services = load_settings(self._profile)  # as botocore's Session reads them
        except ProfileNotFound as exc:
            # The name botocore looked for: the argument, or AWS_PROFILE when none was given.
            missing = exc.kwargs.get("profile") or self._profile or self._env.get("AWS_PROFILE")
            raise NoCredentialsError(
                f"AWS profile {missing!r} was not found in the shared config or credentials file",
                profile=missing,
            ) from None
        except BotoCoreError as exc:  # a malformed config file, an unreadable setting
            raise ConfigurationError(f"AWS configuration problem: {exc}") from exc
        return scoped, services

    def _resolve(self, config: tuple[dict[str, Any], dict[str, Any]] | None) -> ClientState:
        try:
            return self._resolved(config)
        except ValueError as exc:  # a bad endpoint, region or retry setting (argument or config)
            if isinstance(exc, IamError):
                raise
            raise InvalidSettingError(str(exc)) from None

    def _resolved(self, config: tuple[dict[str, Any], dict[str, Any]] | None) -> ClientState:
        scoped, services = config if config is not None else ({}, {})
        env = self._env
        service = self._service
        # No region at all: botocore's "aws-global" (IAM and Organizations are global anyway;
        # STS then uses its global endpoint).
        region = (
            self._region_arg
            or env.get("AWS_REGION")
            or env.get("AWS_DEFAULT_REGION")
            or scoped.get("region")
            or None
        )
        endpoint: Endpoint = resolve_endpoint(
            service=service.name,
            region=region,
            endpoint_url=self._endpoint_arg,
            use_fips=self._use_fips,
            environ=env,
            profile_config=scoped,
            services_sections=services,
        )
        mode = (
            self._retry_mode_arg
            or env.get("AWS_RETRY_MODE")
            or scoped.get("retry_mode")
            or "standard"
        )
        if mode == "legacy":
            mode = "standard"  # iamlast implements standard and adaptive; legacy maps to standard
        attempts_raw = (
            self._max_attempts_arg or env.get("AWS_MAX_ATTEMPTS") or scoped.get("max_attempts") or 3
        )
        try:
            attempts = int(attempts_raw)
        except (TypeError, ValueError):
            raise ValueError(f"max_attempts must be an integer, not {attempts_raw!r}") from None
        policy = RetryPolicy(mode=mode, max_attempts=attempts)  # type: ignore[arg-type]
        disable_compression = _truthy(
            env.get("AWS_DISABLE_REQUEST_COMPRESSION") or scoped.get("disable_request_compression")
        )
        return ClientState(
            endpoint_url=endpoint.url,
            signing_region=endpoint.signing_region,
            api_version=service.api_version,
            decode_error=service.decode_error,
            service=service.signing_name,
            protocol=service.protocol,
            target_prefix=service.target_prefix,
            json_version=service.json_version,
            policy=policy,
            quota=RetryQuota(),
            limiter=AdaptiveRateLimiter() if policy.mode == "adaptive" else None,
            disable_compression=disable_compression,
            max_response_bytes=self._max_response_bytes,
            rate_limiter=self._rate_limiter,
        )

    def _client_state(self) -> ClientState:
        """The resolved settings (reads the config file on first use when it matters)."""
        state = self._state
        if state is not None:
            return state
        with self._lock:
            if self._state is None:
                self._state = self._resolve(self._load_config())
            return self._state

    # ------------------------------------------------------------------ public facts

    @property
    def endpoint_url(self) -> str:
        """Where requests go (resolved from the arguments, environment and config)."""
        return self._client_state().endpoint_url

    @property
    def region(self) -> str:
        """The region requests are signed for (us-east-1 for IAM and Organizations in the aws
        partition; the client's region for STS)."""
        return self._client_state().signing_region

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry mode, attempts and backoff this client uses."""
        return self._client_state().policy

    @property
    def retry_quota(self) -> RetryQuota:
        """The retry quota shared by every request of this client."""
        return self._client_state().quota

    @property
    def call_timeout(self) -> float | None:
        """The bound on one whole call, retries included, in seconds (None: unbounded)."""
        return self._call_timeout

    @property
    def is_closed(self) -> bool:
        """True once :meth:`close` (``aclose``) ran: every call then raises ClientClosedError."""
        return self._closed

    def _spec(self, operation: str) -> OperationSpec:
        return self._service.operations[operation]

    def _raw_proxy(self, run: Callable[[str, Any, dict[str, Any]], Any]) -> Any:
        return RawProxy(run, self._service.operations)

    def __repr__(self) -> str:
        where = (
            self._state.endpoint_url if self._state is not None else "(resolved on first request)"
        )
        return f"<{type(self).__name__} endpoint={where!r} credentials={self._credentials!r}>"


class RawProxy:
    """``client.with_raw_response``: every operation method, returning :class:`RawResponse`."""

    def __init__(
        self,
        run: Callable[[str, Any, dict[str, Any]], Any],
        operations: Mapping[str, OperationSpec],
    ) -> None:
        self._run = run
        self._operations = operations

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            spec = self._operations[name]
        except KeyError:
            raise AttributeError(f"no operation named {name!r}") from None
        if spec.python_name != name:
            raise AttributeError(
                f"no operation named {name!r} (did you mean {spec.python_name!r}?)"
            )
        run = self._run

        def method(request: Any = None, /, **kwargs: Any) -> Any:
            return run(spec.name, request, kwargs)

        method.__name__ = name
        method.__doc__ = f"{spec.name}, returning the raw response. {spec.documentation}"
        return method

    def __dir__(self) -> list[str]:
        return sorted(spec.python_name for spec in self._operations.values())
