"""The dashboard's counts read from the running tally (models_figures) on PostgreSQL.

Reads about one row per unit or document and figure (plus the rows of today's changes not
yet folded), and one row per day of the trend: the same at any ledger size. None where the
tally cannot answer (SQLite; not built yet; counted with other thresholds or time zone; folded
past the day asked for): the caller then counts the commitments. `services.figures` builds and
folds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection

from ..choices import TrafficLight
from ..models import FigureDay, FigureTally, FigureTallyState
from ..querysets import light_thresholds

UNIT = FigureTally.Scope.UNIT
DOCUMENT = FigureTally.Scope.DOCUMENT


@dataclass
class GroupCounts:
    """One unit's or document's figures, as `statistics.PerformanceRow` counts them."""

    name: str
    total: int = 0
    open: int = 0
    overdue: int = 0
    done: int = 0
    done_late: int = 0


@dataclass
class TallyCounts:
    units: dict[int, GroupCounts] = field(default_factory=dict)
    documents: dict[int, GroupCounts] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TrafficLight.values, 0))


def tally_rules() -> tuple[int, int, str]:
    """The office's thresholds and time zone, which the tally is counted with."""
    due_soon, stale = light_thresholds(None, None)
    return due_soon, stale, settings.TIME_ZONE


def tally_is_current(state: FigureTallyState | None, today: date) -> bool:
    return (
        state is not None
        and (state.due_soon_days, state.stale_report_days, state.time_zone) == tally_rules()
        and state.compacted_through <= today
    )


_COUNTS = """
WITH c AS (
    SELECT scope, key, bucket, overdue, light, sum(n) AS n
    FROM commitments_figuretally
    WHERE day <= %s
    GROUP BY scope, key, bucket, overdue, light
    HAVING sum(n) <> 0
)
SELECT c.scope, c.key, coalesce(u.name, d.title), c.bucket, c.overdue, c.light, c.n
FROM c
LEFT JOIN commitments_unit AS u ON c.scope = 'u' AND u.id = c.key
LEFT JOIN commitments_sourcedocument AS d ON c.scope = 'd' AND d.id = c.key
"""


def tally_counts(today: date) -> TallyCounts | None:
    """Every unit's and document's figures and the lights of the whole ledger on `today`.
    Two queries."""
    if connection.vendor != "postgresql" or not tally_is_current(
        FigureTallyState.objects.first(), today
    ):
        return None
    counts = TallyCounts()
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS, [today])
        rows = cursor.fetchall()
    for scope, key, name, bucket, overdue, light, n in rows:
        groups = counts.units if scope == UNIT else counts.documents
        group = groups.get(key)
        if group is None:
            group = groups[key] = GroupCounts(name=name or "")
        if bucket != "cancelled":
            group.total += n
        if bucket == "open":
            group.open += n
            group.overdue += n if overdue else 0
        elif bucket in ("done", "late"):
            group.done += n
            group.done_late += n if bucket == "late" else 0
        if scope == UNIT:  # every commitment has a lead unit: the units cover the ledger
            counts.lights[light] += n
    return counts


def tally_days(first: date, last: date, today: date) -> tuple[Counter, Counter, Counter]:
    """Per day from `first` to `last`: due; and up to `today`: completed, completed late."""
    due: Counter = Counter()
    completed: Counter = Counter()
    late: Counter = Counter()
    for day in FigureDay.objects.filter(day__gte=first, day__lte=last).order_by():
        due[day.day] += day.due
        if day.day <= today:
            completed[day.day] += day.completed
            late[day.day] += day.completed_late
    return due, completed, late
