"""Claim: decide which reminders are due, exactly once per (commitment, kind, period).

See the package docstring for why a claim is safe to repeat.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone

from ...choices import ReportCycle
from ...models import ChannelDelivery, ReminderDelivery, ReminderLog, split_emails
from ...selectors.reminders import (
    reminder_due_soon_candidates,
    reminder_missing_report_candidates,
    reminder_overdue_candidates,
    reminder_supervisor_emails,
)
from ..channels.claim import channel_deliveries_claim
from .config import reminder_config
from .overlap import Overlap
from .sql import co_unit_contact_emails, commit_without_flush, insert_returning

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind


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
    """The report period a missing-report reminder is claimed for: the ISO week, the month or
    the quarter that `today` falls in."""
    if cycle == ReportCycle.WEEKLY:
        year, week, _weekday = today.isocalendar()
        return f"{year}-W{week:02d}"
    if cycle == ReportCycle.MONTHLY:
        return f"{today:%Y-%m}"
    if cycle == ReportCycle.QUARTERLY:
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    raise ValueError(f"no report period for the report cycle {cycle!r}")


def _overdue_kind_and_period(deadline: date, today: date) -> tuple[str, str]:
    """Overdue reminders repeat every K days; past the threshold they become escalations."""
    days_late = (today - deadline).days
    config = reminder_config()
    repeat, threshold = config.overdue_repeat_days, config.escalation_days
    if days_late >= threshold:
        return Kind.ESCALATION, f"{deadline.isoformat()}/{(days_late - threshold) // repeat}"
    return Kind.OVERDUE, f"{deadline.isoformat()}/{(days_late - 1) // repeat}"


# --------------------------------------------------------------------------- candidates


class Candidate(NamedTuple):
    """What the claim needs of a commitment; read as plain rows, never as model instances."""

    id: int
    deadline: date | None
    report_cycle: str
    responsible__email: str | None
    lead_unit__contact_emails: str


CANDIDATE_FIELDS = Candidate._fields


@lru_cache(maxsize=8192)
def _unit_emails(contact_emails: str | None) -> tuple[str, ...]:
    return tuple(split_emails(contact_emails or ""))


def _normalise(address: str) -> str:
    return address.strip().lower()


def recipients_of(
    candidate: Candidate,
    kind: str,
    co_unit_emails: Sequence[str],
    supervisor_emails: Sequence[str],
) -> list[tuple[str, str]]:
    """(address, role) for one reminder: the responsible person, else the lead unit's contacts;
    co-units in copy; supervisors as well for escalations. Each address once, first role wins."""
    found: dict[str, str] = {}
    responsible_email = candidate.responsible__email or ""
    primary: Iterable[str] = (
        [responsible_email]
        if responsible_email
        else _unit_emails(candidate.lead_unit__contact_emails)
    )
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


def co_unit_emails(commitment_ids: Iterable[int]) -> dict[int, list[str]]:
    """{commitment id: its co-units' contact addresses}."""
    result: dict[int, list[str]] = defaultdict(list)
    for commitment_id, emails in co_unit_contact_emails(list(commitment_ids)):
        result[commitment_id].extend(_unit_emails(emails))
    return result


def _deadline(candidate: Candidate) -> date:
    # The due-soon and overdue selectors only return commitments with a deadline.
    assert candidate.deadline is not None
    return candidate.deadline


def _report_cycle(candidate: Candidate) -> str:
    return candidate.report_cycle


@dataclass
class _Stream:
    """One kind of reminder: its candidates, their keyset order, and how a candidate's
    (kind, period) follows from one of its values (`basis`), worked out once per value."""

    queryset: Any
    key: tuple[str, ...]
    basis: Callable[[Candidate], Any]
    classify: Callable[[Any], tuple[str, str]]


def _candidate_streams(today: date) -> list[_Stream]:
    """The deadline streams walk the (deadline, id) index over the due range only, not the
    whole table by id."""
    due_soon_days = reminder_config().due_soon_days
    return [
        _Stream(
            reminder_due_soon_candidates(today=today, days=due_soon_days),
            ("deadline", "id"),
            _deadline,
            lambda deadline: (Kind.DUE_SOON, deadline.isoformat()),
        ),
        _Stream(
            reminder_overdue_candidates(today=today),
            ("deadline", "id"),
            _deadline,
            lambda deadline: _overdue_kind_and_period(deadline, today),
        ),
        _Stream(
            reminder_missing_report_candidates(today=today),
            ("id",),
            _report_cycle,
            lambda cycle: (Kind.MISSING_REPORT, _report_cycle_period(cycle, today)),
        ),
    ]


def _after(key: tuple[str, ...], values: tuple[Any, ...]) -> Q:
    if len(key) == 1:
        return Q(**{f"{key[0]}__gt": values[0]})
    return Q(TupleGreaterThan(Tuple(*(F(name) for name in key)), values))


def _batches(queryset: Any, key: tuple[str, ...], size: int) -> Iterator[list[Candidate]]:
    """Keyset pagination: one query per batch, never an OFFSET, never the whole table."""
    rows = queryset.order_by(*key).values_list(*CANDIDATE_FIELDS)
    after: tuple[Any, ...] | None = None
    while True:
        page = rows.filter(_after(key, after)) if after is not None else rows
        batch = [Candidate._make(row) for row in page[:size]]
        if not batch:
            return
        yield batch
        after = tuple(getattr(batch[-1], name) for name in key)


def candidate_batches(today: date) -> Iterator[list[tuple[Candidate, str, str]]]:
    size = reminder_config().batch_size
    for stream in _candidate_streams(today):
        known: dict[Any, tuple[str, str]] = {}
        for batch in _batches(stream.queryset, stream.key, size):
            claims = []
            for candidate in batch:
                basis = stream.basis(candidate)
                found = known.get(basis)
                if found is None:
                    kind, period = stream.classify(basis)
                    # Plain strings: a TextChoices member does not hash like its value.
                    found = known[basis] = (str(kind), period)
                claims.append((candidate, *found))
            yield claims


# --------------------------------------------------------------------------- claim


@dataclass
class _Claimed:
    # (log id, commitment id, kind) of every reminder this claim decided to send or retried.
    logs: list[tuple[int, int, str]] = field(default_factory=list)
    recipients: set[str] = field(default_factory=set)
    without_recipient: list[int] = field(default_factory=list)


def _logs_without_deliveries(keys: Sequence[tuple[int, str, str]]) -> list[tuple[int, int, str]]:
    """Already claimed logs among `keys` (commitment, kind, period) that found no recipient
    when they were claimed: their reminder has not gone out, so it may be claimed again."""
    if not keys:
        return []
    wanted = set(keys)
    rows = (
        ReminderLog.objects.filter(
            commitment_id__in={k[0] for k in keys},
            kind__in={k[1] for k in keys},
            period__in={k[2] for k in keys},
        )
        .filter(~Exists(ReminderDelivery.objects.filter(log_id=OuterRef("pk"))))
        .filter(~Exists(ChannelDelivery.objects.filter(log_id=OuterRef("pk"))))
        .values_list("id", "commitment_id", "kind", "period")
    )
    return [(i, c, k) for i, c, k, p in rows if (c, k, p) in wanted]


def claim(
    candidates: Sequence[tuple[Candidate, str, str]],
    *,
    supervisor_emails: Sequence[str],
    actor: Any = None,
) -> _Claimed:
    """Claim the reminders nobody claimed before (or claimed without finding anybody to write
    to) and record their recipients, atomically, in a fixed number of statements."""
    if not candidates:
        return _Claimed()
    own_transaction = not db_connection.in_atomic_block
    with transaction.atomic():
        if own_transaction:
            # A claim lost with the database server (not with a worker) is claimed again by
            # the next sweep: nothing of it was sent yet, since composing commits durably
            # first and WAL is flushed in order. So the claim need not wait for the disk.
            commit_without_flush()
        return _claim_in_transaction(candidates, supervisor_emails=supervisor_emails, actor=actor)


def _claim_in_transaction(
    candidates: Sequence[tuple[Candidate, str, str]],
    *,
    supervisor_emails: Sequence[str],
    actor: Any,
) -> _Claimed:
    token = uuid.uuid4().hex
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    actor_id = getattr(actor, "pk", None)
    # The write comes first so that SQLite takes its write lock before anything is read.
    logs: list[tuple[int, int, str]] = list(
        insert_returning(
            ReminderLog,
            [("commitment", "bigint"), ("kind", "text"), ("period", "text")],
            [(c.id, kind, period) for c, kind, period in candidates],
            ["id", "commitment", "kind"],
            constants=[("claim", token), ("created_at", now), ("created_by", actor_id)],
        )
    )
    fresh = len(logs)
    if fresh < len(candidates):
        inserted = {(commitment_id, kind) for _id, commitment_id, kind in logs}
        logs += _logs_without_deliveries(
            [(c.id, k, p) for c, k, p in candidates if (c.id, k) not in inserted]
        )
    if not logs:
        return _Claimed()
    by_key = {(c.id, kind): c for c, kind, _period in candidates}
    # Group robots are claimed in the same transaction (services/channels/claim.py).
    robots = channel_deliveries_claim(logs)
    co_emails = co_unit_emails({commitment_id for _id, commitment_id, _kind in logs})
    rows: list[tuple[int, str, str]] = []
    nobody: list[tuple[int, int, str]] = []
    for log in logs:
        log_id, commitment_id, kind = log
        found = recipients_of(
            by_key[(commitment_id, kind)],
            kind,
            co_emails.get(commitment_id, []),
            supervisor_emails,
        )
        if not found and log_id not in robots:
            # Kept so the office sees it (无收件人); looked at again by the next sweep.
            nobody.append(log)
        rows.extend((log_id, address, role) for address, role in found)
    delivered = insert_returning(
        ReminderDelivery,
        [("log", "bigint"), ("recipient", "text"), ("role", "text")],
        rows,
        ["log", "recipient"],
        # A new log has no deliveries yet; only a retried one can meet another sweep's.
        on_conflict=len(logs) > fresh,
    )
    # A log retried by two sweeps at once: the one whose deliveries went in has claimed it.
    ours = {log_id for log_id, _recipient in delivered}
    return _Claimed(
        logs=[log for log in logs if log[0] in ours or log[0] in robots] + nobody,
        recipients={recipient for _log_id, recipient in delivered},
        without_recipient=[commitment_id for _id, commitment_id, _kind in nobody],
    )


@dataclass
class _ClaimTotals:
    claimed: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    without_recipient: int = 0
    batches: int = 0

    def add(self, claimed: _Claimed) -> None:
        self.batches += 1
        self.claimed += len(claimed.logs)
        self.without_recipient += len(claimed.without_recipient)
        for _id, _commitment_id, kind in claimed.logs:
            self.by_kind[kind] += 1


def claim_due(today: date) -> _ClaimTotals:
    """The claim phase of a sweep: every candidate batch of the day, one transaction each.

    On PostgreSQL the batches are claimed on REMINDER_CLAIM_THREADS connections while the
    next ones are read: batches never share a commitment, so their claims are independent."""
    supervisors = reminder_supervisor_emails()
    totals = _ClaimTotals()
    with Overlap(reminder_config().claim_threads) as claims:
        for candidates in candidate_batches(today):
            claims.submit(partial(claim, candidates, supervisor_emails=supervisors), totals.add)
    return totals
