"""E-mail reminders: claim what is due exactly once, compose one digest per recipient, send.

The life of a reminder, and why each step is safe to repeat:

1. Claim (per batch of candidates, one transaction, a fixed number of statements): one
   multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING writes a ReminderLog row per
   (commitment, kind, period) and hands back only the rows it inserted: those are ours. Their
   recipients (ReminderDelivery rows, unique per log and address) are inserted in the same
   transaction, so "decided to send" and "claimed" commit together or not at all. A second
   sweep, a redelivered task or a restarted worker finds the rows claimed and adds nothing.
   A claim that found no recipient (no responsible person's address, no unit contact) is
   kept, so the office sees 无收件人 in the history, but it is not final: while its period
   lasts, every sweep (and 催办) looks again, and once an address exists the reminder goes
   out. Two sweeps doing that at once cannot both deliver it: the delivery rows are unique.
2. Compose (per batch of recipients, one transaction): every delivery not yet in a message is
   put into one ReminderMessage per recipient, row-locked (SKIP LOCKED where the database has
   it) so two composers never take the same delivery. Under a worker the sweep fans this
   step out: one `compose_reminder_digests` task per recipient batch composes and sends over
   one SMTP connection, so several workers share the load; `send_reminders` (cron) does the
   same in-process. Deliveries a lost task left undigested are picked up by the resume task.
3. Send (per chunk of messages, one SMTP connection): one UPDATE ... RETURNING moves only
   `pending` messages to `sending` and reads them; after the SMTP conversation one UPDATE
   marks the accepted ones `sent`, and one more puts failures back to `pending` (retried with
   backoff) or, after REMINDER_MAX_ATTEMPTS, to `failed`, shown in the admin.

The one window no database can close is between the SMTP server accepting a message and our
UPDATE to `sent`. Accepted messages are marked `sent` every REMINDER_MARK_SENT_EVERY (10) of
them, so a worker killed mid-conversation leaves at most that many accepted messages in
`sending` (one UPDATE per message would make it one, for a query per e-mail). We chose
at-least-once for that single point: after REMINDER_SENDING_LEASE_SECONDS such messages are
put back to `pending` and sent again, with the same Message-ID header so mail clients can fold
a copy. A rare duplicate digest is better than a reminder that silently never arrives.
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
from typing import Any, Literal, NamedTuple

from django.conf import settings
from django.db import connection as db_connection
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    ChannelDelivery,
    Commitment,
    ReminderDelivery,
    ReminderLog,
    ReminderMessage,
    ReminderSweep,
    Unit,
    split_emails,
)
from ..reminder_selectors import (
    reminder_due_soon_candidates,
    reminder_missing_report_candidates,
    reminder_overdue_candidates,
    reminder_remindable_statuses,
    reminder_supervisor_emails,
)
from ..selectors import office_today
from .channels.delivery import channel_deliveries_claim, channel_sweep_finish
from .common import office_language
from .overlap import Overlap
from .reminder_mail import DigestItem, DigestWriter, ReminderOutbox

logger = logging.getLogger(__name__)

Kind = ReminderLog.Kind
Dispatch = Literal["queue", "inline"]


def reminder_setting(name: str) -> Any:
    defaults = {
        "DUE_SOON_DAYS": 3,
        "OVERDUE_REPEAT_DAYS": 1,
        "ESCALATION_DAYS": 7,
        "REMINDER_WORKDAYS_ONLY": False,
        "REMINDER_BATCH_SIZE": 1000,
        "REMINDER_RECIPIENT_BATCH": 200,
        "REMINDER_CLAIM_THREADS": 2,
        "REMINDER_MAX_ATTEMPTS": 5,
        "REMINDER_RETRY_BASE_SECONDS": 60,
        "REMINDER_RETRY_MAX_SECONDS": 3600,
        "REMINDER_REQUEUE_AFTER_SECONDS": 900,
        "REMINDER_SENDING_LEASE_SECONDS": 900,
        "REMINDER_MARK_SENT_EVERY": 10,
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
    """The report period a missing-report reminder is claimed for: the ISO week, the month or
    the quarter that `today` falls in."""
    if cycle == Commitment.ReportCycle.WEEKLY:
        year, week, _weekday = today.isocalendar()
        return f"{year}-W{week:02d}"
    if cycle == Commitment.ReportCycle.MONTHLY:
        return f"{today:%Y-%m}"
    if cycle == Commitment.ReportCycle.QUARTERLY:
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    raise ValueError(f"no report period for the report cycle {cycle!r}")


def _overdue_kind_and_period(deadline: date, today: date) -> tuple[str, str]:
    """Overdue reminders repeat every K days; past the threshold they become escalations."""
    days_late = (today - deadline).days
    repeat = max(1, int(reminder_setting("OVERDUE_REPEAT_DAYS")))
    threshold = int(reminder_setting("ESCALATION_DAYS"))
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


def _recipients(
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


def _co_unit_emails(commitment_ids: Iterable[int]) -> dict[int, list[str]]:
    """{commitment id: its co-units' contact addresses}. In SQL: the ORM's foreign key IN
    lookup prepares every id one by one, a sizeable part of a sweep's claim time."""
    ids = list(commitment_ids)
    result: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return result
    through = Commitment.co_units.through
    table = _qn(through._meta.db_table)
    commitment = _column(through, "commitment")
    unit = _column(through, "unit")
    units = _qn(Unit._meta.db_table)
    condition, params = _any_of(f"t.{commitment}", ids)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.{commitment}, u.{_column(Unit, 'contact_emails')} FROM {table} t "
            f"JOIN {units} u ON u.{_column(Unit, 'id')} = t.{unit} WHERE {condition}",
            params,
        )
        for commitment_id, emails in cursor.fetchall():
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
    due_soon_days = int(reminder_setting("DUE_SOON_DAYS"))
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


