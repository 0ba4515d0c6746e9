"""The emulator's policy operations: reading principals and their policies, and IAM's writes.

Reads: GetRole, GetUser, GetGroup, List{Role,User,Group}Policies, Get{Role,User,Group}Policy,
ListAttached{Role,User,Group}Policies, ListGroupsForUser, GetPolicy, GetPolicyVersion,
ListPolicyVersions, ListEntitiesForPolicy, GetAccountAuthorizationDetails. Writes:
Put/Delete{Role,User,Group}Policy, Attach/Detach{Role,User,Group}Policy, CreatePolicy,
DeletePolicy, CreatePolicyVersion, DeletePolicyVersion, SetDefaultPolicyVersion.

Responses are the generated models' own writers (policy documents URL-encoded, as IAM sends
them); the document store and its rules are :mod:`.policies`. Registered into
:data:`.handlers.OPERATIONS` by :data:`POLICY_OPERATIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from iamlast import models
from iamlast.errors import NoSuchEntityError

from . import policies as store
from .account import Group, ManagedPolicy, Principal, Role, User
from .reports import VirtualEntities
from .wire import to_xml

if TYPE_CHECKING:
    from .handlers import Emulator

__all__ = ["POLICY_OPERATIONS"]

_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_KINDS = {"Role": "ROLE", "User": "USER", "Group": "GROUP"}


def _empty(action: str, rid: str) -> str:
    """What IAM answers a write that returns no data with."""
    return (
        f'<{action}Response xmlns="{_NS}">\n  <ResponseMetadata>\n'
        f"    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
    )


def _principal(em: Emulator, kind: str, name: str) -> Principal:
    tables: dict[str, Mapping[str, Principal]] = {
        "Role": em.account.roles,
        "User": em.account.users,
        "Group": em.account.groups,
    }
    found = tables[kind].get(name)
    if found is None:
        raise NoSuchEntityError(f"The {kind.lower()} with name {name} cannot be found.")
    return found


def _policy(em: Emulator, arn: str) -> ManagedPolicy:
    found = em.resolve(arn, kinds=("policy",))
    assert isinstance(found, ManagedPolicy)
    return found


def _tags(p: Principal) -> list[Any] | None:
    return [models.Tag(key=k, value=v) for k, v in p.tags.items()] or None


def _role_model(x: Role) -> Any:
    return models.Role(
        path=x.path, role_name=x.name, role_id=x.id, arn=x.arn, create_date=x.create_date,
        assume_role_policy_document=x.assume_role_policy_document, description=x.description,
        max_session_duration=x.max_session_duration, tags=_tags(x),
    )


def _user_model(u: User, *, tags: bool = True) -> Any:
    return models.User(
        path=u.path, user_name=u.name, user_id=u.id, arn=u.arn, create_date=u.create_date,
        tags=_tags(u) if tags else None,
    )


def _group_model(g: Group) -> Any:
    return models.Group(path=g.path, group_name=g.name, group_id=g.id, arn=g.arn, create_date=g.create_date)


def _policy_model(em: Emulator, p: ManagedPolicy) -> Any:
    store.versions(em.account, p)
    return models.Policy(
        policy_name=p.name, policy_id=p.policy_id, arn=p.arn, path=p.path,
        default_version_id=p.default_version_id, attachment_count=p.attachment_count,
        permissions_boundary_usage_count=p.boundary_uses, is_attachable=True, description=p.description,
        create_date=p.create_date, update_date=p.update_date,
    )


def _version_model(p: ManagedPolicy, v: Any, *, document: bool = True) -> Any:
    return models.PolicyVersion(
        document=v.document if document else None, version_id=v.version_id,
        is_default_version=v.version_id == p.default_version_id, create_date=v.created,
    )


def _paged(em: Emulator, items: Sequence[Any], req: Any, scope: str) -> tuple[Sequence[Any], dict[str, Any]]:
    start, end, nxt = em._page(len(items), req.max_items, req.marker, scope)
    return items[start:end], {"is_truncated": nxt is not None, "marker": nxt}


# ---------------------------------------------------------------------------- principals


def get_role(em: Emulator, req: Any, rid: str) -> str:
    """GetRole: the role, with its tags."""
    role = _principal(em, "Role", req.role_name)
    assert isinstance(role, Role)
    return str(to_xml(models.GetRoleResponse(role=_role_model(role)), request_id=rid))


def get_user(em: Emulator, req: Any, rid: str) -> str:
    """GetUser: the user, with its tags (a name is required: the emulator has no caller)."""
    if req.user_name is None:
        raise NoSuchEntityError("The emulator has no calling user: name one with UserName.")
    user = _principal(em, "User", req.user_name)
    assert isinstance(user, User)
    return str(to_xml(models.GetUserResponse(user=_user_model(user)), request_id=rid))


def get_group(em: Emulator, req: Any, rid: str) -> str:
    """GetGroup: the group and a page of its users."""
    group = _principal(em, "Group", req.group_name)
    assert isinstance(group, Group)
    page, tail = _paged(em, store.members_of(group), req, f"GG|{group.arn}")
    users = [_user_model(u, tags=False) for u in page]
    return str(to_xml(models.GetGroupResponse(group=_group_model(group), users=users, **tail), request_id=rid))


def _list_inline(kind: str) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        names = sorted(p.name for p in owner.inline)
        page, tail = _paged(em, names, req, f"L{kind}P|{owner.arn}")
        response = getattr(models, f"List{kind}PoliciesResponse")
        return str(to_xml(response(policy_names=list(page), **tail), request_id=rid))

    handler.__doc__ = f"List{kind}Policies: a page of its inline policies' names."
    return handler


def _get_inline(kind: str) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        found = next((p for p in owner.inline if p.name == req.policy_name), None)
        if found is None:
            raise NoSuchEntityError(f"The {kind.lower()} policy with name {req.policy_name} cannot be found.")
        response = getattr(models, f"Get{kind}PolicyResponse")
        document = store.inline_document(em.account, owner, found)
        values = {f"{kind.lower()}_name": owner.name, "policy_name": found.name, "policy_document": document}
        return str(to_xml(response(**values), request_id=rid))

    handler.__doc__ = f"Get{kind}Policy: one inline policy's document (URL-encoded on the wire)."
    return handler


def _put_inline(kind: str) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        store.put_inline(em.account, owner, req.policy_name, req.policy_document)
        return _empty(f"Put{kind}Policy", rid)

    handler.__doc__ = f"Put{kind}Policy: create or replace an inline policy."
    return handler


def _delete_inline(kind: str) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        store.delete_inline(em.account, owner, req.policy_name)
        return _empty(f"Delete{kind}Policy", rid)

    handler.__doc__ = f"Delete{kind}Policy: remove an inline policy."
    return handler


def _list_attached(kind: str) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        chosen = [p for p in owner.managed if req.path_prefix is None or p.path.startswith(req.path_prefix)]
        chosen.sort(key=lambda p: (p.name.lower(), p.arn))
        page, tail = _paged(em, chosen, req, f"LA{kind}P|{owner.arn}|{req.path_prefix}")
        attached = [models.AttachedPolicy(policy_name=p.name, policy_arn=p.arn) for p in page]
        response = getattr(models, f"ListAttached{kind}PoliciesResponse")
        return str(to_xml(response(attached_policies=attached, **tail), request_id=rid))

    handler.__doc__ = f"ListAttached{kind}Policies: a page of its attached managed policies."
    return handler


def _attach(kind: str, detach: bool) -> Callable[[Emulator, Any, str], str]:
    def handler(em: Emulator, req: Any, rid: str) -> str:
        owner = _principal(em, kind, getattr(req, f"{kind.lower()}_name"))
        policy = _policy(em, req.policy_arn)
        (store.detach if detach else store.attach)(em.account, policy, owner)
        return _empty(f"{'Detach' if detach else 'Attach'}{kind}Policy", rid)

    verb = "Detach" if detach else "Attach"
    handler.__doc__ = f"{verb}{kind}Policy."
    return handler


def list_groups_for_user(em: Emulator, req: Any, rid: str) -> str:
    """ListGroupsForUser: a page of the user's groups."""
    user = _principal(em, "User", req.user_name)
    assert isinstance(user, User)
    groups = sorted(user.groups, key=lambda g: (g.name.lower(), g.name))
    page, tail = _paged(em, groups, req, f"LGFU|{user.arn}")
    return str(to_xml(models.ListGroupsForUserResponse(groups=[_group_model(g) for g in page], **tail), request_id=rid))


