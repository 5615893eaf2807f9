"""E-mail reminders: claim what is due exactly once, compose one digest per recipient, send.

The life of a reminder, and why each step is safe to repeat:

1. Claim (per batch of commitments, one transaction): a ReminderLog row per
   (commitment, kind, period) is inserted with ON CONFLICT DO NOTHING and a fresh claim token;
   only the rows carrying our token are ours. Their recipients (ReminderDelivery rows) are
   written in the same transaction, so "decided to send" and "claimed" commit together or not
   at all. A second sweep, a redelivered task or a restarted worker finds the rows claimed and
   adds nothing.
2. Compose (per batch of recipients, one transaction): every delivery not yet in a message is
   put into one ReminderMessage per recipient, row-locked (SKIP LOCKED where the database has
   it) so two composers never take the same delivery. Under a worker the sweep fans this
   step out: one `compose_reminder_digests` task per recipient batch composes and sends over
   one SMTP connection, so several workers share the load; `send_reminders` (cron) does the
   same in-process. Deliveries a lost task left undigested are picked up by the resume task.
3. Send (per chunk of messages, one SMTP connection): a conditional UPDATE moves only
   `pending` messages to `sending`; each success is marked `sent` at once; a failure goes back
   to `pending` (retried with backoff) or, after REMINDER_MAX_ATTEMPTS, to `failed`, shown in
   the admin.

The one window no database can close is between the SMTP server accepting a message and our
UPDATE to `sent`: a worker killed there leaves the message in `sending`. We chose
at-least-once for that single point: after REMINDER_SENDING_LEASE_SECONDS such a message is
put back to `pending` and sent again, with the same Message-ID header so mail clients can
fold the copy. A rare duplicate digest is better than a reminder that silently never arrives.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache, partial
from typing import Any, Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Commitment,
    ReminderDelivery,
    ReminderLog,
    ReminderMessage,
    ReminderSweep,
)
from ..reminder_selectors import (
    reminder_due_soon_candidates,
    reminder_missing_report_candidates,
    reminder_overdue_candidates,
    reminder_remindable_statuses,
    reminder_supervisor_emails,
)
from ..selectors import office_today

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
Dispatch = Literal["queue", "inline"]

# The order items appear in a digest: the most urgent first.
KIND_ORDER = [Kind.ESCALATION, Kind.OVERDUE, Kind.MANUAL, Kind.MISSING_REPORT, Kind.DUE_SOON]


def reminder_setting(name: str) -> Any:
    defaults = {
        "DUE_SOON_DAYS": 3,
        "OVERDUE_REPEAT_DAYS": 1,
        "ESCALATION_DAYS": 7,
        "REMINDER_WORKDAYS_ONLY": False,
        "REMINDER_BATCH_SIZE": 1000,
        "REMINDER_RECIPIENT_BATCH": 200,
        "REMINDER_MAX_ATTEMPTS": 5,
        "REMINDER_RETRY_BASE_SECONDS": 60,
        "REMINDER_RETRY_MAX_SECONDS": 3600,
        "REMINDER_REQUEUE_AFTER_SECONDS": 900,
        "REMINDER_SENDING_LEASE_SECONDS": 900,
    }
    return settings.LEDGER.get(name, defaults[name])


# --------------------------------------------------------------------------- periods


def reminder_is_workday(day: date) -> bool:
    """Working day by the Chinese calendar (holidays and adjusted workdays); Mon–Fri beyond it."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The package only knows the years the State Council has published.
        logger.warning("chinese_calendar has no data for %s; using Monday to Friday", day.year)
        return day.weekday() < 5


def _report_cycle_period(cycle: str, today: date) -> str:
    if cycle == Commitment.ReportCycle.MONTHLY:
        return f"{today:%Y-%m}"
    year, week, _weekday = today.isocalendar()
    return f"{year}-W{week:02d}"


