"""``FakeOrganization``: the emulator playing a whole AWS Organization on one loopback port.

Every account is its own :class:`~iamlast.testing.SyntheticAccount` with its own report jobs,
pages and faults (so its own rate limit, as IAM's quota is per account). A request is routed by
the access key that signed it: the caller's long-term key belongs to the management account;
STS AssumeRole hands out temporary keys bound to the one account whose role was assumed. IAM and
STS requests are awsQuery forms, Organizations requests JSON 1.1 (``X-Amz-Target``); each is
checked with SigV4 for its own service. One port serves all three, so ``AWS_ENDPOINT_URL_IAM``,
``AWS_ENDPOINT_URL_STS`` and ``AWS_ENDPOINT_URL_ORGANIZATIONS`` all point at it::

    with FakeOrganization.default() as org:
        sts = boto3.client("sts", **org.client_kwargs())
        creds = sts.assume_role(RoleArn=org.role_arn("210987654321"), RoleSessionName="scan")

The default organization (:meth:`FakeOrganization.default`) has the management account, five
member accounts (one of which, ``444455556666``, does not trust the management account: its
role cannot be assumed) and a suspended account.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl

from iamlast.errors import ServiceError, ServiceValidationError

from .account import SyntheticAccount
from .faults import FaultInjector, Faults
from .handlers import Emulator, error_response
from .httpserver import Reply, Request, ThreadedHTTPServer
from .jobs import JobStore
from .org_services import (
    Identity,
    OrgAccount,
    OrganizationsError,
    OrganizationsService,
    StsError,
    StsService,
)
from .organization import SyntheticOrganization
from .server import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from .sigv4 import Credentials, SigV4Verifier

if TYPE_CHECKING:
    from iamlast import AsyncClient, Client

__all__ = ["DEFAULT_ROLE", "FakeOrganization", "OrgRequest"]

#: The role Organizations creates in every account it creates.
DEFAULT_ROLE = "OrganizationAccountAccessRole"
MANAGEMENT_ACCOUNT = "123456789012"
_JSON = "application/x-amz-json-1.1"
_JSON_AUTH_ERRORS = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "IncompleteSignature": "IncompleteSignatureException",
}


@dataclass(frozen=True, slots=True)
class OrgRequest:
    """One request as the organization saw it: which account and service it went to."""

    account_id: str | None
    service: str
    action: str | None
    status: int
    error_code: str | None


class _Member:
    """One account's IAM: its synthetic account, jobs, emulator and faults."""

    def __init__(self, account: SyntheticAccount, *, seed: int, job_polls: int, page_cap: int | None, faults: Faults | None) -> None:
        self.account = account
        self.jobs = JobStore(seed=seed, job_polls=job_polls)
        self.emulator = Emulator(account, self.jobs, page_cap=page_cap)
        self.faults = FaultInjector(faults)


