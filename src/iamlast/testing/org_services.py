"""STS and AWS Organizations as the emulated organization serves them, on their real wire formats.

STS speaks awsQuery, like IAM: a form-encoded POST (``Action=AssumeRole&Version=2011-06-15``),
answered with ``<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`` or an
``<ErrorResponse>``. Organizations speaks JSON 1.1: ``POST /`` with
``X-Amz-Target: AWSOrganizationsV20161128.<Operation>`` and an ``application/x-amz-json-1.1``
body, answered with JSON, errors as ``{"__type": "...Exception", "Message": "..."}``.

The handlers here know nothing of HTTP or signatures: :mod:`.org_server` routes to them with the
caller's identity already known (the account its access key belongs to).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from xml.sax.saxutils import escape

from .organization import SyntheticOrganization

__all__ = [
    "ORGANIZATIONS_TARGET",
    "Identity",
    "OrgAccount",
    "OrganizationsError",
    "OrganizationsService",
    "StsError",
    "StsService",
]

ORGANIZATIONS_TARGET = "AWSOrganizationsV20161128."
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"

_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a key pair belongs to: the account, and the ARN GetCallerIdentity names."""

    account_id: str
    arn: str
    user_id: str


@dataclass(slots=True)
class OrgAccount:
    """One account of the organization as Organizations describes it."""

    id: str
    name: str
    email: str
    status: Literal["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"] = "ACTIVE"
    joined: datetime = field(default_factory=lambda: datetime(2021, 3, 1, tzinfo=UTC))
    joined_method: Literal["CREATED", "INVITED"] = "CREATED"


class StsError(Exception):
    """An STS error reply: HTTP status, code, message (``Sender`` or ``Receiver`` fault)."""

    def __init__(self, status: int, code: str, message: str, fault: str = "Sender") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fault = status, code, message, fault

    def body(self, request_id: str) -> str:
        return (
            f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>{self.fault}</Type>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )


def _sts_document(action: str, result: str, request_id: str) -> str:
    return (
        f'<{action}Response xmlns="{STS_NAMESPACE}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: (account id, role name) → may the caller assume it? (the role's trust policy).
Trust = Callable[[str, str], bool]


