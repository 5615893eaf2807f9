"""Performance statistics: the 业绩榜, the dashboard, the API summaries, on-time figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import FINISHED_STATUSES, OPEN_STATUSES, Status
from ..models import Commitment, DeadlineExtension
from ..querysets import CommitmentQuerySet
from .figures import GroupCounts, tally_counts, tally_days
from .lights import traffic_light_counts
from .office import office_today


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
    status = Status
    return {
        "total": Count("id", filter=~Q(status=status.CANCELLED)),
        "open_count": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=today)),
        "done": Count("id", filter=Q(status__in=FINISHED_STATUSES)),
        # Late only when the workflow recorded it so: finished work without a deadline is on time.
        "done_late": Count("id", filter=Q(status__in=FINISHED_STATUSES, finished_on_time=False)),
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
    return _ranked(
        [
            _performance_row(
                row[group],
                GroupCounts(
                    name=row[label],
                    total=row["total"],
                    open=row["open_count"],
                    overdue=row["overdue"],
                    done=row["done"],
                    done_late=row["done_late"],
                ),
            )
            for row in rows
            if row["total"]
        ]
    )


def _performance_row(key: int, counts: GroupCounts) -> PerformanceRow:
    return PerformanceRow(
        key=key,
        name=counts.name,
        total=counts.total,
        open=counts.open,
        overdue=counts.overdue,
        done=counts.done,
        done_on_time=counts.done - counts.done_late,
        done_late=counts.done_late,
        completion_rate=round(counts.done / counts.total, 4),
    )


def _tally_rows(groups: dict[int, GroupCounts]) -> list[PerformanceRow]:
    return _ranked([_performance_row(k, c) for k, c in groups.items() if c.total])


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
    base = Commitment.objects.exclude(status=Status.CANCELLED)
    if commitments is not None:
        base = base.filter(id__in=commitments.values("id"))
    starts = _trend_weeks(today, weeks)
    first = starts[0]
    due: dict[date, int] = dict.fromkeys(starts, 0)
    done: dict[date, int] = dict.fromkeys(starts, 0)
    on_time: dict[date, int] = dict.fromkeys(starts, 0)

    # Grouping by day in SQL and by week here keeps it portable (SQLite has no week truncation
    # for dates in every version) and the row count is bounded by the number of days.
    for day, n in (
        base.filter(deadline__gte=first, deadline__lte=starts[-1] + timedelta(days=6))
        .values_list("deadline")
        .annotate(n=Count("id"))
        .order_by()
    ):
        due[_monday(day)] += n
    for day, n, late in (
        base.filter(
            status__in=FINISHED_STATUSES,
            completed_on__gte=first,
            completed_on__lte=today,
        )
        .values_list("completed_on")
        .annotate(n=Count("id"), late=Count("id", filter=Q(finished_on_time=False)))
        .order_by()
    ):
        done[_monday(day)] += n
        on_time[_monday(day)] += n - late
    return [TrendPoint(s, due[s], done[s], on_time[s]) for s in starts]


def _trend_weeks(today: date, weeks: int) -> list[date]:
    first = _monday(today) - timedelta(weeks=weeks - 1)
    return [first + timedelta(weeks=i) for i in range(weeks)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _tally_trend(today: date, weeks: int) -> list[TrendPoint]:
    """`weekly_trend` of the whole ledger from the tally's days: one query."""
    starts = _trend_weeks(today, weeks)
    due, completed, late = tally_days(starts[0], starts[-1] + timedelta(days=6), today)
    points = {s: [0, 0, 0] for s in starts}
    for day, n in due.items():
        points[_monday(day)][0] += n
    for day, n in completed.items():
        points[_monday(day)][1] += n
        points[_monday(day)][2] += n - late[day]
    return [TrendPoint(s, *points[s]) for s in starts]


def dashboard_figures(
    *, today: date, commitments: QuerySet | None, document: str = ""
) -> dict[str, Any]:
    """Everything 业绩看板 draws, over `commitments` (None: all), narrowed to `document` (an
    id as text, "" for all) when it is one of theirs.

    The whole ledger (None) is read from the running tally where it is current
    (`selectors.figures`; `services.figures.figure_tally_refresh` keeps it so): four queries
    reading about one row per unit, document and day shown, at any ledger size. Otherwise,
    and for one document's commitments, five queries counting the commitments in scope.
    """
    tally = tally_counts(today) if commitments is None else None
    if tally is not None:
        documents = _tally_rows(tally.documents)
    else:
        documents = document_performance(today=today, commitments=commitments)
    selected = next((d for d in documents if str(d.key) == document), None)
    if selected is not None:
        base = Commitment.objects.all() if commitments is None else commitments
        commitments = base.filter(document_id=selected.key)
    elif tally is not None:
        return {
            "documents": documents,
            "selected": None,
            "units": _tally_rows(tally.units),
            "lights": tally.lights,
            "trend": _tally_trend(today, 12),
            "computed_at": timezone.now(),
        }
    return {
        "documents": documents,
        "selected": selected,
        "units": unit_performance(today=today, commitments=commitments),
        "lights": traffic_light_counts(today=today, commitments=commitments),
        "trend": weekly_trend(today=today, weeks=12, commitments=commitments),
        "computed_at": timezone.now(),
    }
