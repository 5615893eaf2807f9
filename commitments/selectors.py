"""Every named read of the ledger."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    CalendarToken,
    Commitment,
    DeadlineExtension,
    Directive,
    Evidence,
    ProgressUpdate,
    Unit,
)
from .querysets import GREY_STATUSES, REPORT_CYCLE_DAYS, REPORTING_STATUSES, CommitmentQuerySet


def office_today(now: datetime | None = None) -> date:
    """Today (or the day of `now`) in the office's time zone (settings.TIME_ZONE).

    The office's zone, not the request's: a deadline is a day on the office's calendar.
    """
    return timezone.localdate(now, timezone=timezone.get_default_timezone())


def user_is_supervisor(user: User | AnonymousUser) -> bool:
    """Supervisors (the activity office) see and act on everything."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    # Set by the API's token authentication, which reads it in the same query as the user.
    known = getattr(user, SUPERVISOR_FLAG, None)
    if known is not None:
        return bool(known)
    found = Unit.objects.filter(members=user, is_supervisor=True).exists()
    # Remembered on this user object (one request's request.user): a page asks many times.
    setattr(user, SUPERVISOR_FLAG, found)
    return found


SUPERVISOR_FLAG = "_ledger_is_supervisor"


def supervisor_flag_expression(user: str = "pk") -> Exists:
    """`user_is_supervisor` as a subquery; `user` names the outer query's user column."""
    return Exists(Unit.objects.filter(members=OuterRef(user), is_supervisor=True))


def commitment_list_for(
    user: User | AnonymousUser, *, base: CommitmentQuerySet | None = None
) -> CommitmentQuerySet:
    """The commitments a user may see: all for supervisors, else their units' (and sub-units').

    `base` narrows or shapes the rows (e.g. the API list's named tuples); default: all
    commitments.
    """
    qs: CommitmentQuerySet = Commitment.objects.all() if base is None else base
    if user_is_supervisor(user):
        return qs
    unit_ids = (
        Unit.objects.descendant_ids(Unit.objects.filter(members=user).values_list("id", flat=True))
        if user.is_authenticated
        else set()
    )
    return qs.for_units(unit_ids)


def unit_ids_of_member(user: User | AnonymousUser) -> set[int]:
    """The ids of the units a user belongs to, with their sub-units (empty when anonymous)."""
    if not user.is_authenticated:
        return set()
    return Unit.objects.descendant_ids(
        Unit.objects.filter(members=user).values_list("id", flat=True)
    )


def unit_ids_named(word: str) -> QuerySet:
    """Ids of the units whose name contains `word` (any case)."""
    return Unit.objects.filter(name__icontains=word).values_list("id", flat=True)


def unit_list_for(user: User | AnonymousUser) -> QuerySet[Unit]:
    """The units a user may look at: all for supervisors, else their own units and sub-units."""
    if user_is_supervisor(user):
        return Unit.objects.all()
    return Unit.objects.filter(id__in=unit_ids_of_member(user))


def progress_list_for(user: User | AnonymousUser) -> QuerySet[ProgressUpdate]:
    """Progress reports on the commitments `user` may see."""
    qs = ProgressUpdate.objects.all()
    if user_is_supervisor(user):
        return qs
    return qs.filter(commitment__in=commitment_list_for(user).values("id"))


# Unit members keep their own description and name the person in charge; the office owns
# the rest (who leads, by when, what is published).
UNIT_MEMBER_WRITABLE_FIELDS = frozenset({"description", "responsible"})
# In the order the API documents them (CommitmentWriteSerializer's fields).
COMMITMENT_WRITABLE_FIELDS = (
    "title",
    "description",
    "lead_unit",
    "co_units",
    "responsible",
    "deadline",
    "deadline_text",
    "deadline_pending",
    "report_cycle",
    "is_public",
    "document",
    "directive",
)
SUPERVISOR_WRITABLE_FIELDS = frozenset(COMMITMENT_WRITABLE_FIELDS)


