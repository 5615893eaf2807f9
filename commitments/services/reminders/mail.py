"""Reminder e-mails: the digest a recipient reads, and the bytes that go over SMTP.

A sweep writes thousands of digests of dozens of items each. Two things used to be most of its
time, so they are done by hand here:

- the item rows are filled in with f-strings (escaped for HTML) and handed to the frame
  templates as finished blocks; the template engine spent about 40 µs on every item;
- for Django's SMTP backend the MIME message is written directly as bytes (two 8bit UTF-8
  parts, base64 where a line is too long for 8bit) and given to the backend's smtplib
  connection; building it with email.message cost 0.7 ms (Django) to 2 ms (policy.SMTP).
  Every other backend (file, console, locmem in tests) gets Django's EmailMultiAlternatives
  with the same subject, bodies and headers.
"""

from __future__ import annotations

import base64
import html
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ...models import ReminderDelivery, ReminderLog, ReminderMessage
from ..links import commitment_admin_url_pattern

Kind = ReminderLog.Kind

# The order items appear in a digest: the most urgent first.
KIND_ORDER = [Kind.ESCALATION, Kind.OVERDUE, Kind.MANUAL, Kind.MISSING_REPORT, Kind.DUE_SOON]
_KIND_RANK = {str(kind): rank for rank, kind in enumerate(KIND_ORDER)}

# RFC 5321: a line of the message, CRLF excluded, is at most 998 octets; 8bit needs that.
_MAX_8BIT_LINE = 998


@dataclass(slots=True)
class DigestItem:
    kind: str
    commitment_id: int
    title: str
    lead_unit: str
    deadline: date | None
    role: str
    # A 催办's notice: who urged, their 意见 and how to reach them.
    urge: Any = None


def _deadline_note(deadline: date | None, days: int | None) -> str:
    if deadline is None or days is None:
        return _("待定")
    day = _("%(y)d年%(m)d月%(d)d日") % {"y": deadline.year, "m": deadline.month, "d": deadline.day}
    if days < 0:
        return _("%(day)s,已逾期 %(n)d 天") % {"day": day, "n": -days}
    if days == 0:
        return _("%(day)s,今日到期") % {"day": day}
    return _("%(day)s,还剩 %(n)d 天") % {"day": day, "n": days}


# Stands for a section's rows while the frame is rendered; the rows are put in afterwards.
_ROWS = "\x00"


