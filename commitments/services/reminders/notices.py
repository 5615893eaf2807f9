"""Notices (办理通知): every hand-off told to the other side, through the reminder log.

A move records a Notice in its own transaction, with one ReminderLog of kind NOTICE (period:
the notice's id, so it is claimed exactly once) and its recipients as ReminderDelivery rows:
the unit's (responsible person, else the lead unit's contacts, co-units in copy, the same
rule as reminders) or the office's (the 督办单位's contacts). Nothing is sent then: a beat task
(`notice_digests_send`, every few minutes) composes one digest per recipient of all their
notices since the last one and sends it through the reminder outbox, so a unit that gets ten
hand-offs in a morning reads one e-mail per few minutes, not ten. Failed digests are retried,
shown as 发送失败 and resent exactly as reminder digests are.

Group robots hear them too: in the same transaction the notice's log claims one
ChannelDelivery per robot of its audience (the unit's robots, its co-units' in copy; or the
robots that name an office), and the same beat task posts one 办理通知 per robot and unit
(services/channels/), never mixed with a 催办 and never dropped because the work is closed.

`notice_words` is the one writer of a notice's words (event, the note's label, the link):
the e-mail digest (`notice_digest_render`) and the robots' digests are written from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .dispatch import Dispatch

from ...choices import NOTICE_AUDIENCE, Move, NoticeAudience, NoticeEvent
from ...models import Commitment, Notice, ReminderDelivery, ReminderLog
from ...people import person_name
from ...selectors.office import office_language, office_today
from ...selectors.reminders import reminder_supervisor_emails
from ..channels.claim import channel_notice_claim
from ..links import commitment_admin_url
from .claim import Candidate, co_unit_emails, recipients_of
from .config import reminder_config

Kind = ReminderLog.Kind


def notice_record(
    *,
    commitment: Commitment,
    event: str,
    actor: Any,
    note: str = "",
    log: ReminderLog | None = None,
) -> Notice:
    """Tell the other side that `event` happened to `commitment` (call inside the move's
    transaction). With `log` (a 催办's manual reminder) the notice only explains that log,
    which the reminder machinery delivers; otherwise the notice gets a log of its own."""
    audience = NOTICE_AUDIENCE[event]
    notice = Notice.objects.create(
        commitment=commitment,
        event=event,
        audience=audience,
        unit_id=commitment.lead_unit_id,
        actor=actor if getattr(actor, "pk", None) else None,
        note=(note or "").strip(),
        log=log,
    )
    if log is None:
        notice.log = ReminderLog.objects.create(
            commitment=commitment,
            kind=Kind.NOTICE,
            period=f"notice/{notice.pk}",
            claim=uuid.uuid4().hex,
            created_by=notice.actor,
        )
        notice.save(update_fields=["log"])
        ReminderDelivery.objects.bulk_create(
            ReminderDelivery(log=notice.log, recipient=address, role=role)
            for address, role in _recipients(commitment, audience)
        )
        channel_notice_claim(
            log_id=notice.log.pk,
            commitment=commitment,
            to_office=audience == NoticeAudience.OFFICE,
        )
    return notice


def _recipients(commitment: Commitment, audience: str) -> list[tuple[str, str]]:
    if audience == NoticeAudience.OFFICE:
        seen: dict[str, str] = {}
        for address in reminder_supervisor_emails():
            seen.setdefault(address.strip().lower(), ReminderDelivery.Role.SUPERVISOR)
        return list(seen.items())
    row = (
        Commitment.objects.filter(pk=commitment.pk)
        .values_list(
            "id", "deadline", "report_cycle", "responsible__email", "lead_unit__contact_emails"
        )
        .get()
    )
    return recipients_of(
        Candidate._make(row), Kind.NOTICE, co_unit_emails([commitment.pk])[commitment.pk], ()
    )


# --------------------------------------------------------------------------- the digest


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One notice as a digest shows it."""

    event: str
    commitment_id: int
    title: str
    lead_unit: str
    deadline: date | None
    actor: str
    actor_contact: str
    note: str
    at: datetime
    role: str = ReminderDelivery.Role.PRIMARY


def notice_items(log_ids: Sequence[int]) -> dict[int, NoticeItem]:
    """{log id: its notice as a digest item}, in one query."""
    rows = Notice.objects.filter(log_id__in=list(log_ids)).values_list(
        "log_id",
        "event",
        "commitment_id",
        "commitment__title",
        "commitment__lead_unit__name",
        "commitment__deadline",
        "actor__username",
        "actor__last_name",
        "actor__first_name",
        "actor__email",
        "note",
        "created_at",
    )
    return {
        log_id: NoticeItem(
            event=event,
            commitment_id=cid,
            title=title,
            lead_unit=unit,
            deadline=deadline,
            actor=person_name(username=username, last_name=last, first_name=first),
            actor_contact=email or "",
            note=note,
            at=at,
        )
        for (
            log_id,
            event,
            cid,
            title,
            unit,
            deadline,
            username,
            last,
            first,
            email,
            note,
            at,
        ) in rows
    }


def notice_note_label(event: str) -> str:
    """What a notice's note is, by its event: 交办 carries the 办理要求, 退回 its reason ..."""
    labels: dict[str, str] = {
        NoticeEvent.ASSIGN: _("办理要求"),
        NoticeEvent.RETURN: _("退回理由"),
        NoticeEvent.SUBMIT: _("办结说明"),
        NoticeEvent.VERIFY: _("复核意见"),
        NoticeEvent.REQUEST_EXTENSION: _("延期申请"),
        NoticeEvent.EXTENSION_APPROVED: _("审批意见"),
        NoticeEvent.EXTENSION_REJECTED: _("审批意见"),
        NoticeEvent.DEADLINE_CORRECTED: _("更正说明"),
        NoticeEvent.URGE: _("催办意见"),
    }
    return labels.get(event) or _("说明")


def notice_words(item: NoticeItem) -> dict[str, Any]:
    """A notice in words, as every digest shows it (call in the office's language)."""
    return {
        "event": str(NoticeEvent(item.event).label),
        "title": item.title,
        "lead_unit": item.lead_unit,
        "deadline": item.deadline,
        "actor": item.actor,
        "actor_contact": item.actor_contact,
        "note_label": notice_note_label(item.event),
        "note": item.note,
        "at": timezone.localtime(item.at),
        "url": commitment_admin_url(item.commitment_id),
        "copy": item.role == ReminderDelivery.Role.COPY,
    }


def notice_order(item: NoticeItem) -> tuple[datetime, int]:
    """Notices are told in the order they happened."""
    return item.at, item.commitment_id


def notice_digest_render(items: Sequence[NoticeItem]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one recipient's notices, oldest first, in the office's
    language."""
    with office_language():
        rows = [notice_words(item) for item in sorted(items, key=notice_order)]
        context = {"rows": rows, "count": len(rows), "site_url": settings.SITE_URL}
        events = sorted({str(row["event"]) for row in rows})
        subject = _("【办理通知】%(count)d 条承诺事项动态：%(events)s") % {
            "count": len(rows),
            "events": "、".join(events),
        }
        text = render_to_string("commitments/email/notice_digest.txt", context)
        body_html = render_to_string("commitments/email/notice_digest.html", context)
    return subject, text, body_html


# --------------------------------------------------------------------------- the beat task


def notice_digests_send(*, dispatch: Dispatch, today: date | None = None) -> int:
    """Compose one digest per recipient of every notice not yet e-mailed, and one 办理通知 per
    robot and unit of every notice not yet posted, and hand them to `dispatch` once committed;
    the number of e-mail digests. Safe to run twice or concurrently: composing takes each
    delivery once (row locks), sending takes each digest once."""
    # Imported here: both composers read this module's notices (notice_items, notice_words).
    from ..channels.delivery import channel_notices_finish
    from .compose import compose

    today = today or office_today()
    batch = reminder_config().recipient_batch
    recipients = sorted(
        set(
            ReminderDelivery.objects.filter(message__isnull=True, log__kind=Kind.NOTICE)
            .values_list("recipient", flat=True)
            .distinct()
        )
    )
    total = 0
    for start in range(0, len(recipients), batch):
        with transaction.atomic():
            ids = compose(recipients[start : start + batch], today=today, notices=True)
            if ids:
                transaction.on_commit(partial(dispatch.send, ids))
        total += len(ids)
    channel_notices_finish(today=today, dispatch=dispatch)
    return total


# --------------------------------------------------------------------------- from the moves

# The moves the other side is told of; the rest (开始办理, 报送进展 ...) change nothing for it.
MOVE_NOTICES: dict[str, str] = {
    Move.ASSIGN: NoticeEvent.ASSIGN,
    Move.RETURN: NoticeEvent.RETURN,
    Move.VERIFY: NoticeEvent.VERIFY,
    Move.CLOSE: NoticeEvent.CLOSE,
    Move.ACCEPT: NoticeEvent.ACCEPT,
    Move.SUBMIT: NoticeEvent.SUBMIT,
}


def notice_for_move(*, commitment: Commitment, move: str, actor: Any, reason: str) -> None:
    """Called by `make_move` after every move: records the notice the move calls for, if any.
    交办 carries its 办理要求, 申请办结 its 办结说明, the others their reason."""
    event = MOVE_NOTICES.get(move)
    if event is None:
        return
    note = reason
    if event == NoticeEvent.ASSIGN:
        note = commitment.requirements
    elif event == NoticeEvent.SUBMIT:
        note = commitment.completion_note
    notice_record(commitment=commitment, event=event, actor=actor, note=note)
