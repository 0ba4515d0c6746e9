"""The synthetic AWS Organization behind the emulator's Organizations access reports.

One organization, the same for every seed, whose management account is the synthetic account::

    o-a1b2c3d4e5
    └── r-f6g7h8i9j0                        (the root)
        ├── 111122223333, 444455556666       (log archive, audit)
        ├── ou-a1b2-c3d4e5f6  Workloads
        │   ├── 123456789012                 (the synthetic account, the management account)
        │   ├── ou-a1b2-k9l8m7n6  Production: 210987654321, 333344445555
        │   └── ou-a1b2-p0q9r8s7  Staging:    555566667777
        └── ou-a1b2-z1y2x3w4  Sandbox        (no accounts)

An entity path names the root, an OU or an account by the chain of ids from the organization
down: ``o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6/ou-a1b2-k9l8m7n6/210987654321``. Tests add
their own OUs and accounts with :meth:`SyntheticOrganization.add_ou` and
:meth:`~SyntheticOrganization.add_account`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MalformedEntityPath", "OrganizationalUnit", "SyntheticOrganization"]

ORG_ID = "o-a1b2c3d4e5"
ROOT_ID = "r-f6g7h8i9j0"

_ORG = re.compile(r"^o-[0-9a-z]{10,32}$")
_ROOT = re.compile(r"^r-[0-9a-z]{4,32}$")
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_FORM = "o-ORGID/r-ROOTID[/ou-OUID...][/ACCOUNTID]"


class MalformedEntityPath(ValueError):
    """An entity path that cannot name a root, OU or account (whatever the organization)."""


@dataclass(frozen=True, slots=True)
class OrganizationalUnit:
    """An OU: its id, its name, and the id of its parent (the root or another OU)."""

    id: str
    name: str
    parent: str


class SyntheticOrganization:
    """An organization's tree: the root, OUs and accounts, each under its parent."""

    def __init__(self, *, org_id: str = ORG_ID, root_id: str = ROOT_ID, management_account: str) -> None:
        self.org_id = org_id
        self.root_id = root_id
        self.management_account = management_account
        self.ous: dict[str, OrganizationalUnit] = {}
        #: account id → the id of its parent (the root or an OU).
        self.accounts: dict[str, str] = {}

    @classmethod
    def default(cls, management_account: str) -> SyntheticOrganization:
        """The organization in the module docs, managed from ``management_account``."""
        org = cls(management_account=management_account)
        for account in ("111122223333", "444455556666"):
            org.add_account(account)
        org.add_ou("ou-a1b2-c3d4e5f6", "Workloads")
        org.add_account(management_account, parent="ou-a1b2-c3d4e5f6")
        org.add_ou("ou-a1b2-k9l8m7n6", "Production", parent="ou-a1b2-c3d4e5f6")
        org.add_ou("ou-a1b2-p0q9r8s7", "Staging", parent="ou-a1b2-c3d4e5f6")
        org.add_ou("ou-a1b2-z1y2x3w4", "Sandbox")
        for account in ("210987654321", "333344445555"):
            org.add_account(account, parent="ou-a1b2-k9l8m7n6")
        org.add_account("555566667777", parent="ou-a1b2-p0q9r8s7")
        return org

    # ------------------------------------------------------------------ building

    def _check_parent(self, parent: str | None) -> str:
        parent = parent or self.root_id
        if parent != self.root_id and parent not in self.ous:
            raise ValueError(f"no OU {parent!r} in {self.org_id}")
        return parent

    def add_ou(self, ou_id: str, name: str, *, parent: str | None = None) -> str:
        """Add an OU under ``parent`` (an OU id; the root by default); returns its entity path."""
        if not _OU.match(ou_id):
            raise ValueError(f"not an OU id: {ou_id!r} (ou-ROOTPART-OUPART, lowercase letters and digits)")
        if ou_id in self.ous:
            raise ValueError(f"{ou_id} already exists")
        self.ous[ou_id] = OrganizationalUnit(ou_id, name, self._check_parent(parent))
        return self.path_of(ou_id)

    def add_account(self, account_id: str, *, parent: str | None = None) -> str:
        """Add (or move) an account under ``parent`` (an OU id; the root by default); returns its
        entity path."""
        if not _ACCOUNT.match(account_id):
            raise ValueError(f"not an account id: {account_id!r} (12 digits)")
        self.accounts[account_id] = self._check_parent(parent)
        return self.path_of(account_id)

    # ------------------------------------------------------------------ paths

    def _chain(self, node: str) -> list[str]:
        chain = [node]
        parent = self.accounts.get(node) if node in self.accounts else None
        if node in self.ous:
            parent = self.ous[node].parent
        while parent is not None and parent != self.root_id:
            chain.append(parent)
            parent = self.ous[parent].parent
        if node != self.root_id:
            chain.append(self.root_id)
        chain.append(self.org_id)
        return chain[::-1]

    def path_of(self, node: str) -> str:
        """The entity path of the root, an OU or an account, by id."""
        if node != self.root_id and node not in self.ous and node not in self.accounts:
            raise KeyError(node)
        return "/".join(self._chain(node))

    @property
    def root_path(self) -> str:
        """``o-ORGID/r-ROOTID``."""
        return f"{self.org_id}/{self.root_id}"

    def paths(self) -> list[str]:
        """Every entity path in the organization: the root, each OU, each account."""
        nodes = [self.root_id, *self.ous, *self.accounts]
        return [self.path_of(n) for n in nodes]

    def locate(self, entity_path: str) -> str | None:
        """The id of the root, OU or account ``entity_path`` names; ``None`` when the path is
        well formed but names nothing in this organization (a made-up root, an OU under another
        parent, an account outside the OU). Raises :class:`MalformedEntityPath` for a path that
        could name nothing in any organization."""
        parts = entity_path.removesuffix("/").split("/")
        problem = self._malformed(parts)
        if problem:
            raise MalformedEntityPath(f"{problem}; expected {_FORM}")
        if parts[0] != self.org_id or parts[1] != self.root_id:
            return None
        node = parts[-1]
        try:
            return node if self.path_of(node) == "/".join(parts) else None
        except KeyError:
            return None

    @staticmethod
    def _malformed(parts: list[str]) -> str | None:
        if len(parts) < 2 or not _ORG.match(parts[0]) or not _ROOT.match(parts[1]):
            return "it does not start with an organization id and a root id"
        *middle, last = parts[2:] or [""]
        if not parts[2:]:
            return None
        for segment in middle:
            if not _OU.match(segment):
                return f"{segment!r} is not an OU id" if segment else "it has an empty segment"
        if not (_OU.match(last) or _ACCOUNT.match(last)):
            return f"{last!r} is neither an OU id nor an account id" if last else "it has an empty segment"
        return None

    def accounts_under(self, entity_path: str) -> list[str]:
        """The entity paths of the accounts at or under ``entity_path`` (which must exist)."""
        prefix = entity_path.removesuffix("/")
        return sorted(p for p in (self.path_of(a) for a in self.accounts) if p == prefix or p.startswith(prefix + "/"))
