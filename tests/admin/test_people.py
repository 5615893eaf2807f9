"""People appear by their Chinese full name (姓名, surname first), and the 责任人 choice offers
the lead unit's members."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import CommitmentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lists_and_the_api_name_people_surname_first(client, superuser, unit):
    person = UserFactory(username="wxm", last_name="王", first_name="小明")
    nameless = UserFactory(username="zhao")
    CommitmentFactory(lead_unit=unit, responsible=person, title="新建幼儿园")
    CommitmentFactory(lead_unit=unit, responsible=nameless, title="改造老旧小区")
    client.force_login(superuser)
    listing = client.get(reverse("admin:commitments_commitment_changelist")).content.decode()
    api = client.get("/api/v1/commitments/").json()
    assert "王小明" in listing and "wxm" not in listing
    assert "zhao" in listing  # no name given: the login name, not nothing
    names = {row["title"]: row["responsible_name"] for row in api["results"]}
    assert names == {"新建幼儿园": "王小明", "改造老旧小区": "zhao"}


def test_the_responsible_choice_offers_the_lead_units_members(client, superuser, unit):
    colleague = UserFactory(username="colleague", last_name="李", first_name="四")
    unit.members.add(colleague)
    stranger = UserFactory(username="stranger", last_name="外", first_name="人")
    UnitFactory(name="市卫健委").members.add(stranger)
    commitment = CommitmentFactory(lead_unit=unit, status="draft")
    client.force_login(superuser)
    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    select = re.search(r'<select name="responsible".*?</select>', page.content.decode(), re.S)
    assert select is not None
    assert "李四" in select.group(0)
    assert "外人" not in select.group(0)


def test_a_responsible_person_from_outside_the_unit_stays_offered(client, superuser, unit):
    # (data from before the rule, or an import): the page opens and keeps the choice
    outsider = UserFactory(username="outsider", last_name="外", first_name="援")
    commitment = CommitmentFactory(lead_unit=unit, status="draft", responsible=outsider)
    client.force_login(superuser)
    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    assert page.status_code == 200 and "外援" in page.content.decode()