def _overdue_kind_and_period(deadline: date, today: date) -> tuple[str, str]:
    """Overdue reminders repeat every K days; past the threshold they become escalations."""
    days_late = (today - deadline).days
    repeat = max(1, int(reminder_setting("OVERDUE_REPEAT_DAYS")))
    threshold = int(reminder_setting("ESCALATION_DAYS"))
    if days_late >= threshold:
        return Kind.ESCALATION, f"{deadline.isoformat()}/{(days_late - threshold) // repeat}"
    return Kind.OVERDUE, f"{deadline.isoformat()}/{(days_late - 1) // repeat}"


# --------------------------------------------------------------------------- recipients


def _normalise(address: str) -> str:
    return address.strip().lower()


def _recipients(
    commitment: Commitment,
    kind: str,
    co_unit_emails: Sequence[str],
    supervisor_emails: Sequence[str],
) -> list[tuple[str, str]]:
    """(address, role) for one reminder: the responsible person, else the lead unit's contacts;
    co-units in copy; supervisors as well for escalations. Each address once, first role wins."""
    found: dict[str, str] = {}
    responsible_email = commitment.responsible.email if commitment.responsible is not None else ""
    primary = [responsible_email] if responsible_email else commitment.lead_unit.email_list()
    roles: list[tuple[Iterable[str], str]] = [
        (primary, ReminderDelivery.Role.PRIMARY),
        (co_unit_emails, ReminderDelivery.Role.COPY),
    ]
    if kind == Kind.ESCALATION:
        roles.append((supervisor_emails, ReminderDelivery.Role.SUPERVISOR))
    for addresses, role in roles:
        for address in addresses:
            if address.strip():
                found.setdefault(_normalise(address), role)
    return list(found.items())


def _co_unit_emails(commitment_ids: Sequence[int]) -> dict[int, list[str]]:
    through = Commitment.co_units.through
    rows = through.objects.filter(commitment_id__in=commitment_ids).values_list(
        "commitment_id", "unit__contact_emails"
    )
    from ..models import Unit

    result: dict[int, list[str]] = defaultdict(list)
    for commitment_id, emails in rows:
        result[commitment_id].extend(Unit(contact_emails=emails or "").email_list())
    return result


# --------------------------------------------------------------------------- streaming


def _batches(queryset: Any, size: int) -> Iterator[list[Commitment]]:
    """Keyset pagination on id: one query per batch, never an OFFSET, never the whole table."""
    last_id = 0
    while True:
        batch = list(queryset.filter(id__gt=last_id).order_by("id")[:size])
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def _deadline(commitment: Commitment) -> date:
    # The due-soon and overdue selectors only return commitments with a deadline.
    assert commitment.deadline is not None
    return commitment.deadline


def _candidate_streams(today: date) -> list[tuple[Any, Callable[[Commitment], tuple[str, str]]]]:
    due_soon_days = int(reminder_setting("DUE_SOON_DAYS"))
    return [
        (
            reminder_due_soon_candidates(today=today, days=due_soon_days),
            lambda c: (Kind.DUE_SOON, _deadline(c).isoformat()),
        ),
        (
            reminder_overdue_candidates(today=today),
            lambda c: _overdue_kind_and_period(_deadline(c), today),
        ),
        (
            reminder_missing_report_candidates(today=today),
            lambda c: (Kind.MISSING_REPORT, _report_cycle_period(c.report_cycle, today)),
        ),
    ]


def _candidate_batches(today: date) -> Iterator[list[tuple[Commitment, str, str]]]:
    size = int(reminder_setting("REMINDER_BATCH_SIZE"))
    for queryset, classify in _candidate_streams(today):
        for batch in _batches(queryset, size):
            yield [(c, *classify(c)) for c in batch]


# --------------------------------------------------------------------------- claim


@dataclass
class _Claimed:
    logs: list[ReminderLog] = field(default_factory=list)
    recipients: set[str] = field(default_factory=set)
    without_recipient: list[int] = field(default_factory=list)