def _candidate_batches(today: date) -> Iterator[list[tuple[Candidate, str, str]]]:
    size = int(reminder_setting("REMINDER_BATCH_SIZE"))
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


# --------------------------------------------------------------------------- raw statements


def _qn(name: str) -> str:
    return db_connection.ops.quote_name(name)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return _qn(field.column)


def _pg_array(values: Iterable[Any], sql_type: str) -> str:
    """A PostgreSQL array literal of `values` (bigint or text), written directly: psycopg2
    adapts a list one element at a time, which cost the sweep more than the statements."""
    if sql_type == "bigint":
        return "{" + ",".join(map(str, values)) + "}"
    return (
        "{"
        + ",".join(
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


def _any_of(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: one array parameter on PostgreSQL, an IN list elsewhere."""
    if db_connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [_pg_array(ids, "bigint")]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _row_sources(
    rows: Sequence[Sequence[Any]], types: Sequence[str], *, other_params: int = 0
) -> Iterator[tuple[str, list[Any]]]:
    """`rows` as SQL row sources `(SELECT ...) AS v` with columns v.c0, v.c1, ..., and their
    parameters. PostgreSQL: one unnest() of one array per column, as quick to parse and plan
    for a thousand rows as for one. SQLite: VALUES lists, within the parameter limit Django
    assumes for it (999) once the statement's `other_params` are counted."""
    if not rows:
        return
    names = [f"c{i}" for i in range(len(types))]
    if db_connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        yield (
            f"(SELECT * FROM unnest({arrays}) AS u({', '.join(names)})) AS v",
            [
                _pg_array(column, t)
                for column, t in zip(zip(*rows, strict=True), types, strict=True)
            ],
        )
        return
    limit = (db_connection.features.max_query_params or 999) - other_params
    step = max(1, limit // len(types))
    placeholders = "(" + ", ".join(["%s"] * len(types)) + ")"
    aliases = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(names))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        yield (
            f"(SELECT {aliases} FROM (VALUES {', '.join([placeholders] * len(chunk))})) AS v",
            [value for row in chunk for value in row],
        )


def _insert_returning(
    model: type[models.Model],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
    constants: Sequence[tuple[str, Any]] = (),
    *,
    on_conflict: bool = True,
) -> list[tuple[Any, ...]]:
    """INSERT ... SELECT FROM `rows` [ON CONFLICT DO NOTHING] RETURNING: the rows actually
    inserted, in one statement per batch (see _row_sources). `columns` are (field, SQL type);
    `constants` (field, value) are the same for every row.

    Django's bulk_create cannot return rows when it ignores conflicts, and it builds a model
    instance per row."""
    table = _qn(model._meta.db_table)
    targets = [_column(model, name) for name, _type in columns]
    targets += [_column(model, name) for name, _value in constants]
    selected = [f"v.c{i}" for i in range(len(columns))] + ["%s"] * len(constants)
    back = ", ".join(_column(model, name) for name in returning)
    found: list[tuple[Any, ...]] = []
    with db_connection.cursor() as cursor:
        types = [t for _name, t in columns]
        for source, params in _row_sources(rows, types, other_params=len(constants)):
            # WHERE true: SQLite needs it to tell the upsert clause from a join's ON.
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(targets)}) "
                f"SELECT {', '.join(selected)} FROM {source} WHERE true "
                f"{'ON CONFLICT DO NOTHING ' if on_conflict else ''}RETURNING {back}",
                [*(value for _name, value in constants), *params],
            )
            found.extend(cursor.fetchall())
    return found


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


