"""The reminder sweep in-process: what is claimed, who gets it, what the digest says."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Commitment, ReminderLog, ReminderMessage, ReminderSweep
from commitments.services.reminders.claim import claim_due
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_sweep_run
from commitments.tasks import QUEUE
from tests.factories import UnitFactory, UserFactory

from .conftest import days, make_commitment

pytestmark = pytest.mark.django_db


def _by_recipient() -> dict[str, list]:
    found: dict[str, list] = {}
    for message in mail.outbox:
        for address in message.to:
            found.setdefault(address, []).append(message)
    return found


def test_one_digest_per_recipient_lists_all_items_in_chinese_with_admin_links_only(
    run_sweep, today
):
    # given three commitments of one unit: due soon, overdue, and a weekly report missing
    unit = UnitFactory(name="市教育局", contact_emails="edu@example.org")
    due = make_commitment(unit=unit, deadline=today + days(2), title="建设智慧校园")
    late = make_commitment(unit=unit, deadline=today - days(2), title="整治校外培训")
    silent = make_commitment(
        unit=unit,
        deadline=today + days(60),
        title="推进集团化办学",
        status=Commitment.Status.IN_PROGRESS,
        report_cycle=Commitment.ReportCycle.WEEKLY,
        last_progress_at=timezone.now() - timedelta(days=10),
    )

    # when
    result = run_sweep(today)

    # then one message, with every item, in plain text and HTML
    assert result.claimed == 3
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["edu@example.org"]
    assert "催办" in message.subject and "3" in message.subject
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    for body in (message.body, html):
        for label in ("即将到期", "逾期催办", "进展未报"):
            assert label in body
        for c in (due, late, silent):
            assert c.title in body
            assert f"/admin/commitments/commitment/{c.id}/change/" in body
            assert "/api/" not in body  # a clerk follows the admin page, not the API
    assert "已逾期 2 天" in message.body and "还剩 2 天" in message.body
    assert message.extra_headers["Message-ID"].startswith("<ledger-reminder-")
    assert ReminderMessage.objects.get().status == ReminderMessage.Status.SENT


def test_recipients_are_the_responsible_person_else_the_unit_with_copies_and_escalations(
    run_sweep, today, office, settings
):
    settings.LEDGER = {**settings.LEDGER, "ESCALATION_DAYS": 7}
    # given one escalated commitment with a responsible person and a co-unit ...
    lead = UnitFactory(name="市住建局", contact_emails="jianshe@example.org")
    co = UnitFactory(name="市财政局", contact_emails="caizheng@example.org")
    person = UserFactory(username="wang", email="wang@example.org")
    escalated = make_commitment(unit=lead, deadline=today - days(10), responsible=person)
    escalated.co_units.add(co)
    # ... and one due soon commitment without a responsible person
    plain = make_commitment(unit=lead, deadline=today + days(1))

    run_sweep(today)

    by_recipient = _by_recipient()
    assert set(by_recipient) == {
        "wang@example.org",
        "caizheng@example.org",
        "office@example.org",
        "jianshe@example.org",
    }
    assert all(len(messages) == 1 for messages in by_recipient.values())
    assert "督办" in by_recipient["office@example.org"][0].subject
    assert "您为配合单位" in by_recipient["caizheng@example.org"][0].body
    unit_mail = by_recipient["jianshe@example.org"][0].body
    assert plain.title in unit_mail and escalated.title not in unit_mail


def test_a_second_sweep_the_same_day_sends_nothing_more(run_sweep, today):
    make_commitment(deadline=today + days(1))
    make_commitment(deadline=today - days(1))
    run_sweep(today)
    assert len(mail.outbox) == 2

    again = run_sweep(today)

    assert again.claimed == 0 and again.messages == 0
    assert len(mail.outbox) == 2


def test_due_soon_is_sent_once_per_deadline_and_overdue_repeats_every_k_days(
    run_sweep, today, settings
):
    settings.LEDGER = {**settings.LEDGER, "OVERDUE_REPEAT_DAYS": 3, "ESCALATION_DAYS": 30}
    soon = make_commitment(deadline=today + days(3))
    late = make_commitment(deadline=today - days(1))

    sent_per_day = []
    for offset in range(5):
        before = len(mail.outbox)
        run_sweep(today + days(offset))
        sent_per_day.append(len(mail.outbox) - before)

    # day 0: both; days 1-2: nothing; day 3: overdue again (soon is now overdue too); day 4: none
    kinds = list(
        ReminderLog.objects.order_by("created_at", "id").values_list("commitment_id", "kind")
    )
    assert kinds.count((soon.id, ReminderLog.Kind.DUE_SOON)) == 1
    assert kinds.count((late.id, ReminderLog.Kind.OVERDUE)) == 2
    assert sent_per_day[1] == 0 and sent_per_day[2] == 0


def test_nothing_is_sent_for_closed_cancelled_submitted_or_draft_work(run_sweep, today):
    overdue = today - days(5)
    make_commitment(
        deadline=overdue,
        status=Commitment.Status.CLOSED,
        completed_on=today - days(1),
    )
    make_commitment(deadline=overdue, status=Commitment.Status.CANCELLED, status_reason="合并")
    make_commitment(
        deadline=overdue, status=Commitment.Status.SUBMITTED, completed_on=today - days(1)
    )
    make_commitment(deadline=overdue, status=Commitment.Status.DRAFT)

    result = run_sweep(today)

    assert result.claimed == 0
    assert mail.outbox == []


def test_work_closed_after_its_claim_is_not_sent(today, django_capture_on_commit_callbacks):
    c = make_commitment(deadline=today - days(1))
    # given the claim was made (e.g. by a worker that died before composing) ...
    assert claim_due(today).claimed == 1
    Commitment.objects.filter(pk=c.pk).update(
        status=Commitment.Status.CANCELLED, status_reason="并入其他事项"
    )

    # ... when a sweep finishes the work, nothing goes out for the cancelled commitment
    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep_run(today=today, dispatch=INLINE)

    assert mail.outbox == []


def test_working_days_only_skips_holidays_and_sends_on_adjusted_workdays(run_sweep, settings):
    settings.LEDGER = {**settings.LEDGER, "REMINDER_WORKDAYS_ONLY": True}
    national_day = date(2026, 10, 1)  # a public holiday, a Thursday
    adjusted_saturday = date(2026, 10, 10)  # a Saturday worked in exchange
    make_commitment(deadline=national_day - days(1))

    assert run_sweep(national_day).skipped
    assert mail.outbox == []
    assert not run_sweep(adjusted_saturday).skipped
    assert len(mail.outbox) == 1


def test_the_sweep_runs_a_constant_number_of_queries_per_batch(today, settings):
    settings.LEDGER = {**settings.LEDGER, "REMINDER_BATCH_SIZE": 10}

    def queries_for(n: int) -> int:
        ReminderLog.objects.all().delete()
        Commitment.objects.all().delete()
        ReminderSweep.objects.update_or_create(day=today, defaults={"finished_at": None})
        # ten units, so the recipient count (and so the compose batches) stays the same
        units = [UnitFactory(name=f"单位{i}") for i in range(10)]
        for i in range(n):
            make_commitment(unit=units[i % 10], deadline=today - days(1))
        with CaptureQueriesContext(connection) as ctx:
            reminder_sweep_run(today=today, dispatch=QUEUE)
        return len(ctx.captured_queries)

    one_batch, two_batches, three_batches = queries_for(10), queries_for(20), queries_for(30)

    per_batch = two_batches - one_batch
    assert three_batches - two_batches == per_batch
    assert per_batch <= 8


def test_a_unit_without_any_address_is_counted_not_lost(run_sweep, today):
    make_commitment(unit=UnitFactory(contact_emails=""), deadline=today - days(1))

    result = run_sweep(today)

    assert result.claimed == 1 and result.without_recipient == 1
    assert mail.outbox == []


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _quarterly_reporter(last_report: datetime) -> Commitment:
    return make_commitment(
        unit=UnitFactory(contact_emails="q@example.org"),
        deadline=date(2027, 12, 31),
        status=Commitment.Status.IN_PROGRESS,
        report_cycle=Commitment.ReportCycle.QUARTERLY,
        last_progress_at=last_report,
    )


def test_a_missing_quarterly_report_is_reminded_once_per_quarter(run_sweep):
    # given a quarterly reporter last heard of on August 1st (over 92 days before December 2nd)
    commitment = _quarterly_reporter(datetime(2026, 8, 1, 10, tzinfo=SHANGHAI))

    # when sweeps run in December, and once more in January with still no report
    december = [run_sweep(date(2026, 12, 2)), run_sweep(date(2026, 12, 30))]
    january = run_sweep(date(2027, 1, 4))

    # then one reminder in the fourth quarter and one in the first, each naming the quarter
    assert [r.by_kind for r in december] == [{"missing_report": 1}, {}]
    assert january.by_kind == {"missing_report": 1}
    periods = list(
        ReminderLog.objects.filter(commitment=commitment)
        .order_by("id")
        .values_list("kind", "period")
    )
    assert periods == [("missing_report", "2026-Q4"), ("missing_report", "2027-Q1")]
    assert len(mail.outbox) == 2 and "进展未报" in mail.outbox[0].body


def test_a_quarterly_report_is_not_missing_within_92_days(run_sweep):
    _quarterly_reporter(datetime(2026, 9, 10, 10, tzinfo=SHANGHAI))  # 83 days before

    result = run_sweep(date(2026, 12, 2))

    assert result.claimed == 0 and mail.outbox == []


def test_a_reminder_that_found_no_recipient_goes_out_once_an_address_exists(run_sweep, today):
    # given an overdue commitment whose unit has no address: claimed, nobody to write to
    unit = UnitFactory(contact_emails="")
    commitment = make_commitment(unit=unit, deadline=today - days(1))
    first = run_sweep(today)
    assert (first.claimed, first.without_recipient, mail.outbox) == (1, 1, [])

    # when the office adds the unit's address and the sweep runs again the same day
    unit.contact_emails = "added@example.org"
    unit.save(update_fields=["contact_emails"])
    second = run_sweep(today)
    third = run_sweep(today)

    # then the same reminder goes out once, to the new address, and not again
    assert (second.claimed, second.without_recipient) == (1, 0)
    assert third.claimed == 0
    (message,) = mail.outbox
    assert message.to == ["added@example.org"] and commitment.title in message.body
    log = ReminderLog.objects.get()
    assert list(log.deliveries.values_list("recipient", flat=True)) == ["added@example.org"]


def test_a_reminder_without_recipient_is_not_retried_after_its_period(run_sweep, today, settings):
    settings.LEDGER = {**settings.LEDGER, "OVERDUE_REPEAT_DAYS": 3, "ESCALATION_DAYS": 30}
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(1))
    run_sweep(today)
    unit.contact_emails = "added@example.org"
    unit.save(update_fields=["contact_emails"])

    # three days later the overdue reminder is in its next round: that one goes out, once
    result = run_sweep(today + days(3))

    assert result.claimed == 1 and len(mail.outbox) == 1
    delivered = dict(ReminderLog.objects.annotate(n=Count("deliveries")).values_list("period", "n"))
    assert delivered == {f"{today - days(1)}/0": 0, f"{today - days(1)}/1": 1}
