"""Sweep: the day's run (claim, compose, hand on, requeue), its dry-run preview, and 催办."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

if TYPE_CHECKING:
    from .dispatch import Dispatch

from ...choices import REMINDABLE_STATUSES, NoticeEvent
from ...models import (
    ChannelDelivery,
    Commitment,
    Notice,
    ReminderDelivery,
    ReminderLog,
    ReminderSweep,
)
from ...selectors.office import office_today
from ...selectors.reminders import reminder_supervisor_emails
from ..channels.claim import channel_served, robot_map
from ..channels.delivery import channel_sweep_finish
from .claim import (
    CANDIDATE_FIELDS,
    Candidate,
    Kind,
    candidate_batches,
    claim,
    claim_due,
    co_unit_emails,
    recipients_of,
    reminder_is_workday,
)
from .compose import compose_all
from .config import reminder_config
from .notices import notice_record
from .send import reminder_messages_requeue_stale


@dataclass
class SweepResult:
    day: date
    skipped: bool = False
    claimed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    without_recipient: int = 0
    # Digests composed (inline), or compose tasks queued (queue: each composes and sends).
    messages: int = 0
    requeued: int = 0
    recipients: int = 0
    # Group robots given digests to send (or still sending) by this run.
    robots: int = 0


def reminder_sweep_run(
    *, dispatch: Dispatch, today: date | None = None, force: bool = False
) -> SweepResult:
    """Run (or finish) the sweep of `today`: safe to run twice, concurrently, or after a crash."""
    today = today or office_today()
    result = SweepResult(day=today)
    if reminder_config().workdays_only and not force and not reminder_is_workday(today):
        result.skipped = True
        return result
    sweep, created = ReminderSweep.objects.get_or_create(day=today)
    if not created and sweep.finished_at is not None:
        # Running again: if this run dies, the resume task must see the day as unfinished.
        ReminderSweep.objects.filter(pk=sweep.pk).update(finished_at=None)
    claimed = claim_due(today)
    result.claimed = claimed.claimed
    result.without_recipient = claimed.without_recipient
    result.by_kind = dict(claimed.by_kind)
    result.messages = compose_all(today=today, dispatch=dispatch).messages
    result.requeued = reminder_messages_requeue_stale(dispatch=dispatch)
    result.robots = channel_sweep_finish(today=today, dispatch=dispatch)
    ReminderSweep.objects.filter(pk=sweep.pk).update(finished_at=timezone.now())
    return result


def reminder_sweeps_resume(*, dispatch: Dispatch, within_days: int = 7) -> list[date]:
    """Finish sweeps a dead worker left unfinished, and resend what is stuck. Idempotent."""
    since = office_today() - timedelta(days=within_days)
    days = list(
        ReminderSweep.objects.filter(finished_at__isnull=True, day__gte=since)
        .order_by("day")
        .values_list("day", flat=True)
    )
    for day in days:
        reminder_sweep_run(today=day, dispatch=dispatch, force=True)
    if not days:
        compose_all(today=office_today(), dispatch=dispatch)
        reminder_messages_requeue_stale(dispatch=dispatch)
        channel_sweep_finish(today=office_today(), dispatch=dispatch)
    return days


@dataclass
class SweepPreview:
    day: date
    skipped: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)
    recipients: int = 0
    without_recipient: int = 0


def reminder_sweep_preview(*, today: date | None = None) -> SweepPreview:
    """What a sweep would claim now, without writing anything (for --dry-run)."""
    today = today or office_today()
    preview = SweepPreview(day=today)
    if reminder_config().workdays_only and not reminder_is_workday(today):
        preview.skipped = True
        return preview
    supervisors = reminder_supervisor_emails()
    robots = robot_map()
    by_kind: dict[str, int] = defaultdict(int)
    recipients: set[str] = set()
    for candidates in candidate_batches(today):
        ids = [c.id for c, _k, _p in candidates]
        # Claims that found nobody to write to are tried again, so they count as to do.
        delivered = Exists(ReminderDelivery.objects.filter(log_id=OuterRef("pk"))) | Exists(
            ChannelDelivery.objects.filter(log_id=OuterRef("pk"))
        )
        taken = set(
            ReminderLog.objects.filter(commitment_id__in=ids)
            .filter(delivered)
            .values_list("commitment_id", "kind", "period")
        )
        fresh = [(c, k, p) for c, k, p in candidates if (c.id, k, p) not in taken]
        co_emails = co_unit_emails([c.id for c, _k, _p in fresh])
        served = channel_served([(c.id, k) for c, k, _p in fresh], robots=robots)
        for c, kind, _period in fresh:
            by_kind[kind] += 1
            found = recipients_of(c, kind, co_emails.get(c.id, []), supervisors)
            if not found and c.id not in served:
                preview.without_recipient += 1
            recipients.update(address for address, _role in found)
    preview.by_kind = dict(by_kind)
    preview.recipients = len(recipients)
    return preview


# --------------------------------------------------------------------------- manual 催办


@dataclass
class ManualResult:
    claimed: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    not_open: list[int] = field(default_factory=list)
    without_recipient: list[int] = field(default_factory=list)


@transaction.atomic  # the 催办 and its notice (催办人, 意见) are claimed together
def reminder_manual_send(
    *,
    commitment_ids: Sequence[int],
    actor: Any,
    dispatch: Dispatch,
    today: date | None = None,
    opinion: str = "",
) -> ManualResult:
    """催办 now: at most one manual reminder per commitment per day, through the same log.
    A 催办 that found nobody to write to may be repeated the same day once an address exists.
    Each claimed 催办 gets a notice naming the 催办人 and the 意见 (`opinion`): the unit sees
    it in the admin, and the e-mail quotes it with the 催办人's contact."""
    today = today or office_today()
    result = ManualResult()
    rows = Commitment.objects.filter(id__in=list(commitment_ids)).values_list(
        *CANDIDATE_FIELDS, "status"
    )
    candidates = []
    for *fields, status in rows:
        candidate = Candidate._make(fields)
        if status in REMINDABLE_STATUSES:
            candidates.append((candidate, Kind.MANUAL.value, today.isoformat()))
        else:
            result.not_open.append(candidate.id)
    claimed = claim(candidates, supervisor_emails=reminder_supervisor_emails(), actor=actor)
    claimed_ids = {commitment_id for _id, commitment_id, _kind in claimed.logs}
    nobody = set(claimed.without_recipient)
    result.claimed = sorted(claimed_ids - nobody)
    result.already = sorted(c.id for c, _k, _p in candidates if c.id not in claimed_ids)
    result.without_recipient = sorted(nobody)
    fresh_logs = {log_id for log_id, _cid, _kind in claimed.logs} - set(
        Notice.objects.filter(log_id__in=[log_id for log_id, _c, _k in claimed.logs]).values_list(
            "log_id", flat=True
        )
    )
    if fresh_logs:
        by_id = Commitment.objects.in_bulk({cid for i, cid, _k in claimed.logs if i in fresh_logs})
        logs = ReminderLog.objects.in_bulk(fresh_logs)
        for log_id, commitment_id, _kind in claimed.logs:
            if log_id in fresh_logs:
                notice_record(
                    commitment=by_id[commitment_id],
                    event=NoticeEvent.URGE,
                    actor=actor,
                    note=opinion,
                    log=logs[log_id],
                )
    if claimed.recipients:
        compose_all(today=today, dispatch=dispatch, only=claimed.recipients)
    if claimed.logs:
        channel_sweep_finish(today=today, dispatch=dispatch)
    return result
