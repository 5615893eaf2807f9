"""Compose: every undigested robot delivery into one ChannelMessage per (robot, unit).

Two kinds of digest, never mixed in one message: the sweep's 催办 (reminders: what is due,
overdue, missing its report, escalated) and the beat task's 办理通知 (notices: a hand-off such
as 交办, 退回 or 销号). A reminder for work closed since it was claimed is dropped; a notice
is not (that the work was closed is the news). Messages are cut into pages when the
platform's size limit demands it. Rows are locked, so two composers (two notice runs, two
sweeps) never take the same delivery nor cut a unit's digest in two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...choices import REMINDABLE_STATUSES
from ...models import Channel, ChannelDelivery, ChannelMessage, ReminderDelivery, ReminderLog, Unit
from ...people import person_name
from ...selectors.office import office_language
from ...selectors.reminders import DELIVERY_SUBJECT_FIELDS
from ..links import commitment_admin_url_pattern
from ..reminders.mail import KIND_ORDER
from ..reminders.notices import NoticeItem, notice_items, notice_order, notice_words
from .platforms import Item, paginate, platform

Role = ReminderDelivery.Role
Kind = ReminderLog.Kind

# A note longer than this is cut on a robot (the link leads to all of it): one item must
# fit a page of the smallest platform (企业微信: 2,048 bytes).
NOTE_CHARS = 200


class _Delivery(NamedTuple):
    id: int
    channel_id: int
    unit_id: int
    role: str
    log_id: int
    kind: str
    commitment_id: int
    title: str
    deadline: date | None
    status: str
    first_name: str | None
    last_name: str | None
    username: str | None
    email: str | None
    mobile: str | None


_FIELDS = (
    "id",
    "channel_id",
    "unit_id",
    "role",
    "log_id",
    *DELIVERY_SUBJECT_FIELDS,
    "log__commitment__responsible__first_name",
    "log__commitment__responsible__last_name",
    "log__commitment__responsible__username",
    "log__commitment__responsible__email",
    "log__commitment__responsible__ledger_profile__mobile",
)

# The order items appear in a 催办, as in the e-mail: the most urgent first.
_KIND_RANK = {str(kind): rank for rank, kind in enumerate(KIND_ORDER)}

# (robot, unit) → [(sort key, delivery id, item)]
Groups = dict[tuple[int, int], list[tuple[Any, int, Item]]]


def channel_messages_compose(*, today: date, chunk: int = 2000, notices: bool = False) -> list[int]:
    """Put every undigested robot delivery into its (robot, unit) digest: the reminders, or
    (`notices`) the 办理通知. Returns the ids of the robots that got new messages."""
    touched: set[int] = set()
    while True:
        found, more = _compose_chunk(today=today, chunk=chunk, notices=notices)
        touched.update(found)
        if not more:
            return sorted(touched)


def _compose_chunk(*, today: date, chunk: int, notices: bool) -> tuple[set[int], bool]:
    with transaction.atomic(), office_language():
        deliveries = ChannelDelivery.objects.filter(message__isnull=True)
        if notices:
            deliveries = deliveries.filter(log__kind=Kind.NOTICE)
        else:
            deliveries = deliveries.exclude(log__kind=Kind.NOTICE)
        deliveries = deliveries.order_by("channel_id", "unit_id", "id")
        if db_connection.features.has_select_for_update:
            # Waiting, not SKIP LOCKED: a composer that skipped what another one holds would
            # take the rows that one had not reached yet, and cut a unit's digest in two. Both
            # lock in the same order, so the second waits at the first row and then finds the
            # rows digested (SQLite's IMMEDIATE transactions serialise composers anyway).
            deliveries = deliveries.select_for_update(of=("self",))
        rows = [_Delivery._make(row) for row in deliveries.values_list(*_FIELDS)[: chunk + 1]]
        more = len(rows) > chunk
        if more:
            # Never split a unit's digest between two chunks: its last group waits for the next.
            last = rows[chunk - 1][1:3]
            cut = next(i for i in range(chunk) if rows[i][1:3] == last)
            rows = rows[: cut or chunk]
        if not rows:
            return set(), False
        groups, dropped = (_notice_groups if notices else _reminder_groups)(rows, today)
        if dropped:
            ChannelDelivery.objects.filter(id__in=dropped).delete()
        _write_messages(groups, today=today, notices=notices)
        return {channel_id for channel_id, _unit in groups}, more


def _deadline_words(deadline: date | None, today: date) -> tuple[str, str, bool]:
    if deadline is None:
        return _("待定"), "", False
    day = _("%(y)d年%(m)d月%(d)d日") % {"y": deadline.year, "m": deadline.month, "d": deadline.day}
    days = (deadline - today).days
    if days < 0:
        return day, _("逾期天数:%(n)d 天") % {"n": -days}, True
    if days == 0:
        return day, _("今日到期"), False
    return day, _("剩余天数:%(n)d 天") % {"n": days}, False


def _responsible(row: _Delivery) -> tuple[str, str, str]:
    """The responsible person's name, mobile and e-mail address: @-ed (by mobile, on 飞书 by
    e-mail) only on their own unit's work, not on a copy."""
    name = person_name(
        username=row.username, last_name=row.last_name or "", first_name=row.first_name or ""
    )
    if row.role != Role.PRIMARY.value:
        return name, "", ""
    return name, row.mobile or "", row.email or ""


