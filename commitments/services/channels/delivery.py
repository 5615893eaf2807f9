"""Group robots, the send: each robot's messages posted in turn, paced, marked from the answer.

The life of a robot reminder or notice, beside the e-mail's (services/reminders/):

1. Claim (claim.py): in the transaction that claims a reminder (or records a notice), one
   ChannelDelivery per (log, robot), unique per (log, channel).
2. Compose (compose.py): undigested deliveries into one ChannelMessage per (robot, unit), a
   催办 or a 办理通知, cut into pages when the platform's size limit demands it.
3. Send (here): a message moves `pending` → `sending` under a token in one UPDATE, is posted,
   and is marked from the answer at once (robots are slow enough that a query per post costs
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
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Channel, ChannelMessage
from ...selectors.office import office_language
from ..http import NO_ANSWER, http_post_json
from ..reminders.config import reminder_config
from ..reminders.send import SendResult, reminder_retry_countdown
from ..reminders.sql import channel_message_take_next
from .compose import channel_messages_compose
from .pacing import Pacer, pacer
from .platforms import Answer, Page, platform

if TYPE_CHECKING:
    from ..reminders.dispatch import Dispatch

logger = logging.getLogger(__name__)

Status = ChannelMessage.Status


# --------------------------------------------------------------------------- send


def channel_post(channel: Channel, payload: dict[str, Any]) -> Answer:
    """One signed post to one robot, and what the platform answered."""
    chosen = platform(channel.kind)
    url, body = chosen.signed(channel.webhook_url, channel.secret, payload, time.time())
    try:
        answer = http_post_json(
            url,
            body,
            agent="commitments-ledger-robot/1",
            timeout=reminder_config().robot_timeout_seconds,
        )
    except NO_ANSWER as exc:
        return Answer(ok=False, code="", message=f"{type(exc).__name__}: {exc}")
    return chosen.read(answer.status, answer.body)


@dataclass
class SendReport(SendResult):
    """As an e-mail send's (sent, retry, failed), plus what the platforms asked to wait."""

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
        wait = reminder_config().robot_rate_limited_wait_seconds
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
    config = reminder_config()
    budget = config.robot_task_budget_seconds if budget_seconds is None else budget_seconds
    max_sleep = config.robot_max_sleep_seconds if max_sleep is None else max_sleep
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
    per_task = reminder_config().robot_channels_per_task if dispatch.fans_out else len(ids)
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
        if shortest > reminder_config().robot_rate_limited_wait_seconds * 2:
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


def channel_notices_finish(*, today: date, dispatch: Dispatch) -> int:
    """The robots' part of the notice beat task: compose the 办理通知 not yet posted and send
    them. Returns robots sent to."""
    channel_ids = channel_messages_compose(today=today, notices=True)
    channel_messages_dispatch(channel_ids, dispatch=dispatch)
    return len(channel_ids)


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
        pacer().block(channel.id, reminder_config().robot_rate_limited_wait_seconds)
    return answer
