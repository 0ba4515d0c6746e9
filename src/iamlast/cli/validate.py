"""Checks made before any request: ARN shape, service namespaces, Organizations entity paths.

A bad argument is a usage error (exit 2) with one line that says what was expected, instead of a
round trip to IAM and its ``InvalidInput``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..orgscan import ACCOUNT_ID, ROLE_NAME
from .errors import UsageProblem

__all__ = ["ParsedArn", "check_account_id", "check_entity_path", "check_namespace", "parse_arn"]

# IAM paths are "/" or "/segments/" of printable ASCII; names are [\w+=,.@-]. The account is 12
# digits, or "aws" for AWS-managed policies.
_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>\d{12}|aws):"
    r"(?P<kind>user|role|group|policy)(?P<path>/(?:[\x21-\x7e]+/)?)(?P<name>[\w+=,.@-]{1,128})$"
)
_ARN_FORM = "arn:PARTITION:iam::ACCOUNT:(user|role|group|policy)/[PATH/]NAME"
_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_ENTITY_PATH = re.compile(r"^o-[0-9a-z]{10,32}/r-[0-9a-z]{4,32}[0-9a-z/-]*$")
_ACCOUNT = re.compile(ACCOUNT_ID)
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$")


@dataclass(frozen=True)
class ParsedArn:
    """The parts of an IAM principal or policy ARN."""

    arn: str
    partition: str
    account: str
    kind: str
    path: str
    name: str


def parse_arn(
    arn: str, *, kinds: tuple[str, ...] = ("user", "role", "group", "policy")
) -> ParsedArn:
    """The ARN's parts, or a :class:`UsageProblem` naming what was expected."""
    m = _ARN.match(arn.strip())
    if m is None:
        raise UsageProblem(f"malformed ARN {arn!r}: expected {_ARN_FORM}")
    parsed = ParsedArn(arn.strip(), **m.groupdict())
    if parsed.account == "aws" and parsed.kind != "policy":
        raise UsageProblem(
            f"malformed ARN {arn!r}: only AWS-managed policies have the account 'aws'; "
            f"expected {_ARN_FORM} with a 12-digit account"
        )
    if parsed.kind not in kinds:
        raise UsageProblem(
            f"{arn!r} is a {parsed.kind} ARN; this command takes a "
            f"{', '.join(kinds[:-1])} or {kinds[-1]} ARN"
        )
    return parsed


def check_namespace(namespace: str) -> str:
    """A service namespace as IAM writes it (``s3``, ``execute-api``), or a usage error."""
    if _NAMESPACE.match(namespace):
        return namespace
    hint = ""
    lowered = namespace.strip().lower()
    if lowered != namespace and _NAMESPACE.match(lowered):
        hint = f" (did you mean {lowered!r}?)"
    elif ":" in namespace and _NAMESPACE.match(namespace.split(":", 1)[0].lower()):
        hint = (
            f" (a namespace, not an action: did you mean {namespace.split(':', 1)[0].lower()!r}?)"
        )
    raise UsageProblem(
        f"invalid service namespace {namespace!r}: namespaces are lowercase letters, digits and "
        f"hyphens, like s3, ec2 or execute-api{hint}"
    )


def check_entity_path(path: str) -> str:
    """An Organizations entity path (``o-…/r-…[/ou-…][/ACCOUNT]``), or a usage error."""
    cleaned = path.strip().rstrip("/")
    problem = None
    if not _ENTITY_PATH.match(cleaned):
        problem = "it does not start with an organization id and a root id"
    else:
        below_root = cleaned.split("/")[2:]  # OUs, down the tree, then perhaps an account
        bad_ou = next((s for s in below_root[:-1] if not _OU.match(s)), None)
        if bad_ou is not None:
            problem = f"{bad_ou!r} is not an OU id (ou-ROOTPART-OUPART)"
        elif below_root and not (_OU.match(below_root[-1]) or _ACCOUNT.match(below_root[-1])):
            problem = f"{below_root[-1]!r} is neither an OU id nor a 12-digit account id"
    if problem is not None:
        raise UsageProblem(
            f"malformed Organizations entity path {path!r}: {problem}; expected "
            "o-ORGID/r-ROOTID[/ou-OUID...][/ACCOUNT], like o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6"
        )
    return cleaned


def check_account_id(account: str) -> str:
    """A 12-digit AWS account id, or a usage error."""
    if not _ACCOUNT.match(account):
        raise UsageProblem(f"invalid account id {account!r}: expected 12 digits")
    return account


# The form scan_organization checks: a role name, with an optional path before it.
_ROLE = re.compile(ROLE_NAME)


def check_role_name(role: str, option: str = "--assume-role") -> str:
    """A role name (``Name`` or ``path/Name``), or a usage error naming ``option``."""
    if not _ROLE.match(role):
        raise UsageProblem(
            f"invalid {option} {role!r}: expected a role name (letters, digits and +=,.@_-, "
            "with an optional path/ before it)"
        )
    return role