# ---------------------------------------------------------------------------- managed policies


def get_policy(em: Emulator, req: Any, rid: str) -> str:
    """GetPolicy: the policy's metadata (default version, attachment count)."""
    policy = _policy(em, req.policy_arn)
    return str(to_xml(models.GetPolicyResponse(policy=_policy_model(em, policy)), request_id=rid))


def get_policy_version(em: Emulator, req: Any, rid: str) -> str:
    """GetPolicyVersion: one version with its document."""
    policy = _policy(em, req.policy_arn)
    found = store.version(em.account, policy, req.version_id)
    return str(to_xml(models.GetPolicyVersionResponse(policy_version=_version_model(policy, found)), request_id=rid))


def list_policy_versions(em: Emulator, req: Any, rid: str) -> str:
    """ListPolicyVersions: newest first, without documents (as IAM lists them)."""
    policy = _policy(em, req.policy_arn)
    listed = list(reversed(store.versions(em.account, policy)))
    page, tail = _paged(em, listed, req, f"LPV|{policy.arn}")
    items = [_version_model(policy, v, document=False) for v in page]
    return str(to_xml(models.ListPolicyVersionsResponse(versions=items, **tail), request_id=rid))


def _entities(em: Emulator, policy: ManagedPolicy) -> list[tuple[str, str, str, str]]:
    """(kind, name, id, path) of everything the policy is attached to, by kind then name."""
    if policy.virtual_entities:
        namespace = policy.services[0] if policy.services else ""
        return [(e.type.title(), e.name, e.id, e.path) for e in VirtualEntities(em.account, policy, namespace)]
    found = [(p.entity_type.title(), p.name, p.id, p.path) for p in policy.attached]
    return sorted(found, key=lambda e: (e[0], e[1].lower(), e[1]))