@transaction.atomic
def _claim(
    candidates: Sequence[tuple[Commitment, str, str]],
    *,
    supervisor_emails: Sequence[str],
    actor: Any = None,
) -> _Claimed:
    """Claim the reminders nobody claimed before and record their recipients, atomically."""
    if not candidates:
        return _Claimed()
    token = uuid.uuid4().hex
    now = timezone.now()
    # The write comes first so that SQLite takes its write lock before anything is read.
    ReminderLog.objects.bulk_create(
        [
            ReminderLog(
                commitment_id=c.id,
                kind=kind,
                period=period,
                claim=token,
                created_at=now,
                created_by=actor,
            )
            for c, kind, period in candidates
        ],
        ignore_conflicts=True,
    )
    claimed = list(ReminderLog.objects.filter(claim=token).only("id", "commitment_id", "kind"))
    if not claimed:
        return _Claimed()
    by_id = {c.id: c for c, _kind, _period in candidates}
    co_emails = _co_unit_emails([log.commitment_id for log in claimed])
    deliveries: list[ReminderDelivery] = []
    outcome = _Claimed(logs=claimed)
    for log in claimed:
        commitment = by_id[log.commitment_id]
        found = _recipients(
            commitment, log.kind, co_emails.get(commitment.id, []), supervisor_emails
        )
        if not found:
            # Nobody to write to: the claim stays so the office sees it in the history.
            outcome.without_recipient.append(commitment.id)
        deliveries.extend(
            ReminderDelivery(log=log, recipient=address, role=role) for address, role in found
        )
    ReminderDelivery.objects.bulk_create(deliveries)
    outcome.recipients = {d.recipient for d in deliveries}
    return outcome


# --------------------------------------------------------------------------- compose


@lru_cache(maxsize=1)
def _link_patterns() -> tuple[str, str]:
    marker = 987654321
    admin_path = reverse("admin:commitments_commitment_change", args=[marker])
    try:
        api_path = reverse("api:commitment-detail", args=[marker])
    except NoReverseMatch:
        api_path = f"/api/v1/commitments/{marker}/"
    base = settings.SITE_URL
    return (base + admin_path).replace(str(marker), "{}"), (base + api_path).replace(
        str(marker), "{}"
    )


@dataclass
class DigestItem:
    kind: str
    kind_label: str
    title: str
    lead_unit: str
    deadline: date | None
    days: int | None
    role: str
    admin_url: str
    api_url: str
    deadline_note: str = ""
    role_note: str = ""


@dataclass
class _Digest:
    recipient: str
    deliveries: list[ReminderDelivery] = field(default_factory=list)
    items: list[DigestItem] = field(default_factory=list)


_ROLE_NOTES: dict[str, Any] = {
    ReminderDelivery.Role.COPY: gettext_lazy("(您为配合单位,此件为抄送)"),
    ReminderDelivery.Role.SUPERVISOR: gettext_lazy("(督办抄送)"),
}


def _deadline_note(deadline: date | None, days: int | None) -> str:
    # Worked out here rather than in the template: rendering is most of a digest's cost.
    if deadline is None or days is None:
        return _("待定")
    day = _("%(y)d年%(m)d月%(d)d日") % {"y": deadline.year, "m": deadline.month, "d": deadline.day}
    if days < 0:
        return _("%(day)s,已逾期 %(n)d 天") % {"day": day, "n": -days}
    if days == 0:
        return _("%(day)s,今日到期") % {"day": day}
    return _("%(day)s,还剩 %(n)d 天") % {"day": day, "n": days}


