"""A changelist paginator whose cost does not grow with the ledger.

Django's paginator counts every matching row (COUNT(*) over 100,000 commitments, twice with
the unfiltered total) and reads a page with OFFSET, building every skipped row (traffic light,
joins) before it throws it away. This one counts exactly only up to `exact_up_to` rows and
asks PostgreSQL's planner beyond that (the page then says 约), and reads a page as its ids
first (the narrow ordered scan), then only those rows in full.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet

from ..querysets import OVERDUE_FIRST_ORDER
from ..selectors.office import office_today


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """How many rows PostgreSQL expects `queryset` to return (None on other databases)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    exact_up_to = 2_000

    def __init__(self, object_list: QuerySet, per_page: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.queryset = object_list
        self.estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.queryset
        # COUNT(*) over a LIMITed subquery: stops after exact_up_to + 1 rows.
        counted = queryset.order_by().values("pk")[: self.exact_up_to + 1].count()
        if counted <= self.exact_up_to:
            return counted
        estimate = planner_row_estimate(queryset)
        if estimate is None:
            return queryset.count()  # SQLite: the embedded mode's small ledgers
        self.estimated = True
        return max(estimate, counted)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.queryset
        # The changelist repeats the queryset's own ordering after its own: only the first
        # three terms count (the third, id, is unique).
        if tuple(queryset.query.order_by[:3]) == OVERDUE_FIRST_ORDER:
            ids = _overdue_first_ids(queryset, bottom, self.per_page)
        else:
            ids = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


def _overdue_first_ids(queryset: QuerySet, offset: int, limit: int) -> list[int]:
    """The ids of rows offset … offset+limit in overdue-first order, read along indexes.

    The order ranks every row by a condition on today's date, which no index holds: sorted
    as one list, each page would rank and sort the whole ledger. Its two parts are plain
    deadline orders though, each an ordered scan of the (deadline, id) index: overdue work
    (open, deadline before today) and then everything else. The page is read from the
    first part, and from the second once the first runs out.
    """
    today = office_today()
    overdue = queryset.overdue(today).order_by("deadline", "id")  # type: ignore[attr-defined]
    ids = list(overdue.values_list("pk", flat=True)[offset : offset + limit])
    if len(ids) == limit:
        return ids
    # The overdue part ends on this page (or before it: then count it to know where).
    overdue_total = offset + len(ids) if ids or offset == 0 else overdue.count()
    start = max(0, offset - overdue_total)
    rest = queryset.filter(overdue_rank=1).order_by(*OVERDUE_FIRST_ORDER[1:])
    return ids + list(rest.values_list("pk", flat=True)[start : start + limit - len(ids)])
