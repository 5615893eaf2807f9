"""send_reminders, the 催办 action, the admin pages and the editable schedule."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from commitments.models import Commitment, ReminderLog, ReminderMessage
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_manual_send
from tests.factories import UnitFactory

from .conftest import days, make_commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """send_reminders; the suite wraps each test in a transaction, so run the on-commit hooks."""

    def call(*args: str) -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", *args, stdout=out)
        return out.getvalue()

    return call


def test_dry_run_reports_what_would_be_sent_and_writes_nothing(run, today):
    make_commitment(unit=UnitFactory(contact_emails="a@example.org"), deadline=today + days(1))
    make_commitment(unit=UnitFactory(contact_emails="b@example.org"), deadline=today - days(1))

    output = run("--dry-run", "--today", today.isoformat())

    assert "将提醒 2 项" in output and "收件人 2 个" in output
    assert "即将到期:1" in output and "逾期催办:1" in output
    assert not ReminderLog.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)  # real commits, as when cron runs it
def test_send_reminders_sends_without_a_worker_and_only_once(run, today):
    make_commitment(unit=UnitFactory(contact_emails="a@example.org"), deadline=today - days(1))

    first = run("--today", today.isoformat())
    second = run("--today", today.isoformat())

    assert "新提醒 1 项" in first and "邮件已发送:1" in first
    assert "新提醒 0 项" in second
    assert len(mail.outbox) == 1


def test_send_reminders_says_so_on_a_holiday_when_reminders_keep_to_workdays(run, settings):
    settings.LEDGER = {**settings.LEDGER, "REMINDER_WORKDAYS_ONLY": True}
    make_commitment(unit=UnitFactory(contact_emails="a@example.org"), deadline=date(2025, 9, 30))

    rehearsal = run("--dry-run", "--today", "2025-10-01")  # 国庆节
    holiday = run("--today", "2025-10-01")

    assert rehearsal.strip() == "2025-10-01 不是工作日,不发送提醒(演练)"
    assert holiday.strip() == "2025-10-01 不是工作日,不发送提醒"
    assert not ReminderLog.objects.exists()


def test_send_reminders_rejects_a_bad_date(run):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--today", "2026-13-01")


def test_manual_reminder_goes_out_once_a_day_and_never_for_closed_work(
    today, supervisor, django_capture_on_commit_callbacks
):
    unit = UnitFactory(contact_emails="a@example.org")
    open_one = make_commitment(unit=unit, deadline=today + days(30))
    closed = make_commitment(
        unit=unit,
        deadline=today + days(30),
        status=Commitment.Status.CLOSED,
        completed_on=today,
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = reminder_manual_send(
            commitment_ids=[open_one.id, closed.id], actor=supervisor, dispatch=INLINE
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = reminder_manual_send(
            commitment_ids=[open_one.id], actor=supervisor, dispatch=INLINE
        )

    assert first.claimed == [open_one.id] and first.not_open == [closed.id]
    assert second.claimed == [] and second.already == [open_one.id]
    assert len(mail.outbox) == 1 and "人工催办" in mail.outbox[0].body
    log = ReminderLog.objects.get()
    assert log.kind == ReminderLog.Kind.MANUAL and log.created_by == supervisor


def test_admin_action_sends_a_reminder_and_the_change_page_shows_the_history(
    client, superuser, today, django_capture_on_commit_callbacks
):
    from config.celery import app

    commitment = make_commitment(
        unit=UnitFactory(contact_emails="a@example.org"), deadline=today + days(30)
    )
    client.force_login(superuser)
    app.conf.task_always_eager = True  # the send task runs here instead of on a broker
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/commitments/commitment/",
                {"action": "send_reminder_now", "_selected_action": [commitment.id]},
                follow=True,
            )
    finally:
        app.conf.task_always_eager = False

    assert "已催办 1 项" in response.content.decode()
    assert len(mail.outbox) == 1
    page = client.get(f"/admin/commitments/commitment/{commitment.id}/change/").content.decode()
    assert "提醒记录" in page and "人工催办" in page and "a@example.org" in page
    assert "已发送" in page


def test_a_unit_member_cannot_send_a_reminder(client, unit_member, unit, today):
    commitment = make_commitment(unit=unit, deadline=today + days(30))
    client.force_login(unit_member)
    from commitments.admin.reminders import send_reminder_now

    class _Admin:
        messages: list = []

        def message_user(self, request, message, level):
            self.messages.append(str(message))

    request = client.get("/admin/").wsgi_request
    request.user = unit_member
    admin = _Admin()
    send_reminder_now(admin, request, Commitment.objects.filter(pk=commitment.pk))

    assert admin.messages == ["只有活动办公室可以催办"]
    assert not ReminderLog.objects.exists()


def test_failed_messages_are_listed_in_the_admin(client, superuser):
    ReminderMessage.objects.create(
        recipient="x@example.org",
        subject="【催办】1 项承诺事项需要关注",
        body_text="…",
        body_html="<p>…</p>",
        status=ReminderMessage.Status.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550",
    )
    client.force_login(superuser)

    page = client.get("/admin/commitments/remindermessage/?status__exact=failed").content.decode()

    assert "x@example.org" in page and "发送失败" in page and "ledger-reminder-failed" in page
    assert "重新发送选中的失败邮件" in page  # the action, named in e-mails
    assert re.search(r"/static/commitments/admin\.[0-9a-f.]*css", page)  # the outbox style

    # the retry action puts it back in the queue and says how many, in e-mails
    failed = ReminderMessage.objects.get()
    answer = client.post(
        "/admin/commitments/remindermessage/",
        {"action": "retry_failed", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "已重新排队 1 封邮件" in answer.content.decode()
    failed.refresh_from_db()
    assert failed.status == ReminderMessage.Status.PENDING and failed.attempts == 0


def test_the_daily_sweep_is_an_editable_periodic_task_at_0830_shanghai():
    task = PeriodicTask.objects.get(name="reminder-sweep")
    assert task.task == "commitments.tasks.reminder_sweep" and task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("8", "30")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_a_unit_member_sees_only_the_reminders_of_their_own_commitments(
    client, unit_member, unit, today, run
):
    from django.contrib.auth.models import Group

    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    unit.contact_emails = "edu@example.org"
    unit.save(update_fields=["contact_emails"])
    mine = make_commitment(unit=unit, deadline=today - days(1), title="本单位事项")
    make_commitment(
        unit=UnitFactory(contact_emails="other@example.org"),
        deadline=today - days(1),
        title="外单位事项",
    )
    run("--today", today.isoformat())
    client.force_login(unit_member)

    logs = client.get("/admin/commitments/reminderlog/").content.decode()
    page = client.get(f"/admin/commitments/commitment/{mine.id}/change/").content.decode()

    assert "本单位事项" in logs and "外单位事项" not in logs
    assert "edu@example.org" in page
    assert client.get("/admin/commitments/remindermessage/").status_code == 403


def test_the_resume_task_runs_every_ten_minutes():
    task = PeriodicTask.objects.get(name="reminder-resume")
    assert task.task == "commitments.tasks.reminder_sweep_resume"
    assert (task.interval.every, task.interval.period) == (10, "minutes")


@pytest.mark.parametrize(
    ("kind", "period", "label"),
    [
        ("overdue", "2026-11-19/2", "时限 2026-11-19,第 3 轮"),
        ("escalation", "2026-11-19/0", "时限 2026-11-19,第 1 轮"),
        ("due_soon", "2026-11-30", "时限 2026-11-30"),
        ("missing_report", "2026-W48", "2026年第48周"),
        ("missing_report", "2026-11", "2026年11月"),
        ("missing_report", "2026-Q4", "2026年第4季度"),
        ("manual", "2026-11-28", "2026-11-28"),
    ],
)
def test_the_history_names_each_period_in_words(kind, period, label):
    from commitments.admin.reminders import _period_label

    assert _period_label(ReminderLog(kind=kind, period=period)) == label


def test_a_manual_reminder_without_recipient_can_be_repeated_once_an_address_exists(
    client, superuser, supervisor, today, django_capture_on_commit_callbacks
):
    unit = UnitFactory(contact_emails="")
    commitment = make_commitment(unit=unit, deadline=today + days(30))

    def remind():
        with django_capture_on_commit_callbacks(execute=True):
            return reminder_manual_send(
                commitment_ids=[commitment.id], actor=supervisor, dispatch=INLINE
            )

    # given a 催办 that found nobody to write to, which the history shows as not final
    first = remind()
    client.force_login(superuser)
    page = client.get(f"/admin/commitments/commitment/{commitment.id}/change/").content.decode()
    assert first.without_recipient == [commitment.id] and first.claimed == []
    assert "无收件人(补充邮箱后,下次提醒时补发)" in page

    # when the unit gets an address, 催办 works the same day, and only once
    unit.contact_emails = "later@example.org"
    unit.save(update_fields=["contact_emails"])
    second, third = remind(), remind()

    assert second.claimed == [commitment.id] and second.without_recipient == []
    assert third.already == [commitment.id]
    assert [m.to for m in mail.outbox] == [["later@example.org"]]
    assert ReminderLog.objects.get().created_by == supervisor
