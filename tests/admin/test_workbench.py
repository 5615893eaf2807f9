"""工作台: the admin home counts what waits for the office or the unit, and links to it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.models import DeadlineExtension
from tests.factories import CommitmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _tiles(html: str) -> dict[str, tuple[int, str]]:
    found = re.findall(
        r'<a href="([^"]+)"><span class="ledger-tile-count">(\d+)</span>'
        r'<span class="ledger-tile-label">([^<]+)</span>',
        html,
    )
    return {label: (int(count), url.replace("&amp;", "&")) for url, count, label in found}


@pytest.fixture
def ledger(unit):
    today = timezone.localdate()
    other = UnitFactory(name="市卫健委")
    long_ago = timezone.now() - timedelta(days=60)

    def make(status, deadline=None, lead=unit, **kw):
        if status in ("submitted", "verified", "closed"):
            kw.setdefault("completed_on", today)
        if status == "returned":
            kw.setdefault("status_reason", "材料不全")
        return CommitmentFactory(status=status, deadline=deadline, lead_unit=lead, **kw)

    make("draft", today + timedelta(days=40))
    make("assigned", today + timedelta(days=40), assigned_at=timezone.now())
    make("assigned", today - timedelta(days=1), assigned_at=timezone.now())  # overdue
    make("in_progress", today + timedelta(days=1), last_progress_at=timezone.now())  # due soon
    make("accepted", today + timedelta(days=40), accepted_at=long_ago)  # silent
    make("returned", today + timedelta(days=40), last_progress_at=timezone.now())
    waiting = make("submitted", today + timedelta(days=40))
    make("assigned", today - timedelta(days=5), lead=other, assigned_at=timezone.now())
    DeadlineExtension.objects.create(
        commitment=make("in_progress", today + timedelta(days=20), last_progress_at=timezone.now()),
        requested_deadline=today + timedelta(days=50),
        deadline_before=today + timedelta(days=20),
        reason="用地手续未齐",
    )
    return waiting


def test_the_office_sees_what_it_must_act_on_across_the_ledger(client, office, ledger):
    client.force_login(office)
    tiles = _tiles(client.get(reverse("admin:index")).content.decode())
    assert list(tiles) == ["待交办", "逾期", "临期", "待复核", "延期待批", "无进展"]
    assert {label: count for label, (count, _url) in tiles.items()} == {
        "待交办": 1,
        "逾期": 2,
        "临期": 1,
        "待复核": 1,
        "延期待批": 1,
        "无进展": 1,
    }
    # and each count opens the list of exactly those rows
    for label, (count, url) in tiles.items():
        page = client.get(url).content.decode()
        assert page.count('class="action-select"') == count, label


def test_a_unit_member_sees_their_units_work(client, member, ledger):
    client.force_login(member)
    tiles = _tiles(client.get(reverse("admin:index")).content.decode())
    assert {label: count for label, (count, _url) in tiles.items()} == {
        "待签收": 2,
        "办理中": 3,
        "临期": 1,
        "逾期": 1,
        "被退回": 1,
    }


def test_the_counts_take_a_fixed_number_of_queries(client, office, ledger):
    client.force_login(office)
    client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    for i in range(20):
        CommitmentFactory(status="draft", lead_unit=ledger.lead_unit, title=f"又一项{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("admin:index"))
    assert len(few) == len(many)


def test_the_ledger_comes_first_in_the_menu(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:index")).content.decode()
    ledger = html.index("/admin/commitments/commitment/")
    for machinery in ("/admin/axes/", "/admin/django_celery_beat/", "/admin/authtoken/"):
        assert ledger < html.index(machinery)
