"""The AWS shared config files and botocore's configuration variables, without botocore.session.

``botocore.session`` imports botocore's client, waiter, paginator and docs machinery (tens of
milliseconds) although reading the config files and running the credential chain need none of
it. :class:`ConfigSession` is the part of a botocore Session that those read — configuration
variables (instance value, then environment, then the profile's config, then the default, by
botocore's own :class:`~botocore.configprovider.ConfigValueStore` and variable table), the
parsed config and credentials files (:mod:`botocore.configloader`), the profile's section, the
user agent — so botocore's own :func:`~botocore.credentials.create_credential_resolver` builds
the very chain a Session would: the same providers, in the same order, with the same settings.

A real ``botocore.session.Session`` (for the same profile) is made only when a provider has to
create a client: STS for assume-role and web identity, SSO and SSO-OIDC, sign-in.
"""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["ConfigSession", "load_settings"]


class ConfigSession:
    """What botocore's credential chain and iamlast's settings ask of a botocore Session.

    ``profile`` is the session's profile (None: ``AWS_DEFAULT_PROFILE``, ``AWS_PROFILE``, or the
    default profile), as ``botocore.session.Session(profile=...)``. The files are read once, on
    first use; a missing file counts as empty and a malformed one raises botocore's
    ``ConfigParseError``, as botocore does.
    """

    def __init__(self, profile: str | None = None) -> None:
        from botocore.configprovider import (
            ConfigValueStore,
            create_botocore_default_config_mapping,
        )

        self._instance_vars: dict[str, Any] = {} if profile is None else {"profile": profile}
        self._config: dict[str, Any] | None = None
        self._profile: str | None = None
        self._store = ConfigValueStore(mapping=create_botocore_default_config_mapping(self))
        self._lock = threading.Lock()
        self._session: Any = None

    # ------------------------------------------------------------------ configuration

    def instance_variables(self) -> dict[str, Any]:
        """The values set on this session (only ``profile``, when one was given)."""
        return dict(self._instance_vars)

    def get_config_variable(self, logical_name: str) -> Any:
        """A botocore configuration variable (``region``, ``max_attempts``, ``config_file``...)
        resolved as a Session resolves it."""
        return self._store.get_config_variable(logical_name)

    @property
    def profile(self) -> str | None:
        """The profile in use (None: the default one)."""
        if self._profile is None:
            self._profile = self.get_config_variable("profile")
        return self._profile

    @property
    def available_profiles(self) -> list[str]:
        """Every profile of the config and credentials files."""
        return list(self.full_config["profiles"])

    @property
    def full_config(self) -> dict[str, Any]:
        """The parsed config file, with the credentials file's profiles merged into its
        ``profiles`` (values from the credentials file win), as ``Session.full_config``."""
        config = self._config
        if config is None:
            from botocore.configloader import load_config, raw_config_parse
            from botocore.exceptions import ConfigNotFound

            try:
                config = load_config(self.get_config_variable("config_file"))
            except ConfigNotFound:
                config = {"profiles": {}}
            # Kept before the credentials file is read, as botocore keeps it: a malformed
            # credentials file raises on the first read only; later reads go without its profiles.
            self._config = config
            try:
                extra = raw_config_parse(self.get_config_variable("credentials_file"))
            except ConfigNotFound:
                extra = {}
            profiles = config["profiles"]
            for name, values in extra.items():
                if name in profiles:
                    profiles[name].update(values)
                else:
                    profiles[name] = values
        return config

    def get_scoped_config(self) -> dict[str, Any]:
        """The profile's section: the default one's (or nothing) when no profile is named; a
        named profile that does not exist raises botocore's ``ProfileNotFound``."""
        name = self.get_config_variable("profile")
        profiles = self.full_config["profiles"]
        if name is None:
            found: dict[str, Any] = profiles.get("default", {})
            return found
        if name not in profiles:
            from botocore.exceptions import ProfileNotFound

            raise ProfileNotFound(profile=name)
        scoped: dict[str, Any] = profiles[name]
        return scoped

    # ------------------------------------------------------------------ what providers use

    def user_agent(self) -> str:
        """The User-Agent botocore's Session sends to the instance metadata service."""
        import platform

        from botocore import __version__
        from botocore.compat import HAS_CRT

        if HAS_CRT:  # its version comes from the Session's user-agent machinery
            agent: str = self._botocore().user_agent()
            return agent
        agent = (
            f"Botocore/{__version__} Python/{platform.python_version()} "
            f"{platform.system()}/{platform.release()}"
        )
        execution_env = os.environ.get("AWS_EXECUTION_ENV")
        if execution_env is not None:
            agent += f" exec-env/{execution_env}"
        return agent

    def create_client(self, service_name: str, **kwargs: Any) -> Any:
        """A botocore client (STS, SSO, ...) from a real Session for the same profile: the one
        thing of the chain that needs botocore.session, imported only now."""
        client = self._botocore().create_client(service_name, **kwargs)
        return client

    def _botocore(self) -> Any:
        with self._lock:
            if self._session is None:
                import botocore.session

                self._session = botocore.session.Session(profile=self._instance_vars.get("profile"))
            return self._session

    def get_credentials(self) -> Any:
        """botocore's default chain for this session's profile, as ``Session.get_credentials``
        builds it: botocore credentials, or None when no provider has any."""
        from botocore.credentials import create_credential_resolver

        return create_credential_resolver(self).load_credentials()

    def __repr__(self) -> str:
        return f"ConfigSession(profile={self._instance_vars.get('profile')!r})"


def load_settings(profile: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profile's config section and the config file's ``services`` sections, as
    ``Session(profile=profile).get_scoped_config()`` and ``.full_config["services"]`` give them.
    Raises botocore's ``ProfileNotFound`` or ``ConfigParseError``."""
    session = ConfigSession(profile)
    scoped = dict(session.get_scoped_config())
    services = dict(session.full_config.get("services", {}) or {})
    return scoped, services
