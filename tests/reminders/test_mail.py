"""The digest's text and HTML, and the bytes sent over SMTP, checked by parsing them back."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest

from commitments.models import ReminderDelivery, ReminderMessage
from commitments.services.reminders.mail import (
    DigestItem,
    DigestWriter,
    reminder_email_build,
    reminder_email_bytes,
)

TODAY = date(2026, 12, 2)


def _message(**fields: object) -> ReminderMessage:
    defaults: dict[str, object] = {
        "id": 41,
        "recipient": "unit@example.org",
        "subject": "【督办】2 项承诺事项逾期未完成,请即办理",
        "body_text": "您好:\n\n1. 整治校外培训\n.以点开头的一行\n",
        "body_html": '<p>您好:</p>\n<td style="color:#b00">已逾期</td>\n',
    }
    return ReminderMessage(**{**defaults, **fields})


def test_the_smtp_bytes_carry_the_same_headers_and_bodies_as_djangos_message():
    message = _message()

    parsed = message_from_bytes(reminder_email_bytes(message), policy=policy.default)
    django = message_from_bytes(
        reminder_email_build(message).message().as_bytes(), policy=policy.default
    )

    for header in ("Subject", "From", "To", "Message-ID", "Auto-Submitted", "MIME-Version"):
        # Django folds a long encoded subject onto a line of its own: a leading space
        assert parsed[header] == django[header].strip(), header
    assert parsed["Subject"] == message.subject
    assert parsed["From"] == "认责承诺台账 <ledger@localhost>"
    assert parsed["Message-ID"] == "<ledger-reminder-41@localhost>" and parsed["Date"]
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text["Content-Transfer-Encoding"] == "8bit"
    assert text.get_content().replace("\r\n", "\n") == message.body_text
    assert html.get_content().replace("\r\n", "\n") == message.body_html


def test_every_line_ends_in_crlf_and_none_is_too_long_for_smtp():
    raw = reminder_email_bytes(_message(body_text="a\rb\nc\r\nd"))

    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 998


def test_a_line_too_long_for_8bit_is_sent_in_base64():
    long_title = "很长的事项名称" * 100  # 2,100 octets of UTF-8 on one line
    message = _message(body_html=f"<td>{long_title}</td>\n")

    parsed = message_from_bytes(reminder_email_bytes(message), policy=policy.default)

    html = parsed.get_body(("html",))
    assert html["Content-Transfer-Encoding"] == "base64"
    assert html.get_content() == message.body_html
    assert parsed.get_body(("plain",))["Content-Transfer-Encoding"] == "8bit"


def _items() -> list[DigestItem]:
    overdue = TODAY - timedelta(days=3)
    return [
        DigestItem("due_soon", 7, "建设智慧校园", "市教育局", TODAY + timedelta(days=1), "primary"),
        DigestItem("overdue", 8, '整治<script>alert("x")</script>&培训', "A&B局", overdue, "copy"),
        DigestItem("overdue", 9, "推进集团化办学", "市教育局", overdue, "primary"),
    ]


def test_titles_and_unit_names_are_escaped_in_the_html_and_kept_in_the_text():
    subject, text, html = DigestWriter(TODAY).render(_items())

    assert '<script>alert("x")</script>&培训' in text and "A&B局" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;培训" in html
    assert "<script>" not in html and "A&amp;B局" in html
    assert "【催办】3 项" in subject


def test_items_are_grouped_most_urgent_first_and_numbered_per_section():
    _subject, text, html = DigestWriter(TODAY).render(_items())

    assert text.index("【逾期催办】") < text.index("【即将到期】")
    overdue = text[text.index("【逾期催办】") : text.index("【即将到期】")]
    assert "1. 推进集团化办学" in overdue and "2. 整治" in overdue  # by title within a deadline
    assert "1. 建设智慧校园" in text[text.index("【即将到期】") :]
    assert "已逾期 3 天" in text and "还剩 1 天" in text
    assert html.count("<tr>\n<td>") == 3 and html.count('style="color:#b00"') == 2
    assert "（您为配合单位，此件为抄送）" in html


def test_digests_of_the_same_shape_share_the_frame_but_not_the_rows():
    writer = DigestWriter(TODAY)
    first = writer.render(_items()[:1])
    second = writer.render([DigestItem("due_soon", 70, "另一件事", "市住建局", TODAY, "primary")])

    assert first[0] == second[0]  # same count, same sections
    assert "建设智慧校园" in first[1] and "建设智慧校园" not in second[1]
    assert "/commitment/70/change/" in second[2] and "今日到期" in second[1]


@pytest.mark.parametrize(
    ("role", "note"),
    [
        (ReminderDelivery.Role.PRIMARY, ""),
        (ReminderDelivery.Role.COPY, "（您为配合单位，此件为抄送）"),
        (ReminderDelivery.Role.SUPERVISOR, "（督办抄送）"),
    ],
)
def test_the_text_row_says_why_the_recipient_gets_the_item(role, note):
    _subject, text, _html = DigestWriter(TODAY).render(
        [DigestItem("escalation", 5, "事项", "市教育局", TODAY - timedelta(days=9), role)]
    )

    assert f"牵头单位：市教育局{note}\n" in text
