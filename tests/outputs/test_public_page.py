from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment
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