def _reminder_groups(rows: Sequence[_Delivery], today: date) -> tuple[Groups, list[int]]:
    remindable = set(REMINDABLE_STATUSES)
    admin_url = commitment_admin_url_pattern()
    notes = {Role.COPY.value: _("(配合单位抄送)"), Role.SUPERVISOR.value: _("(督办抄送)")}
    kinds = dict(ReminderLog.Kind.choices)
    # A 催办 from the page carries who urged and their words (its notice), as in the e-mail.
    urges = notice_items([row.log_id for row in rows if row.kind == Kind.MANUAL])
    groups: Groups = defaultdict(list)
    dropped: list[int] = []
    for row in rows:
        if row.status not in remindable:
            dropped.append(row.id)  # closed since it was claimed: nothing to send
            continue
        day, days_label, overdue = _deadline_words(row.deadline, today)
        person, mobile, email = _responsible(row)
        item = Item(
            details=_urge_details(urges.get(row.log_id)),
            title=row.title,
            kind_label=str(kinds.get(row.kind, row.kind)),
            deadline_label=day,
            days_label=days_label,
            link=admin_url.format(row.commitment_id),
            note=str(notes.get(row.role, "")),
            overdue=overdue,
            person=person,
            mobile=mobile,
            email=email,
        )
        rank = _KIND_RANK.get(row.kind, len(_KIND_RANK))
        groups[(row.channel_id, row.unit_id)].append((rank, row.id, item))
    return groups, dropped


def _urge_details(urge: NoticeItem | None) -> tuple[tuple[str, str], ...]:
    if urge is None:
        return ()
    return ((_("催办人"), _who(urge.actor, urge.actor_contact)), (_("催办意见"), _cut(urge.note)))


def _who(name: str, contact: str) -> str:
    """Who acted, and how to reach them: 王督办(wang@office.org)."""
    who = name or "—"
    return f"{who}({contact})" if contact else who


def _cut(note: str) -> str:
    return note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…"


