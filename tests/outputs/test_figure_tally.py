"""业绩看板's running tally (PostgreSQL): the same figures as counting the commitments, on every
day, after every kind of change, in a bounded number of rows and queries."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import cycle
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Commitment, FigureTally, FigureTallyState, SourceDocument
from commitments.selectors.figures import tally_counts
from commitments.selectors.office import office_today
from commitments.selectors.statistics import dashboard_figures
from commitments.services.figures import figure_tally_refresh
from commitments.services.imports import documents_import_parsed
from commitments.services.ledger import commitment_update
from commitments.services.workflow.corrections import commitment_deadline_correct
from commitments.services.workflow.moves import (
    commitment_accept,
    commitment_assign,
    commitment_cancel,
    commitment_reopen,
    commitment_report_progress,
    commitment_return,
    commitment_submit,
    commitment_verify,
)
from tests.factories import CommitmentFactory, SourceDocumentFactory, UnitFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the tally is PostgreSQL's"),
]

S = Commitment.Status
DASHBOARD = "/admin/commitments/rankingsnapshot/dashboard/"
# Days around today on which both ways of counting are compared.
SPAN = range(-12, 16)


def _figures(day: date, *, tally: bool) -> dict[str, Any]:
    if tally:
        assert tally_counts(day) is not None, "the tally must answer for this day"
        figures = dashboard_figures(today=day, commitments=None)
    else:  # the same scope, counted from the commitments
        figures = dashboard_figures(today=day, commitments=Commitment.objects.all())
    figures.pop("computed_at")
    return figures


def assert_same_figures(first: date) -> None:
    """The tally (folded up to `first`) agrees with a count of the commitments on every day."""
    figure_tally_refresh(today=first)
    for offset in SPAN:
        day = first + timedelta(days=offset - SPAN[0])
        assert _figures(day, tally=True) == _figures(day, tally=False), day


def _status_fields(status: str, deadline: date | None, shift: int, on_time: bool | None) -> dict:
    fields: dict[str, Any] = {"status": status}
    if status in (S.SUBMITTED, S.VERIFIED, S.CLOSED):
        fields["completed_on"] = (deadline or office_today()) + timedelta(days=shift)
        fields["completion_note"] = "已完成。"
    if status in (S.VERIFIED, S.CLOSED):
        fields["finished_on_time"] = on_time
    if status in (S.CANCELLED, S.RETURNED):
        fields["status_reason"] = "工作调整"
    return fields


@pytest.fixture
def ledger() -> dict[str, Any]:
    """Every status, deadlines on both sides of today and none, reports fresh and stale,
    documents with the office's thresholds and their own, and work without a document."""
    today = office_today()
    now = timezone.now()
    units = [UnitFactory(name=f"单位{i}") for i in range(3)]
    documents: list[SourceDocument | None] = [
        None,
        SourceDocumentFactory(title="文件甲"),
        SourceDocumentFactory(title="文件乙", due_soon_days=10, stale_report_days=2),
        SourceDocumentFactory(title="文件丙", due_soon_days=0, stale_report_days=30),
    ]
    unit_of, document_of = cycle(units), cycle(documents)
    shifts, on_times = cycle([-2, 0, 3]), cycle([True, False, None])
    for status in S.values:
        for days in (None, -9, -3, -1, 0, 1, 3, 5, 11, 40):
            for reported in (None, 1, 5, 20):
                deadline = None if days is None else today + timedelta(days=days)
                CommitmentFactory(
                    lead_unit=next(unit_of),
                    document=next(document_of),
                    deadline=deadline,
                    assigned_at=now - timedelta(days=25),
                    last_progress_at=None if reported is None else now - timedelta(days=reported),
                    **_status_fields(status, deadline, next(shifts), next(on_times)),
                )
    return {"units": units, "documents": documents}


