"""办理通知: every hand-off told to the other side, in the admin and in one e-mail digest per
recipient every few minutes, through the reminder log (claimed once, sent once)."""

from __future__ import annotations

import pytest

from commitments.choices import NoticeAudience, NoticeEvent
from commitments.models import Notice, ReminderLog, ReminderMessage
from commitments.selectors.notices import notices_for
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_manual_send
from commitments.services.workflow.extensions import extension_approve, extension_request
from commitments.services.workflow.moves import (
    commitment_accept,
    commitment_assign,
    commitment_return,
    commitment_submit,
)
from tests.factories import SupervisorUnitFactory, UserFactory

from .conftest import days, make_commitment
from .smtp_sink import SmtpSink
from .worker import Workers, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(office):
    clerk = UserFactory(
        username="clerk", last_name="王", first_name="督办", email="wang@office.org"
    )
    office.members.add(clerk)
    member = UserFactory(username="member", last_name="李", first_name="办理", email="")
    return clerk, member


def _draft(today, member, **kwargs):
    commitment = make_commitment(deadline=today + days(30), status="draft", **kwargs)
    commitment.lead_unit.members.add(member)
    return commitment


def test_each_hand_off_tells_the_other_side_and_each_side_sees_only_its_own(today, office, people):
    # given a drafted commitment of a unit, the office clerk and a unit member
    clerk, member = people
    commitment = _draft(today, member)
    # when the office hands it off, the unit signs for it and submits, the office returns it
    commitment_assign(commitment=commitment, actor=clerk)
    commitment_accept(commitment=commitment, actor=member)
    commitment_submit(commitment=commitment, actor=member, evidence_text="已建成")
    commitment_return(commitment=commitment, actor=clerk, reason="佐证不足")
    # then the unit was told of 交办 and 退回, the office of 签收 and 申请办结
    assert list(notices_for(member).order_by("created_at", "id").values_list("event", "note")) == [
        (NoticeEvent.ASSIGN, ""),
        (NoticeEvent.RETURN, "佐证不足"),
    ]
    assert list(notices_for(clerk).order_by("created_at", "id").values_list("event", "note")) == [
        (NoticeEvent.ACCEPT, ""),
        (NoticeEvent.SUBMIT, "已建成"),
    ]
    # and each notice is one claimed reminder log of kind NOTICE with its recipients
    unit_address = commitment.lead_unit.contact_emails
    for notice in Notice.objects.all():
        assert notice.log.kind == ReminderLog.Kind.NOTICE
        expected = (
            "office@example.org" if notice.audience == NoticeAudience.OFFICE else unit_address
        )
        assert list(notice.log.deliveries.values_list("recipient", flat=True)) == [expected]


def test_one_digest_per_recipient_carries_every_notice_since_the_last_one(
    today, office, people, smtp, send_notices
):
    # given two hand-offs to the same unit and an extension request to the office
    clerk, member = people
    first = _draft(today, member, title="新建幼儿园")
    second = make_commitment(
        unit=first.lead_unit, deadline=today + days(9), status="draft", title="改造老旧小区"
    )
    commitment_assign(commitment=first, actor=clerk)
    commitment_assign(commitment=second, actor=clerk)
    commitment_accept(commitment=first, actor=member)
    extension_request(
        commitment=first,
        actor=member,
        requested_deadline=today + days(60),
        reason="用地手续未齐",
    )
    assert smtp.received == []  # nothing is sent by the moves themselves

    # when the beat task runs
    assert send_notices() == 2

    # then the unit gets one e-mail with both hand-offs, the office one with its two notices
    by_recipient = {r.rcpt_tos[0]: r for r in smtp.received}
    assert sorted(by_recipient) == sorted([first.lead_unit.contact_emails, "office@example.org"])
    unit_mail = by_recipient[first.lead_unit.contact_emails]
    assert "办理通知" in unit_mail.message["Subject"]
    for body in (unit_mail.text, unit_mail.html):
        assert "新建幼儿园" in body and "改造老旧小区" in body
        assert "王督办" in body and "wang@office.org" in body  # who acted, and how to reach them
        assert f"/admin/commitments/commitment/{first.pk}/change/" in body
        assert "/api/" not in body
    assert "您好：" in unit_mail.text and "牵头单位：" in unit_mail.text
    office_mail = by_recipient["office@example.org"]
    assert "签收" in office_mail.text and "申请延期" in office_mail.text
    assert "用地手续未齐" in office_mail.text and "李办理" in office_mail.text
    assert set(ReminderMessage.objects.values_list("status", flat=True)) == {"sent"}

    # and a second run sends nothing again; a new hand-off goes out in the next digest alone
    assert send_notices() == 0
    extension = first.extensions.get()
    extension_approve(extension=extension, actor=clerk, note="同意")
    assert send_notices() == 1
    latest = smtp.received[-1]
    assert latest.rcpt_tos == [first.lead_unit.contact_emails]
    assert "延期已批准" in latest.text and "改造老旧小区" not in latest.text


