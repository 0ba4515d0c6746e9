"""Helpers for writing one integration test for both clients."""

from __future__ import annotations

import inspect
import json
from typing import Any

CREDENTIALS = ("testing", "testing")
ACCOUNT = "123456789012"  # moto's default account

#: Operations smoke-called through each client ("sync", "async"): reported at the end of the run.
SMOKE_CALLED: dict[str, set[str]] = {"sync": set(), "async": set()}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ],
    }
)


async def run(value: Any) -> Any:
    """The result of a sync call, or of an awaited async one."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(pager: Any) -> list[Any]:
    """Everything a sync or async pager (or its ``.pages()``) yields."""
    if hasattr(pager, "__aiter__"):
        return [item async for item in pager]
    return list(pager)
