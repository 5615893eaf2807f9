"""What the office publishes (向社会公开)."""

from __future__ import annotations

from datetime import date
from typing import cast

from django.db import connections
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from ..choices import OPEN_STATUSES
from ..models import Commitment, ProgressUpdate, Unit
from ..querysets import CommitmentQuerySet


def public_commitments() -> QuerySet[Commitment]:
    """What the office publishes (向社会公开): public, not cancelled, with the latest public note.

    Only what the office confirmed: the note is the latest one it published (`is_public`, never
    a unit's 申请公开), and callers show `public_description`, never the unit's working
    `description`. Carries no personal data on purpose: callers must not reach for the
    responsible person.
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


def public_commitment_page(
    unit: Unit, today: date, *, after: tuple[int, date | None, int] | None, size: int
) -> list[Commitment]:
    """Up to `size` of `unit`'s published commitments as /public/ lists them: overdue work
    first, then by deadline (none last), ties by id; those after the row `after` names
    (overdue_rank, deadline, id) if given. Each carries `overdue_rank` (0: overdue).

    Two queries (three on SQLite) however many the unit publishes: overdue-first is not an
    order an index holds (it depends on today), but each part is a deadline order along the
    partial indexes of published work (Commitment.Meta), read up to `size` rows.
    """
    published = cast(CommitmentQuerySet, Commitment.objects.public().filter(lead_unit=unit))
    overdue = Q(status__in=OPEN_STATUSES, deadline__lt=today)
    rank, deadline, pk = after if after is not None else (0, None, 0)
    parts = []
    if rank == 0:
        first = published.filter(overdue)
        if after is not None:
            first = first.filter(_after(deadline, pk))
        parts.append(_ids(first, 0, size))
    rest = published.exclude(overdue)
    if rank == 1:
        rest = rest.filter(_after(deadline, pk))
    parts.append(_ids(rest, 1, size))
    if len(parts) > 1 and connections[published.db].features.supports_slicing_ordering_in_compound:
        rows_found = list(parts[0].union(*parts[1:], all=True))  # PostgreSQL: one query
    else:
        rows_found = [row for part in parts for row in part]
    found = sorted(rows_found, key=lambda r: (r[1], r[2] is None, r[2] or date.min, r[0]))[:size]
    rows = public_commitments().order_by().in_bulk([pk for pk, *_rest in found])
    page = []
    for pk, overdue_rank, *_rest in found:
        row = rows[pk]
        row.overdue_rank = overdue_rank  # type: ignore[attr-defined]
        page.append(row)
    return page


def _ids(rows: QuerySet, rank: int, size: int) -> QuerySet:
    ordered = rows.order_by(F("deadline").asc(nulls_last=True), "id")
    return ordered.values_list("id", Value(rank, output_field=IntegerField()), "deadline")[:size]


def _after(deadline: date | None, pk: int) -> Q:
    """Rows after (deadline, pk) in deadline order, no deadline last."""
    if deadline is None:
        return Q(deadline__isnull=True, id__gt=pk)
    later = Q(TupleGreaterThan(Tuple(F("deadline"), F("id")), (deadline, pk)))
    return later | Q(deadline__isnull=True)
