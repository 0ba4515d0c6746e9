"""The ten operations: form parameters in, IAM's XML document (or its error) out. No HTTP here.

Requests are read and validated by the generated request models (:func:`.wire.of_query`); responses are
framed by :mod:`.render` around list items written by the generated models, cached per account
version so that a busy listing costs a join, not a serialisation.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from iamlast import ParamValidationError, models
from iamlast._runtime.shape import new as new_model
from iamlast.errors import (
    InvalidActionError,
    InvalidInputError,
    MissingActionError,
    NoSuchEntityError,
    ServiceError,
)

from . import render as r
from .account import Group, ManagedPolicy, Principal, Role, SyntheticAccount, User
from .jobs import JobFailure, JobStore, OrgJob, ServiceJob
from .markers import MarkerCodec
from .organization import MalformedEntityPath
from .reports import EntityRow, entity_rows, organizations_rows, service_rows
from .validation import validation_error
from .wire import of_query, to_xml

__all__ = ["OPERATIONS", "VERSION", "Emulator", "error_response"]

VERSION = "2010-05-08"
_ARN = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}|aws):(user|role|group|policy)(/.*)?$")


class Emulator:
    """IAM's Access Advisor and listing operations over a :class:`SyntheticAccount`."""

    def __init__(
        self,
        account: SyntheticAccount,
        jobs: JobStore,
        *,
        page_cap: int | None = None,
        granting_page_size: int = 100,
        marker_key: bytes | None = None,
    ) -> None:
        self.account = account
        self.jobs = jobs
        self.page_cap = page_cap
        self.granting_page_size = granting_page_size
        self.markers = MarkerCodec(marker_key)
        self._lock = threading.Lock()
        self._reports: OrderedDict[tuple[str, str, int], list[str]] = OrderedDict()
        self._items: dict[str, str] = {}
        self._lists: dict[str, list[Any]] = {}
        self._items_version = -1

    # ------------------------------------------------------------------ dispatch

    def handle(self, action: str | None, params: Mapping[str, str], request_id: str) -> tuple[int, str, str | None]:
        """(HTTP status, body, error code or ``None``) for one request."""
        try:
            if not action:
                raise MissingActionError("Missing Action")
            op = OPERATIONS.get(action)
            if op is None or params.get("Version", VERSION) != VERSION:
                raise InvalidActionError(f"Could not find operation {action} for version {params.get('Version', VERSION)}")
            request_cls, handler = op
            try:
                request = of_query(request_cls, params)
            except ParamValidationError as exc:
                raise validation_error(exc, params) from None
            return 200, handler(self, request, request_id), None
        except ServiceError as err:
            return error_response(err, request_id)

    # ------------------------------------------------------------------ helpers

    def _page(self, total: int, max_items: int | None, marker: str | None, scope: str) -> tuple[int, int, str | None]:
        limit = max_items or 100
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)
        start = 0
        if marker is not None:
            decoded = self.markers.decode(marker, scope)
            if decoded is None or decoded > total:
                raise InvalidInputError("The specified value for marker is not valid.")
            start = decoded
        end = min(total, start + limit)
        return start, end, self.markers.encode(scope, end) if end < total else None

    @staticmethod
    def _tail(members: dict[str, str], next_marker: str | None) -> dict[str, str]:
        members["IsTruncated"] = r.boolean("IsTruncated", next_marker is not None)
        if next_marker is not None:
            members["Marker"] = r.text("Marker", next_marker)
        return members

    def resolve(self, arn: str, *, kinds: Sequence[str] = ("user", "role", "group", "policy")) -> Principal | ManagedPolicy:
        """The entity an ARN names, or the error IAM gives for it."""
        m = _ARN.match(arn)
        if m is None or m.group(3) not in kinds or not m.group(4) or m.group(4).endswith("/"):
            raise InvalidInputError(f"ARN {arn} is not valid.")
        found = self.account.find(arn)
        kind, name = m.group(3), m.group(4).rsplit("/", 1)[-1]
        if found is None and m.group(2) == self.account.account_id:
            tables: dict[str, Mapping[str, Principal]] = {
                "user": self.account.users, "role": self.account.roles, "group": self.account.groups,
            }
            found = tables.get(kind, {}).get(name)
        if found is None:
            if kind == "policy":
                raise NoSuchEntityError(f"Policy {arn} does not exist or is not attachable.")
            raise NoSuchEntityError(f"The {kind} with name {name} cannot be found.")
        return found

    def _sync_items(self) -> None:
        if self._items_version != self.account.version:
            self._items.clear()
            self._lists.clear()
            self._items_version = self.account.version

    def _item(self, key: str, build: Callable[[], Any]) -> str:
        frag = self._items.get(key)
        if frag is None:
            frag = self._items[key] = r.item(build())
        return frag

    def _report(self, job: ServiceJob) -> list[str]:
        key = (job.arn, job.granularity, job.version)
        with self._lock:
            cached = self._reports.get(key)
            if cached is not None:
                self._reports.move_to_end(key)
                return cached
        action_level = job.granularity == "ACTION_LEVEL"
        single = isinstance(job.target, User | Role)
        frags = []
        for row in service_rows(self.account, job.target, action_level):
            actions = None
            if row.actions is not None:
                actions = [
                    models.TrackedActionLastAccessed(
                        action_name=a.action, last_accessed_entity=a.entity,
                        last_accessed_time=a.when, last_accessed_region=a.region,
                    )
                    for a in row.actions
                ]
            frags.append(r.item(models.ServiceLastAccessed(
                service_name=row.name, service_namespace=row.namespace,
                last_authenticated=row.when,
                last_authenticated_entity=(job.arn if single else row.entity) if row.when else None,
                last_authenticated_region=row.region, total_authenticated_entities=row.total,
                tracked_actions_last_accessed=actions,
            )))
        with self._lock:
            self._reports[key] = frags
            while len(self._reports) > 256:
                self._reports.popitem(last=False)
        return frags

    def _service_job(self, job_id: str) -> ServiceJob:
        job = self.jobs.poll_service(job_id)
        if job is None:
            raise InvalidInputError(f"Invalid job id: {job_id}")
        return job

    # ------------------------------------------------------------------ Access Advisor

    def generate_service_last_accessed_details(self, req: Any, rid: str) -> str:
        """Start a report job for a user, role, group or managed policy."""
        target = self.resolve(req.arn)
        granularity = str(req.granularity or "SERVICE_LEVEL")
        job = self.jobs.create_service_job(req.arn, target, granularity, self.account.version)
        return r.document(models.GenerateServiceLastAccessedDetailsResponse, {"JobId": r.text("JobId", job.job_id)}, rid)

    def get_service_last_accessed_details(self, req: Any, rid: str) -> str:
        """Poll a job; once COMPLETED, a page of its services (``Error`` when FAILED)."""
        job = self._service_job(req.job_id)
        cls = models.GetServiceLastAccessedDetailsResponse
        members = {
            "JobStatus": r.text("JobStatus", job.status),
            "JobType": r.text("JobType", job.granularity),
            "JobCreationDate": r.timestamp("JobCreationDate", job.created),
        }
        if job.completed is not None:
            members["JobCompletionDate"] = r.timestamp("JobCompletionDate", job.completed)
        if job.status == "COMPLETED":
            frags = self._report(job)
            start, end, nxt = self._page(len(frags), req.max_items, req.marker, f"GSLAD|{job.job_id}")
            members["ServicesLastAccessed"] = r.listing("ServicesLastAccessed", frags[start:end])
            return r.document(cls, self._tail(members, nxt), rid)
        if job.failure is not None:
            members["Error"] = r.nested("Error", models.ErrorDetails(message=job.failure.message, code=job.failure.code))
        return r.document(cls, self._tail(members, None), rid)

    def get_service_last_accessed_details_with_entities(self, req: Any, rid: str) -> str:
        """Poll a job; once COMPLETED, a page of the entities for one service, newest first."""
        job = self._service_job(req.job_id)
        cls = models.GetServiceLastAccessedDetailsWithEntitiesResponse
        members = {
            "JobStatus": r.text("JobStatus", job.status),
            "JobCreationDate": r.timestamp("JobCreationDate", job.created),
        }
        if job.completed is not None:
            members["JobCompletionDate"] = r.timestamp("JobCompletionDate", job.completed)
        if job.status == "COMPLETED":
            rows = entity_rows(self.account, job.target, req.service_namespace)
            start, end, nxt = self._page(len(rows), req.max_items, req.marker, f"GSLADWE|{job.job_id}|{req.service_namespace}")
            members["EntityDetailsList"] = r.listing("EntityDetailsList", (_entity(e) for e in rows[start:end]))
            return r.document(cls, self._tail(members, nxt), rid)
        if job.failure is not None:
            members["Error"] = r.nested("Error", models.ErrorDetails(message=job.failure.message, code=job.failure.code))
        return r.document(cls, self._tail(members, None), rid)

    def list_policies_granting_service_access(self, req: Any, rid: str) -> str:
        """Per namespace, the inline and managed policies that grant it to a user, role or group."""
        target = self.resolve(req.arn, kinds=("user", "role", "group"))
        assert isinstance(target, Principal)
        namespaces = list(req.service_namespaces)
        size = min(self.granting_page_size, self.page_cap or self.granting_page_size)
        start, end, nxt = self._page(len(namespaces), size, req.marker, f"LPGSA|{req.arn}|{','.join(namespaces)}")
        grants = self.account.grants(target)
        entries = []
        for ns in namespaces[start:end]:
            policies = []
            for policy, owner in grants:
                if ns not in policy.services:
                    continue
                if isinstance(policy, ManagedPolicy):
                    policies.append(models.PolicyGrantingServiceAccess(policy_name=policy.name, policy_type="MANAGED", policy_arn=policy.arn))
                else:
                    policies.append(models.PolicyGrantingServiceAccess(
                        policy_name=policy.name, policy_type="INLINE", entity_type=owner.entity_type, entity_name=owner.name,
                    ))
            entries.append(r.item(models.ListPoliciesGrantingServiceAccessEntry(service_namespace=ns, policies=policies)))
        members = {"PoliciesGrantingServiceAccess": r.listing("PoliciesGrantingServiceAccess", entries)}
        return r.document(models.ListPoliciesGrantingServiceAccessResponse, self._tail(members, nxt), rid)

    # ------------------------------------------------------------------ Organizations

    def generate_organizations_access_report(self, req: Any, rid: str) -> str:
        """Start an Organizations access report (ReportGenerationLimitExceeded past the limit).

        The path is checked against the account's organization. One that cannot name a root, OU or
        account is refused at once with InvalidInput, as IAM refuses other malformed identifiers
        (ARNs, job ids) before any work. One that is well formed but names nothing in the
        organization starts a job that FAILS: IAM's API reference gives this operation no error
        but ReportGenerationLimitExceeded, since whether the entity exists is AWS Organizations'
        answer, which the asynchronous job gets; GetOrganizationsAccessReport then "returns the
        reason that it failed" in ErrorDetails.
        """
        try:
            found = self.account.organization.locate(req.entity_path)
        except MalformedEntityPath as exc:
            raise InvalidInputError(f"Invalid entity path {req.entity_path}: {exc}.") from None
        missing = None
        if found is None:
            missing = JobFailure(
                lambda _key: True, "NoSuchEntity",
                f"The entity path {req.entity_path} does not exist in organization {self.account.organization.org_id}.",
            )
        job = self.jobs.create_org_job(req.entity_path, req.organizations_policy_id, failure=missing)
        return r.document(models.GenerateOrganizationsAccessReportResponse, {"JobId": r.text("JobId", job.job_id)}, rid)

    def get_organizations_access_report(self, req: Any, rid: str) -> str:
        """Poll a report; once COMPLETED, a page of its access details in ``SortKey`` order."""
        job = self.jobs.poll_org(req.job_id)
        if job is None:
            raise NoSuchEntityError(f"The Organizations access report with job id {req.job_id} cannot be found.")
        cls = models.GetOrganizationsAccessReportResponse
        members = {
            "JobStatus": r.text("JobStatus", job.status),
            "JobCreationDate": r.timestamp("JobCreationDate", job.created),
        }
        if job.completed is not None:
            members["JobCompletionDate"] = r.timestamp("JobCompletionDate", job.completed)
        if job.status == "COMPLETED":
            return r.document(cls, self._org_page(job, req, members), rid)
        if job.failure is not None:
            members["ErrorDetails"] = r.nested("ErrorDetails", models.ErrorDetails(message=job.failure.message, code=job.failure.code))
        return r.document(cls, self._tail(members, None), rid)

    def _org_page(self, job: OrgJob, req: Any, members: dict[str, str]) -> dict[str, str]:
        rows = organizations_rows(self.account, job.entity_path, job.policy_id)
        sort_key = str(req.sort_key or "SERVICE_NAMESPACE_ASCENDING")
        if sort_key.startswith("SERVICE_NAMESPACE"):
            rows.sort(key=lambda a: a.namespace, reverse=sort_key.endswith("DESCENDING"))
        else:
            # Never-accessed services sort as the oldest: first ascending, last descending.
            rows.sort(key=lambda a: (a.when is not None, a.when.timestamp() if a.when else 0.0, a.namespace),
                      reverse=sort_key.endswith("DESCENDING"))
        accessed = sum(1 for a in rows if a.when is not None)
        members["NumberOfServicesAccessible"] = r.integer("NumberOfServicesAccessible", len(rows))
        members["NumberOfServicesNotAccessed"] = r.integer("NumberOfServicesNotAccessed", len(rows) - accessed)
        start, end, nxt = self._page(len(rows), req.max_items, req.marker, f"GOAR|{job.job_id}|{sort_key}")
        members["AccessDetails"] = r.listing("AccessDetails", (
            r.item(models.AccessDetail(
                service_name=a.name, service_namespace=a.namespace, region=a.region,
                entity_path=a.entity_path, last_authenticated_time=a.when, total_authenticated_entities=a.total,
            ))
            for a in rows[start:end]
        ))
        return self._tail(members, nxt)

    # ------------------------------------------------------------------ listings

    def _listing(self, kind: str, table: Mapping[str, Principal], path_prefix: str | None) -> list[Any]:
        key = f"{kind}|{path_prefix}"
        with self._lock:
            self._sync_items()
            cached = self._lists.get(key)
            if cached is None:
                chosen = [p for p in table.values() if path_prefix is None or p.path.startswith(path_prefix)]
                chosen.sort(key=lambda p: (p.name.lower(), p.name))
                cached = self._lists[key] = chosen
        return cached

    def _list_principals(self, req: Any, rid: str, kind: str, table: Mapping[str, Principal], build: Callable[[Any], Any], cls: Any, member: str) -> str:
        chosen = self._listing(kind, table, req.path_prefix)
        start, end, nxt = self._page(len(chosen), req.max_items, req.marker, f"{kind}|{req.path_prefix}")
        with self._lock:
            frags = [self._item(p.arn, partial(build, p)) for p in chosen[start:end]]
        return r.document(cls, self._tail({member: r.listing(member, frags)}, nxt), rid)

    def list_users(self, req: Any, rid: str) -> str:
        """A page of users (PathPrefix filter), by name."""
        return self._list_principals(req, rid, "users", self.account.users, _user, models.ListUsersResponse, "Users")

    def list_roles(self, req: Any, rid: str) -> str:
        """A page of roles (PathPrefix filter), by name."""
        return self._list_principals(req, rid, "roles", self.account.roles, _role, models.ListRolesResponse, "Roles")

    def list_groups(self, req: Any, rid: str) -> str:
        """A page of groups (PathPrefix filter), by name."""
        return self._list_principals(req, rid, "groups", self.account.groups, _group, models.ListGroupsResponse, "Groups")

    def list_policies(self, req: Any, rid: str) -> str:
        """A page of managed policies (Scope, OnlyAttached, PathPrefix, PolicyUsageFilter), by name."""
        scope = str(req.scope or "All")
        usage = str(req.policy_usage_filter or "")
        key = f"policies|{scope}|{req.only_attached}|{req.path_prefix}|{usage}"
        with self._lock:
            self._sync_items()
            chosen = self._lists.get(key)
            if chosen is None:
                chosen = [
                    p for p in self.account.policies.values()
                    if (scope == "All" or (scope == "AWS") == p.aws_managed)
                    and (not req.only_attached or p.attachment_count > 0)
                    and (req.path_prefix is None or p.path.startswith(req.path_prefix))
                    and usage != "PermissionsBoundary"
                ]
                chosen.sort(key=lambda p: (p.name.lower(), p.arn))
                self._lists[key] = chosen
        start, end, nxt = self._page(len(chosen), req.max_items, req.marker, key)
        with self._lock:
            frags = [self._item(p.arn, partial(_policy, p)) for p in chosen[start:end]]
        members = {"Policies": r.listing("Policies", frags)}
        return r.document(models.ListPoliciesResponse, self._tail(members, nxt), rid)


