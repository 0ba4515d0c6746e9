"""The boto3 side: the straightforward code a boto3 user writes for the same work.

No tuning beyond what the boto3 documentation suggests: one client, its own retry modes, the
same page sizes iamlast uses (the service default unless a line says otherwise).
"""

from __future__ import annotations

import time
from typing import Any


def client(kwargs: dict[str, Any], **config: Any) -> Any:
    """``boto3.client("iam", ...)``, with a ``botocore.config.Config(**config)`` if given."""
    import boto3

    if config:
        from botocore.config import Config

        return boto3.client("iam", config=Config(**config), **kwargs)
    return boto3.client("iam", **kwargs)


def wait_for_job(iam: Any, job_id: str, poll: float = 1.0) -> dict[str, Any]:
    """Poll until the job is done (the first page of its services)."""
    while True:
        page: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job_id)
        if page["JobStatus"] != "IN_PROGRESS":
            if page["JobStatus"] == "FAILED":
                raise RuntimeError(f"job {job_id} failed: {page.get('Error')}")
            return page
        time.sleep(poll)


def entities(iam: Any, job_id: str, namespace: str, page_size: int | None = None) -> list[Any]:
    """Every entity of one service, following Marker."""
    kwargs: dict[str, Any] = {"JobId": job_id, "ServiceNamespace": namespace}
    if page_size is not None:
        kwargs["MaxItems"] = page_size
    items: list[Any] = []
    while True:
        page = iam.get_service_last_accessed_details_with_entities(**kwargs)
        items.extend(page["EntityDetailsList"])
        if not page.get("IsTruncated"):
            return items
        kwargs["Marker"] = page["Marker"]


def report(
    iam: Any, arn: str, *, with_entities: bool = False
) -> tuple[list[Any], dict[str, list[Any]]]:
    """Generate, poll, page all services, and (``with_entities``) page every service's entities."""
    job_id = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    page = wait_for_job(iam, job_id)
    services = list(page["ServicesLastAccessed"])
    while page.get("IsTruncated"):
        page = iam.get_service_last_accessed_details(JobId=job_id, Marker=page["Marker"])
        services.extend(page["ServicesLastAccessed"])
    found: dict[str, list[Any]] = {}
    if with_entities:
        for service in services:
            namespace = service["ServiceNamespace"]
            found[namespace] = entities(iam, job_id, namespace)
    return services, found


async def aio_report(iam: Any, arn: str) -> list[Any]:
    """The same report (services only) with aiobotocore."""
    import asyncio

    job_id = (await iam.generate_service_last_accessed_details(Arn=arn))["JobId"]
    while True:
        page = await iam.get_service_last_accessed_details(JobId=job_id)
        if page["JobStatus"] != "IN_PROGRESS":
            break
        await asyncio.sleep(1.0)
    services = list(page.get("ServicesLastAccessed", []))
    while page.get("IsTruncated"):
        page = await iam.get_service_last_accessed_details(JobId=job_id, Marker=page["Marker"])
        services.extend(page["ServicesLastAccessed"])
    return services