def test_built_from_the_commitments_it_agrees_with_counting_them_on_every_day(ledger):
    assert FigureTallyState.objects.count() == 0  # not built: the first reader builds it
    assert_same_figures(office_today() + timedelta(days=SPAN[0]))


def test_built_first_and_kept_by_the_triggers_it_agrees_as_commitments_are_recorded(db):
    start = office_today() + timedelta(days=SPAN[0])
    figure_tally_refresh(today=start)  # built on an empty ledger
    CommitmentFactory(deadline=office_today() - timedelta(days=2))
    Commitment.objects.bulk_create(
        [
            Commitment(title=f"批量{i}", lead_unit=UnitFactory(), deadline=office_today())
            for i in range(3)
        ]
    )
    done = CommitmentFactory(
        status=S.VERIFIED, completed_on=office_today(), finished_on_time=True, completion_note="完"
    )
    assert_same_figures(start)
    # when: the same day's completion turns out late (the day's count stays, its lateness not)
    Commitment.objects.filter(pk=done.pk).update(finished_on_time=False)
    assert_same_figures(start)


def test_it_agrees_after_moves_corrections_edits_and_progress_reports(ledger, supervisor):
    # given: the tally built before the changes, so the triggers must carry every one
    start = office_today() + timedelta(days=SPAN[0])
    figure_tally_refresh(today=start)
    member = UserFactory(username="member", is_staff=True)
    unit = ledger["units"][0]
    unit.members.add(member)
    mine = Commitment.objects.filter(lead_unit=unit).order_by("id")
    drafts = list(mine.filter(status=S.DRAFT, deadline__isnull=False)[:3])
    # when
    for c in drafts:
        commitment_assign(commitment=c, actor=supervisor)
        commitment_accept(commitment=Commitment.objects.get(pk=c.pk), actor=member)
    c = Commitment.objects.get(pk=drafts[0].pk)
    commitment_report_progress(commitment=c, actor=member, text="已部署。", percent=50)
    commitment_submit(
        commitment=Commitment.objects.get(pk=c.pk), actor=member, evidence_text="完成"
    )
    commitment_verify(commitment=Commitment.objects.get(pk=c.pk), actor=supervisor)
    commitment_reopen(commitment=Commitment.objects.get(pk=c.pk), actor=supervisor, reason="反弹")
    c = Commitment.objects.get(pk=drafts[1].pk)
    commitment_deadline_correct(
        commitment=c, actor=supervisor, deadline=office_today() - timedelta(days=4), reason="更正"
    )
    commitment_cancel(
        commitment=Commitment.objects.get(pk=drafts[2].pk), actor=supervisor, reason="撤销"
    )
    submitted = mine.filter(status=S.SUBMITTED).first()
    commitment_return(commitment=submitted, actor=supervisor, reason="材料不全")
    moved = Commitment.objects.filter(status=S.IN_PROGRESS).exclude(lead_unit=unit).first()
    commitment_update(
        commitment=moved,
        data={"lead_unit": ledger["units"][2], "document": ledger["documents"][3]},
        actor=supervisor,
    )
    Commitment.objects.filter(status=S.ACCEPTED).update(last_progress_at=timezone.now())
    # then
    assert_same_figures(start)
    # ... and once the days up to today are folded into the since-ever rows
    assert_same_figures(office_today())


def test_it_agrees_after_an_import_and_after_rows_are_deleted(ledger):
    from tests.services.test_imports_batch import batch

    start = office_today() + timedelta(days=SPAN[0])
    figure_tally_refresh(today=start)
    documents_import_parsed(items=batch())
    assert Commitment.objects.filter(directive__isnull=False).exists()
    assert_same_figures(start)
    # The ledger never deletes a commitment; the database might be told to all the same.
    Commitment.objects.filter(lead_unit=ledger["units"][1]).delete()
    assert_same_figures(start)


