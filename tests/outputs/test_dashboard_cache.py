"""业绩看板's figures come from the cache until a commitment changes, per viewer's scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CommitmentFactory, UnitFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/commitments/rankingsnapshot/dashboard/"


def _view(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_a_second_view_reads_the_figures_from_the_cache(client, superuser):
    # given
    client.force_login(superuser)
    CommitmentFactory(lead_unit=UnitFactory(name="市教育局"))
    _page, built = _view(client)
    # when
    again, cached = _view(client)
    # then: the five aggregates over the ledger are not run again
    assert cached <= built - 5
    assert "市教育局" in again


def test_a_change_to_a_commitment_shows_at_once(client, superuser):
    # given: figures already cached
    client.force_login(superuser)
    CommitmentFactory(lead_unit=UnitFactory(name="市教育局"))
    _view(client)
    # when: another commitment is recorded
    CommitmentFactory(lead_unit=UnitFactory(name="市卫健委"))
    # then
    page, _queries = _view(client)
    assert "市卫健委" in page


def test_a_unit_member_never_gets_the_offices_cached_figures(client, superuser, unit_member, unit):
    # given: the office has looked at the whole ledger
    CommitmentFactory(lead_unit=unit)
    CommitmentFactory(lead_unit=UnitFactory(name="别的单位"))
    client.force_login(superuser)
    assert "别的单位" in _view(client)[0]
    # when: a unit member looks
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    page, _queries = _view(client)
    # then: only their own unit
    assert unit.name in page and "别的单位" not in page
