"""The API docs (Swagger UI) in a real browser on a network that reaches nothing but the ledger.

Office intranets have no internet: every request to another host is aborted here, so a page
that still loaded Swagger UI from a CDN would stay blank and the test would fail.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Route

from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def offline(web):
    """Abort every request that leaves this machine; the list names what was asked for."""
    blocked: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOCAL_HOSTS:
            blocked.append(url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    web.page.route("**/*", handle)
    return blocked


def test_swagger_ui_lists_the_operations_without_internet_under_the_site_policy(web, offline):
    CommitmentFactory(title="建立认责承诺台账", is_public=True)
    page = web.page

    response = page.goto("/api/docs/")

    # the page runs under the same policy as the rest of the site: no inline script, no CDN
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == settings.CONTENT_SECURITY_POLICY
    commitments_list = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text="/api/v1/commitments/")
    )
    commitments_list.first.wait_for()
    assert "承诺事项列表" in commitments_list.first.inner_text()
    assert page.locator(".opblock").count() > 20
    web.screenshot("operations")

    # and the UI really works: it calls the public list from the page and shows the answer
    public = page.locator('[id$="-v1_public_commitments_list"]')
    public.locator(".opblock-summary").click()
    public.get_by_role("button", name="Try it out").click()
    public.get_by_role("button", name="Execute").click()
    answer = public.locator(".live-responses-table .response")
    answer.locator(".response-col_status").first.wait_for()
    assert answer.locator(".response-col_status").first.inner_text().strip() == "200"
    assert "建立认责承诺台账" in answer.locator(".response-col_description").first.inner_text()
    web.screenshot("public-list-tried")

    assert offline == []
    assert web.csp_violations == []
    assert web.script_errors == []
    assert web.failed_requests == []
