"""The traffic light (红黄绿灯) of a commitment, on a model instance or on plain row values.

The rule is documented once, at `CommitmentQuerySet.with_traffic_light` (its SQL twin, for lists
that filter and order on it); `light_rule` is the same rule in Python.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet

from ..choices import (
    ENDED_STATUSES,
    REMINDABLE_STATUSES,
    REPORT_CYCLE_DAYS,
    WORKING_STATUSES,
    Status,
    TrafficLight,
)
from ..models import Commitment
from ..querysets import light_thresholds
from .office import office_today


def _thresholds(commitment: Commitment) -> tuple[int, int]:
    document = commitment.document
    return light_thresholds(
        getattr(document, "due_soon_days", None), getattr(document, "stale_report_days", None)
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
    """The commitment's TrafficLight value, never typed by hand.

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
    if status in ENDED_STATUSES:
        return TrafficLight.GREY
    if status == Status.SUBMITTED:
        late = deadline is not None and completed_on is not None and completed_on > deadline
        return TrafficLight.RED if late else TrafficLight.GREEN
    if deadline is None:
        return TrafficLight.INCOMPLETE
    due_soon, stale = thresholds
    if deadline < today:
        return TrafficLight.RED
    if deadline <= today + timedelta(days=due_soon):
        return TrafficLight.YELLOW
    if (
        status in REMINDABLE_STATUSES
        and report_baseline is not None
        and office_today(report_baseline) + timedelta(days=stale) <= today
    ):
        return TrafficLight.YELLOW
    return TrafficLight.GREEN


def report_is_missing(commitment: Commitment, today: date) -> bool:
    """Whether a required weekly/monthly/quarterly report is overdue (see `reports_missing`)."""
    days = REPORT_CYCLE_DAYS.get(commitment.report_cycle)
    if days is None or commitment.status not in WORKING_STATUSES:
        return False
    baseline = _report_baseline_day(commitment)
    return baseline is not None and baseline < today - timedelta(days=days)


def traffic_light_counts(*, today: date, commitments: QuerySet | None = None) -> dict[str, int]:
    """How many commitments show each light today ({TrafficLight value: count}). One query."""
    base = Commitment.objects.all()
    if commitments is not None:
        base = base.filter(id__in=commitments.values("id"))
    counts = dict.fromkeys(TrafficLight.values, 0)
    rows = base.with_traffic_light(today).values("traffic_light").annotate(n=Count("id")).order_by()
    for row in rows:
        counts[row["traffic_light"]] = row["n"]
    return counts
