"""The admin's units are scoped like the API's: a unit member sees their own units and
sub-units, with members and contact e-mails; another unit's page is none of their business."""

from __future__ import annotations

import pytest

from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/admin/commitments/unit/"


@pytest.fixture
def other_unit(db):
    unit = UnitFactory(name="市卫健委", contact_emails="wjw-secret@example.org")
    unit.members.add(UserFactory(username="health_clerk"))
    return unit


def test_a_unit_member_cannot_open_another_units_page(client, member, unit, other_unit):
    # given
    client.force_login(member)
    # when
    response = client.get(f"{BASE}{other_unit.pk}/change/", follow=True)
    # then: the admin answers as for a unit that does not exist, and shows none of its data
    page = response.content.decode()
    assert response.redirect_chain and response.redirect_chain[0][0] == "/admin/"
    assert "wjw-secret@example.org" not in page
    assert "health_clerk" not in page


def test_a_unit_members_unit_list_holds_their_units_and_sub_units(client, member, unit, other_unit):
    sub_unit = UnitFactory(name="市教育局基础教育科", parent=unit)
    client.force_login(member)
    page = client.get(BASE).content.decode()
    assert f"{BASE}{unit.pk}/change/" in page
    assert f"{BASE}{sub_unit.pk}/change/" in page
    assert f"{BASE}{other_unit.pk}/change/" not in page


def test_a_unit_member_still_reads_their_own_units_page(client, member, unit):
    client.force_login(member)
    response = client.get(f"{BASE}{unit.pk}/change/")
    assert response.status_code == 200
    assert unit.contact_emails in response.content.decode()


def test_unit_autocomplete_offers_a_unit_member_only_their_units(client, member, unit, other_unit):
    # The commitment form's unit pickers ask the unit admin for their choices.
    client.force_login(member)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "commitments",
            "model_name": "commitment",
            "field_name": "lead_unit",
            "term": "市",
        },
    )
    assert response.status_code == 200
    assert {row["text"] for row in response.json()["results"]} == {unit.name}


def test_the_office_sees_every_unit(client, office, unit, other_unit):
    client.force_login(office)
    response = client.get(f"{BASE}{other_unit.pk}/change/")
    assert response.status_code == 200
    assert "wjw-secret@example.org" in response.content.decode()