def _notice_groups(rows: Sequence[_Delivery], today: date) -> tuple[Groups, list[int]]:
    # Whatever the commitment's status: a notice that it was closed is still news.
    notices = notice_items([row.log_id for row in rows])
    copy_note = _("(配合单位抄送)")
    groups: Groups = defaultdict(list)
    dropped: list[int] = []
    for row in rows:
        notice = notices.get(row.log_id)
        if notice is None:
            dropped.append(row.id)  # no notice explains this log: nothing to say
            continue
        notice = replace(notice, role=row.role)
        person, mobile, email = _responsible(row)
        words = notice_words(notice)
        day, _days, _overdue = _deadline_words(words["deadline"], today)
        at = words["at"]
        actor = _who(words["actor"], words["actor_contact"])
        note = _cut(words["note"])
        item = Item(
            title=words["title"],
            kind_label=words["event"],
            deadline_label=day,
            days_label="",
            link=words["url"],
            note=copy_note if words["copy"] else "",
            notice=True,
            details=(
                (
                    _("办理人"),
                    _("%(who)s,%(m)d月%(d)d日 %(time)s")
                    % {"who": actor, "m": at.month, "d": at.day, "time": f"{at:%H:%M}"},
                ),
                (words["note_label"], note),
            ),
            person=person,
            mobile=mobile,
            email=email,
        )
        groups[(row.channel_id, row.unit_id)].append((notice_order(notice), row.id, item))
    return groups, dropped


def _write_messages(groups: Groups, *, today: date, notices: bool) -> None:
    channels = {
        c.id: c
        for c in Channel.objects.filter(id__in={c for c, _u in groups}).only(
            "id", "kind", "keyword"
        )
    }
    units = dict(Unit.objects.filter(id__in={u for _c, u in groups}).values_list("id", "name"))
    messages: list[ChannelMessage] = []
    members: list[list[int]] = []
    now = timezone.localtime()
    for (channel_id, unit_id), entries in groups.items():
        entries.sort(key=lambda e: (e[0], e[1]))
        channel = channels[channel_id]
        unit = units.get(unit_id, "")
        if notices:
            title = _("办理通知 · %(unit)s") % {"unit": unit}
            intro = _("截至 %(time)s,%(unit)s 有 %(n)d 条新的办理动态:") % {
                "time": f"{now:%Y-%m-%d %H:%M}",
                "unit": unit,
                "n": len(entries),
            }
        else:
            title = _("承诺事项催办提醒 · %(unit)s") % {"unit": unit}
            intro = _("截至 %(day)s,%(unit)s 有 %(n)d 项承诺事项需要抓紧办理:") % {
                "day": f"{today:%Y-%m-%d}",
                "unit": unit,
                "n": len(entries),
            }
        chosen = platform(channel.kind)
        pages = paginate(
            channel.kind,
            title=title,
            intro=intro,
            items=[item for _key, _id, item in entries],
            keyword=channel.keyword,
        )
        ids = [delivery_id for _key, delivery_id, _item in entries]
        start = 0
        for page in pages:
            payload = chosen.payload(page, keyword=channel.keyword)
            messages.append(
                ChannelMessage(
                    channel_id=channel_id,
                    unit_id=unit_id,
                    sweep_day=today,
                    title=chosen.title(page, channel.keyword)[:200],
                    text=_message_text(payload),
                    payload=payload,
                    mentions=chosen.mentions(page),
                )
            )
            members.append(ids[start : start + len(page.items)])
            start += len(page.items)
    created = ChannelMessage.objects.bulk_create(messages, batch_size=500)
    links = [
        ChannelDelivery(id=delivery_id, message_id=message.id)
        for message, ids in zip(created, members, strict=True)
        for delivery_id in ids
    ]
    ChannelDelivery.objects.bulk_update(links, ["message"], batch_size=500)


def _message_text(payload: dict[str, Any]) -> str:
    """What the admin shows of a message: its markdown or text."""
    for key in ("markdown", "text"):
        inner = payload.get(key)
        if isinstance(inner, dict):
            return str(inner.get("text") or inner.get("content") or "")
    card = payload.get("card")
    if isinstance(card, dict):
        return "\n".join(
            str(e.get("text", {}).get("content", "")) for e in card.get("elements", [])
        )
    return ""