def error_response(err: ServiceError, request_id: str) -> tuple[int, str, str]:
    """(status, ``<ErrorResponse>`` body, code) for an error."""
    return err.status_code or 400, to_xml(err, request_id=request_id), err.code


def _entity(e: EntityRow) -> str:
    # The hot path of 100,000-entity reports: our own rows need no validation, so build the
    # models directly (as the runtime's response readers do) and let the generated writer run.
    info = new_model(models.EntityInfo, {
        "arn": e.arn, "name": e.name, "type": models.PolicyOwnerEntityType(e.type), "id": e.id, "path": e.path,
    })
    return r.item(new_model(models.EntityDetails, {"entity_info": info, "last_authenticated": e.when}))


def _user(u: User) -> Any:
    return models.User(path=u.path, user_name=u.name, user_id=u.id, arn=u.arn, create_date=u.create_date)


def _role(x: Role) -> Any:
    return models.Role(
        path=x.path, role_name=x.name, role_id=x.id, arn=x.arn, create_date=x.create_date,
        assume_role_policy_document=x.assume_role_policy_document, description=x.description,
        max_session_duration=x.max_session_duration, max_signin_session_duration=x.max_signin_session_duration,
    )


def _group(g: Group) -> Any:
    return models.Group(path=g.path, group_name=g.name, group_id=g.id, arn=g.arn, create_date=g.create_date)