def _digest_item(delivery: ReminderDelivery, today: date) -> DigestItem:
    log = delivery.log
    commitment = log.commitment
    admin_pattern, api_pattern = _link_patterns()
    days = (commitment.deadline - today).days if commitment.deadline else None
    return DigestItem(
        deadline_note=_deadline_note(commitment.deadline, days),
        role_note=str(_ROLE_NOTES.get(delivery.role, "")),
        kind=log.kind,
        kind_label=str(Kind(log.kind).label),
        title=commitment.title,
        lead_unit=commitment.lead_unit.name,
        deadline=commitment.deadline,
        days=days,
        role=delivery.role,
        admin_url=admin_pattern.format(commitment.id),
        api_url=api_pattern.format(commitment.id),
    )


def reminder_digest_render(
    *, recipient: str, items: Sequence[DigestItem], today: date
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one digest, in Chinese."""
    order: dict[str, int] = {kind: i for i, kind in enumerate(KIND_ORDER)}
    ordered = sorted(items, key=lambda i: (order[i.kind], i.deadline or date.max, i.title))
    sections = []
    for kind in KIND_ORDER:
        section_items = [i for i in ordered if i.kind == kind]
        if section_items:
            sections.append({"label": Kind(kind).label, "items": section_items})
    escalated = any(i.kind == Kind.ESCALATION for i in items)
    if escalated:
        subject = _("【督办】%(count)d 项承诺事项逾期未完成,请即办理") % {"count": len(items)}
    else:
        subject = _("【催办】%(count)d 项承诺事项需要关注") % {"count": len(items)}
    context = {
        "recipient": recipient,
        "sections": sections,
        "count": len(items),
        "today": today,
        "escalated": escalated,
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("commitments/email/reminder_digest.txt", context)
    html = render_to_string("commitments/email/reminder_digest.html", context)
    return subject, text, html


def _compose(recipients: Sequence[str], *, today: date) -> list[int]:
    """Put every undigested delivery of these recipients into one new message each."""
    remindable = set(reminder_remindable_statuses())
    with transaction.atomic():
        queryset = (
            ReminderDelivery.objects.filter(recipient__in=recipients, message__isnull=True)
            .select_related("log__commitment__lead_unit")
            .only(
                "id",
                "recipient",
                "role",
                "log__kind",
                "log__commitment__id",
                "log__commitment__title",
                "log__commitment__deadline",
                "log__commitment__status",
                "log__commitment__lead_unit__name",
            )
            .order_by("recipient", "id")
        )
        if db_connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        digests: dict[str, _Digest] = {}
        dropped: list[int] = []
        for delivery in queryset:
            if delivery.log.commitment.status not in remindable:
                # Closed or cancelled since it was claimed: the claim stays, nothing is sent.
                dropped.append(delivery.id)
                continue
            digest = digests.setdefault(delivery.recipient, _Digest(delivery.recipient))
            digest.deliveries.append(delivery)
            digest.items.append(_digest_item(delivery, today))
        if dropped:
            ReminderDelivery.objects.filter(id__in=dropped).delete()
        if not digests:
            return []
        now = timezone.now()
        messages = []
        for digest in digests.values():
            subject, text, html = reminder_digest_render(
                recipient=digest.recipient, items=digest.items, today=today
            )
            messages.append(
                ReminderMessage(
                    recipient=digest.recipient,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    sweep_day=today,
                    created_at=now,
                    queued_at=now,
                )
            )
        ReminderMessage.objects.bulk_create(messages)
        message_ids = [m.id for m in messages]
        _link_deliveries([d.id for digest in digests.values() for d in digest.deliveries], messages)
        return message_ids


def _link_deliveries(delivery_ids: list[int], messages: list[ReminderMessage]) -> None:
    """Each delivery takes the message just made for its recipient, in one UPDATE per 5,000
    deliveries: a CASE over the batch's recipients (not over every delivery, as bulk_update
    would build), rows found by primary key, so no join for the planner to get wrong.
    Only the rows read (and locked) by this composer are touched: a delivery claimed since then
    is not in the digest and must stay free for the next one."""
    message_for = Case(
        *(When(recipient=m.recipient, then=Value(m.id)) for m in messages),
        output_field=models.BigIntegerField(),
    )
    for start in range(0, len(delivery_ids), 5000):
        ReminderDelivery.objects.filter(id__in=delivery_ids[start : start + 5000]).update(
            message_id=message_for
        )


def _compose_all(*, today: date, dispatch: Dispatch, only: Iterable[str] | None = None) -> int:
    """Compose digests for every recipient with undigested deliveries, a batch at a time."""
    batch = int(reminder_setting("REMINDER_RECIPIENT_BATCH"))
    total = 0
    if only is not None:
        wanted = sorted(set(only))
        groups: Iterator[list[str]] = (wanted[i : i + batch] for i in range(0, len(wanted), batch))
    else:
        groups = _undigested_recipient_batches(batch)
        if dispatch == "queue":
            # Fan out: each group is composed and sent by whichever worker takes it, over one
            # SMTP connection. A lost task leaves its deliveries undigested for the resume task.
            from ..tasks import compose_reminder_digests

            for recipients in groups:
                transaction.on_commit(
                    partial(compose_reminder_digests.delay, today.isoformat(), recipients)
                )
                total += 1
            return total
    for recipients in groups:
        ids = _compose(recipients, today=today)
        if ids:
            total += len(ids)
            _dispatch_on_commit(ids, dispatch)
    return total


def reminder_digests_compose_send(*, today: date, recipients: Sequence[str]) -> SendResult:
    """Compose the digests of these recipients and send them, plus any of their digests of
    the day still pending (a redelivered task finishes what its first run started)."""
    _compose(recipients, today=today)
    ids = list(
        ReminderMessage.objects.filter(
            recipient__in=list(recipients),
            sweep_day=today,
            status=ReminderMessage.Status.PENDING,
        ).values_list("id", flat=True)
    )
    return reminder_messages_send(message_ids=ids)


def _undigested_recipient_batches(size: int) -> Iterator[list[str]]:
    last = ""
    while True:
        recipients = list(
            ReminderDelivery.objects.filter(message__isnull=True, recipient__gt=last)
            .order_by("recipient")
            .values_list("recipient", flat=True)
            .distinct()[:size]
        )
        if not recipients:
            return
        yield recipients
        last = recipients[-1]


def _dispatch_on_commit(message_ids: list[int], dispatch: Dispatch) -> None:
    if dispatch == "inline":
        transaction.on_commit(lambda: reminder_messages_send(message_ids=message_ids))
        return
    from ..tasks import send_reminder_messages

    transaction.on_commit(lambda: send_reminder_messages.delay(message_ids))


# --------------------------------------------------------------------------- sweep


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


def reminder_sweep_run(
    *, today: date | None = None, dispatch: Dispatch = "queue", force: bool = False
) -> SweepResult:
    """Run (or finish) the sweep of `today`: safe to run twice, concurrently, or after a crash."""
    today = today or office_today()
    result = SweepResult(day=today)
    if reminder_setting("REMINDER_WORKDAYS_ONLY") and not force and not reminder_is_workday(today):
        result.skipped = True
        return result
    sweep, created = ReminderSweep.objects.get_or_create(day=today)
    if not created and sweep.finished_at is not None:
        # Running again: if this run dies, the resume task must see the day as unfinished.
        ReminderSweep.objects.filter(pk=sweep.pk).update(finished_at=None)
    supervisors = reminder_supervisor_emails()
    by_kind: dict[str, int] = defaultdict(int)
    for candidates in _candidate_batches(today):
        claimed = _claim(candidates, supervisor_emails=supervisors)
        result.claimed += len(claimed.logs)
        result.without_recipient += len(claimed.without_recipient)
        for log in claimed.logs:
            by_kind[log.kind] += 1
    result.by_kind = dict(by_kind)
    result.messages = _compose_all(today=today, dispatch=dispatch)
    result.requeued = reminder_messages_requeue_stale(dispatch=dispatch)
    ReminderSweep.objects.filter(pk=sweep.pk).update(finished_at=timezone.now())
    return result


def reminder_sweeps_resume(*, dispatch: Dispatch = "queue", within_days: int = 7) -> list[date]:
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
        _compose_all(today=office_today(), dispatch=dispatch)
        reminder_messages_requeue_stale(dispatch=dispatch)
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
    if reminder_setting("REMINDER_WORKDAYS_ONLY") and not reminder_is_workday(today):
        preview.skipped = True
        return preview
    supervisors = reminder_supervisor_emails()
    by_kind: dict[str, int] = defaultdict(int)
    recipients: set[str] = set()
    for candidates in _candidate_batches(today):
        ids = [c.id for c, _k, _p in candidates]
        taken = set(
            ReminderLog.objects.filter(commitment_id__in=ids).values_list(
                "commitment_id", "kind", "period"
            )
        )
        fresh = [(c, k, p) for c, k, p in candidates if (c.id, k, p) not in taken]
        co_emails = _co_unit_emails([c.id for c, _k, _p in fresh])
        for c, kind, _period in fresh:
            by_kind[kind] += 1
            found = _recipients(c, kind, co_emails.get(c.id, []), supervisors)
            if not found:
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


def reminder_manual_send(
    *,
    commitment_ids: Sequence[int],
    actor: Any,
    dispatch: Dispatch = "queue",
    today: date | None = None,
) -> ManualResult:
    """催办 now: at most one manual reminder per commitment per day, through the same log."""
    today = today or office_today()
    result = ManualResult()
    remindable = set(reminder_remindable_statuses())
    commitments = list(
        Commitment.objects.filter(id__in=list(commitment_ids)).select_related(
            "lead_unit", "responsible"
        )
    )
    candidates = []
    for commitment in commitments:
        if commitment.status in remindable:
            candidates.append((commitment, Kind.MANUAL.value, today.isoformat()))
        else:
            result.not_open.append(commitment.id)
    claimed = _claim(candidates, supervisor_emails=reminder_supervisor_emails(), actor=actor)
    claimed_ids = {log.commitment_id for log in claimed.logs}
    result.claimed = sorted(claimed_ids)
    result.already = sorted(c.id for c, _k, _p in candidates if c.id not in claimed_ids)
    result.without_recipient = sorted(claimed.without_recipient)
    if claimed.recipients:
        _compose_all(today=today, dispatch=dispatch, only=claimed.recipients)
    return result


# --------------------------------------------------------------------------- send


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _message_id_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] or "localhost"


def reminder_email_build(
    message: ReminderMessage, connection: Any = None
) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[message.recipient],
        connection=connection,
        headers={
            # Stable across resends, so a rare duplicate can be recognised and folded.
            "Message-ID": f"<ledger-reminder-{message.id}@{_message_id_domain()}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(message.body_html, "text/html")
    return email


def _record_failure(message: ReminderMessage, token: str, error: str, result: SendResult) -> None:
    final = message.attempts >= int(reminder_setting("REMINDER_MAX_ATTEMPTS"))
    status = ReminderMessage.Status.FAILED if final else ReminderMessage.Status.PENDING
    ReminderMessage.objects.filter(id=message.id, send_token=token).update(
        status=status, last_error=error[:2000], queued_at=timezone.now(), sending_since=None
    )
    (result.failed if final else result.retry).append(message.id)


def reminder_messages_send(*, message_ids: Sequence[int]) -> SendResult:
    """Send the still-pending messages among `message_ids` over one SMTP connection.

    Each message is marked the moment its send returns, so a crash loses at most the message in
    flight (see the module docstring for how that one is recovered)."""
    result = SendResult()
    token = uuid.uuid4().hex
    taken = ReminderMessage.objects.filter(
        id__in=list(message_ids), status=ReminderMessage.Status.PENDING
    ).update(
        status=ReminderMessage.Status.SENDING,
        send_token=token,
        sending_since=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not taken:
        return result
    messages = list(ReminderMessage.objects.filter(send_token=token).order_by("id"))
    connection = get_connection(fail_silently=False)
    fast_commits = db_connection.vendor == "postgresql" and not db_connection.in_atomic_block
    if fast_commits:
        # Marking `sent` must not wait for the disk: a killed worker loses nothing committed
        # this way; only a crash of the database server itself could forget the last marks,
        # and those messages would then be resent (the at-least-once point described above).
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        needs_open = True
        for message in messages:
            try:
                if needs_open:
                    # Opened by us, the connection stays open across send_messages() calls.
                    connection.open()
                    needs_open = False
                if connection.send_messages([reminder_email_build(message, connection)]) != 1:
                    raise RuntimeError(_("邮件服务器未接收该邮件"))
            except Exception as exc:  # one recipient must not stop the others
                logger.warning("reminder %s to %s failed: %s", message.id, message.recipient, exc)
                _record_failure(message, token, f"{type(exc).__name__}: {exc}", result)
                # A fresh connection for the next one: this one may be half-closed.
                connection.close()
                needs_open = True
                continue
            ReminderMessage.objects.filter(id=message.id, send_token=token).update(
                status=ReminderMessage.Status.SENT, sent_at=timezone.now(), last_error=""
            )
            result.sent.append(message.id)
    finally:
        connection.close()
        if fast_commits:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    return result


def reminder_retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: base·2^retries, capped, then a random 50–100 % of it."""
    base = float(reminder_setting("REMINDER_RETRY_BASE_SECONDS"))
    cap = float(reminder_setting("REMINDER_RETRY_MAX_SECONDS"))
    ceiling = min(cap, base * (2**retries))
    return ceiling * random.uniform(0.5, 1.0)  # jitter, not security