def commitment_fields_writable_by(
    user: User | AnonymousUser, commitment: Commitment | None
) -> frozenset[str]:
    """The fields `user` may write when creating (`commitment` None) or editing a commitment."""
    if user_is_supervisor(user):
        return SUPERVISOR_WRITABLE_FIELDS
    if commitment is not None and commitment.lead_unit_id in unit_ids_of_member(user):
        return UNIT_MEMBER_WRITABLE_FIELDS
    return frozenset()


def user_may_create_commitments(user: User | AnonymousUser) -> bool:
    return user_is_supervisor(user)


def responsible_candidates(commitment: Commitment) -> QuerySet:
    """Who may be named responsible by a unit member: members of the lead unit or its sub-units."""
    from django.contrib.auth import get_user_model

    units = Unit.objects.descendant_ids([commitment.lead_unit_id])
    return get_user_model().objects.filter(units__id__in=units).distinct()


# --- Performance statistics (业绩榜, dashboard, API summaries) -----------------------------------


@dataclass(frozen=True)
class PerformanceRow:
    """How one unit (or document) is doing. `done` means verified or closed."""

    key: int | None
    name: str
    total: int
    open: int
    overdue: int
    done: int
    done_on_time: int
    done_late: int
    completion_rate: float
    rank: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def completion_percent(self) -> float:
        return round(self.completion_rate * 100, 1)


def _performance_counts(today: date) -> dict[str, Count]:
    status = Commitment.Status
    return {
        "total": Count("id", filter=~Q(status=status.CANCELLED)),
        "open_count": Count("id", filter=Q(status__in=Commitment.OPEN_STATUSES)),
        "overdue": Count("id", filter=Q(status__in=Commitment.OPEN_STATUSES, deadline__lt=today)),
        "done": Count("id", filter=Q(status__in=Commitment.FINISHED_STATUSES)),
        # Late only when the workflow recorded it so: finished work without a deadline is on time.
        "done_late": Count(
            "id", filter=Q(status__in=Commitment.FINISHED_STATUSES, finished_on_time=False)
        ),
    }


def _performance_rows(
    *, group: str, label: str, today: date, commitments: QuerySet | None
) -> list[PerformanceRow]:
    base = Commitment.objects.all()
    if commitments is not None:
        # A subquery keeps the count right when the scope joins co-units (distinct rows).
        base = base.filter(id__in=commitments.values("id"))
    rows = (
        base.exclude(**{f"{group}__isnull": True})
        .values(group, label)
        .annotate(**_performance_counts(today))
        .order_by()
    )
    result = []
    for row in rows:
        total = row["total"]
        if total == 0:
            continue
        result.append(
            PerformanceRow(
                key=row[group],
                name=row[label],
                total=total,
                open=row["open_count"],
                overdue=row["overdue"],
                done=row["done"],
                done_on_time=row["done"] - row["done_late"],
                done_late=row["done_late"],
                completion_rate=round(row["done"] / total, 4),
            )
        )
    return _ranked(result)


def _ranked(rows: list[PerformanceRow]) -> list[PerformanceRow]:
    """业绩榜 order: completion rate, fewer overdue, more done on time; ties share a rank."""

    def sort_key(r: PerformanceRow) -> tuple:
        return (-r.completion_rate, r.overdue, -r.done_on_time, r.name)

    def merit(r: PerformanceRow) -> tuple:
        return (r.completion_rate, -r.overdue, r.done_on_time)

    ordered = sorted(rows, key=sort_key)
    ranked: list[PerformanceRow] = []
    for position, row in enumerate(ordered, start=1):
        rank = ranked[-1].rank if ranked and merit(ranked[-1]) == merit(row) else position
        ranked.append(replace(row, rank=rank))
    return ranked


def unit_performance(*, today: date, commitments: QuerySet | None = None) -> list[PerformanceRow]:
    """Per lead unit, ranked (业绩榜). One query. `commitments` narrows the scope if given."""
    return _performance_rows(
        group="lead_unit", label="lead_unit__name", today=today, commitments=commitments
    )


def document_performance(
    *, today: date, commitments: QuerySet | None = None
) -> list[PerformanceRow]:
    """Per source document, ranked the same way. One query."""
    return _performance_rows(
        group="document", label="document__title", today=today, commitments=commitments
    )


