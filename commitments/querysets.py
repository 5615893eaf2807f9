"""Table-wide questions asked of units and commitments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from .choices import (
    ENDED_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    REMINDABLE_STATUSES,
    REPORT_CYCLE_DAYS,
    WORKING_STATUSES,
    Status,
    TrafficLight,
)
from .search import text_search_condition

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


# Lists (the admin's, /public/) read overdue work first; needs CommitmentQuerySet.overdue_first.
OVERDUE_FIRST_ORDER = ("overdue_rank", F("deadline").asc(nulls_last=True), "id")


class AddDays(models.Func):
    """date + n days, n an integer expression; for SQLite and PostgreSQL.

    Django cannot portably add an integer column of days to a date (SQLite has no interval
    type), and the traffic light needs it for the per-document thresholds.
    """

    arity = 2
    output_field = models.DateField()

    def as_sql(  # type: ignore[override]  # a fixed template: no function/template arguments
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        n_sql, n_params = compiler.compile(self.source_expressions[1])
        return f"(CAST({day_sql} AS date) + CAST({n_sql} AS integer))", [*day_params, *n_params]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        n_sql, n_params = compiler.compile(self.source_expressions[1])
        return f"date({day_sql}, ({n_sql}) || ' days')", [*day_params, *n_params]


def light_thresholds(due_soon_days: int | None, stale_report_days: int | None) -> tuple[int, int]:
    """A document's (due-soon, stale-report) days, the office's defaults where it sets none."""
    return (
        settings.LEDGER["DUE_SOON_DAYS"] if due_soon_days is None else due_soon_days,
        settings.LEDGER["STALE_REPORT_DAYS"] if stale_report_days is None else stale_report_days,
    )


def report_baseline() -> Coalesce:
    """When the unit last showed life: its last report, else when it signed for or got the work."""
    return Coalesce("last_progress_at", "accepted_at", "assigned_at", "created_at")


def due_soon_condition(today: date) -> Q:
    """临期: open, due from today up to the document's (else the office's) due-soon days."""
    due_soon = Coalesce(F("document__due_soon_days"), Value(settings.LEDGER["DUE_SOON_DAYS"]))
    return Q(status__in=OPEN_STATUSES, deadline__gte=today) & Q(
        LessThanOrEqual(
            F("deadline"), AddDays(Value(today, output_field=models.DateField()), due_soon)
        )
    )


def silent_condition(today: date) -> Q:
    """无进展: work the unit holds with no report (or hand-off, signature) for the document's
    (else the office's) stale-report days: the traffic light's second yellow."""
    stale = Coalesce(F("document__stale_report_days"), Value(settings.LEDGER["STALE_REPORT_DAYS"]))
    baseline_day = TruncDate(report_baseline(), tzinfo=timezone.get_default_timezone())
    return Q(status__in=REMINDABLE_STATUSES) & Q(
        LessThanOrEqual(AddDays(baseline_day, stale), Value(today, output_field=models.DateField()))
    )


class UnitQuerySet(models.QuerySet):
    def refuse_if_supporting(self) -> None:
        """Raise ProtectedError if one of these units supports a commitment: the lead unit is
        protected by its foreign key, a co-unit only by this (its link would silently go).
        Checked before Django's delete opens its transaction, so the caller's stays usable."""
        through = self.model.supported_commitments.through
        found = list(through.objects.filter(unit_id__in=self.values("pk"))[:1])
        if found:
            raise models.ProtectedError(
                "units that support commitments cannot be deleted", {found[0].commitment}
            )

    def delete(self) -> tuple[int, dict[str, int]]:
        self.refuse_if_supporting()
        return super().delete()

    def descendant_ids(self, root_ids: Iterable[int]) -> set[int]:
        """The given units and every unit below them, one query per level of the hierarchy."""
        found = set(root_ids)
        frontier = set(found)
        while frontier:
            frontier = set(self.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
            found |= frontier
        return found

    def of_member(self, user: User | AnonymousUser) -> UnitQuerySet:
        """The units a user belongs to, with their sub-units."""
        if not user.is_authenticated:
            return self.none()
        direct = self.filter(members=user).values_list("id", flat=True)
        return self.filter(id__in=self.descendant_ids(direct))


class CommitmentQuerySet(models.QuerySet):
    def open(self) -> CommitmentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def finished(self) -> CommitmentQuerySet:
        return self.filter(status__in=FINISHED_STATUSES)

    def overdue(self, today: date) -> CommitmentQuerySet:
        return self.open().filter(deadline__lt=today)

    def due_within(self, today: date, days: int) -> CommitmentQuerySet:
        """Open commitments due from today up to `days` days ahead (not yet overdue)."""
        return self.open().filter(deadline__gte=today, deadline__lte=today + timedelta(days=days))

    def due_soon(self, today: date) -> CommitmentQuerySet:
        return self.filter(due_soon_condition(today))

    def silent(self, today: date) -> CommitmentQuerySet:
        return self.filter(silent_condition(today))

    def public(self) -> CommitmentQuerySet:
        return self.filter(is_public=True).exclude(status=Status.CANCELLED)

    def for_units(self, unit_ids: Iterable[int]) -> CommitmentQuerySet:
        """Commitments a unit leads or supports.

        EXISTS rather than a join: no duplicate rows, so no DISTINCT, which on a large table
        sorts every visible row before a page of them can be returned.
        """
        ids = list(unit_ids)
        supports = self.model.co_units.through.objects.filter(
            commitment_id=models.OuterRef("pk"), unit_id__in=ids
        )
        return self.filter(Q(lead_unit_id__in=ids) | Q(models.Exists(supports)))

    def search(self, text: str, *, also: Callable[[str], Q] | None = None) -> CommitmentQuerySet:
        """Every word of `text` in the title or description (index-served, see search.py)."""
        vendor = connections[self.db].vendor
        return self.filter(text_search_condition(text, vendor=vendor, also=also))

    def search_published(self, text: str) -> CommitmentQuerySet:
        """Every word of `text` in the title or the confirmed public description: what anyone
        may search. Index-served for published work (`public()`), see search.py."""
        vendor = connections[self.db].vendor
        return self.filter(text_search_condition(text, vendor=vendor, published=True))

    def overdue_first(self, today: date) -> CommitmentQuerySet:
        """Annotate `overdue_rank` and order as lists read: overdue work first, then by
        deadline, no deadline last (ties by id)."""
        rank = Case(
            When(status__in=OPEN_STATUSES, deadline__lt=today, then=Value(0)),
            default=Value(1),
            output_field=models.IntegerField(),
        )
        return self.annotate(overdue_rank=rank).order_by(*OVERDUE_FIRST_ORDER)

    def with_related(self) -> CommitmentQuerySet:
        return self.select_related("lead_unit", "responsible", "document", "directive")

    def with_traffic_light(self, today: date, *, joined: bool = True) -> CommitmentQuerySet:
        """Annotate `traffic_light` (a TrafficLight value) and `traffic_light_rank`.

        The same rule as `selectors.lights.light_rule`, in SQL so lists can filter and order on it:
        grey when verified, closed or cancelled; a submitted commitment waits for the office,
        red only if it was completed after its deadline, else green; otherwise 待完善 (incomplete,
        grey-blue) without a deadline, for the office to complete; red when the deadline is
        before today (a deadline of today is not overdue), yellow when it is at
        most N days ahead or when the unit has not reported for M days, green otherwise.
        N and M are the document's due_soon_days / stale_report_days, else settings.LEDGER.

        `joined=False` reads the document's N and M by a subquery instead of joining the
        documents: a query that selects only some rows' lights (a list's page) then leaves
        the table's indexes to the queries that only find those rows (their ids, their count).
        """
        default_due_soon, default_stale = light_thresholds(None, None)
        if joined:
            document_due_soon: Any = F("document__due_soon_days")
            document_stale: Any = F("document__stale_report_days")
        else:
            documents = self.model._meta.get_field("document").related_model._default_manager
            document = documents.filter(pk=models.OuterRef("document_id")).order_by()
            document_due_soon = models.Subquery(document.values("due_soon_days")[:1])
            document_stale = models.Subquery(document.values("stale_report_days")[:1])
        due_soon = Coalesce(document_due_soon, Value(default_due_soon))
        stale = Coalesce(document_stale, Value(default_stale))
        baseline_day = TruncDate(report_baseline(), tzinfo=timezone.get_default_timezone())
        today_value = Value(today, output_field=models.DateField())
        rules: list[tuple[Q, TrafficLight]] = [
            (Q(status__in=ENDED_STATUSES), TrafficLight.GREY),
            (
                Q(status=Status.SUBMITTED, deadline__isnull=False, completed_on__gt=F("deadline")),
                TrafficLight.RED,
            ),
            (Q(status=Status.SUBMITTED), TrafficLight.GREEN),
            (Q(deadline__isnull=True), TrafficLight.INCOMPLETE),
            (Q(deadline__lt=today), TrafficLight.RED),
            (Q(deadline__lte=AddDays(today_value, due_soon)), TrafficLight.YELLOW),
            (
                Q(status__in=REMINDABLE_STATUSES)
                & Q(LessThanOrEqual(AddDays(baseline_day, stale), today_value)),
                TrafficLight.YELLOW,
            ),
        ]
        # The rank repeats the rules rather than asking the light: an annotation asked of
        # another is written out again in the SQL at each asking (five times over).
        light = Case(
            *(When(rule, then=Value(light.value)) for rule, light in rules),
            default=Value(TrafficLight.GREEN.value),
            output_field=models.CharField(),
        )
        rank = Case(
            *(When(rule, then=Value(light.rank)) for rule, light in rules),
            default=Value(TrafficLight.GREEN.rank),
            output_field=models.IntegerField(),
        )
        return self.annotate(traffic_light=light).annotate(traffic_light_rank=rank)

    def reports_missing(self, today: date) -> CommitmentQuerySet:
        """Commitments with a weekly, monthly or quarterly report cycle whose report is overdue.

        A weekly report is missing once the last report (or, before any, the day the unit
        signed for or got the work) is more than 7 days old, a monthly one after 31 days, a
        quarterly one after 92: reported on June 1, a weekly report is due by June 8 and
        missing from June 9.
        Only work the unit is doing counts (accepted, in progress, returned).
        """
        condition = Q()
        for cycle, days in REPORT_CYCLE_DAYS.items():
            condition |= Q(report_cycle=cycle, report_baseline_day__lt=today - timedelta(days=days))
        return (
            self.filter(status__in=WORKING_STATUSES)
            .annotate(
                report_baseline_day=TruncDate(
                    report_baseline(), tzinfo=timezone.get_default_timezone()
                )
            )
            .filter(condition)
        )