def reminder_messages_requeue_stale(*, dispatch: Dispatch = "queue") -> int:
    """Re-dispatch pending messages whose task was lost, and (at-least-once, see above) messages
    stuck in `sending` longer than the lease. Sending is idempotent, so a spare dispatch is
    harmless."""
    now = timezone.now()
    lease = timedelta(seconds=int(reminder_setting("REMINDER_SENDING_LEASE_SECONDS")))
    ReminderMessage.objects.filter(
        status=ReminderMessage.Status.SENDING, sending_since__lt=now - lease
    ).update(
        status=ReminderMessage.Status.PENDING,
        queued_at=None,
        last_error=_("上次发送中断,结果未知,将重新发送"),
    )
    cutoff = now - timedelta(seconds=int(reminder_setting("REMINDER_REQUEUE_AFTER_SECONDS")))
    chunk = int(reminder_setting("REMINDER_RECIPIENT_BATCH"))
    stale = ReminderMessage.objects.filter(status=ReminderMessage.Status.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=cutoff)
    )
    total = 0
    last_id = 0
    while True:
        ids = list(stale.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:chunk])
        if not ids:
            return total
        last_id = ids[-1]
        with transaction.atomic():
            ReminderMessage.objects.filter(id__in=ids).update(queued_at=now)
            _dispatch_on_commit(ids, dispatch)
        total += len(ids)


@transaction.atomic
def reminder_messages_retry(*, message_ids: Sequence[int], dispatch: Dispatch = "queue") -> int:
    """The office asks to try failed messages again (admin action)."""
    ids = list(
        ReminderMessage.objects.filter(
            id__in=list(message_ids), status=ReminderMessage.Status.FAILED
        ).values_list("id", flat=True)
    )
    if ids:
        ReminderMessage.objects.filter(id__in=ids).update(
            status=ReminderMessage.Status.PENDING, attempts=0, queued_at=timezone.now()
        )
        _dispatch_on_commit(ids, dispatch)
    return len(ids)