class DigestWriter:
    """Renders the digests of one compose batch, in the language active when it is made.

    The item rows are written here with f-strings, every value escaped for the HTML. The
    frame around them (greeting, section headings, footer) comes from the templates, rendered
    once per shape of digest (number of items, sections, escalation) with a marker where each
    section's rows go: the frame sees nothing that is particular to one recipient."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.admin_url = commitment_admin_url_pattern().split("{}")
        self.admin_url_html = [html.escape(part) for part in self.admin_url]
        self.unit_label = _("牵头单位")
        self.deadline_label = _("完成时限")
        self.admin_label = _("查看办理")
        self.links_html = html.escape(self.admin_label)
        self.urge_labels = (_("催办人"), _("催办意见"), _("联系方式"))
        self.role_notes = {
            ReminderDelivery.Role.COPY.value: _("（您为配合单位，此件为抄送）"),
            ReminderDelivery.Role.SUPERVISOR.value: _("（督办抄送）"),
        }
        self.role_notes_html = {
            role: f"<br><small>{html.escape(note)}</small>"
            for role, note in self.role_notes.items()
        }
        self._notes: dict[date | None, tuple[str, str]] = {}
        self._units: dict[str, str] = {}
        self._frames: dict[tuple[Any, ...], tuple[list[str], list[str]]] = {}

    def _note(self, deadline: date | None) -> tuple[str, str]:
        """The deadline in words: as text, and as the HTML cell's start tag and content."""
        found = self._notes.get(deadline)
        if found is None:
            days = (deadline - self.today).days if deadline is not None else None
            note = _deadline_note(deadline, days)
            start = '<td style="color:#b00">' if days is not None and days < 0 else "<td>"
            found = self._notes[deadline] = (note, start + html.escape(note))
        return found

    def _urge_lines(self, item: DigestItem) -> list[tuple[str, str]]:
        urge = item.urge
        if urge is None:
            return []
        who, opinion, contact = self.urge_labels
        lines = [(who, urge.actor or "—")]
        if urge.note:
            lines.append((opinion, urge.note))
        lines.append((contact, urge.actor_contact or "—"))
        return lines

    def _text_row(self, n: int, item: DigestItem) -> str:
        cid = item.commitment_id
        admin = self.admin_url
        urge = "".join(f"   {label}：{value}\n" for label, value in self._urge_lines(item))
        return (
            f"{n}. {item.title}\n"
            f"   {self.unit_label}：{item.lead_unit}{self.role_notes.get(item.role, '')}\n"
            f"   {self.deadline_label}：{self._note(item.deadline)[0]}\n"
            f"{urge}"
            f"   {self.admin_label}：{admin[0]}{cid}{admin[1]}\n"
        )

    def _html_row(self, item: DigestItem) -> str:
        unit = self._units.get(item.lead_unit)
        if unit is None:
            unit = self._units[item.lead_unit] = html.escape(item.lead_unit)
        cid = item.commitment_id
        admin = self.admin_url_html
        urge = "".join(
            f"<br><small>{html.escape(label)}：{html.escape(value)}</small>"
            for label, value in self._urge_lines(item)
        )
        return (
            f"<tr>\n<td>{html.escape(item.title)}{self.role_notes_html.get(item.role, '')}"
            f"{urge}</td>\n"
            f"<td>{unit}</td>\n{self._note(item.deadline)[1]}</td>\n"
            f'<td><a href="{admin[0]}{cid}{admin[1]}">{self.links_html}</a></td>\n</tr>\n'
        )

    def _frame(
        self, kinds: tuple[str, ...], count: int, escalated: bool
    ) -> tuple[list[str], list[str]]:
        key = (kinds, count, escalated)
        found = self._frames.get(key)
        if found is None:
            context = {
                "sections": [
                    {"label": Kind(kind).label, "text_rows": _ROWS, "html_rows": mark_safe(_ROWS)}
                    for kind in kinds
                ],
                "count": count,
                "today": self.today,
                "escalated": escalated,
                "site_url": settings.SITE_URL,
            }
            text = render_to_string("commitments/email/reminder_digest.txt", context)
            body_html = render_to_string("commitments/email/reminder_digest.html", context)
            found = self._frames[key] = (text.split(_ROWS), body_html.split(_ROWS))
            for frame in found:
                if len(frame) != len(kinds) + 1:
                    raise ValueError("a digest template must show each section's rows once")
        return found

    def render(self, items: Sequence[DigestItem]) -> tuple[str, str, str]:
        """Subject, plain text and HTML of one digest, in Chinese."""
        ordered = sorted(items, key=lambda i: (_KIND_RANK[i.kind], i.deadline or date.max, i.title))
        kinds: list[str] = []
        text_rows: list[str] = []
        html_rows: list[str] = []
        for kind, group in itertools.groupby(ordered, key=lambda i: i.kind):
            section = list(group)
            kinds.append(kind)
            text_rows.append("".join(self._text_row(n, i) for n, i in enumerate(section, 1)))
            html_rows.append("".join(self._html_row(i) for i in section))
        escalated = bool(kinds) and kinds[0] == Kind.ESCALATION
        text_frame, html_frame = self._frame(tuple(kinds), len(items), escalated)
        if escalated:
            subject = _("【督办】%(count)d 项承诺事项逾期未完成,请即办理") % {"count": len(items)}
        else:
            subject = _("【催办】%(count)d 项承诺事项需要关注") % {"count": len(items)}
        return subject, _fill(text_frame, text_rows), _fill(html_frame, html_rows)