def performance_totals(rows: list[PerformanceRow]) -> PerformanceRow:
    """All rows added up, for the summary line of a table."""
    total = sum(r.total for r in rows)
    done = sum(r.done for r in rows)
    return PerformanceRow(
        key=None,
        name=str(_("合计")),
        total=total,
        open=sum(r.open for r in rows),
        overdue=sum(r.overdue for r in rows),
        done=done,
        done_on_time=sum(r.done_on_time for r in rows),
        done_late=sum(r.done_late for r in rows),
        completion_rate=round(done / total, 4) if total else 0.0,
    )


def public_commitments() -> QuerySet[Commitment]:
    """What the office publishes (向社会公开): public, not cancelled, with the latest public note.

    Carries no personal data on purpose: callers must not reach for the responsible person.
    """
    latest_public = ProgressUpdate.objects.filter(
        commitment=OuterRef("pk"), is_public=True
    ).order_by("-created_at", "-id")
    return (
        Commitment.objects.public()
        .select_related("lead_unit", "document")
        .annotate(
            public_note=Subquery(latest_public.values("text")[:1]),
            public_note_at=Subquery(latest_public.values("created_at")[:1]),
        )
        .order_by("lead_unit__name", "deadline", "id")
    )


def public_commitment_units() -> QuerySet[Unit]:
    """The units that lead at least one published commitment, by name: /public/'s index."""
    published = Commitment.objects.public().filter(lead_unit=OuterRef("pk"))
    return Unit.objects.filter(Exists(published)).order_by("name", "id").only("id", "name")


def evidence_visible_to(user: User | AnonymousUser) -> QuerySet[Evidence]:
    """The evidence files a user may download: those of the commitments they may see."""
    return Evidence.objects.filter(commitment__in=commitment_list_for(user).values("id"))


def _thresholds(commitment: Commitment) -> tuple[int, int]:
    document = commitment.document
    return light_thresholds(
        getattr(document, "due_soon_days", None), getattr(document, "stale_report_days", None)
    )


def light_thresholds(due_soon_days: int | None, stale_report_days: int | None) -> tuple[int, int]:
    """A document's (due-soon, stale-report) days, the office's defaults where it sets none."""
    return (
        settings.LEDGER["DUE_SOON_DAYS"] if due_soon_days is None else due_soon_days,
        settings.LEDGER["STALE_REPORT_DAYS"] if stale_report_days is None else stale_report_days,
    )


def _report_baseline_moment(commitment: Commitment) -> datetime | None:
    return (
        commitment.last_progress_at
        or commitment.accepted_at
        or commitment.assigned_at
        or commitment.created_at
    )


def _report_baseline_day(commitment: Commitment) -> date | None:
    moment = _report_baseline_moment(commitment)
    return office_today(moment) if moment else None


def traffic_light(commitment: Commitment, today: date) -> str:
    """ "red" | "yellow" | "green" | "grey", never typed by hand.

    Same rule as `CommitmentQuerySet.with_traffic_light` (which documents it); this one is for
    a single commitment already in memory.
    """
    return light_rule(
        status=commitment.status,
        deadline=commitment.deadline,
        completed_on=commitment.completed_on,
        report_baseline=_report_baseline_moment(commitment),
        thresholds=_thresholds(commitment),
        today=today,
    )


_LIGHT_REPORTING_STATUSES = frozenset((*REPORTING_STATUSES, Commitment.Status.ASSIGNED))


def light_rule(
    *,
    status: str,
    deadline: date | None,
    completed_on: date | None,
    report_baseline: datetime | None,
    thresholds: tuple[int, int],
    today: date,
) -> str:
    """`traffic_light` on plain values, for callers that read rows without model instances.

    `report_baseline` is the last progress report, else acceptance, assignment or creation;
    `thresholds` is `light_thresholds(...)` of the commitment's document.
    """
    if status in GREY_STATUSES:
        return "grey"
    if status == Commitment.Status.SUBMITTED:
        late = deadline is not None and completed_on is not None and completed_on > deadline
        return "red" if late else "green"
    due_soon, stale = thresholds
    if deadline is not None and deadline < today:
        return "red"
    if deadline is not None and deadline <= today + timedelta(days=due_soon):
        return "yellow"
    if (
        status in _LIGHT_REPORTING_STATUSES
        and report_baseline is not None
        and office_today(report_baseline) + timedelta(days=stale) <= today
    ):
        return "yellow"
    return "green"