class FakeOrganization:
    """A loopback endpoint serving IAM, STS and Organizations for several synthetic accounts.

    ``with FakeOrganization.default() as org:`` starts it; :meth:`client` is an iamlast client
    with the management account's credentials and every endpoint set; :meth:`env` the same as
    environment variables.
    """

    def __init__(
        self,
        accounts: Mapping[str, SyntheticAccount],
        *,
        management_account: str = MANAGEMENT_ACCOUNT,
        tree: SyntheticOrganization | None = None,
        descriptions: Mapping[str, OrgAccount] | None = None,
        untrusted: Iterable[str] = (),
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        job_polls: int = 0,
        page_cap: int | None = None,
        page_size: int = 5,
        faults: Faults | None = None,
        verify_signatures: bool = True,
    ) -> None:
        if management_account not in accounts:
            raise ValueError(f"the management account {management_account} is not among the accounts")
        self.tree = tree or SyntheticOrganization(management_account=management_account)
        for account_id in accounts:
            if account_id not in self.tree.accounts:
                self.tree.add_account(account_id)
        self.descriptions: dict[str, OrgAccount] = {
            a: OrgAccount(a, f"account-{a}", f"aws+{a}@example.com") for a in accounts
        }
        self.descriptions.update(descriptions or {})
        #: Accounts whose roles do not trust the caller: AssumeRole into them is AccessDenied.
        self.untrusted = set(untrusted)
        self.host, self._port, self.region = host, port, region
        self.verify_signatures = verify_signatures
        self.management_account = management_account
        self._faults = faults
        self.members = {
            a: _Member(acct, seed=seed + i, job_polls=job_polls, page_cap=page_cap, faults=faults)
            for i, (a, acct) in enumerate(accounts.items())
        }
        self.access_key_id, self.secret_access_key = ACCESS_KEY_ID, SECRET_ACCESS_KEY
        self._identities: dict[str, Identity] = {
            ACCESS_KEY_ID: Identity(management_account, f"arn:aws:iam::{management_account}:user/iamlast-admin", "AIDAIAMLASTFAKEADMIN"),
        }
        credentials = {ACCESS_KEY_ID: Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)}
        self._verifiers = {s: SigV4Verifier([], region=region, service=s) for s in ("iam", "sts", "organizations")}
        for verifier in self._verifiers.values():
            verifier.credentials = credentials  # one table: keys issued by STS work everywhere
        self._credentials = credentials
        self._issued = 0
        self._lock = threading.Lock()
        self.sts = StsService(role_exists=self._role_exists, trusts=self._trusts, issue=self._issue)
        self.organizations = OrganizationsService(self.tree, self.descriptions, page_size=page_size)
        self._log: list[OrgRequest] = []
        self._counts: Counter[tuple[str | None, str, str | None]] = Counter()
        self._server: ThreadedHTTPServer | None = None

    # ------------------------------------------------------------------ building

    @classmethod
    def default(cls, seed: int = 0, *, principals: int = 12, **options: Any) -> FakeOrganization:
        """The organization of :mod:`iamlast.testing.organization`: the management account
        ``123456789012`` (under Workloads), ``111122223333`` and ``444455556666`` (under the
        root; the second does not trust the management account), ``210987654321`` and
        ``333344445555`` (Production), ``555566667777`` (Staging), and ``999988887777``
        (suspended, under Sandbox). Each account has about ``principals`` principals."""
        tree = SyntheticOrganization.default(MANAGEMENT_ACCOUNT)
        tree.add_account("999988887777", parent="ou-a1b2-z1y2x3w4")
        ids = [MANAGEMENT_ACCOUNT, "111122223333", "444455556666", "210987654321", "333344445555", "555566667777", "999988887777"]
        accounts = {a: _account(a, seed + i, principals) for i, a in enumerate(ids)}
        names = ("management", "log-archive", "audit", "prod-a", "prod-b", "staging", "retired")
        descriptions = {a: OrgAccount(a, n, f"aws+{n}@example.com") for a, n in zip(ids, names, strict=True)}
        descriptions["999988887777"].status = "SUSPENDED"
        descriptions["444455556666"].joined_method = "INVITED"
        options.setdefault("untrusted", ("444455556666",))
        return cls(accounts, tree=tree, descriptions=descriptions, seed=seed, **options)

    @classmethod
    def generate(cls, accounts: int, *, seed: int = 0, principals: int = 12, per_ou: int = 10, **options: Any) -> FakeOrganization:
        """``accounts`` accounts (the management account first), ``per_ou`` to an OU under the
        root, each with about ``principals`` principals, all trusting the management account."""
        if accounts < 1:
            raise ValueError("an organization has at least its management account")
        tree = SyntheticOrganization(management_account=MANAGEMENT_ACCOUNT)
        ids = [MANAGEMENT_ACCOUNT] + [f"{200000000000 + i:012d}" for i in range(1, accounts)]
        made = {}
        for i, account_id in enumerate(ids):
            if i and (i - 1) % per_ou == 0:
                tree.add_ou(f"ou-a1b2-{(i - 1) // per_ou:08d}", f"Unit{(i - 1) // per_ou}")
            parent = None if i == 0 else f"ou-a1b2-{(i - 1) // per_ou:08d}"
            tree.add_account(account_id, parent=parent)
            made[account_id] = _account(account_id, seed + i, principals)
        return cls(made, tree=tree, seed=seed, **options)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start serving (idempotent); returns ``self``."""
        if self._server is None:
            self._server = ThreadedHTTPServer(self._handle, self.host, self._port)
            self._port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------ connection facts

    @property
    def port(self) -> int:
        return self._port

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT`` (IAM, STS and Organizations alike)."""
        if self._server is None and self._port == 0:
            raise RuntimeError("FakeOrganization is not started: use `with FakeOrganization.default() as org:`")
        return f"http://{self.host}:{self._port}"

    def client_kwargs(self) -> dict[str, str]:
        """``boto3.client("iam" | "sts" | "organizations", **org.client_kwargs())``: the
        management account's credentials."""
        return {"endpoint_url": self.endpoint_url, "region_name": self.region,
                "aws_access_key_id": self.access_key_id, "aws_secret_access_key": self.secret_access_key}

    def iamlast_kwargs(self) -> dict[str, str]:
        """``iamlast.Client(**org.iamlast_kwargs())`` (IAM; STS and Organizations read
        :meth:`env`'s endpoints or take the same ``endpoint_url``)."""
        kwargs = self.client_kwargs()
        kwargs["region"] = kwargs.pop("region_name")
        return kwargs

    def env(self) -> dict[str, str]:
        """``AWS_*`` variables pointing every SDK's IAM, STS and Organizations at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL_IAM": self.endpoint_url, "AWS_ENDPOINT_URL_STS": self.endpoint_url,
            "AWS_ENDPOINT_URL_ORGANIZATIONS": self.endpoint_url,
        }

    def client(self, **options: Any) -> Client:
        """An iamlast IAM client with the management account's credentials (the STS and
        Organizations clients a scan opens find this server through :meth:`env` in the
        environment, or :meth:`scan_options` as ``client_options=``)."""
        from iamlast import Client

        return Client(**{**self.iamlast_kwargs(), **options})

    def async_client(self, **options: Any) -> AsyncClient:
        """The async counterpart of :meth:`client`."""
        from iamlast import AsyncClient

        return AsyncClient(**{**self.iamlast_kwargs(), **options})

    def scan_options(self) -> dict[str, dict[str, str]]:
        """``client_options=`` for ``scan_organization``: STS and Organizations at this server."""
        return {"sts": {"endpoint_url": self.endpoint_url}, "organizations": {"endpoint_url": self.endpoint_url}}

    def role_arn(self, account_id: str, role: str = DEFAULT_ROLE) -> str:
        """``arn:aws:iam::ACCOUNT:role/ROLE``."""
        return f"arn:aws:iam::{account_id}:role/{role}"

    # ------------------------------------------------------------------ facts for tests

    @property
    def accounts(self) -> dict[str, SyntheticAccount]:
        """account id → its synthetic account."""
        return {a: m.account for a, m in self.members.items()}

    def active_accounts(self) -> list[str]:
        """The accounts Organizations lists as ACTIVE."""
        return sorted(a for a, d in self.descriptions.items() if d.status == "ACTIVE" and a in self.members)

    def accessible_accounts(self, role: str = DEFAULT_ROLE) -> list[str]:
        """The active accounts a scan can enter: the management account, and those whose
        ``role`` exists and trusts the management account."""
        return [a for a in self.active_accounts()
                if a == self.management_account or (self._role_exists(a, role) and self._trusts(a, role))]

    @property
    def faults(self) -> Faults | None:
        """The faults every account's IAM meets (each account its own bucket and RNG)."""
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        self._faults = value
        for member in self.members.values():
            member.faults.set(value or Faults())

    @property
    def requests(self) -> list[OrgRequest]:
        with self._lock:
            return list(self._log)

    def calls(self, action: str | None = None, *, account: str | None = None, service: str | None = None) -> int:
        """How many requests arrived (for ``action``, ``account``, ``service``, or all)."""
        with self._lock:
            return sum(n for (a, s, act), n in self._counts.items()
                       if (action is None or act == action) and (account is None or a == account)
                       and (service is None or s == service))

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._counts.clear()

    # ------------------------------------------------------------------ identities

    def _role_exists(self, account: str, role: str) -> bool:
        member = self.members.get(account)
        return member is not None and role in member.account.roles

    def _trusts(self, account: str, role: str) -> bool:
        description = self.descriptions.get(account)
        return account not in self.untrusted and (description is None or description.status == "ACTIVE")

    def _issue(self, identity: Identity) -> tuple[str, str, str]:
        with self._lock:
            self._issued += 1
            n = self._issued
        key = f"ASIAFAKE{identity.account_id[-4:]}{n:08d}"
        secret = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        token = f"FakeSessionToken/{identity.account_id}/{uuid.uuid4().hex}"
        self._credentials[key] = Credentials(key, secret, token)
        self._identities[key] = identity
        return key, secret, token

    # ------------------------------------------------------------------ the request path

    @staticmethod
    def _signed(req: Request) -> tuple[str | None, str | None]:
        """(access key id, service) named in the Authorization header's credential scope."""
        header = req.headers.get("authorization", "")
        start = header.find("Credential=")
        if start < 0:
            return None, None
        scope = header[start + 11:].split(",", 1)[0].split("/")
        return (scope[0], scope[3]) if len(scope) == 5 else (scope[0], None)

    def _handle(self, req: Request) -> Reply:
        rid = str(uuid.uuid4())
        target = req.headers.get("x-amz-target", "")
        key, signed_service = self._signed(req)
        service = signed_service or ("organizations" if target else "iam")
        params: dict[str, str] = {}
        if service != "organizations":
            try:
                body = req.body
                if req.headers.get("content-encoding", "").lower() == "gzip" and body:
                    body = gzip.decompress(body)
                if req.query:
                    params.update(parse_qsl(req.query, keep_blank_values=True))
                if req.method == "POST" and body:
                    params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError):
                return self._reply("iam", None, None, *error_response(ServiceValidationError("The request body could not be read."), rid), rid)
            if signed_service is None and params.get("Version") == "2011-06-15":
                service = "sts"
        action = target.rpartition(".")[2] if service == "organizations" else params.get("Action")
        verifier = self._verifiers.get(service, self._verifiers["iam"])
        if self.verify_signatures:
            problem = verifier.verify(req.method, req.path, req.query, req.headers, req.body)
            if problem is not None:
                return self._auth_error(service, action, problem, rid)
        caller = self._identities.get(key or "", self._identities[ACCESS_KEY_ID])
        if service == "sts":
            status, text = self.sts.handle(caller, params, rid)
            return self._reply(service, caller.account_id, action, status, text, _code(text) if status != 200 else None, rid)
        if service == "organizations":
            status, text = self.organizations.handle(caller, target, req.body)
            code = None if status == 200 else text.split('"__type": "', 1)[-1].split('"', 1)[0]
            return self._reply(service, caller.account_id, action, status, text, code, rid, json_body=True)
        member = self.members.get(caller.account_id)
        if member is None:  # an account outside the organization: nothing to serve
            return self._reply("iam", caller.account_id, action, *error_response(ServiceValidationError("No such account."), rid), rid)
        fault = member.faults.decide(action or "")
        if fault.error is not None:
            status, text, code = error_response(fault.error, rid)
        else:
            status, text, code = member.emulator.handle(action, params, rid)
        if fault.latency > 0:
            time.sleep(fault.latency)
        return self._reply("iam", caller.account_id, action, status, text, code, rid)

    def _auth_error(self, service: str, action: str | None, problem: ServiceError, rid: str) -> Reply:
        if service == "organizations":
            code = _JSON_AUTH_ERRORS.get(problem.code or "", "AccessDeniedException")
            err = OrganizationsError(problem.status_code or 403, code, str(problem.message or problem))
            return self._reply(service, None, action, err.status, err.body(), code, rid, json_body=True)
        if service == "sts":
            sts_err = StsError(problem.status_code or 403, problem.code or "AccessDenied", str(problem.message or problem))
            return self._reply(service, None, action, sts_err.status, sts_err.body(rid), sts_err.code, rid)
        return self._reply(service, None, action, *error_response(problem, rid), rid)

    def _reply(self, service: str, account: str | None, action: str | None, status: int, text: str,
               code: str | None, rid: str, *, json_body: bool = False) -> Reply:
        with self._lock:
            if len(self._log) < 200_000:
                self._log.append(OrgRequest(account, service, action, status, code))
            self._counts[(account, service, action)] += 1
        kind = _JSON if json_body else "text/xml"
        return Reply(status, [("x-amzn-RequestId", rid), ("Content-Type", kind)], text.encode("utf-8"))



def _code(xml: str) -> str | None:
    start = xml.find("<Code>")
    return xml[start + 6:xml.find("</Code>")] if start >= 0 else None


def _account(account_id: str, seed: int, principals: int) -> SyntheticAccount:
    # About ``principals`` scannable principals: users, roles (the first being the access role),
    # groups and customer-managed policies in the proportions of a small real account.
    users = max(1, principals * 3 // 10)
    groups = max(1, principals // 10)
    policies = max(1, principals * 2 // 10)
    roles = max(1, principals - users - groups - policies)
    # Service-linked roles are not scanned: ask for as many more as seeds.populate adds.
    return SyntheticAccount.generate(seed, account_id=account_id, users=users, roles=roles + _SERVICE_LINKED,
                                     groups=groups, policies=policies, bulk_policies=False)


def _service_linked_count() -> int:
    from .seeds import SERVICE_LINKED

    return len(SERVICE_LINKED)


_SERVICE_LINKED = _service_linked_count()
