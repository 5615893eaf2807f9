"""Real headless Chromium (Debian's, never a downloaded one) against pytest-django's live_server.

Fixtures: `chromium` (the browser, once per session), `page` (a fresh Chinese-speaking tab on
the live server, relative URLs work), `web` (the same tab plus CSP/script-error capture and
numbered screenshots), `admin_login(user)`, `role_groups`, `artifacts` (test-artifacts/,
git-ignored).
Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
# made by the test itself (fixtures, assertions) as if they came from async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-for-tests-123"  # the factories' password


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Remember the outcome on the item so the page fixture can screenshot a failing test.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/system-packages (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


@pytest.fixture
def page(chromium: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab in its own context, speaking Chinese, with live_server as base URL."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / f"{_slug(request.node.name)}--failure.png"))
        context.close()


@pytest.fixture
def role_groups(transactional_db) -> dict[str, Any]:
    """The role groups (督办人员, 责任单位人员) by name, kept by commitments.services.roles."""
    from django.contrib.auth.models import Group

    from commitments.selectors.access import SUPERVISORS, UNIT_MEMBERS

    return {name: Group.objects.get(name=name) for name in (SUPERVISORS, UNIT_MEMBERS)}


@pytest.fixture
def admin_login(page: Page) -> Callable[..., None]:
    """Log `user` in through the admin's own login form (so django-axes sees it)."""

    def login(user, password: str = PASSWORD) -> None:
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")

    return login


class BrowserPage:
    """A tab plus what went wrong in it: CSP violations, script errors, failed requests."""

    def __init__(self, page: Page, test_name: str) -> None:
        self.page = page
        self.test_name = _slug(test_name)
        self.csp_violations: list[str] = []
        self.script_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.shots: list[Path] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.script_errors.append(message.text)

    def _on_response(self, response: Response) -> None:
        # Browsers ask for /favicon.ico on their own; the ledger has none.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed_requests.append(f"{response.status} {response.url}")

    def screenshot(self, step: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}--{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def logout_admin(self) -> None:
        # Django 5 logs out with a POST from the header's form.
        self.page.click("#logout-form button[type=submit]")
        self.page.wait_for_load_state()


@pytest.fixture
def web(page: Page, request: pytest.FixtureRequest) -> BrowserPage:
    return BrowserPage(page, request.node.name)