def _claim(
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
        if own_transaction and db_connection.vendor == "postgresql":
            # A claim lost with the database server (not with a worker) is claimed again by
            # the next sweep: nothing of it was sent yet, since composing commits durably
            # first and WAL is flushed in order. So the claim need not wait for the disk.
            with db_connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
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
        _insert_returning(
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
    # Group robots are claimed in the same transaction (services/channels/delivery.py).
    robots = channel_deliveries_claim(logs)
    co_emails = _co_unit_emails({commitment_id for _id, commitment_id, _kind in logs})
    rows: list[tuple[int, str, str]] = []
    nobody: list[tuple[int, int, str]] = []
    for log in logs:
        log_id, commitment_id, kind = log
        found = _recipients(
            by_key[(commitment_id, kind)],
            kind,
            co_emails.get(commitment_id, []),
            supervisor_emails,
        )
        if not found and log_id not in robots:
            # Kept so the office sees it (无收件人); looked at again by the next sweep.
            nobody.append(log)
        rows.extend((log_id, address, role) for address, role in found)
    delivered = _insert_returning(
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


def _claim_due(today: date) -> _ClaimTotals:
    """The claim phase of a sweep: every candidate batch of the day, one transaction each.

    On PostgreSQL the batches are claimed on REMINDER_CLAIM_THREADS connections while the
    next ones are read: batches never share a commitment, so their claims are independent."""
    supervisors = reminder_supervisor_emails()
    totals = _ClaimTotals()
    with Overlap(int(reminder_setting("REMINDER_CLAIM_THREADS"))) as claims:
        for candidates in _candidate_batches(today):
            claims.submit(partial(_claim, candidates, supervisor_emails=supervisors), totals.add)
    return totals


# --------------------------------------------------------------------------- compose


def _compose(recipients: Sequence[str], *, today: date) -> list[int]:
    """Put every undigested delivery of these recipients into one new message each."""
    remindable = set(reminder_remindable_statuses())
    with transaction.atomic(), office_language():
        deliveries = ReminderDelivery.objects.filter(
            recipient__in=list(recipients), message__isnull=True
        ).order_by()
        if db_connection.features.has_select_for_update_skip_locked:
            deliveries = deliveries.select_for_update(skip_locked=True, of=("self",))
        rows = list(
            deliveries.values_list(
                "id",
                "recipient",
                "role",
                "log__kind",
                "log__commitment_id",
                "log__commitment__title",
                "log__commitment__deadline",
                "log__commitment__status",
                "log__commitment__lead_unit__name",
            )
        )
        items: dict[str, list[DigestItem]] = defaultdict(list)
        delivery_ids: dict[str, list[int]] = defaultdict(list)
        dropped: list[int] = []
        for delivery_id, recipient, role, kind, cid, title, deadline, status, unit in rows:
            if status not in remindable:
                # Closed or cancelled since it was claimed: the claim stays, nothing is sent.
                dropped.append(delivery_id)
                continue
            items[recipient].append(DigestItem(kind, cid, title, unit, deadline, role))
            delivery_ids[recipient].append(delivery_id)
        if dropped:
            ReminderDelivery.objects.filter(id__in=dropped).delete()
        if not items:
            return []
        writer = DigestWriter(today)
        digests = [(recipient, *writer.render(items[recipient])) for recipient in sorted(items)]
        now = db_connection.ops.adapt_datetimefield_value(timezone.now())
        created = _insert_returning(
            ReminderMessage,
            [
                ("recipient", "text"),
                ("subject", "text"),
                ("body_text", "text"),
                ("body_html", "text"),
            ],
            digests,
            ["id", "recipient"],
            constants=[
                ("status", ReminderMessage.Status.PENDING.value),
                ("attempts", 0),
                ("last_error", ""),
                ("send_token", ""),
                ("sweep_day", db_connection.ops.adapt_datefield_value(today)),
                ("created_at", now),
                ("queued_at", now),
            ],
            on_conflict=False,
        )
        _link_deliveries(
            [
                (delivery, message)
                for message, recipient in created
                for delivery in delivery_ids[recipient]
            ]
        )
        return sorted(message for message, _recipient in created)


def _link_deliveries(pairs: Sequence[tuple[int, int]]) -> None:
    """Set each delivery's message in one UPDATE ... FROM (delivery id, message id) rows.
    Only the rows read (and locked) by this composer are touched: a delivery claimed since
    then is not in the digest and must stay free for the next one."""
    table = _qn(ReminderDelivery._meta.db_table)
    id_column = _column(ReminderDelivery, "id")
    message_column = _column(ReminderDelivery, "message")
    postgresql = db_connection.vendor == "postgresql"
    with db_connection.cursor() as cursor:
        for source, params in _row_sources(pairs, ["bigint", "bigint"]):
            # On PostgreSQL the rows are also named by primary key, so that the planner looks
            # them up rather than hashing every delivery there is to join them.
            by_id = f" AND {table}.{id_column} = ANY(%s::bigint[])" if postgresql else ""
            ids = [_pg_array([delivery for delivery, _message in pairs], "bigint")]
            cursor.execute(
                f"UPDATE {table} SET {message_column} = v.c1 FROM {source} "
                f"WHERE {table}.{id_column} = v.c0{by_id}",
                [*params, *ids] if postgresql else params,
            )


@dataclass
class _ComposeTotals:
    # Digests composed (inline), or compose tasks queued (queue: each composes and sends).
    messages: int = 0
    batches: int = 0


def _compose_all(
    *, today: date, dispatch: Dispatch, only: Iterable[str] | None = None
) -> _ComposeTotals:
    """Compose digests for every recipient with undigested deliveries, a batch at a time."""
    batch = int(reminder_setting("REMINDER_RECIPIENT_BATCH"))
    totals = _ComposeTotals()
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
                totals.messages += 1
                totals.batches += 1
            return totals
    # Inline, the digests of one batch are sent on a second connection while the next batch
    # is composed.
    with Overlap(1 if dispatch == "inline" else 0) as sender:
        for recipients in groups:
            totals.batches += 1
            ids = _compose(recipients, today=today)
            if ids:
                totals.messages += len(ids)
                _dispatch_on_commit(ids, dispatch, sender)
    return totals


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
    """The recipients with undigested deliveries, `size` at a time, in order.

    Each batch is one query that hops from one recipient to the next through the index of
    undigested deliveries (a recursive MIN, so it reads `size` index entries, not every
    undigested delivery as a DISTINCT would, whatever the planner believes of the table)."""
    table = _qn(ReminderDelivery._meta.db_table)
    recipient = _column(ReminderDelivery, "recipient")
    message = _column(ReminderDelivery, "message")
    following = (
        f"SELECT MIN(d.{recipient}) FROM {table} d WHERE d.{message} IS NULL AND d.{recipient} > "
    )
    sql = (
        f"WITH RECURSIVE hops(recipient, n) AS ("
        f"SELECT ({following}%s), 1 "
        f"UNION ALL SELECT ({following}hops.recipient), hops.n + 1 FROM hops "
        f"WHERE hops.recipient IS NOT NULL AND hops.n < %s"
        f") SELECT recipient FROM hops WHERE recipient IS NOT NULL"
    )
    last = ""
    with db_connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last, size])
            recipients = [row[0] for row in cursor.fetchall()]
            if not recipients:
                return
            yield recipients
            last = recipients[-1]


def _dispatch_on_commit(
    message_ids: list[int], dispatch: Dispatch, sender: Overlap | None = None
) -> None:
    if dispatch == "inline":
        send = partial(reminder_messages_send, message_ids=message_ids)
        transaction.on_commit(partial(sender.submit, send) if sender else send)
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
    # Group robots given digests to send (or still sending) by this run.
    robots: int = 0


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
    claimed = _claim_due(today)
    result.claimed = claimed.claimed
    result.without_recipient = claimed.without_recipient
    result.by_kind = dict(claimed.by_kind)
    result.messages = _compose_all(today=today, dispatch=dispatch).messages
    result.requeued = reminder_messages_requeue_stale(dispatch=dispatch)
    result.robots = channel_sweep_finish(today=today, dispatch=dispatch)
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
    if reminder_setting("REMINDER_WORKDAYS_ONLY") and not reminder_is_workday(today):
        preview.skipped = True
        return preview
    supervisors = reminder_supervisor_emails()
    by_kind: dict[str, int] = defaultdict(int)
    recipients: set[str] = set()
    for candidates in _candidate_batches(today):
        ids = [c.id for c, _k, _p in candidates]
        # Claims that found nobody to write to are tried again, so they count as to do.
        taken = set(
            ReminderLog.objects.filter(commitment_id__in=ids)
            .filter(Exists(ReminderDelivery.objects.filter(log_id=OuterRef("pk"))))
            .values_list("commitment_id", "kind", "period")
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
    """催办 now: at most one manual reminder per commitment per day, through the same log.
    A 催办 that found nobody to write to may be repeated the same day once an address exists."""
    today = today or office_today()
    result = ManualResult()
    remindable = set(reminder_remindable_statuses())
    rows = Commitment.objects.filter(id__in=list(commitment_ids)).values_list(
        *CANDIDATE_FIELDS, "status"
    )
    candidates = []
    for *fields, status in rows:
        candidate = Candidate._make(fields)
        if status in remindable:
            candidates.append((candidate, Kind.MANUAL.value, today.isoformat()))
        else:
            result.not_open.append(candidate.id)
    claimed = _claim(candidates, supervisor_emails=reminder_supervisor_emails(), actor=actor)
    claimed_ids = {commitment_id for _id, commitment_id, _kind in claimed.logs}
    nobody = set(claimed.without_recipient)
    result.claimed = sorted(claimed_ids - nobody)
    result.already = sorted(c.id for c, _k, _p in candidates if c.id not in claimed_ids)
    result.without_recipient = sorted(nobody)
    if claimed.recipients:
        _compose_all(today=today, dispatch=dispatch, only=claimed.recipients)
    if claimed.logs:
        channel_sweep_finish(today=today, dispatch=dispatch)
    return result


# --------------------------------------------------------------------------- send


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _take_pending(message_ids: Sequence[int], token: str) -> list[ReminderMessage]:
    """Move the still-pending messages among `message_ids` to `sending` under our token and
    read them, in one UPDATE ... RETURNING per chunk of ids."""
    table = _qn(ReminderMessage._meta.db_table)
    column = partial(_column, ReminderMessage)
    returning = ["id", "recipient", "subject", "body_text", "body_html", "attempts"]
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    ids = list(message_ids)
    step = (db_connection.features.max_query_params or 5000) - 4
    taken: list[ReminderMessage] = []
    with db_connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            cursor.execute(
                f"UPDATE {table} SET {column('status')} = %s, {column('send_token')} = %s, "
                f"{column('sending_since')} = %s, {column('attempts')} = {column('attempts')} + 1 "
                f"WHERE {column('id')} IN ({', '.join(['%s'] * len(chunk))}) "
                f"AND {column('status')} = %s "
                f"RETURNING {', '.join(column(name) for name in returning)}",
                [
                    ReminderMessage.Status.SENDING.value,
                    token,
                    now,
                    *chunk,
                    ReminderMessage.Status.PENDING.value,
                ],
            )
            taken.extend(
                ReminderMessage(**dict(zip(returning, row, strict=True)))
                for row in cursor.fetchall()
            )
    taken.sort(key=lambda m: m.id)
    return taken


def _record_outcomes(
    *,
    token: str,
    accepted: Sequence[int],
    failures: Sequence[tuple[ReminderMessage, str]],
    result: SendResult,
) -> None:
    """One UPDATE for the accepted messages, one for the failed ones, whatever their number."""
    now = timezone.now()
    if accepted:
        ReminderMessage.objects.filter(id__in=list(accepted), send_token=token).update(
            status=ReminderMessage.Status.SENT, sent_at=now, last_error=""
        )
        result.sent.extend(accepted)
    if not failures:
        return
    limit = int(reminder_setting("REMINDER_MAX_ATTEMPTS"))
    final = [m.id for m, _error in failures if m.attempts >= limit]
    ReminderMessage.objects.filter(id__in=[m.id for m, _e in failures], send_token=token).update(
        status=Case(
            When(id__in=final, then=Value(ReminderMessage.Status.FAILED.value)),
            default=Value(ReminderMessage.Status.PENDING.value),
        ),
        last_error=Case(
            *(When(id=m.id, then=Value(error[:2000])) for m, error in failures),
            output_field=models.TextField(),
        ),
        queued_at=now,
        sending_since=None,
    )
    for message, _error in failures:
        (result.failed if message.id in final else result.retry).append(message.id)


def reminder_messages_send(*, message_ids: Sequence[int]) -> SendResult:
    """Send the still-pending messages among `message_ids` over one SMTP connection, marking
    them sent every REMINDER_MARK_SENT_EVERY and recording failures at the end (see the module
    docstring for the one window this leaves, and how it is recovered)."""
    result = SendResult()
    token = uuid.uuid4().hex
    messages = _take_pending(message_ids, token)
    if not messages:
        return result
    outbox = ReminderOutbox()
    mark_every = max(1, int(reminder_setting("REMINDER_MARK_SENT_EVERY")))
    accepted: list[int] = []
    failures: list[tuple[ReminderMessage, str]] = []
    try:
        for message in messages:
            try:
                outbox.send(message)
            except Exception as exc:  # one recipient must not stop the others
                logger.warning("reminder %s to %s failed: %s", message.id, message.recipient, exc)
                failures.append((message, f"{type(exc).__name__}: {exc}"))
                outbox.reset()
            else:
                accepted.append(message.id)
                if len(accepted) >= mark_every:
                    # Keeps the accepted-but-unrecorded window (module docstring) small.
                    _record_outcomes(token=token, accepted=accepted, failures=(), result=result)
                    accepted = []
    finally:
        # Also when the task is interrupted: what the server accepted is recorded now, the
        # rest stays `sending` until the lease runs out.
        outbox.close()
        _record_outcomes(token=token, accepted=accepted, failures=failures, result=result)
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