def _fill(frame: list[str], rows: list[str]) -> str:
    parts = [frame[0]]
    for block, after in zip(rows, frame[1:], strict=True):
        parts += [block, after]
    return "".join(parts)


# --------------------------------------------------------------------------- the message


def _message_id_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rsplit("@", 1)[-1] or "localhost"


def reminder_email_headers(message: ReminderMessage) -> dict[str, str]:
    return {
        # Stable across resends, so a rare duplicate can be recognised and folded.
        "Message-ID": f"<ledger-reminder-{message.id}@{_message_id_domain()}>",
        "Auto-Submitted": "auto-generated",
    }


def reminder_email_build(
    message: ReminderMessage, connection: Any = None
) -> EmailMultiAlternatives:
    """The message as Django builds it, for backends other than SMTP."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[message.recipient],
        connection=connection,
        headers=reminder_email_headers(message),
    )
    email.attach_alternative(message.body_html, "text/html")
    return email


@lru_cache(maxsize=64)
def _encoded_header(value: str) -> str:
    # A digest's subject differs only by its count, so the RFC 2047 words repeat.
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


@lru_cache(maxsize=4)
def _sender(from_email: str) -> tuple[str, str]:
    """(envelope address, From header) of DEFAULT_FROM_EMAIL."""
    name, address = parseaddr(from_email)
    return address, formataddr((name, address), charset="utf-8")


def _plain_address(address: str) -> bool:
    """An address that can go into the envelope and the To header as it is."""
    return address.isascii() and "@" in address and not any(c in address for c in '\r\n\t <>"(),;:')


def _part(text: str, subtype: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    lines = data.split(b"\n")
    if max(map(len, lines)) <= _MAX_8BIT_LINE:
        encoding, body = "8bit", b"\r\n".join(lines)
    else:
        encoding = "base64"
        body = base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + body


def reminder_email_bytes(message: ReminderMessage) -> bytes:
    """The whole message as sent over SMTP: multipart/alternative, text then HTML."""
    text = _part(message.body_text, "plain")
    body_html = _part(message.body_html, "html")
    boundary = f"===============ledger{uuid.uuid4().hex}=="
    while boundary.encode("ascii") in text or boundary.encode("ascii") in body_html:
        boundary = f"===============ledger{uuid.uuid4().hex}=="
    headers = [
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
        "MIME-Version: 1.0",
        f"Subject: {_encoded_header(message.subject)}",
        f"From: {_sender(settings.DEFAULT_FROM_EMAIL)[1]}",
        f"To: {message.recipient}",
        f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}",
        *(f"{name}: {value}" for name, value in reminder_email_headers(message).items()),
    ]
    delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            "\r\n".join(headers).encode("ascii"),
            b"\r\n",
            delimiter,
            text,
            delimiter,
            body_html,
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )


class ReminderOutbox:
    """Sends reminder messages one by one over one connection of the configured backend."""

    def __init__(self) -> None:
        self.connection = get_connection(fail_silently=False)
        # Exactly Django's SMTP backend: a subclass may send differently, so it gets Django's way.
        self._smtp = type(self.connection) is SmtpBackend
        self._open = False

    def send(self, message: ReminderMessage) -> None:
        """Raises if the message was not accepted."""
        if not self._open:
            # Opened by us, the connection stays open across messages.
            self.connection.open()
            self._open = True
        if self._smtp and _plain_address(message.recipient):
            envelope_from = _sender(settings.DEFAULT_FROM_EMAIL)[0]
            self.connection.connection.sendmail(
                envelope_from, [message.recipient], reminder_email_bytes(message)
            )
            return
        if self.connection.send_messages([reminder_email_build(message, self.connection)]) != 1:
            raise RuntimeError(_("邮件服务器未接收该邮件"))

    def reset(self) -> None:
        """After a failure: the connection may be half-closed, the next message opens anew."""
        self.close()

    def close(self) -> None:
        self._open = False
        self.connection.close()
