from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from commitments.selectors import (
    commitment_list_for,
    document_performance,
    performance_totals,
    unit_performance,
)
from tests.factories import CommitmentFactory, SourceDocumentFactory, UnitFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
S = Commitment.Status


def _finished(unit, *, on_time: bool | None, status=S.CLOSED, **kw):
    return CommitmentFactory(
        lead_unit=unit,
        status=status,
        completed_on=TODAY - timedelta(days=1),
        finished_on_time=on_time,
        **kw,
    )


def test_unit_performance_counts_open_overdue_on_time_late_and_rate():
    # given
    unit = UnitFactory(name="市教育局")
    CommitmentFactory(lead_unit=unit, deadline=TODAY + timedelta(days=5))
    CommitmentFactory(lead_unit=unit, deadline=TODAY - timedelta(days=1))
    _finished(unit, on_time=True)
    _finished(unit, on_time=False, status=S.VERIFIED)
    CommitmentFactory(lead_unit=unit, status=S.CANCELLED, status_reason="重复")
    # when
    [row] = unit_performance(today=TODAY)
    # then
    assert (row.name, row.total, row.open, row.overdue) == ("市教育局", 4, 2, 1)
    assert (row.done, row.done_on_time, row.done_late) == (2, 1, 1)
    assert row.completion_rate == 0.5


def test_submitted_counts_as_open_not_done():
    unit = UnitFactory()
    CommitmentFactory(lead_unit=unit, status=S.SUBMITTED, completed_on=TODAY)
    [row] = unit_performance(today=TODAY)
    assert (row.open, row.done) == (1, 0)


def test_ranking_orders_by_completion_rate_then_fewer_overdue_and_ties_share_a_rank():
    best, tied_a, tied_b, worst = (UnitFactory(name=n) for n in ("甲", "乙", "丙", "丁"))
    _finished(best, on_time=True)
    for unit in (tied_a, tied_b):
        _finished(unit, on_time=True)
        CommitmentFactory(lead_unit=unit, deadline=TODAY + timedelta(days=3))
    _finished(worst, on_time=True)
    CommitmentFactory(lead_unit=worst, deadline=TODAY - timedelta(days=3))
    ranking = unit_performance(today=TODAY)
    assert [(r.name, r.rank) for r in ranking] == [("甲", 1), ("丙", 2), ("乙", 2), ("丁", 4)]


def test_unit_performance_runs_one_query_however_many_units():
    for i in range(30):
        CommitmentFactory(lead_unit=UnitFactory(name=f"单位{i}"))
    with CaptureQueriesContext(connection) as ctx:
        rows = unit_performance(today=TODAY)
    assert len(rows) == 30
    assert len(ctx.captured_queries) == 1


def test_scope_limits_statistics_to_the_given_commitments(unit_member, unit):
    CommitmentFactory(lead_unit=unit)
    CommitmentFactory(lead_unit=UnitFactory(name="别的单位"))
    rows = unit_performance(today=TODAY, commitments=commitment_list_for(unit_member))
    assert [r.name for r in rows] == [unit.name]


def test_document_performance_groups_by_source_document_and_totals_add_up():
    doc = SourceDocumentFactory(title="讲话一")
    CommitmentFactory(document=doc)
    _finished(UnitFactory(), on_time=True, document=doc)
    CommitmentFactory(document=None)
    [row] = document_performance(today=TODAY)
    assert (row.name, row.total, row.done, row.completion_rate) == ("讲话一", 2, 1, 0.5)
    total = performance_totals(unit_performance(today=TODAY))
    assert (total.total, total.done) == (3, 1)
