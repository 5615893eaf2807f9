from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
from commitments.selectors.office import office_today
from commitments.views import public as public_views
from tests.factories import CommitmentFactory, ProgressUpdateFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/public/"


def test_public_page_lists_public_commitments_by_unit_with_latest_public_note(client):
    # given
    unit = UnitFactory(name="市教育局")
    shown = CommitmentFactory(title="新建三所幼儿园", lead_unit=unit, is_public=True)
    ProgressUpdateFactory(commitment=shown, text="较早的公开进展", is_public=True)
    ProgressUpdateFactory(commitment=shown, text="最新公开进展", is_public=True)
    ProgressUpdateFactory(commitment=shown, text="内部进展不公开", is_public=False)
    CommitmentFactory(title="内部事项", lead_unit=unit, is_public=False)
    CommitmentFactory(
        title="已撤销事项", is_public=True, status=Commitment.Status.CANCELLED, status_reason="x"
    )
    # when
    response = client.get(URL)
    page = response.content.decode()
    # then
    assert response.status_code == 200
    assert "向社会公开认责承诺" in page and "市教育局" in page and "新建三所幼儿园" in page
    assert "最新公开进展" in page
    assert "较早的公开进展" not in page and "内部进展不公开" not in page
    assert "内部事项" not in page and "已撤销事项" not in page


def test_public_page_shows_no_personal_data(client):
    person = UserFactory(username="zhangsan", first_name="三", last_name="张")
    unit = UnitFactory(name="市民政局", contact_emails="secret-contact@example.org")
    c = CommitmentFactory(lead_unit=unit, responsible=person, is_public=True)
    ProgressUpdateFactory(commitment=c, author=person, text="已推进", is_public=True)
    page = client.get(URL).content.decode()
    for personal in ("zhangsan", "张三", "@example.org", "secret-contact"):
        assert personal not in page


def test_public_page_needs_no_login_no_javascript_and_prints(client):
    CommitmentFactory(is_public=True)
    page = client.get(URL).content.decode()
    assert "<script" not in page
    assert "@media print" in page


def test_public_page_query_count_does_not_grow_with_rows(client):
    def count() -> int:
        cache.clear()  # the page as built, not as cached
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    c = CommitmentFactory(is_public=True)
    ProgressUpdateFactory(commitment=c, is_public=True)
    one = count()
    for i in range(20):
        c = CommitmentFactory(is_public=True, lead_unit=UnitFactory(name=f"单位{i}"))
        ProgressUpdateFactory(commitment=c, is_public=True)
    assert count() == one


# --- a page per unit, cursor pages, overdue first, rate limit, cache ----------------------------


def _titles(page: str) -> list[str]:
    return re.findall(r'<td class="title">([^<]+)', page)


def test_each_unit_has_its_own_page_and_the_index_links_them_all(client):
    # given
    education, health = UnitFactory(name="市教育局"), UnitFactory(name="市卫健委")
    CommitmentFactory(title="新建三所幼儿园", lead_unit=education, is_public=True)
    CommitmentFactory(title="建成胸痛中心", lead_unit=health, is_public=True)
    CommitmentFactory(title="不公开的事项", lead_unit=UnitFactory(name="市水务局"))
    # when
    first = client.get(URL).content.decode()
    other = client.get(URL, {"unit": education.pk}).content.decode()
    # then: the first unit by name (卫 sorts before 教), and an index of the units with
    # published work
    assert _titles(first) == ["建成胸痛中心"] and _titles(other) == ["新建三所幼儿园"]
    for page in (first, other):
        assert f'href="?unit={education.pk}"' in page and f'href="?unit={health.pk}"' in page
        assert "市水务局" not in page


def test_a_units_commitments_page_by_cursor_overdue_first_then_by_deadline(client, monkeypatch):
    # given: five public commitments, two a page
    monkeypatch.setattr(public_views, "PAGE_SIZE", 2)
    unit = UnitFactory(name="市教育局")
    today = office_today()
    for title, days, status in [
        ("无时限", None, Commitment.Status.IN_PROGRESS),
        ("下月到期", 30, Commitment.Status.IN_PROGRESS),
        ("逾期三天", -3, Commitment.Status.IN_PROGRESS),
        ("明天到期", 1, Commitment.Status.ASSIGNED),
        ("逾期十天", -10, Commitment.Status.ACCEPTED),
    ]:
        CommitmentFactory(
            title=title,
            lead_unit=unit,
            is_public=True,
            status=status,
            deadline=None if days is None else today + timedelta(days=days),
        )
    # when: following the 下一页 links to the end
    seen, url, params = [], URL, {"unit": unit.pk}
    while True:
        page = client.get(url, params).content.decode()
        seen.append(_titles(page))
        found = re.search(r'href="\?unit=\d+&amp;cursor=([^"]+)" rel="next"', page)
        if not found:
            break
        params = {"unit": unit.pk, "cursor": found.group(1)}
    # then
    assert seen == [["逾期十天", "逾期三天"], ["明天到期", "下月到期"], ["无时限"]]
    assert page.count("已逾期") == 0 and "回到第一页" in page


def test_a_broken_cursor_or_an_unknown_unit_is_refused_plainly(client):
    unit = CommitmentFactory(is_public=True).lead_unit
    assert client.get(URL, {"unit": unit.pk, "cursor": "not-a-cursor"}).status_code == 400
    assert client.get(URL, {"unit": unit.pk, "cursor": "WzIsbnVsbCwxXQ"}).status_code == 400
    assert client.get(URL, {"unit": "999999"}).status_code == 404
    assert client.get(URL, {"unit": "x"}).status_code == 404


def test_the_page_is_cached_briefly_and_shows_new_publications_after_that(client, settings):
    # given: a page already served, kept for a second
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    unit = UnitFactory(name="市教育局")
    CommitmentFactory(title="第一项", lead_unit=unit, is_public=True)
    assert _titles(client.get(URL).content.decode()) == ["第一项"]
    # when: the office publishes another commitment
    CommitmentFactory(title="第二项", lead_unit=unit, is_public=True)
    # then: within the cache lifetime the cached page is served, without a query ...
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert _titles(response.content.decode()) == ["第一项"] and len(ctx.captured_queries) == 0
    assert f"max-age={settings.PUBLIC_PAGE_CACHE_SECONDS}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    # ... and once it has run out, the new one shows
    time.sleep(1.1)
    assert _titles(client.get(URL).content.decode()) == ["第一项", "第二项"]


def test_anonymous_callers_are_rate_limited_like_the_public_api(client, settings):
    # given: the anonymous API limit lowered to 3 a minute
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "token": "100/minute"},
    }
    CommitmentFactory(is_public=True)
    # when: the same address asks five times (cached pages included)
    codes = [client.get(URL).status_code for _ in range(5)]
    # then
    assert codes == [200, 200, 200, 429, 429]
    refused = client.get(URL)
    assert int(refused["Retry-After"]) > 0 and "请求过于频繁" in refused.content.decode()
    # another address is still served
    assert client.get(URL, REMOTE_ADDR="10.0.0.9").status_code == 200
