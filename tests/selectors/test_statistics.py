from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from commitments.selectors.access import commitment_list_for
from commitments.selectors.statistics import (
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


def test_traffic_light_counts_cover_every_light():
    from commitments.selectors.lights import traffic_light_counts

    CommitmentFactory(deadline=TODAY - timedelta(days=1))
    CommitmentFactory(deadline=TODAY + timedelta(days=1))
    CommitmentFactory(deadline=None)
    _finished(UnitFactory(), on_time=True)
    assert traffic_light_counts(today=TODAY) == {
        "red": 1,
        "yellow": 1,
        "incomplete": 1,
        "green": 0,
        "grey": 1,
    }


def test_weekly_trend_counts_due_and_completed_per_week():
    from commitments.selectors.statistics import weekly_trend

    monday = TODAY - timedelta(days=TODAY.weekday())
    CommitmentFactory(deadline=monday + timedelta(days=1))
    CommitmentFactory(deadline=monday - timedelta(days=3))
    CommitmentFactory(
        status=S.CLOSED,
        deadline=monday - timedelta(days=6),
        completed_on=monday - timedelta(days=5),
        finished_on_time=False,
    )
    trend = weekly_trend(today=TODAY, weeks=3)
    assert [p.week_start for p in trend] == [monday - timedelta(weeks=w) for w in (2, 1, 0)]
    assert [(p.due, p.completed, p.completed_on_time) for p in trend] == [
        (0, 0, 0),
        (2, 1, 0),
        (1, 0, 0),
    ]


def test_published_ranking_snapshot_stays_as_announced(superuser):
    from commitments.services.rankings import ranking_snapshot_publish

    # given
    unit = UnitFactory(name="市教育局")
    open_one = CommitmentFactory(lead_unit=unit)
    _finished(unit, on_time=True)
    snapshot = ranking_snapshot_publish(title="第一季度业绩榜", published_by=superuser)
    # when the ledger changes afterwards
    open_one.status = S.CLOSED
    open_one.completed_on = TODAY
    open_one.save()
    UnitFactory(name="新单位")
    # then the snapshot still shows what was announced
    snapshot.refresh_from_db()
    assert [(r["name"], r["rank"], r["completion_rate"]) for r in snapshot.rows] == [
        ("市教育局", 1, 0.5)
    ]
    assert snapshot.published_on == snapshot.as_of


def test_publishing_with_nothing_to_rank_is_refused(superuser):
    from commitments.services.errors import InvalidInput
    from commitments.services.rankings import ranking_snapshot_publish

    with pytest.raises(InvalidInput, match="没有可排名"):
        ranking_snapshot_publish(title="空榜", published_by=superuser)