def report_is_missing(commitment: Commitment, today: date) -> bool:
    """Whether a required weekly/monthly/quarterly report is overdue (see `reports_missing`)."""
    days = REPORT_CYCLE_DAYS.get(commitment.report_cycle)
    if days is None or commitment.status not in REPORTING_STATUSES:
        return False
    baseline = _report_baseline_day(commitment)
    return baseline is not None and baseline < today - timedelta(days=days)


def on_time_deadline(commitment: Commitment) -> date | None:
    """The deadline the finished work is judged against.

    Start from the deadline in force before any approved extension (the first approved
    extension's `deadline_before`, else the commitment's deadline). Walk the approved
    extensions in the order they were approved; an extension moves the deadline only if it
    was approved
    - on or before the day the work was completed (`completed_on`): a later approval was not
      in force when the work was done; and
    - on or before the deadline then in force (a deadline day lasts until 23:59 in the
      office's zone): once that deadline has passed the work is late, and an extension
      approved afterwards does not make it on time. The walk stops at the first such approval.
    """
    approved = list(
        DeadlineExtension.objects.filter(
            commitment_id=commitment.pk, status=DeadlineExtension.Status.APPROVED
        ).order_by("decided_at", "id")
    )
    deadline = approved[0].deadline_before if approved else commitment.deadline
    for extension in approved:
        assert extension.decided_at is not None
        decided_on = office_today(extension.decided_at)
        if commitment.completed_on is not None and decided_on > commitment.completed_on:
            break
        if deadline is None or decided_on > deadline:
            break
        deadline = extension.requested_deadline
    return deadline


def on_time_statistics(commitments: CommitmentQuerySet) -> dict[str, Any]:
    """Finished (verified or closed) commitments: how many on time, late, without a deadline.

    One query; relies on `finished_on_time`, set by the workflow when the work is verified.
    """
    counts = commitments.finished().aggregate(
        finished=Count("id"),
        on_time=Count("id", filter=Q(finished_on_time=True)),
        late=Count("id", filter=Q(finished_on_time=False)),
        no_deadline=Count("id", filter=Q(finished_on_time__isnull=True)),
    )
    judged = counts["on_time"] + counts["late"]
    counts["on_time_rate"] = counts["on_time"] / judged if judged else None
    return counts


def extension_statistics(commitments: QuerySet[Commitment]) -> dict[str, int]:
    """How often these commitments asked for more time, and what the office decided."""
    extensions = DeadlineExtension.objects.filter(commitment__in=commitments.values("id"))
    return extensions.aggregate(
        requested=Count("id"),
        pending=Count("id", filter=Q(status=DeadlineExtension.Status.PENDING)),
        approved=Count("id", filter=Q(status=DeadlineExtension.Status.APPROVED)),
        rejected=Count("id", filter=Q(status=DeadlineExtension.Status.REJECTED)),
        commitments_extended=Count(
            "commitment", filter=Q(status=DeadlineExtension.Status.APPROVED), distinct=True
        ),
    )


def pending_extensions_for(user: User | AnonymousUser) -> QuerySet[DeadlineExtension]:
    """Extension requests waiting for a decision, on commitments the user may see."""
    return DeadlineExtension.objects.filter(
        status=DeadlineExtension.Status.PENDING,
        commitment__in=commitment_list_for(user).values("id"),
    ).select_related("commitment", "requested_by")


def traffic_light_counts(*, today: date, commitments: QuerySet | None = None) -> dict[str, int]:
    """How many commitments show each light today ("red", "yellow", "green", "grey"). One query."""
    base = Commitment.objects.all()
    if commitments is not None:
        base = base.filter(id__in=commitments.values("id"))
    counts = dict.fromkeys(("red", "yellow", "green", "grey"), 0)
    rows = base.with_traffic_light(today).values("traffic_light").annotate(n=Count("id")).order_by()
    for row in rows:
        counts[row["traffic_light"]] = row["n"]
    return counts


@dataclass(frozen=True)
class TrendPoint:
    week_start: date
    due: int
    completed: int
    completed_on_time: int