def _policy(p: ManagedPolicy) -> Any:
    return models.Policy(
        policy_name=p.name, policy_id=p.policy_id, arn=p.arn, path=p.path,
        default_version_id=p.default_version_id, attachment_count=p.attachment_count,
        permissions_boundary_usage_count=0, is_attachable=True,
        create_date=p.create_date, update_date=p.update_date,
    )


OPERATIONS: dict[str, tuple[Any, Callable[[Emulator, Any, str], str]]] = {
    "GenerateServiceLastAccessedDetails": (models.GenerateServiceLastAccessedDetailsRequest, Emulator.generate_service_last_accessed_details),
    "GetServiceLastAccessedDetails": (models.GetServiceLastAccessedDetailsRequest, Emulator.get_service_last_accessed_details),
    "GetServiceLastAccessedDetailsWithEntities": (models.GetServiceLastAccessedDetailsWithEntitiesRequest, Emulator.get_service_last_accessed_details_with_entities),
    "ListPoliciesGrantingServiceAccess": (models.ListPoliciesGrantingServiceAccessRequest, Emulator.list_policies_granting_service_access),
    "GenerateOrganizationsAccessReport": (models.GenerateOrganizationsAccessReportRequest, Emulator.generate_organizations_access_report),
    "GetOrganizationsAccessReport": (models.GetOrganizationsAccessReportRequest, Emulator.get_organizations_access_report),
    "ListUsers": (models.ListUsersRequest, Emulator.list_users),
    "ListRoles": (models.ListRolesRequest, Emulator.list_roles),
    "ListGroups": (models.ListGroupsRequest, Emulator.list_groups),
    "ListPolicies": (models.ListPoliciesRequest, Emulator.list_policies),
}
"""Action → (request model, handler)."""

# The policy operations live in their own module (reading principals and policies, IAM's
# writes); they join the table here.
from .policy_handlers import POLICY_OPERATIONS  # noqa: E402

OPERATIONS.update(POLICY_OPERATIONS)
