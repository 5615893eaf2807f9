"""Reminders through group robots: claim per robot, compose one digest per unit, send paced.

The same life as an e-mail reminder (services/reminders/), with a robot in place of an
address:

1. Claim: in the transaction that claims a sweep batch's ReminderLog rows, one
   ChannelDelivery per (log, robot) is inserted, unique per (log, channel), so per
   (commitment, kind, period, channel): a second sweep, a redelivered task or a restarted
   worker adds nothing. A robot serves the units it lists (lead unit: 责任方, co-unit: 配合单位
   抄送) and, for escalations, the office it names (督办抄送).
2. Compose: every undigested delivery goes into one ChannelMessage per (robot, unit), cut into
   pages when the platform's size limit demands it; rows are locked (SKIP LOCKED where the
   database has it) so two composers never take the same delivery.
3. Send: a message moves `pending` → `sending` under a token in one UPDATE, is posted, and is
   marked from the answer at once (robots are slow enough that a query per post costs
   nothing, and it keeps the unknown-outcome window to one post). Each robot is paced
   (pacing.py); a rate-limit answer puts the message back with a wait, not counted as an
   attempt; other failures retry with backoff and jitter, and after REMINDER_MAX_ATTEMPTS (or
   at once for a refusal retrying cannot cure, such as a wrong signature) show as 发送失败.

As with e-mail, the one window no database closes is between the platform accepting a post
and our UPDATE: a worker killed there leaves the message `sending`; after
REMINDER_SENDING_LEASE_SECONDS it is posted again (at-least-once at that single point).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from ...choices import REMINDABLE_STATUSES
from ...models import (
    Channel,
    ChannelDelivery,
    ChannelMessage,
    Commitment,
    ReminderDelivery,
    ReminderLog,
    Unit,
)
from ...selectors.office import office_language
from ..reminders.config import reminder_config
from ..reminders.mail import KIND_ORDER, _link_pattern
from ..reminders.send import reminder_retry_countdown
from ..reminders.sql import channel_message_take_next
from .pacing import Pacer, pacer
from .platforms import Answer, Item, Page, paginate, platform

if TYPE_CHECKING:
    from ..reminders.dispatch import Dispatch

logger = logging.getLogger(__name__)

Role = ReminderDelivery.Role
Status = ChannelMessage.Status


def robot_setting(name: str) -> Any:
    """A LEDGER_ROBOT_* setting (config/settings/base.py has them all, with their defaults)."""
    return settings.LEDGER[name]


# --------------------------------------------------------------------------- claim


@dataclass
class RobotMap:
    """Which active robots serve which unit, and which copy the office on escalations."""

    by_unit: dict[int, list[int]] = field(default_factory=dict)
    offices: list[tuple[int, int]] = field(default_factory=list)  # (channel, office unit)

    def __bool__(self) -> bool:
        return bool(self.by_unit or self.offices)


def robot_map() -> RobotMap:
    found = RobotMap()
    through = Channel.units.through
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, channel_id in (
        through.objects.filter(channel__is_active=True)
        .order_by("channel_id")
        .values_list("unit_id", "channel_id")
    ):
        by_unit[unit_id].append(channel_id)
    found.by_unit = dict(by_unit)
    found.offices = list(
        Channel.objects.filter(is_active=True, office__isnull=False)
        .order_by("id")
        .values_list("id", "office_id")
    )
    return found


def _robot_targets(
    reminders: Sequence[tuple[int, int, str]], robots: RobotMap
) -> dict[int, dict[int, tuple[int, str]]]:
    """{key: {channel: (unit, role)}} for (key, commitment id, kind) reminders: the lead unit's
    robots (责任方), the co-units' (配合单位抄送), the office's for escalations (督办抄送); a
    robot serving several of them takes the first role."""
    commitment_ids = {commitment_id for _key, commitment_id, _kind in reminders}
    lead = dict(Commitment.objects.filter(id__in=commitment_ids).values_list("id", "lead_unit_id"))
    co_units: dict[int, list[int]] = defaultdict(list)
    for commitment_id, unit_id in Commitment.co_units.through.objects.filter(
        commitment_id__in=commitment_ids
    ).values_list("commitment_id", "unit_id"):
        co_units[commitment_id].append(unit_id)
    found: dict[int, dict[int, tuple[int, str]]] = {}
    for key, commitment_id, kind in reminders:
        targets: dict[int, tuple[int, str]] = {}
        lead_unit = lead.get(commitment_id)
        if lead_unit is not None:
            for channel_id in robots.by_unit.get(lead_unit, ()):
                targets.setdefault(channel_id, (lead_unit, Role.PRIMARY.value))
        for unit_id in co_units.get(commitment_id, ()):
            for channel_id in robots.by_unit.get(unit_id, ()):
                targets.setdefault(channel_id, (unit_id, Role.COPY.value))
        if kind == ReminderLog.Kind.ESCALATION:
            for channel_id, office_id in robots.offices:
                targets.setdefault(channel_id, (office_id, Role.SUPERVISOR.value))
        if targets:
            found[key] = targets
    return found


def channel_deliveries_claim(
    logs: Sequence[tuple[int, int, str]], *, robots: RobotMap | None = None
) -> set[int]:
    """Claim the robot deliveries of these (log id, commitment id, kind) in the caller's
    transaction; an existing (log, channel) stays as it is. Returns the log ids some robot
    serves (they have somewhere to go even without an e-mail address)."""
    robots = robot_map() if robots is None else robots
    if not robots or not logs:
        return set()
    targets = _robot_targets(logs, robots)
    ChannelDelivery.objects.bulk_create(
        (
            ChannelDelivery(log_id=log_id, channel_id=channel_id, unit_id=unit_id, role=role)
            for log_id, channels in targets.items()
            for channel_id, (unit_id, role) in channels.items()
        ),
        ignore_conflicts=True,
        batch_size=500,
    )
    return set(targets)


def channel_served(reminders: Sequence[tuple[int, str]], *, robots: RobotMap) -> set[int]:
    """Which of these (commitment id, kind) some robot would serve (the sweep's preview)."""
    if not robots or not reminders:
        return set()
    return set(_robot_targets([(c, c, kind) for c, kind in reminders], robots))


# --------------------------------------------------------------------------- compose


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


def _person(first: str | None, last: str | None, username: str | None) -> str:
    # Chinese names: family name first, no space.
    return f"{last or ''}{first or ''}".strip() or (username or "")


_FIELDS = (
    "id",
    "channel_id",
    "unit_id",
    "role",
    "log__kind",
    "log__commitment_id",
    "log__commitment__title",
    "log__commitment__deadline",
    "log__commitment__status",
    "log__commitment__responsible__first_name",
    "log__commitment__responsible__last_name",
    "log__commitment__responsible__username",
    "log__commitment__responsible__email",
    "log__commitment__responsible__ledger_profile__mobile",
)

# The order items appear in a digest, as in the e-mail: the most urgent first.
_KIND_RANK = {str(kind): rank for rank, kind in enumerate(KIND_ORDER)}


def channel_messages_compose(*, today: date, chunk: int = 2000) -> list[int]:
    """Put every undigested robot delivery into its (robot, unit) digest; returns the ids of
    the robots that got new messages."""
    touched: set[int] = set()
    while True:
        found, more = _compose_chunk(today=today, chunk=chunk)
        touched.update(found)
        if not more:
            return sorted(touched)


def _compose_chunk(*, today: date, chunk: int) -> tuple[set[int], bool]:
    remindable = set(REMINDABLE_STATUSES)
    with transaction.atomic(), office_language():
        deliveries = ChannelDelivery.objects.filter(message__isnull=True).order_by(
            "channel_id", "unit_id", "id"
        )
        if db_connection.features.has_select_for_update_skip_locked:
            deliveries = deliveries.select_for_update(skip_locked=True, of=("self",))
        rows = list(deliveries.values_list(*_FIELDS)[: chunk + 1])
        more = len(rows) > chunk
        if more:
            # Never split a unit's digest between two chunks: its last group waits for the next.
            last = rows[chunk - 1][1:3]
            cut = next(i for i in range(chunk) if rows[i][1:3] == last)
            rows = rows[: cut or chunk]
        if not rows:
            return set(), False
        admin_url = _link_pattern()
        channels = {
            c.id: c
            for c in Channel.objects.filter(id__in={r[1] for r in rows}).only(
                "id", "kind", "keyword"
            )
        }
        units = dict(Unit.objects.filter(id__in={r[2] for r in rows}).values_list("id", "name"))
        groups: dict[tuple[int, int], list[tuple[int, int, Item]]] = defaultdict(list)
        dropped: list[int] = []
        notes = {Role.COPY.value: _("(配合单位抄送)"), Role.SUPERVISOR.value: _("(督办抄送)")}
        kinds = dict(ReminderLog.Kind.choices)
        for (
            delivery_id,
            channel_id,
            unit_id,
            role,
            kind,
            commitment_id,
            title,
            deadline,
            status,
            first,
            last,
            username,
            email,
            mobile,
        ) in rows:
            if status not in remindable:
                dropped.append(delivery_id)  # closed since it was claimed: nothing to send
                continue
            day, days_label, overdue = _deadline_words(deadline, today)
            primary = role == Role.PRIMARY.value
            item = Item(
                title=title,
                kind_label=str(kinds.get(kind, kind)),
                deadline_label=day,
                days_label=days_label,
                link=admin_url.format(commitment_id),
                person=_person(first, last, username),
                # Only the responsible person of their own unit's work is @-ed.
                mobile=(mobile or "") if primary else "",
                email=(email or "") if primary else "",
                note=str(notes.get(role, "")),
                overdue=overdue,
            )
            rank = _KIND_RANK.get(kind, len(_KIND_RANK))
            groups[(channel_id, unit_id)].append((rank, delivery_id, item))
        if dropped:
            ChannelDelivery.objects.filter(id__in=dropped).delete()
        messages: list[ChannelMessage] = []
        members: list[list[int]] = []
        for (channel_id, unit_id), entries in groups.items():
            entries.sort(key=lambda e: (e[0], e[1]))
            channel = channels[channel_id]
            unit = units.get(unit_id, "")
            chosen = platform(channel.kind)
            pages = paginate(
                channel.kind,
                title=_("承诺事项催办提醒 · %(unit)s") % {"unit": unit},
                intro=_("截至 %(day)s,%(unit)s 有 %(n)d 项承诺事项需要抓紧办理:")
                % {"day": f"{today:%Y-%m-%d}", "unit": unit, "n": len(entries)},
                items=[item for _rank, _id, item in entries],
                keyword=channel.keyword,
            )
            ids = [delivery_id for _rank, delivery_id, _item in entries]
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
        return {channel_id for channel_id, _unit in groups}, more


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


# --------------------------------------------------------------------------- send


def _post(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "commitments-ledger-robot/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read(65536)
    except urllib.error.HTTPError as exc:
        # 飞书 answers its rate limit with HTTP 400 and a JSON code: the body decides.
        return int(exc.code), exc.read(65536)


def channel_post(channel: Channel, payload: dict[str, Any]) -> Answer:
    """One signed post to one robot, and what the platform answered."""
    chosen = platform(channel.kind)
    url, body = chosen.signed(channel.webhook_url, channel.secret, payload, time.time())
    try:
        status, answer = _post(url, body, float(robot_setting("ROBOT_TIMEOUT_SECONDS")))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Answer(ok=False, code="", message=f"{type(exc).__name__}: {exc}")
    return chosen.read(status, answer)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    rate_limited: list[int] = field(default_factory=list)
    # Robots with work left, and in how many seconds the earliest of it is due.
    later: dict[int, float] = field(default_factory=dict)


def _due_in(channel_id: int) -> float | None:
    """Seconds until the robot's next pending message is due; None when it has none."""
    soonest = ChannelMessage.objects.filter(channel_id=channel_id, status=Status.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if soonest is None:
        return None
    return max(0.0, (soonest - timezone.now()).total_seconds())


def _record(message: ChannelMessage, answer: Answer, token: str, report: SendReport) -> float:
    """Mark the message from the answer; returns how long its robot must now be left alone."""
    now = timezone.now()
    mine = ChannelMessage.objects.filter(id=message.id, send_token=token)
    error = "" if answer.ok else answer.describe()[:2000]
    if answer.ok:
        mine.update(status=Status.SENT, sent_at=now, error_code=answer.code, last_error="")
        report.sent.append(message.id)
        return 0.0
    if answer.rate_limited:
        wait = float(robot_setting("ROBOT_RATE_LIMITED_WAIT_SECONDS"))
        # Not an attempt: the platform asked us to wait, and nothing was delivered.
        mine.update(
            status=Status.PENDING,
            attempts=F("attempts") - 1,
            error_code=answer.code,
            last_error=error,
            next_attempt_at=now + timedelta(seconds=wait),
            sending_since=None,
        )
        report.rate_limited.append(message.id)
        return wait
    limit = reminder_config().max_attempts
    if answer.permanent or message.attempts >= limit:
        mine.update(status=Status.FAILED, error_code=answer.code, last_error=error)
        report.failed.append(message.id)
        logger.warning("robot message %s failed: %s", message.id, error)
        return 0.0
    countdown = reminder_retry_countdown(message.attempts - 1)
    mine.update(
        status=Status.PENDING,
        error_code=answer.code,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=countdown),
        sending_since=None,
    )
    report.retry.append(message.id)
    return 0.0


def channel_messages_send(
    *,
    channel_ids: Iterable[int],
    budget_seconds: float | None = None,
    max_sleep: float | None = None,
    pacing: Pacer | None = None,
) -> SendReport:
    """Send the due messages of these robots, one post per robot in turn, each robot paced.

    Sleeps while every robot with work waits at most `max_sleep`; beyond that, or after
    `budget_seconds`, returns the robots with work left in `later` (the task queues itself
    again with that countdown)."""
    budget = (
        float(robot_setting("ROBOT_TASK_BUDGET_SECONDS"))
        if budget_seconds is None
        else budget_seconds
    )
    max_sleep = float(robot_setting("ROBOT_MAX_SLEEP_SECONDS")) if max_sleep is None else max_sleep
    pacing = pacing or pacer()
    report = SendReport()
    active = list(dict.fromkeys(channel_ids))
    # Read once per call: a secret changed meanwhile is used by the next task. A robot switched
    # off (启用 unticked) keeps its messages pending until it is switched on again.
    channels = {c.id: c for c in Channel.objects.filter(id__in=active, is_active=True)}
    active = [channel_id for channel_id in active if channel_id in channels]
    stop_at = time.monotonic() + budget
    waits: dict[int, float] = {}
    while active and time.monotonic() < stop_at:
        waits = {}
        posted = False
        for channel_id in list(active):
            wait, pace_token = pacing.acquire(channel_id)
            if wait > 0:
                waits[channel_id] = wait
                continue
            token = uuid.uuid4().hex
            message = channel_message_take_next(channel_id, token)
            if message is None:
                # Nothing due (the pace token lapses with its window): done, or a retry later.
                active.remove(channel_id)
                due_in = _due_in(channel_id)
                if due_in is not None:
                    report.later[channel_id] = due_in
                continue
            answer = channel_post(channels[channel_id], message.payload)
            pacing.stamp(channel_id, pace_token)
            posted = True
            block = _record(message, answer, token, report)
            if block:
                pacing.block(channel_id, block)
        if posted or not waits:
            continue
        shortest = min(waits.values())
        if shortest > max_sleep or time.monotonic() + shortest > stop_at:
            break
        time.sleep(shortest)
    for channel_id in active:
        report.later.setdefault(channel_id, waits.get(channel_id, 0.0))
    return report


# --------------------------------------------------------------------------- dispatch


def channel_messages_dispatch(channel_ids: Sequence[int], *, dispatch: Dispatch) -> None:
    """Hand these robots' messages to `dispatch` once the caller's transaction commits: a few
    robots per task under a worker, all of them at once in-process (so one robot's pacing
    waits are spent posting to the others)."""
    ids = sorted(set(channel_ids))
    if not ids:
        return
    per_task = (
        max(1, int(robot_setting("ROBOT_CHANNELS_PER_TASK"))) if dispatch.fans_out else len(ids)
    )
    for start in range(0, len(ids), per_task):
        transaction.on_commit(partial(dispatch.send_robots, ids[start : start + per_task]))


def channel_messages_send_inline(channel_ids: Sequence[int]) -> SendReport:
    """Send until nothing is left (the cron command): sleeps for pacing and for retries'
    backoff, within reason."""
    total = SendReport()
    pending = list(channel_ids)
    while pending:
        report = channel_messages_send(
            channel_ids=pending, budget_seconds=float("inf"), max_sleep=float("inf")
        )
        for name in ("sent", "retry", "failed", "rate_limited"):
            getattr(total, name).extend(getattr(report, name))
        if not report.later:
            return total
        shortest = min(report.later.values())
        if shortest > float(robot_setting("ROBOT_RATE_LIMITED_WAIT_SECONDS")) * 2:
            total.later = report.later  # the next sweep or the resume task picks them up
            return total
        time.sleep(shortest)
        pending = list(report.later)
    return total


def channel_sweep_finish(*, today: date, dispatch: Dispatch) -> int:
    """The robots' part of a sweep (after its claims): compose the digests and send them.
    Also picks up what a killed worker left `sending` past its lease. Returns robots sent to."""
    requeued = channel_messages_requeue_stale()
    channel_ids = channel_messages_compose(today=today)
    waiting = _channels_with_pending()
    targets = sorted(set(channel_ids) | set(requeued) | set(waiting))
    channel_messages_dispatch(targets, dispatch=dispatch)
    return len(targets)


def _channels_with_pending() -> list[int]:
    return list(
        ChannelMessage.objects.filter(status=Status.PENDING)
        .order_by()
        .values_list("channel_id", flat=True)
        .distinct()
    )


def channel_messages_requeue_stale() -> list[int]:
    """Messages a dead worker left `sending` past the lease go back to `pending` (they may
    have been delivered: at-least-once at that point, see the module docstring)."""
    lease = timedelta(seconds=reminder_config().sending_lease_seconds)
    stale = ChannelMessage.objects.filter(
        status=Status.SENDING, sending_since__lt=timezone.now() - lease
    )
    ids = list(stale.values_list("channel_id", flat=True).distinct())
    stale.update(
        status=Status.PENDING,
        next_attempt_at=timezone.now(),
        last_error=_("上次发送中断,结果未知,将重新发送"),
    )
    return ids


@transaction.atomic
def channel_messages_retry(*, message_ids: Sequence[int], dispatch: Dispatch) -> int:
    """The office asks to try failed messages again (admin action)."""
    failed = ChannelMessage.objects.filter(id__in=list(message_ids), status=Status.FAILED)
    channel_ids = list(failed.values_list("channel_id", flat=True).distinct())
    count = failed.update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    channel_messages_dispatch(channel_ids, dispatch=dispatch)
    return count


def channel_test_send(*, channel: Channel) -> Answer:
    """发送测试消息: one post now, paced like the others, and the platform's answer."""
    wait, token = pacer().acquire(channel.id)
    if wait > 0:
        return Answer(
            ok=False,
            code="",
            message=_("本机器人发送过快,请 %(n)d 秒后再试") % {"n": int(wait) + 1},
            rate_limited=True,
        )
    chosen = platform(channel.kind)
    with office_language():  # the group reads Chinese, whatever the admin's language
        page = Page(
            _("认责承诺台账测试消息"),
            _("%(time)s:群机器人“%(name)s”已接通,催办提醒将发到本群。")
            % {"time": f"{timezone.localtime():%Y-%m-%d %H:%M}", "name": channel.name},
        )
        payload = chosen.payload(page, keyword=channel.keyword)
    answer = channel_post(channel, payload)
    pacer().stamp(channel.id, token)
    if answer.rate_limited:
        pacer().block(channel.id, float(robot_setting("ROBOT_RATE_LIMITED_WAIT_SECONDS")))
    return answer