def test_a_notice_of_a_closed_commitment_is_still_sent(today, office, people, smtp, send_notices):
    # (a reminder for finished work is dropped; a notice that it was finished is not)
    from commitments.services.workflow.moves import commitment_close, commitment_verify

    clerk, member = people
    commitment = _draft(today, member)
    commitment_assign(commitment=commitment, actor=clerk)
    commitment_accept(commitment=commitment, actor=member)
    commitment_submit(commitment=commitment, actor=member, evidence_text="已建成")
    commitment_verify(commitment=commitment, actor=clerk)
    commitment_close(commitment=commitment, actor=clerk)
    send_notices()
    unit_mail = next(
        r for r in smtp.received if r.rcpt_tos == [commitment.lead_unit.contact_emails]
    )
    assert "复核通过" in unit_mail.text and "销号" in unit_mail.text


def test_the_urge_mail_names_the_urger_the_opinion_and_a_contact(
    today, office, people, smtp, django_capture_on_commit_callbacks
):
    # given assigned work
    clerk, member = people
    commitment = make_commitment(deadline=today + days(2), title="整治校外培训")
    # when the office urges it with an opinion
    with django_capture_on_commit_callbacks(execute=True):
        result = reminder_manual_send(
            commitment_ids=[commitment.pk],
            actor=clerk,
            dispatch=INLINE,
            opinion="请于周五前报送进展",
        )
    # then the unit's e-mail says who urged, what they want and how to reach them
    assert result.claimed == [commitment.pk]
    (mail,) = smtp.received
    for body in (mail.text, mail.html):
        assert "催办人：王督办" in body
        assert "催办意见：请于周五前报送进展" in body
        assert "联系方式：wang@office.org" in body
        assert f"/admin/commitments/commitment/{commitment.pk}/change/" in body
        assert "/api/" not in body
    # and the unit sees the 催办 among its notices
    assert list(notices_for(member).values_list("event", "note")) == []  # not a member yet
    commitment.lead_unit.members.add(member)
    assert list(notices_for(member).values_list("event", "note")) == [
        (NoticeEvent.URGE, "请于周五前报送进展")
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_on_a_real_worker_sends_each_recipient_one_digest(tmp_path, today):
    # given a unit told of three hand-offs, and a real SMTP server and worker
    office = SupervisorUnitFactory(contact_emails="office@example.org")
    clerk = UserFactory(username="clerk2", last_name="王", first_name="督办")
    office.members.add(clerk)
    titles = ["新建幼儿园", "改造老旧小区", "整治校外培训"]
    unit = None
    for title in titles:
        commitment = make_commitment(
            unit=unit, deadline=today + days(9), status="draft", title=title
        )
        unit = commitment.lead_unit
        commitment_assign(commitment=commitment, actor=clerk)
    with SmtpSink() as sink:
        workers = Workers(tmp_path, sink.port)
        try:
            workers.start()
            # when beat fires the notice task (published as beat would, through the broker)
            workers.call("commitments.tasks.send_notice_digests")
            wait_for(
                lambda: (
                    len(sink.received) >= 1
                    and not ReminderMessage.objects.exclude(status="sent").exists()
                ),
                timeout=90,
                what="the notice digest",
            )
            # then one e-mail holds all three hand-offs, sent once
            (mail,) = sink.received
            assert mail.rcpt_tos == [unit.contact_emails]
            assert all(title in mail.text for title in titles)
            assert "3 条" in mail.message["Subject"]
        finally:
            workers.stop_all()
            print(workers.logs())


def test_the_cron_command_sends_the_notices_once(
    today, office, people, smtp, django_capture_on_commit_callbacks
):
    # given a hand-off and no worker
    from io import StringIO

    from django.core.management import call_command

    clerk, member = people
    commitment = _draft(today, member, title="新建幼儿园")
    commitment_assign(commitment=commitment, actor=clerk)
    # when cron runs the command twice (each run's commits are real in cron)
    first, second = StringIO(), StringIO()
    for out in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_notices", stdout=out)
    # then the unit got one e-mail, and the second run says there was nothing new
    assert [r.rcpt_tos for r in smtp.received] == [[commitment.lead_unit.contact_emails]]
    assert "新建幼儿园" in smtp.received[0].text
    assert first.getvalue().strip() == "办理通知邮件 1 封"
    assert second.getvalue().strip() == "没有新的办理通知"
