"""The admin in a real browser: Chinese, working JavaScript under the content security policy."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_office_logs_into_the_admin_in_chinese(web, admin_login, superuser):
    page = web.page
    page.goto("/admin/login/?next=/admin/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.locator("input[type=submit]").input_value()
    web.screenshot("login-form")

    admin_login(superuser)

    assert page.locator("#user-tools").inner_text().startswith("欢迎")
    assert "承诺事项" in page.locator("#content").inner_text()
    web.screenshot("index")
    assert web.csp_violations == []
    assert web.script_errors == []
    assert web.failed_requests == []


def test_admin_scripts_run_under_the_content_security_policy(web, admin_login, superuser):
    # A draft: once handed off, the deadline is no longer an edit field.
    commitment = CommitmentFactory(title="新建三所公办幼儿园", status="draft")
    page = web.page
    admin_login(superuser)

    # The changelist's action checkboxes are wired up by admin/js/actions.js.
    page.goto("/admin/commitments/commitment/")
    page.locator("#action-toggle").check()
    assert page.locator(".action-counter").inner_text().startswith("选中了 1 个")
    web.screenshot("changelist")

    # The change form's date widget (calendar.js, DateTimeShortcuts.js) opens its calendar.
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    page.locator("#id_deadline").wait_for()
    page.locator(".datetimeshortcuts a").filter(has_text="今天").first.click()
    assert page.locator("#id_deadline").input_value()
    web.screenshot("change-form")

    assert web.csp_violations == []
    assert web.script_errors == []
    assert web.failed_requests == []


def test_an_inline_script_injected_into_a_page_is_refused(web, admin_login, supervisor):
    # The test above can only fail if the policy really blocks inline scripts.
    admin_login(supervisor)

    web.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
    )

    assert web.page.evaluate("() => window.__injected === true") is False
    assert web.csp_violations


def test_repeated_wrong_passwords_lock_the_login_with_a_chinese_page(web, supervisor):
    page = web.page
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", supervisor.username)
        page.fill("#id_password", "wrong-password")
        page.click("input[type=submit]")

    assert "登录失败次数过多" in page.locator("#lockout-message").inner_text()
    web.screenshot("locked")

    # Even the right password is refused now.
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", supervisor.username)
    page.fill("#id_password", "pw-for-tests-123")
    page.click("input[type=submit]")
    assert page.locator("#lockout-message").is_visible()
    assert web.csp_violations == []