def weekly_trend(
    *, today: date, weeks: int = 12, commitments: QuerySet | None = None
) -> list[TrendPoint]:
    """Per week (Monday first), the last `weeks` weeks: commitments due vs completed. Two queries.

    "Due" counts every deadline of the week, the current week's later days too; "completed"
    counts verified or closed work by the day it was completed.
    """
    base = Commitment.objects.exclude(status=Commitment.Status.CANCELLED)
    if commitments is not None:
        base = base.filter(id__in=commitments.values("id"))
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    due: dict[date, int] = dict.fromkeys(starts, 0)
    done: dict[date, int] = dict.fromkeys(starts, 0)
    on_time: dict[date, int] = dict.fromkeys(starts, 0)

    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    # Grouping by day in SQL and by week here keeps it portable (SQLite has no week truncation
    # for dates in every version) and the row count is bounded by the number of days.
    for day, n in (
        base.filter(deadline__gte=first, deadline__lte=starts[-1] + timedelta(days=6))
        .values_list("deadline")
        .annotate(n=Count("id"))
        .order_by()
    ):
        due[monday(day)] += n
    for day, n, late in (
        base.filter(
            status__in=Commitment.FINISHED_STATUSES,
            completed_on__gte=first,
            completed_on__lte=today,
        )
        .values_list("completed_on")
        .annotate(n=Count("id"), late=Count("id", filter=Q(finished_on_time=False)))
        .order_by()
    ):
        done[monday(day)] += n
        on_time[monday(day)] += n - late
    return [TrendPoint(s, due[s], done[s], on_time[s]) for s in starts]


def dashboard_figures(
    *, today: date, commitments: QuerySet | None, document: str = ""
) -> dict[str, Any]:
    """Everything 业绩看板 draws, over `commitments` (None: all), narrowed to `document` (an
    id as text, "" for all) when it is one of theirs. Five queries at any ledger size."""
    documents = document_performance(today=today, commitments=commitments)
    selected = next((d for d in documents if str(d.key) == document), None)
    if selected is not None:
        base = Commitment.objects.all() if commitments is None else commitments
        commitments = base.filter(document_id=selected.key)
    return {
        "documents": documents,
        "selected": selected,
        "units": unit_performance(today=today, commitments=commitments),
        "lights": traffic_light_counts(today=today, commitments=commitments),
        "trend": weekly_trend(today=today, weeks=12, commitments=commitments),
        "computed_at": timezone.now(),
    }


def calendar_token_active(raw: str) -> CalendarToken | None:
    """The unrevoked token behind a feed URL's secret, if any."""
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return (
        CalendarToken.objects.select_related("unit", "user")
        .filter(token_hash=digest, revoked_at__isnull=True)
        .first()
    )


def calendar_commitments(token: CalendarToken) -> QuerySet[Commitment]:
    """Open commitments with a deadline: a unit's (with sub-units, led or supported) or a
    person's."""
    qs = Commitment.objects.open().filter(deadline__isnull=False).select_related("lead_unit")
    if token.unit_id is not None:
        qs = qs.for_units(Unit.objects.descendant_ids([token.unit_id]))
    else:
        qs = qs.filter(responsible_id=token.user_id)
    return qs.order_by("deadline", "id")


def commitment_draft_from_directive(directive: Directive) -> dict[str, Any]:
    """What a new commitment for `directive` starts from: its words, deadline and owner.

    For a task the importer could not give an owner (or whose owner needs a second
    commitment): the office opens the add form with these values and completes it. The lead
    unit is filled in only when a unit bears exactly the first name the source gives.
    """
    title = directive.text if len(directive.text) <= 300 else directive.text[:299] + "…"
    draft: dict[str, Any] = {
        "title": title,
        "document": directive.document_id,
        "directive": directive.pk,
        "deadline": directive.deadline,
        "deadline_text": directive.deadline_text,
        "deadline_pending": directive.deadline_pending,
    }
    names = [name for name in directive.owner_names if isinstance(name, str)]
    if names:
        lead = Unit.objects.filter(name=names[0]).values_list("id", flat=True).first()
        if lead is not None:
            draft["lead_unit"] = lead
    return {key: value for key, value in draft.items() if value not in (None, "")}
