"""Builders for the least-privilege tests: tiny catalogs and reports, written in a line each."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from iamlast.leastprivilege import Catalog
from iamlast.report import AccessReport, ActionUsage, ServiceUsage

AS_OF = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/app"
#: The Regions the tests' principals act in: the core proves nothing unused without them.
REGIONS = ("us-east-1", "eu-west-1")

#: A small catalog through the one Catalog class (the real one is tested on its own).
TINY: Mapping[str, Sequence[str]] = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketAcl", "DeleteBucket"],
    "ec2": ["DescribeInstances", "DescribeVpcs", "RunInstances", "TerminateInstances"],
    "iam": ["PassRole", "GetRole", "CreateRole", "DeleteRole"],
    "dynamodb": ["GetItem", "PutItem", "Query"],
    "sqs": ["SendMessage", "ReceiveMessage"],
}


def tiny_catalog(
    extra: Mapping[str, Sequence[str]] | None = None, *, updated_at: datetime | None = None
) -> Catalog:
    """A catalog of TINY (and ``extra``). ``updated_at``: its data's date — without one it can
    never stand for every action of a window, so partly trimmed patterns stay as written; with
    one at least the reports' ``as_of`` (``fresh_catalog``) they are rewritten."""
    return Catalog({**TINY, **(extra or {})}, data_version="tiny-1", updated_at=updated_at)


def fresh_catalog(extra: Mapping[str, Sequence[str]] | None = None) -> Catalog:
    """A tiny catalog whose data is as new as the reports (AS_OF)."""
    return tiny_catalog(extra, updated_at=AS_OF)


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def service(
    namespace: str,
    last: float | None,
    actions: Mapping[str, float | None] | None = None,
) -> ServiceUsage:
    """A service used ``last`` days before AS_OF (None: never); ``actions``: tracked actions
    and their days (None: never used)."""
    tracked = None
    if actions is not None:
        tracked = tuple(
            ActionUsage(namespace, name, None if d is None else ago(d), None, None)
            for name, d in actions.items()
        )
    return ServiceUsage(
        namespace=namespace,
        name=namespace.upper(),
        last_authenticated=None if last is None else ago(last),
        actions=tracked,
    )


def report(*services: ServiceUsage, arn: str = ROLE, as_of: datetime = AS_OF) -> AccessReport:
    granularity = (
        "ACTION_LEVEL" if any(s.actions is not None for s in services) else "SERVICE_LEVEL"
    )
    return AccessReport(
        arn=arn,
        job_id="job",
        granularity=granularity,
        job_created=as_of,
        as_of=as_of,
        services=tuple(services),
    )


def policy(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


def allow(actions: str | list[str], resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def statements(document: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    assert document is not None
    found = document["Statement"]
    return [found] if isinstance(found, dict) else list(found)


#: Examples per property in the default run (``make test``: these are among its slowest tests)...
QUICK_EXAMPLES = 120
#: ... and in the long run of the same properties, ``pytest -m fuzz tests/leastprivilege``.
DEEP_EXAMPLES = 2000


def properties(
    body: Callable[..., None],
    *,
    suppress: Sequence[HealthCheck] = (HealthCheck.too_slow,),
    **strategies: Any,
) -> tuple[Callable[..., None], Callable[..., None]]:
    """One property as two tests with the same body and strategies: the default run's
    (:data:`QUICK_EXAMPLES` examples) and a long one under the ``fuzz`` marker
    (:data:`DEEP_EXAMPLES`). ``suppress``: the health checks turned off (too_slow: two busy
    cores)."""

    def run(examples: int) -> Callable[..., None]:
        test: Callable[..., None] = settings(
            max_examples=examples, deadline=None, suppress_health_check=list(suppress)
        )(given(**strategies)(body))
        return test

    return run(QUICK_EXAMPLES), pytest.mark.fuzz(run(DEEP_EXAMPLES))
