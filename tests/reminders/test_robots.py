"""Group robots in-process: what each platform receives, exactly once, paced, and its errors.

The robots are a local HTTP server (robot_server.py) that checks signatures, timestamps,
keywords and the 20-a-minute limit the way the platforms do.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.utils import timezone

from commitments.models import (
    Channel,
    ChannelDelivery,
    ChannelMessage,
    PersonProfile,
    ReminderLog,
    Unit,
)
from commitments.services.channels.compose import channel_messages_compose
from commitments.services.channels.delivery import (
    channel_messages_retry,
    channel_messages_send,
    channel_test_send,
)
from commitments.services.channels.pacing import DatabasePacer, Pace
from commitments.services.reminders.claim import claim_due
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_sweep_preview
from commitments.services.workflow.moves import (
    commitment_accept,
    commitment_assign,
    commitment_close,
    commitment_submit,
    commitment_verify,
)
from tests.factories import SupervisorUnitFactory, UnitFactory, UserFactory

from .conftest import days, make_commitment

pytestmark = pytest.mark.django_db
ADMIN_LINK = re.compile(r"/admin/commitments/commitment/(\d+)/change/")


@pytest.fixture
def fast_robots(settings):
    """Robots paced at their real 20 posts, but per second instead of per minute."""
    settings.LEDGER = {
        **settings.LEDGER,
        "ROBOT_RATE_WINDOW_SECONDS": 1,
        "ROBOT_RATE_LIMITED_WAIT_SECONDS": 1,
        "REMINDER_RETRY_BASE_SECONDS": 0,
    }


def make_channel(robots, kind, *units, secret="", keyword="", office=None, **hook_options):
    url, hook = robots.add(kind, secret=secret, keyword=keyword, **hook_options)
    channel = Channel.objects.create(
        name=f"{kind}群", kind=kind, webhook_url=url, secret=secret, keyword=keyword, office=office
    )
    channel.units.set(units)
    return channel, hook


def _text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_a_sweep_posts_one_digest_per_unit_to_each_platform_in_its_own_format(
    robots, run_sweep, today
):
    # given two units, one robot of each platform serving both, signed where the platform signs
    edu = UnitFactory(name="市教育局", contact_emails="")
    health = UnitFactory(name="市卫健委", contact_emails="")
    zhang = UserFactory(
        username="zhang", first_name="伟", last_name="张", email="zhang@example.org"
    )
    PersonProfile.objects.create(user=zhang, mobile="13800138000")
    late = make_commitment(
        unit=edu, deadline=today - days(2), title="整治校外培训", responsible=zhang
    )
    soon = make_commitment(unit=edu, deadline=today + days(3), title="建设智慧校园")
    other = make_commitment(unit=health, deadline=today - days(1), title="社区医院建设")
    _ding, ding = make_channel(robots, "dingtalk", edu, health, secret="SECding", keyword="台账")
    _wecom, wecom = make_channel(robots, "wecom", edu, health)
    _feishu, feishu = make_channel(robots, "feishu", edu, health, secret="fs-secret")

    # when
    run_sweep(today)

    # then each robot got one message per unit, nothing refused
    for hook in (ding, wecom, feishu):
        assert hook.refused == []
        assert len(hook.messages) == 2
        links = [int(i) for m in hook.messages for i in ADMIN_LINK.findall(_text(m))]
        assert sorted(links) == sorted([late.id, soon.id, other.id])
    ding_edu = next(m for m in ding.messages if "市教育局" in _text(m))
    assert ding_edu["msgtype"] == "markdown"
    assert ding_edu["at"]["atMobiles"] == ["13800138000"]
    text = ding_edu["markdown"]["text"]
    assert "台账" in ding_edu["markdown"]["title"]
    for words in ("整治校外培训", "完成时限", "逾期天数:2 天", "剩余天数:3 天", "@13800138000"):
        assert words in text
    assert text.index("整治校外培训") < text.index("建设智慧校园")  # overdue first
    wecom_edu = next(m for m in wecom.messages if "市教育局" in _text(m))
    assert wecom_edu["msgtype"] == "text"  # only text messages @ by mobile on 企业微信
    assert wecom_edu["text"]["mentioned_mobile_list"] == ["13800138000"]
    wecom_health = next(m for m in wecom.messages if "市卫健委" in _text(m))
    assert wecom_health["msgtype"] == "markdown"
    feishu_edu = next(m for m in feishu.messages if "市教育局" in _text(m))
    assert feishu_edu["msg_type"] == "interactive"
    assert "<at email=zhang@example.org></at>" in _text(feishu_edu)
    assert ChannelMessage.objects.filter(status=ChannelMessage.Status.SENT).count() == 6


def test_a_second_sweep_claims_and_posts_nothing_again(robots, run_sweep, today):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    _channel, hook = make_channel(robots, "dingtalk", unit)

    first = run_sweep(today)
    second = run_sweep(today)

    assert first.claimed == 1 and second.claimed == 0
    assert len(hook.messages) == 1
    assert ChannelDelivery.objects.count() == 1


def test_a_unit_with_both_email_and_robot_gets_both_and_the_log_is_not_without_recipient(
    robots, run_sweep, today, mailoutbox
):
    unit = UnitFactory(contact_emails="unit@example.org")
    make_commitment(unit=unit, deadline=today - days(2))
    _channel, hook = make_channel(robots, "wecom", unit)

    run_sweep(today)

    assert len(mailoutbox) == 1 and len(hook.messages) == 1


def test_a_robot_only_unit_is_served_and_not_claimed_again_as_without_recipient(
    robots, run_sweep, today
):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    make_channel(robots, "feishu", unit)

    result = run_sweep(today)
    again = run_sweep(today)

    assert result.claimed == 1 and result.without_recipient == 0
    assert again.claimed == 0


def test_escalations_are_copied_to_the_office_robot_and_co_units_robots_get_a_copy(
    robots, run_sweep, today
):
    office = SupervisorUnitFactory(contact_emails="")
    lead = UnitFactory(name="市住建局", contact_emails="")
    helper = UnitFactory(name="市城管局", contact_emails="")
    late = make_commitment(unit=lead, deadline=today - days(10), title="老旧小区改造")
    late.co_units.add(helper)
    _l, lead_hook = make_channel(robots, "dingtalk", lead)
    _h, helper_hook = make_channel(robots, "dingtalk", helper)
    _o, office_hook = make_channel(robots, "dingtalk", office=office)

    run_sweep(today)

    assert "逾期督办" in _text(lead_hook.messages[0])
    assert "配合单位抄送" in _text(helper_hook.messages[0])
    assert "督办抄送" in _text(office_hook.messages[0])
    roles = dict(
        ChannelDelivery.objects.values_list("channel__office", "role").filter(
            channel__office=office
        )
    )
    assert roles == {office.id: "supervisor"}


def test_closed_work_is_not_posted(robots, run_sweep, today):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2), status="closed", completed_on=today)
    _channel, hook = make_channel(robots, "dingtalk", unit)

    run_sweep(today)

    assert hook.messages == [] and ChannelMessage.objects.count() == 0


def test_a_long_digest_is_cut_into_pages_that_fit_the_platform(robots, run_sweep, today):
    # given more overdue work than one 企业微信 message may carry (2,048 bytes for text)
    unit = UnitFactory(name="市发改委", contact_emails="")
    ids = [
        make_commitment(unit=unit, deadline=today - days(2), title=f"重点项目{i}号推进落实").id
        for i in range(30)
    ]
    _channel, hook = make_channel(robots, "wecom", unit)

    run_sweep(today)

    assert hook.refused == [] and len(hook.messages) > 1
    links = [int(i) for m in hook.messages for i in ADMIN_LINK.findall(_text(m))]
    assert sorted(links) == sorted(ids)
    assert "(1/" in _text(hook.messages[0])


def test_a_wrong_secret_fails_at_once_with_the_platforms_signature_error(robots, run_sweep, today):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    url, hook = robots.add("dingtalk", secret="the-right-one")
    channel = Channel.objects.create(
        name="钉钉群", kind="dingtalk", webhook_url=url, secret="wrong"
    )
    channel.units.set([unit])

    run_sweep(today)

    message = ChannelMessage.objects.get()
    assert message.status == ChannelMessage.Status.FAILED
    assert message.error_code == "310000"
    assert "sign not match" in message.last_error and "签名不匹配" in message.last_error
    assert message.attempts == 1
    assert hook.refused == [("310000", "sign not match")]


def test_a_failed_message_is_sent_again_by_the_retry_action_once_the_secret_is_fixed(
    robots, run_sweep, today, django_capture_on_commit_callbacks
):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    url, hook = robots.add("feishu", secret="right")
    channel = Channel.objects.create(name="飞书群", kind="feishu", webhook_url=url, secret="wrong")
    channel.units.set([unit])
    run_sweep(today)
    message = ChannelMessage.objects.get()
    assert message.status == ChannelMessage.Status.FAILED and message.error_code == "19021"

    Channel.objects.filter(pk=channel.pk).update(secret="right")
    with django_capture_on_commit_callbacks(execute=True):
        assert channel_messages_retry(message_ids=[message.id], dispatch=INLINE) == 1

    message.refresh_from_db()
    assert message.status == ChannelMessage.Status.SENT
    assert len(hook.messages) == 1


def test_a_rate_limit_answer_is_waited_out_and_the_message_delivered(
    robots, run_sweep, today, fast_robots
):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    _channel, hook = make_channel(robots, "feishu", unit, rate_limit_next=2)

    run_sweep(today)

    assert [code for code, _m in hook.refused] == ["9499", "9499"]
    assert len(hook.messages) == 1
    message = ChannelMessage.objects.get()
    assert message.status == ChannelMessage.Status.SENT
    assert message.attempts == 1  # waiting for the platform is not a failed attempt


def test_transient_failures_retry_with_backoff_then_show_as_failed(
    run_sweep, today, fast_robots, settings
):
    # given a robot whose server is gone (connection refused)
    settings.LEDGER = {**settings.LEDGER, "REMINDER_MAX_ATTEMPTS": 3}
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    channel = Channel.objects.create(name="x", kind="wecom", webhook_url="http://127.0.0.1:9/hook")
    channel.units.set([unit])

    run_sweep(today)

    message = ChannelMessage.objects.get()
    assert message.status == ChannelMessage.Status.FAILED
    assert message.attempts == 3
    assert "Connection" in message.last_error or "refused" in message.last_error


def test_the_sender_paces_each_robot_to_its_limit_and_never_trips_the_platform(
    robots, run_sweep, today, fast_robots
):
    # given 45 units on one robot that accepts 20 posts a second (the real limit, shorter window)
    units = [UnitFactory(contact_emails="") for _ in range(45)]
    for unit in units:
        make_commitment(unit=unit, deadline=today - days(2))
    url, hook = robots.add("dingtalk", limit=20, window=1.0)
    channel = Channel.objects.create(name="大群", kind="dingtalk", webhook_url=url)
    channel.units.set(units)

    run_sweep(today)

    assert len(hook.messages) == 45
    assert hook.violations == 0 and hook.refused == []
    assert hook.max_in_window() == 20  # paced to the limit, not below it


def test_the_pacing_window_holds_at_20_a_minute_on_a_fake_clock(db):
    # given the real limit, 20 posts per 60 seconds, on a clock the test moves
    channel = Channel.objects.create(name="x", kind="wecom", webhook_url="http://127.0.0.1:9/")
    now = [1000.0]
    pacer = DatabasePacer(Pace(limit=20, window=60), clock=lambda: now[0])

    # when 20 posts go out over 19 seconds
    for _ in range(20):
        wait, token = pacer.acquire(channel.id)
        assert wait == 0
        pacer.stamp(channel.id, token)
        now[0] += 1
    # then the 21st waits until the first is a minute old
    wait, token = pacer.acquire(channel.id)
    assert token == "" and wait == pytest.approx(60 - 20)
    now[0] = 1000.0 + 60
    wait, token = pacer.acquire(channel.id)
    assert wait == 0 and token
    # and a platform's "too fast" keeps everyone off for the time asked
    pacer.block(channel.id, 600)
    assert pacer.acquire(channel.id)[0] == pytest.approx(600)


def test_the_redis_pacer_behaves_like_the_database_one(db):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/6")
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from commitments.services.channels.pacing import RedisPacer

    now = [5000.0]
    pacer = RedisPacer(client, Pace(limit=20, window=60), clock=lambda: now[0])
    channel_id = 10**9 + int(timezone.now().timestamp() * 1000) % 10**6
    client.delete(*RedisPacer._keys(channel_id))
    for _ in range(20):
        wait, token = pacer.acquire(channel_id)
        assert wait == 0
        now[0] += 1
    assert pacer.acquire(channel_id)[0] == pytest.approx(40)
    # a stamp moves a token's window to when the answer arrived
    now[0] = 5060.5
    wait, token = pacer.acquire(channel_id)
    assert wait == 0
    now[0] = 5200.0
    pacer.stamp(channel_id, token)
    client.delete(*RedisPacer._keys(channel_id))


def test_the_test_message_reports_the_platforms_answer(robots, db):
    good, _hook = make_channel(robots, "dingtalk", secret="s1")
    url, _bad_hook = robots.add("dingtalk", secret="s1")
    bad = Channel.objects.create(name="错", kind="dingtalk", webhook_url=url, secret="s2")

    assert channel_test_send(channel=good).ok
    answer = channel_test_send(channel=bad)
    assert not answer.ok and answer.code == "310000"
    assert "签名不匹配" in answer.describe()


def test_reminder_history_counts_robot_deliveries(robots, run_sweep, today):
    unit = UnitFactory(contact_emails="")
    commitment = make_commitment(unit=unit, deadline=today - days(2))
    make_channel(robots, "wecom", unit)

    run_sweep(today)

    log = ReminderLog.objects.get(commitment=commitment)
    assert log.channel_deliveries.get().message.status == ChannelMessage.Status.SENT


def test_the_dry_run_counts_a_unit_with_only_a_robot_as_reachable(robots, today):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    nobody = make_commitment(unit=UnitFactory(contact_emails=""), deadline=today - days(2))
    make_channel(robots, "dingtalk", unit)

    preview = reminder_sweep_preview(today=today)

    assert sum(preview.by_kind.values()) == 2
    assert preview.without_recipient == 1  # only `nobody`
    assert nobody.lead_unit.channels.count() == 0


def test_a_robot_switched_off_keeps_its_messages_until_it_is_switched_on(robots, today):
    # given a digest composed for a robot that is then switched off
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    channel, hook = make_channel(robots, "wecom", unit)
    claim_due(today)
    channel_messages_compose(today=today)
    Channel.objects.filter(pk=channel.pk).update(is_active=False)

    # when the sender runs, nothing is posted and the message waits
    report = channel_messages_send(channel_ids=[channel.pk])
    assert hook.messages == [] and report.sent == []
    assert ChannelMessage.objects.get().status == ChannelMessage.Status.PENDING

    # then once it is switched on again the message goes out
    Channel.objects.filter(pk=channel.pk).update(is_active=True)
    channel_messages_send(channel_ids=[channel.pk])
    assert len(hook.messages) == 1


def test_no_answer_at_all_is_told_apart_from_a_platforms_refusal():
    from commitments.services.channels.platforms import Answer

    text = Answer(ok=False, code="", message="ConnectionRefusedError: refused").describe()
    assert text.startswith("未收到平台答复") and "refused" in text


# --------------------------------------------------------------------------- 办理通知 on robots


@pytest.fixture
def clerk(db):
    office = SupervisorUnitFactory(name="市委督查室", contact_emails="office@example.org")
    person = UserFactory(
        username="clerk", last_name="王", first_name="督办", email="wang@office.org"
    )
    office.members.add(person)
    return person


def _responsible_with_mobile():
    person = UserFactory(username="zhang", first_name="伟", last_name="张", email="z@example.org")
    PersonProfile.objects.create(user=person, mobile="13800138000")
    return person


def test_a_hand_off_posts_one_notice_in_the_units_group_with_the_event_and_the_requirements(
    robots, today, clerk, send_notices, smtp
):
    # given a drafted commitment of a unit with a robot, a co-unit with a robot of its own
    unit = UnitFactory(name="市教育局", contact_emails="edu@example.org")
    helper = UnitFactory(name="市财政局", contact_emails="")
    commitment = make_commitment(
        unit=unit,
        deadline=today + days(30),
        status="draft",
        title="新建公办幼儿园",
        responsible=_responsible_with_mobile(),
    )
    commitment.co_units.add(helper)
    _u, unit_hook = make_channel(robots, "dingtalk", unit, secret="SECding")
    _h, helper_hook = make_channel(robots, "wecom", helper)

    # when the office hands it off with its 办理要求, and the notice task runs twice
    commitment_assign(commitment=commitment, actor=clerk, requirements="请于月底前报送实施方案")
    assert unit_hook.messages == []  # the move itself posts nothing
    send_notices()
    send_notices()

    # then the unit's group got exactly one 办理通知, which reads like a notice
    assert unit_hook.refused == [] and len(unit_hook.messages) == 1
    (message,) = unit_hook.messages
    title, text = message["markdown"]["title"], message["markdown"]["text"]
    assert title == "办理通知 · 市教育局"
    for words in (
        "新建公办幼儿园",
        "动态:交办",
        f"完成时限:{(today + days(30)).year}年",
        "办理人:王督办(wang@office.org)",
        "办理要求:请于月底前报送实施方案",
        "@13800138000",
        f"/admin/commitments/commitment/{commitment.pk}/change/",
    ):
        assert words in text, words
    assert "催办" not in title + text
    assert message["at"]["atMobiles"] == ["13800138000"]
    # and the co-unit's group a copy, without @-ing somebody else's person
    (copy,) = helper_hook.messages
    assert copy["msgtype"] == "markdown"
    assert "(配合单位抄送)" in copy["markdown"]["content"]
    assert "办理通知 · 市财政局" in copy["markdown"]["content"]
    # and the e-mail says it in the same words (one writer of a notice's words)
    (mail,) = smtp.received
    assert "办理要求：请于月底前报送实施方案" in mail.text
    assert ChannelMessage.objects.filter(status=ChannelMessage.Status.SENT).count() == 2


def test_a_notice_to_the_office_goes_to_the_offices_robot_and_not_the_units(
    robots, today, clerk, send_notices
):
    # given handed-off work, a unit robot and a robot that names the office
    unit = UnitFactory(name="市住建局", contact_emails="")
    member = UserFactory(username="li", last_name="李", first_name="办理", email="li@example.org")
    unit.members.add(member)
    commitment = make_commitment(unit=unit, deadline=today + days(9), title="老旧小区改造")
    _u, unit_hook = make_channel(robots, "dingtalk", unit)
    office = Unit.objects.get(name="市委督查室")
    _o, office_hook = make_channel(robots, "feishu", secret="fs", office=office)

    # when the unit signs for it and submits it (申请办结), then the notice task runs
    commitment_accept(commitment=commitment, actor=member)
    commitment_submit(commitment=commitment, actor=member, evidence_text="已完成32个小区改造")
    send_notices()

    # then the office's group got one 办理通知 with both steps, in the order they happened
    assert office_hook.refused == [] and len(office_hook.messages) == 1
    card = office_hook.messages[0]["card"]
    assert card["header"]["title"]["content"] == "办理通知 · 市委督查室"
    assert card["header"]["template"] == "blue"
    text = _text(card)
    assert text.index("动态:签收") < text.index("动态:申请办结")
    assert "办结说明:已完成32个小区改造" in text and "办理人:李办理(li@example.org)" in text
    assert "<at " not in text  # the office is told, nobody is @-ed
    # and the unit's own group heard nothing of its own steps
    assert unit_hook.messages == []
    roles = set(ChannelDelivery.objects.values_list("role", flat=True))
    assert roles == {"supervisor"}


def test_a_notice_that_the_work_is_closed_is_posted_though_the_work_is_closed(
    robots, today, clerk, send_notices, run_sweep
):
    # given work the office verifies and closes (销号) while its unit's group waits to be told
    unit = UnitFactory(name="市卫健委", contact_emails="")
    member = UserFactory(username="zhao", last_name="赵", first_name="办理")
    unit.members.add(member)
    commitment = make_commitment(unit=unit, deadline=today - days(1), title="社区医院建设")
    _u, hook = make_channel(robots, "wecom", unit)
    commitment_accept(commitment=commitment, actor=member)
    commitment_submit(commitment=commitment, actor=member, evidence_text="已建成")
    commitment_verify(commitment=commitment, actor=clerk)
    commitment_close(commitment=commitment, actor=clerk)
    commitment.refresh_from_db()
    assert commitment.status == "closed"

    # when the day's sweep runs first (it drops reminders of closed work) and then the notices
    run_sweep(today)
    assert hook.messages == []  # the sweep neither posted nor dropped the notices
    send_notices()

    # then the unit's group is told of 复核通过 and 销号
    (message,) = hook.messages
    content = message["markdown"]["content"]
    assert content.index("动态:复核通过") < content.index("动态:销号")
    assert ChannelDelivery.objects.filter(message__isnull=True).count() == 0


def test_a_notice_and_a_reminder_for_one_unit_are_two_messages(
    robots, today, clerk, send_notices, run_sweep
):
    # given a unit with overdue work (a 催办) and new work handed off to it (a 办理通知)
    unit = UnitFactory(name="市发改委", contact_emails="")
    late = make_commitment(unit=unit, deadline=today - days(2), title="重点项目开工")
    new = make_commitment(unit=unit, deadline=today + days(20), status="draft", title="营商环境")
    _c, hook = make_channel(robots, "dingtalk", unit)
    commitment_assign(commitment=new, actor=clerk, requirements="按季度报送")

    # when the sweep and the notice task both run
    run_sweep(today)
    send_notices()

    # then the group got two messages, each of one kind only
    assert len(hook.messages) == 2
    by_title = {m["markdown"]["title"]: m["markdown"]["text"] for m in hook.messages}
    reminder = by_title["承诺事项催办提醒 · 市发改委"]
    notice = by_title["办理通知 · 市发改委"]
    assert "重点项目开工" in reminder and "营商环境" not in reminder and "交办" not in reminder
    assert "营商环境" in notice and "重点项目开工" not in notice and "逾期" not in notice
    assert f"/commitment/{late.pk}/" in reminder and f"/commitment/{new.pk}/" in notice


def test_a_long_requirement_is_cut_so_the_notice_fits_a_wecom_message(
    robots, today, clerk, send_notices
):
    unit = UnitFactory(name="市城管局", contact_emails="")
    commitment = make_commitment(unit=unit, deadline=today + days(9), status="draft")
    _c, hook = make_channel(robots, "wecom", unit)

    commitment_assign(commitment=commitment, actor=clerk, requirements="按标准整改到位。" * 200)
    send_notices()

    assert hook.refused == []
    (message,) = hook.messages
    content = message["markdown"]["content"]
    assert "办理要求:按标准整改到位。" in content and "…" in content
    assert len(content.encode()) <= 2048


@pytest.mark.django_db(transaction=True)
def test_a_composer_meeting_another_ones_locks_never_splits_a_units_digest(robots, today):
    # given five undigested notices of each of six units (claimed as a move claims them)
    import threading

    from django.db import connection, transaction

    office = SupervisorUnitFactory(contact_emails="")
    clerk = UserFactory(username="clerk-t", last_name="王", first_name="督办")
    office.members.add(clerk)
    units = [UnitFactory(name=f"并发单位{i}", contact_emails="") for i in range(6)]
    make_channel(robots, "dingtalk", *units[:3])
    make_channel(robots, "feishu", *units[3:])
    for unit in units:
        for j in range(5):
            draft = make_commitment(unit=unit, deadline=today + days(9), status="draft")
            commitment_assign(commitment=draft, actor=clerk, requirements=f"要求{j}")
    # and another composer (a second notice run) holding a row in the middle of a unit's digest
    middle = ChannelDelivery.objects.filter(unit=units[1]).order_by("id")[2].pk
    locked, release = threading.Event(), threading.Event()

    def other_composer() -> None:
        try:
            with transaction.atomic():
                ChannelDelivery.objects.select_for_update().filter(pk=middle).exists()
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=other_composer)
    holder.start()
    assert locked.wait(timeout=30)
    threading.Timer(1.0, release.set).start()  # it finishes (digesting nothing) a second later

    # when the notice task composes meanwhile
    try:
        channel_messages_compose(today=today, notices=True)
    finally:
        release.set()
        holder.join(timeout=30)
    channel_messages_compose(today=today, notices=True)  # and the next run finds nothing left

    # then every notice is in exactly one message, one message per unit
    assert ChannelDelivery.objects.filter(message__isnull=True).count() == 0
    per_unit = Counter(ChannelMessage.objects.values_list("unit_id", flat=True))
    assert per_unit == Counter({unit.pk: 1 for unit in units})


def test_an_urge_from_the_page_names_the_urger_and_the_opinion_in_the_group(
    robots, today, clerk, django_capture_on_commit_callbacks
):
    # given assigned work of a unit with a robot
    from commitments.services.reminders.sweep import reminder_manual_send

    unit = UnitFactory(name="市教育局", contact_emails="")
    commitment = make_commitment(unit=unit, deadline=today + days(2), title="整治校外培训")
    _c, hook = make_channel(robots, "wecom", unit)
    # when the office urges it with an opinion
    with django_capture_on_commit_callbacks(execute=True):
        reminder_manual_send(
            commitment_ids=[commitment.pk],
            actor=clerk,
            dispatch=INLINE,
            opinion="请于周五前报送进展",
        )
    # then the group reads who urged, how to reach them and what they want, as the e-mail does
    (message,) = hook.messages
    text = message["markdown"]["content"]
    assert "整治校外培训" in text
    assert "催办人:王督办(wang@office.org)" in text
    assert "催办意见:请于周五前报送进展" in text