class StsService:
    """AssumeRole and GetCallerIdentity. Temporary credentials are issued through ``issue``,
    which makes the server accept them (bound to the one account)."""

    def __init__(
        self,
        *,
        role_exists: Callable[[str, str], bool],
        trusts: Trust,
        issue: Callable[[Identity], tuple[str, str, str]],
    ) -> None:
        self._role_exists = role_exists
        self._trusts = trusts
        self._issue = issue

    def handle(self, caller: Identity, params: Mapping[str, str], request_id: str) -> tuple[int, str]:
        """(status, XML body) for one STS request by ``caller``."""
        action = params.get("Action")
        try:
            if params.get("Version", STS_VERSION) != STS_VERSION:
                raise StsError(400, "InvalidAction", f"Could not find operation {action} for version {params.get('Version')}")
            if action == "GetCallerIdentity":
                result = (
                    f"<Arn>{escape(caller.arn)}</Arn><UserId>{escape(caller.user_id)}</UserId>"
                    f"<Account>{caller.account_id}</Account>"
                )
            elif action == "AssumeRole":
                result = self._assume_role(caller, params)
            elif not action:
                raise StsError(400, "MissingAction", "Missing Action")
            else:
                raise StsError(400, "InvalidAction", f"Could not find operation {action} for version {STS_VERSION}")
        except StsError as err:
            return err.status, err.body(request_id)
        return 200, _sts_document(action, result, request_id)

    def _assume_role(self, caller: Identity, params: Mapping[str, str]) -> str:
        role_arn = params.get("RoleArn", "")
        session = params.get("RoleSessionName", "")
        problems = []
        if not role_arn:
            problems.append("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
        if not _SESSION_NAME.match(session):
            problems.append(f"Value '{session}' at 'roleSessionName' failed to satisfy constraint: "
                            r"Member must satisfy regular expression pattern: [\w+=,.@-]*")
        duration = params.get("DurationSeconds", "3600")
        if not duration.isdigit() or not 900 <= int(duration) <= 43200:
            problems.append(f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
                            "Member must have value between 900 and 43200")
        if problems:
            count = len(problems)
            raise StsError(400, "ValidationError", f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
        found = _ROLE_ARN.match(role_arn)
        if found is None:
            raise StsError(400, "ValidationError", f"{role_arn} is invalid")
        account, _, name = found.groups()
        if not (self._role_exists(account, name) and self._trusts(account, name)):
            raise StsError(403, "AccessDenied", f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        role_id = "AROA" + hashlib.blake2b(role_arn.encode(), digest_size=10).hexdigest().upper()[:17]
        assumed = Identity(account, f"arn:aws:sts::{account}:assumed-role/{name}/{session}", f"{role_id}:{session}")
        key, secret, token = self._issue(assumed)
        expires = datetime.now(UTC) + timedelta(seconds=int(duration))
        return (
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken><Expiration>{_iso(expires)}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>{escape(assumed.user_id)}</AssumedRoleId>"
            f"<Arn>{escape(assumed.arn)}</Arn></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>"
        )


class OrganizationsError(Exception):
    """A JSON 1.1 error reply: ``{"__type": code, "Message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> str:
        return json.dumps({"__type": self.code, "Message": self.message, **self.extra})


_NO_PERMISSION = "You don't have permissions to access this resource."
_OPERATIONS = (
    "DescribeOrganization", "DescribeAccount", "DescribeOrganizationalUnit", "ListRoots",
    "ListAccounts", "ListAccountsForParent", "ListChildren", "ListOrganizationalUnitsForParent",
    "ListParents",
)


class OrganizationsService:
    """The read side of Organizations over a :class:`SyntheticOrganization` and its accounts'
    descriptions; only the management account may call anything but DescribeOrganization."""

    def __init__(
        self, tree: SyntheticOrganization, accounts: Mapping[str, OrgAccount], *, page_size: int = 5,
        token_key: bytes | None = None,
    ) -> None:
        self.tree = tree
        self.accounts = accounts
        self.page_size = page_size
        self._key = token_key or secrets.token_bytes(16)

    # ------------------------------------------------------------------ dispatch

    def handle(self, caller: Identity, target: str, body: bytes) -> tuple[int, str]:
        """(status, JSON body) for one request by ``caller`` with ``X-Amz-Target: target``."""
        try:
            operation = target.removeprefix(ORGANIZATIONS_TARGET) if target.startswith(ORGANIZATIONS_TARGET) else ""
            if operation not in _OPERATIONS:
                raise OrganizationsError(400, "UnknownOperationException", f"Operation {target or '(none)'} is not supported.")
            try:
                request = json.loads(body or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise OrganizationsError(400, "SerializationException", "Start of structure or map found where not expected.") from None
            if not isinstance(request, dict):
                raise OrganizationsError(400, "SerializationException", "Start of structure or map found where not expected.")
            if operation != "DescribeOrganization" and caller.account_id != self.tree.management_account:
                raise OrganizationsError(400, "AccessDeniedException", _NO_PERMISSION)
            handler: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, "_" + _snake(operation))
            return 200, json.dumps(handler(request))
        except OrganizationsError as err:
            return err.status, err.body()

    # ------------------------------------------------------------------ shapes

    def _arn(self, kind: str, node: str) -> str:
        mgmt, org = self.tree.management_account, self.tree.org_id
        if kind == "organization":
            return f"arn:aws:organizations::{mgmt}:organization/{org}"
        return f"arn:aws:organizations::{mgmt}:{kind}/{org}/{node}"

    def _account(self, account_id: str) -> dict[str, Any]:
        a = self.accounts[account_id]
        state = {"ACTIVE": "ACTIVE", "SUSPENDED": "SUSPENDED", "PENDING_CLOSURE": "PENDING_CLOSURE"}[a.status]
        return {
            "Id": a.id, "Arn": self._arn("account", a.id), "Email": a.email, "Name": a.name,
            "Status": a.status, "State": state, "JoinedMethod": a.joined_method,
            "JoinedTimestamp": a.joined.timestamp(),
        }

    def _ou(self, ou_id: str) -> dict[str, Any]:
        return {"Id": ou_id, "Arn": self._arn("ou", ou_id), "Name": self.tree.ous[ou_id].name}

    # ------------------------------------------------------------------ arguments and pages

    @staticmethod
    def _text(request: dict[str, Any], name: str, pattern: str) -> str:
        value = request.get(name)
        if value is None:
            raise OrganizationsError(400, "InvalidInputException", f"You provided a value that does not match the required pattern: {name} is required.", Reason="INVALID_INPUT")
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise OrganizationsError(400, "InvalidInputException", f"You specified an invalid value for {name}.", Reason="INVALID_PATTERN")
        return value

    def _parent(self, request: dict[str, Any]) -> str:
        parent = self._text(request, "ParentId", r"(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})")
        if parent != self.tree.root_id and parent not in self.tree.ous:
            raise OrganizationsError(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
        return parent

    def _token(self, scope: str, offset: int) -> str:
        mac = hashlib.blake2b(f"{scope}|{offset}".encode(), key=self._key, digest_size=8).hexdigest()
        return base64.urlsafe_b64encode(f"{offset}|{mac}".encode()).decode()

    def _offset(self, scope: str, token: Any) -> int:
        if token is None:
            return 0
        try:
            offset_text, _mac = base64.urlsafe_b64decode(str(token).encode()).decode().split("|")
            offset = int(offset_text)
        except (ValueError, UnicodeDecodeError):
            offset = -1
        if offset < 0 or self._token(scope, offset) != token:
            raise OrganizationsError(400, "InvalidInputException", "The provided token is not valid.", Reason="INVALID_NEXT_TOKEN")
        return offset

    def _page(self, request: dict[str, Any], scope: str, items: Sequence[Any], key: str) -> dict[str, Any]:
        size = request.get("MaxResults", self.page_size)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 20:
            raise OrganizationsError(400, "InvalidInputException", "You specified an invalid value for MaxResults: it must be from 1 to 20.", Reason="INPUT_REQUIRED")
        size = min(size, self.page_size)
        start = self._offset(scope, request.get("NextToken"))
        out: dict[str, Any] = {key: list(items[start:start + size])}
        if start + size < len(items):
            out["NextToken"] = self._token(scope, start + size)
        return out

    def _accounts_in(self, parent: str) -> list[str]:
        return sorted(a for a, p in self.tree.accounts.items() if p == parent and a in self.accounts)

    def _ous_in(self, parent: str) -> list[str]:
        return sorted(o for o, ou in self.tree.ous.items() if ou.parent == parent)

    # ------------------------------------------------------------------ operations

    def _describe_organization(self, request: dict[str, Any]) -> dict[str, Any]:
        mgmt = self.accounts.get(self.tree.management_account)
        return {"Organization": {
            "Id": self.tree.org_id, "Arn": self._arn("organization", ""), "FeatureSet": "ALL",
            "MasterAccountArn": self._arn("account", self.tree.management_account),
            "MasterAccountId": self.tree.management_account,
            "MasterAccountEmail": mgmt.email if mgmt else "", "AvailablePolicyTypes": [],
        }}

    def _describe_account(self, request: dict[str, Any]) -> dict[str, Any]:
        account = self._text(request, "AccountId", r"\d{12}")
        if account not in self.accounts:
            raise OrganizationsError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
        return {"Account": self._account(account)}

    def _describe_organizational_unit(self, request: dict[str, Any]) -> dict[str, Any]:
        ou = self._text(request, "OrganizationalUnitId", r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")
        if ou not in self.tree.ous:
            raise OrganizationsError(400, "OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
        return {"OrganizationalUnit": self._ou(ou)}

    def _list_roots(self, request: dict[str, Any]) -> dict[str, Any]:
        root = {"Id": self.tree.root_id, "Arn": self._arn("root", self.tree.root_id), "Name": "Root", "PolicyTypes": []}
        return self._page(request, "roots", [root], "Roots")

    def _list_accounts(self, request: dict[str, Any]) -> dict[str, Any]:
        ids = sorted(a for a in self.accounts if a in self.tree.accounts)
        return self._page(request, "accounts", [self._account(a) for a in ids], "Accounts")

    def _list_accounts_for_parent(self, request: dict[str, Any]) -> dict[str, Any]:
        parent = self._parent(request)
        return self._page(request, f"accounts|{parent}", [self._account(a) for a in self._accounts_in(parent)], "Accounts")

    def _list_organizational_units_for_parent(self, request: dict[str, Any]) -> dict[str, Any]:
        parent = self._parent(request)
        return self._page(request, f"ous|{parent}", [self._ou(o) for o in self._ous_in(parent)], "OrganizationalUnits")

    def _list_children(self, request: dict[str, Any]) -> dict[str, Any]:
        parent = self._parent(request)
        kind = request.get("ChildType")
        if kind == "ACCOUNT":
            children = [{"Id": a, "Type": "ACCOUNT"} for a in self._accounts_in(parent)]
        elif kind == "ORGANIZATIONAL_UNIT":
            children = [{"Id": o, "Type": "ORGANIZATIONAL_UNIT"} for o in self._ous_in(parent)]
        else:
            raise OrganizationsError(400, "InvalidInputException", "You specified an invalid value for ChildType.", Reason="INVALID_ENUM")
        return self._page(request, f"children|{kind}|{parent}", children, "Children")

    def _list_parents(self, request: dict[str, Any]) -> dict[str, Any]:
        child = self._text(request, "ChildId", r"(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})")
        if child in self.tree.accounts:
            parent = self.tree.accounts[child]
        elif child in self.tree.ous:
            parent = self.tree.ous[child].parent
        else:
            raise OrganizationsError(400, "ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
        kind = "ROOT" if parent == self.tree.root_id else "ORGANIZATIONAL_UNIT"
        return self._page(request, f"parents|{child}", [{"Id": parent, "Type": kind}], "Parents")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
