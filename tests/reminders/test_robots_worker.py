"""Group robots through a real Celery worker (subprocess), a real broker and local robots.

The robots (robot_server.py) check signatures and timestamps and hold each robot to its limit;
the pace is the real 20 posts, in a window of seconds instead of a minute so the tests are
short.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.urls import reverse

from commitments.models import (
    Channel,
    ChannelDelivery,
    ChannelMessage,
    Commitment,
    ReminderSweep,
    Unit,
)
from commitments.services.workflow.moves import commitment_assign
from tests.factories import SupervisorUnitFactory, UserFactory

from .conftest import days
from .robot_server import Hook, RobotServer
from .worker import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SWEEP = "commitments.tasks.reminder_sweep"
NOTICES = "commitments.tasks.send_notice_digests"
ADMIN_LINK = re.compile(r"/admin/commitments/commitment/(\d+)/change/")


def _units_with_overdue_work(today, *, units: int, per_unit: int) -> list[Unit]:
    made = Unit.objects.bulk_create(Unit(name=f"机器人单位{i:03d}") for i in range(units))
    Commitment.objects.bulk_create(
        Commitment(
            title=f"{unit.name}承诺事项{j}",
            lead_unit=unit,
            deadline=today - days(2),
            original_deadline=today - days(2),
            status=Commitment.Status.ASSIGNED,
        )
        for unit in made
        for j in range(per_unit)
    )
    return made


def _robot(
    robots: RobotServer, kind: str, units, *, secret: str = "", **hook
) -> tuple[Channel, Hook]:
    url, found = robots.add(kind, secret=secret, **hook)
    channel = Channel.objects.create(
        name=f"{kind}-{url[-6:]}", kind=kind, webhook_url=url, secret=secret
    )
    channel.units.set(units)
    return channel, found


def _links(hook: Hook) -> Counter:
    return Counter(
        int(i) for m in hook.messages for i in ADMIN_LINK.findall(json.dumps(m, ensure_ascii=False))
    )


def _settled(expected: int) -> bool:
    if ReminderSweep.objects.filter(finished_at__isnull=True).exists():
        return False
    statuses = Counter(ChannelMessage.objects.values_list("status", flat=True))
    done = statuses[ChannelMessage.Status.SENT] + statuses[ChannelMessage.Status.FAILED]
    return done >= expected and not (
        statuses[ChannelMessage.Status.PENDING] or statuses[ChannelMessage.Status.SENDING]
    )


FAST = {"robot_rate_window_seconds": 2, "robot_rate_limited_wait_seconds": 1}


def test_a_worker_posts_one_digest_per_unit_per_robot_and_reports_a_wrong_secret(
    workers, robots, today, admin_client
):
    # given three units, each with two overdue items, and three robots serving all of them
    units = _units_with_overdue_work(today, units=3, per_unit=2)
    ids = set(Commitment.objects.values_list("id", flat=True))
    _d, ding = _robot(robots, "dingtalk", units, secret="SECding")
    _f, feishu = _robot(robots, "feishu", units, secret="fs-secret")
    url, wrong_hook = robots.add("dingtalk", secret="the-real-one")
    wrong = Channel.objects.create(
        name="密钥填错的群", kind="dingtalk", webhook_url=url, secret="x"
    )
    wrong.units.set(units)
    w = workers(**FAST)
    w.start()

    # when
    w.call(SWEEP, today.isoformat())

    # then each good robot got one message per unit, every item once
    wait_for(lambda: _settled(9), timeout=120, what="9 robot messages settled")
    for hook in (ding, feishu):
        assert len(hook.messages) == 3 and hook.refused == []
        assert _links(hook) == Counter({i: 1 for i in ids})
    # and the wrong secret shows in the admin as the platform's signature error
    assert wrong_hook.messages == [] and {c for c, _m in wrong_hook.refused} == {"310000"}
    page = admin_client.get(
        reverse("admin:commitments_channelmessage_changelist") + f"?channel__id__exact={wrong.pk}"
    ).content.decode()
    assert page.count("发送失败") >= 3 and "sign not match" in page and "签名不匹配" in page


def test_two_sweeps_started_at_the_same_moment_post_each_digest_once(workers, robots, today):
    units = _units_with_overdue_work(today, units=20, per_unit=5)
    ids = set(Commitment.objects.values_list("id", flat=True))
    _a, first = _robot(robots, "wecom", units[:10], limit=20, window=2)
    _b, second = _robot(robots, "dingtalk", units[10:], limit=20, window=2)
    w = workers(reminder_batch_size=10, **FAST)
    w.call(SWEEP, today.isoformat())
    w.call(SWEEP, today.isoformat())

    w.start("--pool=prefork", "--concurrency=2", "--prefetch-multiplier=1")

    wait_for(lambda: _settled(20), timeout=180, what="both sweeps")
    assert len(first.messages) == 10 and len(second.messages) == 10
    assert _links(first) + _links(second) == Counter({i: 1 for i in ids})
    assert first.violations == second.violations == 0


def test_worker_killed_mid_batch_then_restarted_posts_each_digest_exactly_once(
    workers, robots, today
):
    # given 45 units on one robot, so the worker must pace: 20, wait out the window, 20, ...
    units = _units_with_overdue_work(today, units=45, per_unit=1)
    ids = set(Commitment.objects.values_list("id", flat=True))
    _c, hook = _robot(robots, "feishu", units, secret="s", limit=20, window=3)
    w = workers(robot_rate_window_seconds=3, robot_rate_limited_wait_seconds=1)
    first = w.start()
    w.call(SWEEP, today.isoformat())

    # when the worker is SIGKILLed with the first 20 posted and recorded, waiting for the window
    wait_for(
        lambda: (
            len(hook.messages) == 20
            and ChannelMessage.objects.filter(status=ChannelMessage.Status.SENT).count() == 20
        ),
        timeout=120,
        what="the first 20 posts",
    )
    w.kill(first)
    assert ChannelMessage.objects.filter(status=ChannelMessage.Status.PENDING).count() == 25

    # and a new worker starts (it looks for unfinished work as it starts)
    w.start()

    # then every unit's digest was posted exactly once, and the robot was never over its limit
    wait_for(lambda: _settled(45), timeout=120, what="the remaining 25 posts")
    assert len(hook.messages) == 45
    assert _links(hook) == Counter({i: 1 for i in ids})
    assert hook.violations == 0 and hook.max_in_window() <= 20


def test_a_rate_limit_answer_is_retried_by_the_worker_and_delivered(workers, robots, today):
    units = _units_with_overdue_work(today, units=2, per_unit=1)
    _c, hook = _robot(robots, "dingtalk", units, secret="SEC", rate_limit_next=3)
    w = workers(**FAST)
    w.start()

    w.call(SWEEP, today.isoformat())

    wait_for(lambda: _settled(2), timeout=120, what="the retried posts")
    assert [code for code, _m in hook.refused] == ["130101"] * 3
    assert len(hook.messages) == 2
    assert set(ChannelMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_two_notice_runs_started_at_the_same_moment_post_each_notice_once(workers, robots, today):
    # given 16 units on two robots, each unit handed four new commitments (16 × 4 notices)
    office = SupervisorUnitFactory(contact_emails="")
    clerk = UserFactory(username="clerk-w", last_name="王", first_name="督办")
    office.members.add(clerk)
    units = Unit.objects.bulk_create(Unit(name=f"通知单位{i:02d}") for i in range(16))
    _a, first = _robot(robots, "wecom", units[:8], limit=20, window=2)
    _b, second = _robot(robots, "dingtalk", units[8:], limit=20, window=2)
    ids = set()
    for unit in units:
        for j in range(4):
            commitment = Commitment.objects.create(
                title=f"{unit.name}新交办事项{j}",
                lead_unit=unit,
                deadline=today + days(30),
                original_deadline=today + days(30),
                status=Commitment.Status.DRAFT,
            )
            commitment_assign(commitment=commitment, actor=clerk, requirements=f"要求{j}")
            ids.add(commitment.pk)
    w = workers(**FAST)

    # when the notice task is published twice and two worker processes take one each
    w.call(NOTICES)
    w.call(NOTICES)
    w.start("--pool=prefork", "--concurrency=2", "--prefetch-multiplier=1")

    # then each unit's group got one 办理通知 holding its four hand-offs, each once
    wait_for(lambda: _settled(16), timeout=180, what="both notice runs")
    assert len(first.messages) == 8 and len(second.messages) == 8
    assert _links(first) + _links(second) == Counter({i: 1 for i in ids})
    assert all("办理通知" in json.dumps(m, ensure_ascii=False) for m in first.messages)
    assert first.violations == second.violations == 0
    assert not ChannelDelivery.objects.filter(message__isnull=True).exists()
