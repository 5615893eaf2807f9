"""Every named read of the ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Commitment, ProgressUpdate, Unit
from .querysets import CommitmentQuerySet


def office_today() -> date:
    """Today in the office's time zone (settings.TIME_ZONE, Asia/Shanghai by default)."""
    return timezone.localdate()


def user_is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors (the activity office) see and act on everything."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Unit.objects.filter(members=user, is_supervisor=True).exists()


def commitment_list_for(user: AbstractBaseUser | AnonymousUser) -> CommitmentQuerySet:
    """The commitments a user may see: all for supervisors, else their units' (and sub-units')."""
    qs: CommitmentQuerySet = Commitment.objects.all()
    if user_is_supervisor(user):
        return qs
    unit_ids = (
        Unit.objects.descendant_ids(Unit.objects.filter(members=user).values_list("id", flat=True))
        if user.is_authenticated
        else set()
    )
    return qs.for_units(unit_ids)


def unit_ids_of_member(user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The ids of the units a user belongs to, with their sub-units (empty when anonymous)."""
    if not user.is_authenticated:
        return set()
    return Unit.objects.descendant_ids(
        Unit.objects.filter(members=user).values_list("id", flat=True)
    )


def unit_list_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Unit]:
    """The units a user may look at: all for supervisors, else their own units and sub-units."""
    if user_is_supervisor(user):
        return Unit.objects.all()
    return Unit.objects.filter(id__in=unit_ids_of_member(user))


def progress_list_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ProgressUpdate]:
    """Progress reports on the commitments `user` may see."""
    qs = ProgressUpdate.objects.all()
    if user_is_supervisor(user):
        return qs
    return qs.filter(commitment__in=commitment_list_for(user).values("id"))


# Unit members keep their own description and name the person in charge; the office owns
# the rest (who leads, by when, what is published).
UNIT_MEMBER_WRITABLE_FIELDS = frozenset({"description", "responsible"})
SUPERVISOR_WRITABLE_FIELDS = frozenset(
    {
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
    }
)


def commitment_fields_writable_by(
    user: AbstractBaseUser | AnonymousUser, commitment: Commitment | None
) -> frozenset[str]:
    """The fields `user` may write when creating (`commitment` None) or editing a commitment."""
    if user_is_supervisor(user):
        return SUPERVISOR_WRITABLE_FIELDS
    if commitment is not None and commitment.lead_unit_id in unit_ids_of_member(user):
        return UNIT_MEMBER_WRITABLE_FIELDS
    return frozenset()


def user_may_create_commitments(user: AbstractBaseUser | AnonymousUser) -> bool:
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
