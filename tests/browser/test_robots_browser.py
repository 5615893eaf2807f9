"""The office sets up a 钉钉 group robot in a real browser and presses 发送测试消息.

The robot is the tests' local platform server; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from commitments.models import Channel
from tests.factories import SupervisorUnitFactory, UnitFactory, UserFactory
from tests.reminders.robot_server import RobotServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_adds_a_robot_and_the_test_button_shows_the_platforms_answer(
    web, admin_login, role_groups
):
    page = web.page
    office = UserFactory(username="office", is_staff=True)
    office.groups.add(role_groups["督办人员"])
    SupervisorUnitFactory().members.add(office)
    UnitFactory(name="市教育局")
    admin_login(office)

    with RobotServer() as robots:
        url, hook = robots.add("dingtalk", secret="SECright", keyword="台账")

        # when the office adds the robot with a wrong secret
        page.goto("/admin/commitments/channel/add/")
        page.fill("#id_name", "教育局工作群")
        page.select_option("#id_kind", "dingtalk")
        page.fill("#id_webhook_url", url)
        page.fill("#id_secret", "SECwrong")
        page.fill("#id_keyword", "台账")
        page.dblclick("#id_units_from option:has-text('市教育局')")
        web.screenshot("add")
        page.click("input[name=_continue]")
        page.wait_for_load_state()
        channel = Channel.objects.get()
        assert "SECwrong" not in page.content()

        # then the test button reports the platform's signature error
        page.click("text=发送测试消息")
        page.wait_for_load_state()
        web.screenshot("wrong-secret")
        error = page.locator(".messagelist .error").inner_text()
        assert "310000" in error and "签名不匹配" in error

        # and with the right secret, the platform's success and the message in the group
        page.fill("#id_secret", "SECright")
        page.click("input[name=_continue]")
        page.wait_for_load_state()
        page.click("text=发送测试消息")
        page.wait_for_load_state()
        web.screenshot("test-sent")
        assert "平台答复成功" in page.locator(".messagelist .success").inner_text()
        assert len(hook.messages) == 1 and "台账" in hook.messages[0]["markdown"]["title"]
        channel.refresh_from_db()
        assert channel.secret == "SECright"

    assert web.csp_violations == [] and web.script_errors == []
