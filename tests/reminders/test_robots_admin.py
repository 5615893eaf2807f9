"""Group robots in the admin: write-only secret, 发送测试消息, 发送失败 and its retry, mobiles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from commitments.models import Channel, ChannelMessage, PersonProfile
from commitments.selectors.access import SUPERVISORS, UNIT_MEMBERS
from commitments.tasks import send_channel_messages
from tests.factories import SupervisorUnitFactory, UnitFactory, UserFactory

from .conftest import days, make_commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(client):
    user = UserFactory(username="office", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPERVISORS))
    SupervisorUnitFactory().members.add(user)
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_secret_is_saved_but_never_shown_again_and_blank_keeps_it(office_client, robots):
    unit = UnitFactory()
    url, _hook = robots.add("dingtalk", secret="SECabc123")
    form = {
        "name": "教育局工作群",
        "kind": "dingtalk",
        "webhook_url": url,
        "secret": "SECabc123",
        "keyword": "",
        "units": [unit.id],
        "office": "",
        "is_active": "on",
    }

    response = office_client.post(reverse("admin:commitments_channel_add"), form)
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.secret == "SECabc123"

    page = office_client.get(reverse("admin:commitments_channel_change", args=[channel.pk]))
    assert "SECabc123" not in page.content.decode()
    assert "已保存密钥" in page.content.decode()
    assert "发送测试消息" in page.content.decode()

    office_client.post(
        reverse("admin:commitments_channel_change", args=[channel.pk]), {**form, "secret": ""}
    )
    channel.refresh_from_db()
    assert channel.secret == "SECabc123"


def test_a_wecom_robot_with_a_secret_is_refused_with_a_clear_message(office_client):
    response = office_client.post(
        reverse("admin:commitments_channel_add"),
        {
            "name": "x",
            "kind": "wecom",
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            "secret": "s",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "企业微信群机器人没有签名密钥" in response.content.decode()
    assert not Channel.objects.exists()


def test_the_test_button_reports_success_and_a_wrong_secret_as_the_signature_error(
    office_client, robots
):
    url, hook = robots.add("feishu", secret="right")
    channel = Channel.objects.create(name="飞书群", kind="feishu", webhook_url=url, secret="right")
    test_url = reverse("admin:commitments_channel_test", args=[channel.pk])

    ok = office_client.post(test_url, follow=True)
    assert any("平台答复成功(0)" in m for m in _messages(ok))
    assert len(hook.messages) == 1

    Channel.objects.filter(pk=channel.pk).update(secret="wrong")
    bad = office_client.post(test_url, follow=True)
    [message] = _messages(bad)
    assert "19021" in message and "sign match fail" in message and "签名校验失败" in message

    assert office_client.get(test_url).status_code == 405  # a POST only: it sends something


def test_a_failed_message_shows_as_failed_and_the_retry_action_sends_it(
    office_client, robots, run_sweep, today
):
    unit = UnitFactory(contact_emails="")
    make_commitment(unit=unit, deadline=today - days(2))
    url, hook = robots.add("dingtalk", secret="right")
    channel = Channel.objects.create(name="钉钉群", kind="dingtalk", webhook_url=url, secret="bad")
    channel.units.set([unit])
    run_sweep(today)
    message = ChannelMessage.objects.get()

    listing = office_client.get(reverse("admin:commitments_channelmessage_changelist"))
    body = listing.content.decode()
    assert "发送失败" in body and "310000" in body

    assert "重新发送选中的失败消息" in body

    Channel.objects.filter(pk=channel.pk).update(secret="right")
    answer = office_client.post(
        reverse("admin:commitments_channelmessage_changelist"),
        {"action": "retry_failed", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "已重新排队 1 条消息" in answer.content.decode()
    message.refresh_from_db()
    assert message.status == ChannelMessage.Status.PENDING and message.attempts == 0

    send_channel_messages.apply(args=[[channel.pk]])  # what the queued task does
    message.refresh_from_db()
    assert message.status == ChannelMessage.Status.SENT and len(hook.messages) == 1


def test_unit_members_see_neither_robots_nor_mobiles(client):
    member = UserFactory(username="member", is_staff=True)
    member.groups.add(Group.objects.get(name=UNIT_MEMBERS))
    UnitFactory().members.add(member)
    PersonProfile.objects.create(user=member, mobile="13900139000")
    client.force_login(member)

    for name in ("channel", "channelmessage", "personprofile"):
        response = client.get(reverse(f"admin:commitments_{name}_changelist"))
        assert response.status_code == 403
    assert "13900139000" not in client.get(reverse("admin:index")).content.decode()


def test_the_office_records_a_mobile_and_a_wrong_one_is_refused(office_client):
    person = UserFactory(username="li")
    url = reverse("admin:commitments_personprofile_add")

    bad = office_client.post(url, {"user": person.pk, "mobile": "12345"})
    assert "请输入11位手机号码" in bad.content.decode()

    office_client.post(url, {"user": person.pk, "mobile": "13900139000"})
    assert PersonProfile.objects.get(user=person).mobile == "13900139000"