def list_entities_for_policy(em: Emulator, req: Any, rid: str) -> str:
    """ListEntitiesForPolicy: a page of the users, roles and groups it is attached to."""
    policy = _policy(em, req.policy_arn)
    wanted = str(getattr(req.entity_filter, "value", req.entity_filter) or "")
    rows = [
        e for e in _entities(em, policy)
        if (not wanted or wanted == e[0]) and (req.path_prefix is None or e[3].startswith(req.path_prefix))
    ]
    page, tail = _paged(em, rows, req, f"LEFP|{policy.arn}|{wanted}|{req.path_prefix}")
    return str(to_xml(models.ListEntitiesForPolicyResponse(
        policy_groups=[models.PolicyGroup(group_name=n, group_id=i) for k, n, i, _ in page if k == "Group"],
        policy_users=[models.PolicyUser(user_name=n, user_id=i) for k, n, i, _ in page if k == "User"],
        policy_roles=[models.PolicyRole(role_name=n, role_id=i) for k, n, i, _ in page if k == "Role"],
        **tail,
    ), request_id=rid))


def create_policy(em: Emulator, req: Any, rid: str) -> str:
    """CreatePolicy: a customer-managed policy with one version, v1."""
    policy = store.create_policy(em.account, req.policy_name, req.path or "/", req.policy_document, req.description)
    return str(to_xml(models.CreatePolicyResponse(policy=_policy_model(em, policy)), request_id=rid))


def delete_policy(em: Emulator, req: Any, rid: str) -> str:
    """DeletePolicy."""
    store.delete_policy(em.account, _policy(em, req.policy_arn))
    return _empty("DeletePolicy", rid)


def create_policy_version(em: Emulator, req: Any, rid: str) -> str:
    """CreatePolicyVersion (the document is not echoed back, as in IAM)."""
    policy = _policy(em, req.policy_arn)
    made = store.create_version(em.account, policy, req.policy_document, bool(req.set_as_default))
    return str(to_xml(models.CreatePolicyVersionResponse(
        policy_version=_version_model(policy, made, document=False)
    ), request_id=rid))


def delete_policy_version(em: Emulator, req: Any, rid: str) -> str:
    """DeletePolicyVersion."""
    store.delete_version(em.account, _policy(em, req.policy_arn), req.version_id)
    return _empty("DeletePolicyVersion", rid)


def set_default_policy_version(em: Emulator, req: Any, rid: str) -> str:
    """SetDefaultPolicyVersion."""
    store.set_default_version(em.account, _policy(em, req.policy_arn), req.version_id)
    return _empty("SetDefaultPolicyVersion", rid)


# ---------------------------------------------------------------------------- the whole account


def _inline_details(em: Emulator, owner: Principal) -> list[Any] | None:
    found = [
        models.PolicyDetail(policy_name=p.name, policy_document=store.inline_document(em.account, owner, p))
        for p in sorted(owner.inline, key=lambda p: p.name)
    ]
    return found or None


def _attached(owner: Principal) -> list[Any]:
    return [models.AttachedPolicy(policy_name=p.name, policy_arn=p.arn) for p in owner.managed]