def test_a_document_s_own_thresholds_or_the_office_s_count_it_again(ledger, settings):
    start = office_today() + timedelta(days=SPAN[0])
    figure_tally_refresh(today=start)
    # when: a document sets its own due-soon days
    SourceDocument.objects.filter(title="文件甲").update(due_soon_days=7)
    # then: the tally no longer answers until it is counted again, and then agrees
    assert tally_counts(start) is None
    assert_same_figures(start)
    # when: the office's own thresholds change
    settings.LEDGER = {**settings.LEDGER, "DUE_SOON_DAYS": 5, "STALE_REPORT_DAYS": 3}
    assert tally_counts(start) is None
    assert_same_figures(start)


def test_the_beat_task_counts_it_again_after_a_change_so_the_dashboard_need_not(ledger, settings):
    # given a tally, then a change of the office's thresholds
    from commitments.tasks import figure_tally_refresh_task

    today = office_today()
    figure_tally_refresh(today=today)
    settings.LEDGER = {**settings.LEDGER, "DUE_SOON_DAYS": 5, "STALE_REPORT_DAYS": 3}
    assert tally_counts(today) is None
    # when the beat task runs
    figure_tally_refresh_task()
    # then the tally answers for today again, with no dashboard read in between
    assert tally_counts(today) is not None


def test_a_day_already_folded_is_not_answered_from_the_tally(ledger):
    figure_tally_refresh(today=office_today())
    assert tally_counts(office_today() - timedelta(days=1)) is None
    assert tally_counts(office_today() + timedelta(days=1)) is not None


def test_reading_it_reads_about_one_row_per_unit_document_and_figure(ledger):
    # given: the tally folded up to today
    today = office_today()
    figure_tally_refresh(today=today)
    # then: what a reader sums is at most one row per group and set of figures ...
    groups = len(ledger["units"]) + len([d for d in ledger["documents"] if d is not None])
    # ... open (overdue or not, 4 lights), done, late, cancelled: 11 sets of figures at most
    assert FigureTally.objects.filter(day__lte=today).count() <= groups * 11
    # ... while the future days' rows wait, unread
    assert FigureTally.objects.filter(day__gt=today).exists()


def _fresh_dashboard_queries(client) -> int:
    cache.clear()  # counted afresh, not read from the cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(DASHBOARD).status_code == 200
    return len(ctx.captured_queries)


def test_the_office_s_dashboard_runs_the_same_queries_however_large_the_ledger(
    client, office, django_assert_num_queries
):
    # given: the office's dashboard over a small ledger, the tally built
    client.force_login(office)
    CommitmentFactory()
    _fresh_dashboard_queries(client)
    small = _fresh_dashboard_queries(client)
    # when: many more commitments, units and documents
    units = [UnitFactory() for _ in range(5)]
    documents = [SourceDocumentFactory() for _ in range(5)]
    for i in range(60):
        CommitmentFactory(
            lead_unit=units[i % 5],
            document=documents[i % 5],
            deadline=office_today() + timedelta(days=i - 30),
        )
    # then
    cache.clear()
    with django_assert_num_queries(small):
        assert client.get(DASHBOARD).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_to_one_unit_s_work_all_count(supervisor):
    # given: the tally built, and one unit's commitments, changed from two connections at once
    import threading

    from django.db import connections, transaction

    figure_tally_refresh(today=office_today())
    unit = UnitFactory(name="并发单位")
    rows = [CommitmentFactory(lead_unit=unit, status=S.ASSIGNED) for _ in range(20)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(mine: list[Commitment], days: int) -> None:
        try:
            barrier.wait()
            for commitment in mine:
                with transaction.atomic():
                    Commitment.objects.filter(pk=commitment.pk).update(
                        status=S.IN_PROGRESS, deadline=office_today() - timedelta(days=days)
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(rows[0::2], 3)),
        threading.Thread(target=work, args=(rows[1::2], 5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert_same_figures(office_today() - timedelta(days=6))
