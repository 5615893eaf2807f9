"""The traffic light and the missing-report question, on the office's calendar (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from commitments.models import Commitment
from commitments.selectors.lights import report_is_missing, traffic_light
from commitments.selectors.office import office_today
from tests.factories import SourceDocumentFactory
from tests.workflow.conftest import S, make_commitment, shanghai

pytestmark = pytest.mark.django_db

LEDGER = {"DUE_SOON_DAYS": 3, "STALE_REPORT_DAYS": 14, "ATTACHMENT_MAX_BYTES": 1024}


def sql_light(commitment: Commitment, today: date) -> str:
    return Commitment.objects.with_traffic_light(today).get(pk=commitment.pk).traffic_light


def both(commitment: Commitment, today: date) -> str:
    """The light from Python and from SQL; they must agree."""
    python = traffic_light(commitment, today)
    assert sql_light(commitment, today) == python
    return python


def test_office_today_is_the_day_in_shanghai_not_in_utc():
    assert office_today(datetime(2023, 6, 1, 15, 59, tzinfo=UTC)) == date(2023, 6, 1)
    # 16:01 UTC is still June 1 in UTC but already June 2 in Shanghai.
    assert office_today(datetime(2023, 6, 1, 16, 1, tzinfo=UTC)) == date(2023, 6, 2)
    assert office_today(shanghai(2023, 6, 2, 0, 1)) == date(2023, 6, 2)


def test_deadline_today_at_23_59_is_not_overdue_and_at_00_01_tomorrow_it_is():
    commitment = make_commitment(
        S.IN_PROGRESS, deadline=date(2023, 6, 1), last_progress_at=shanghai(2023, 5, 31, 9)
    )
    assert both(commitment, office_today(shanghai(2023, 6, 1, 23, 59))) == "yellow"
    assert both(commitment, office_today(shanghai(2023, 6, 2, 0, 1))) == "red"


@override_settings(LEDGER=LEDGER)
@pytest.mark.parametrize(
    ("days_left", "light"), [(-1, "red"), (0, "yellow"), (3, "yellow"), (4, "green")]
)
def test_deadline_boundaries_with_the_default_due_soon_days(days_left, light):
    today = date(2023, 6, 1)
    commitment = make_commitment(
        S.IN_PROGRESS,
        deadline=today + timedelta(days=days_left),
        last_progress_at=shanghai(2023, 5, 31, 9),
    )
    assert both(commitment, today) == light


@override_settings(LEDGER=LEDGER)
def test_a_document_can_widen_the_due_soon_window():
    today = date(2023, 6, 1)
    document = SourceDocumentFactory(due_soon_days=10)
    near = dict(deadline=today + timedelta(days=7), last_progress_at=shanghai(2023, 5, 31, 9))
    with_override = make_commitment(S.IN_PROGRESS, document=document, **near)
    without = make_commitment(S.IN_PROGRESS, **near)
    assert both(with_override, today) == "yellow"
    assert both(without, today) == "green"


@override_settings(LEDGER=LEDGER)
@pytest.mark.parametrize(
    ("reported_at", "light"),
    [
        # 14 days before June 15 is June 1 in Shanghai, even at 23:30 (15:30 UTC).
        (shanghai(2023, 6, 1, 23, 30), "yellow"),
        # 00:30 on June 2 in Shanghai is still June 1 in UTC: only 13 days.
        (shanghai(2023, 6, 2, 0, 30), "green"),
    ],
)
def test_no_report_for_stale_report_days_turns_yellow(reported_at, light):
    today = date(2023, 6, 15)
    commitment = make_commitment(
        S.IN_PROGRESS, deadline=date(2023, 12, 31), last_progress_at=reported_at
    )
    assert both(commitment, today) == light


@override_settings(LEDGER=LEDGER)
def test_a_document_can_shorten_the_stale_report_window():
    today = date(2023, 6, 15)
    document = SourceDocumentFactory(stale_report_days=7)
    recent = dict(deadline=date(2023, 12, 31), last_progress_at=shanghai(2023, 6, 7, 10))
    assert both(make_commitment(S.IN_PROGRESS, document=document, **recent), today) == "yellow"
    assert both(make_commitment(S.IN_PROGRESS, **recent), today) == "green"


@override_settings(LEDGER=LEDGER)
def test_never_reported_counts_from_when_the_unit_signed_for_the_work():
    today = date(2023, 6, 15)
    commitment = make_commitment(
        S.ACCEPTED,
        deadline=date(2023, 12, 31),
        assigned_at=shanghai(2023, 5, 1, 9),
        accepted_at=shanghai(2023, 6, 10, 9),
    )
    assert both(commitment, today) == "green"
    Commitment.objects.filter(pk=commitment.pk).update(accepted_at=shanghai(2023, 6, 1, 9))
    commitment.refresh_from_db()
    assert both(commitment, today) == "yellow"


@pytest.mark.parametrize("state", [S.VERIFIED, S.CLOSED, S.CANCELLED])
def test_finished_or_cancelled_is_grey_even_past_the_deadline(state):
    commitment = make_commitment(state, deadline=date(2023, 1, 1))
    assert both(commitment, date(2023, 6, 1)) == "grey"


def test_submitted_work_waits_for_the_office_and_is_red_only_if_completed_late():
    today = date(2023, 6, 20)
    on_time = make_commitment(
        S.SUBMITTED, deadline=date(2023, 6, 10), completed_on=date(2023, 6, 9)
    )
    late = make_commitment(S.SUBMITTED, deadline=date(2023, 6, 10), completed_on=date(2023, 6, 11))
    assert both(on_time, today) == "green"
    assert both(late, today) == "red"


def test_an_open_commitment_without_a_deadline_is_incomplete_not_green():
    # given work in progress, recently reported, but without a deadline
    commitment = make_commitment(
        S.IN_PROGRESS, deadline=None, last_progress_at=shanghai(2023, 6, 1)
    )
    # then it shows 待完善 (the office must complete it), in Python and in SQL alike
    assert both(commitment, date(2023, 6, 2)) == "incomplete"
    stale = make_commitment(S.IN_PROGRESS, deadline=None, last_progress_at=shanghai(2023, 1, 1))
    assert both(stale, date(2023, 6, 2)) == "incomplete"


def test_a_finished_or_submitted_commitment_without_a_deadline_keeps_its_light():
    assert both(make_commitment(S.VERIFIED, deadline=None), date(2023, 6, 2)) == "grey"
    assert both(make_commitment(S.SUBMITTED, deadline=None), date(2023, 6, 2)) == "green"


@override_settings(LEDGER=LEDGER)
def test_lists_filter_and_order_on_the_light_in_sql():
    today = date(2023, 6, 1)
    fresh = {"last_progress_at": shanghai(2023, 5, 31, 9)}
    red = make_commitment(S.IN_PROGRESS, deadline=date(2023, 5, 1), **fresh)
    green = make_commitment(S.IN_PROGRESS, deadline=date(2023, 12, 1), **fresh)
    grey = make_commitment(S.CLOSED, deadline=date(2023, 5, 1))
    yellow = make_commitment(S.IN_PROGRESS, deadline=date(2023, 6, 2), **fresh)
    qs = Commitment.objects.with_traffic_light(today)
    assert list(qs.filter(traffic_light="red")) == [red]
    assert list(qs.order_by("traffic_light_rank", "id")) == [red, yellow, green, grey]


# --- reports missing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cycle", "days_ago", "missing"),
    [
        ("weekly", 7, False),
        ("weekly", 8, True),
        ("monthly", 31, False),
        ("monthly", 32, True),
        ("none", 400, False),
    ],
)
def test_a_report_is_missing_once_the_cycle_has_passed(cycle, days_ago, missing):
    today = date(2023, 6, 15)
    reported = shanghai(2023, 6, 15, 10) - timedelta(days=days_ago)
    commitment = make_commitment(S.IN_PROGRESS, report_cycle=cycle, last_progress_at=reported)
    assert report_is_missing(commitment, today) is missing
    assert Commitment.objects.reports_missing(today).filter(pk=commitment.pk).exists() is missing


def test_missing_report_is_judged_on_the_shanghai_calendar():
    today = date(2023, 6, 15)
    # June 7 at 23:30 in Shanghai (15:30 UTC): 8 days ago, missing.
    late_evening = make_commitment(
        S.IN_PROGRESS, report_cycle="weekly", last_progress_at=shanghai(2023, 6, 7, 23, 30)
    )
    # June 8 at 00:30 in Shanghai (June 7 16:30 UTC): 7 days ago, not yet missing.
    after_midnight = make_commitment(
        S.IN_PROGRESS, report_cycle="weekly", last_progress_at=shanghai(2023, 6, 8, 0, 30)
    )
    assert list(Commitment.objects.reports_missing(today)) == [late_evening]
    assert report_is_missing(late_evening, today) and not report_is_missing(after_midnight, today)


def test_never_reported_work_is_missing_a_report_counted_from_acceptance():
    today = date(2023, 6, 15)
    commitment = make_commitment(
        S.ACCEPTED, report_cycle="weekly", accepted_at=shanghai(2023, 6, 1, 9)
    )
    assert list(Commitment.objects.reports_missing(today)) == [commitment]


@pytest.mark.parametrize("state", [S.DRAFT, S.ASSIGNED, S.SUBMITTED, S.CLOSED, S.CANCELLED])
def test_no_report_is_expected_outside_the_working_states(state):
    commitment = make_commitment(
        state, report_cycle="weekly", last_progress_at=shanghai(2023, 1, 1, 9)
    )
    today = date(2023, 6, 15)
    assert not report_is_missing(commitment, today)
    assert not Commitment.objects.reports_missing(today).exists()