def _detail(em: Emulator, entry: Principal | ManagedPolicy) -> tuple[str, Any]:
    if isinstance(entry, ManagedPolicy):
        versions = [_version_model(entry, v) for v in reversed(store.versions(em.account, entry))]
        base = _policy_model(em, entry)
        return "policies", models.ManagedPolicyDetail(
            policy_name=base.policy_name, policy_id=base.policy_id, arn=base.arn, path=base.path,
            default_version_id=base.default_version_id, attachment_count=base.attachment_count,
            permissions_boundary_usage_count=base.permissions_boundary_usage_count, is_attachable=True,
            description=base.description,
            create_date=base.create_date, update_date=base.update_date, policy_version_list=versions,
        )
    common = {"path": entry.path, "arn": entry.arn, "create_date": entry.create_date}
    if isinstance(entry, User):
        return "user_detail_list", models.UserDetail(
            user_name=entry.name, user_id=entry.id, **common,
            user_policy_list=_inline_details(em, entry), group_list=[g.name for g in entry.groups],
            attached_managed_policies=_attached(entry), tags=_tags(entry),
        )
    if isinstance(entry, Role):
        return "role_detail_list", models.RoleDetail(
            role_name=entry.name, role_id=entry.id, **common,
            assume_role_policy_document=entry.assume_role_policy_document, instance_profile_list=[],
            role_policy_list=_inline_details(em, entry), attached_managed_policies=_attached(entry),
            tags=_tags(entry),
        )
    assert isinstance(entry, Group)
    return "group_detail_list", models.GroupDetail(
        group_name=entry.name, group_id=entry.id, **common,
        group_policy_list=_inline_details(em, entry), attached_managed_policies=_attached(entry),
    )


def get_account_authorization_details(em: Emulator, req: Any, rid: str) -> str:
    """GetAccountAuthorizationDetails: users, groups, roles and policies (customer-managed, and
    AWS managed ones in use) with every inline document and every policy version, paged over
    all four lists together."""
    wanted = {str(getattr(f, "value", f)) for f in req.filter or ()} or {
        "User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy",
    }
    acct = em.account
    by_name = lambda p: (p.name.lower(), p.name)  # noqa: E731
    entries: list[Principal | ManagedPolicy] = []
    if "User" in wanted:
        entries += sorted(acct.users.values(), key=by_name)
    if "Group" in wanted:
        entries += sorted(acct.groups.values(), key=by_name)
    if "Role" in wanted:
        entries += sorted(acct.roles.values(), key=by_name)
    entries += sorted(
        (
            p for p in acct.policies.values()
            if ("AWSManagedPolicy" in wanted and p.aws_managed and p.attachment_count)
            or ("LocalManagedPolicy" in wanted and not p.aws_managed)
        ),
        key=lambda p: (p.name.lower(), p.arn),
    )
    page, tail = _paged(em, entries, req, f"GAAD|{','.join(sorted(wanted))}")
    lists: dict[str, list[Any]] = {"user_detail_list": [], "group_detail_list": [], "role_detail_list": [], "policies": []}
    for entry in page:
        key, detail = _detail(em, entry)
        lists[key].append(detail)
    return str(to_xml(models.GetAccountAuthorizationDetailsResponse(**lists, **tail), request_id=rid))


def _operations() -> dict[str, tuple[Any, Callable[[Emulator, Any, str], str]]]:
    ops: dict[str, tuple[Any, Callable[[Emulator, Any, str], str]]] = {}

    def add(action: str, handler: Callable[[Emulator, Any, str], str]) -> None:
        ops[action] = (getattr(models, f"{action}Request"), handler)

    for kind in _KINDS:
        add(f"List{kind}Policies", _list_inline(kind))
        add(f"Get{kind}Policy", _get_inline(kind))
        add(f"Put{kind}Policy", _put_inline(kind))
        add(f"Delete{kind}Policy", _delete_inline(kind))
        add(f"ListAttached{kind}Policies", _list_attached(kind))
        add(f"Attach{kind}Policy", _attach(kind, detach=False))
        add(f"Detach{kind}Policy", _attach(kind, detach=True))
    for action, handler in (
        ("GetRole", get_role),
        ("GetUser", get_user),
        ("GetGroup", get_group),
        ("ListGroupsForUser", list_groups_for_user),
        ("GetPolicy", get_policy),
        ("GetPolicyVersion", get_policy_version),
        ("ListPolicyVersions", list_policy_versions),
        ("ListEntitiesForPolicy", list_entities_for_policy),
        ("CreatePolicy", create_policy),
        ("DeletePolicy", delete_policy),
        ("CreatePolicyVersion", create_policy_version),
        ("DeletePolicyVersion", delete_policy_version),
        ("SetDefaultPolicyVersion", set_default_policy_version),
        ("GetAccountAuthorizationDetails", get_account_authorization_details),
    ):
        add(action, handler)
    return ops


#: Action → (request model, handler), merged into the emulator's operations.
POLICY_OPERATIONS = _operations()
