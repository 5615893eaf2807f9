"""A deactivated account stops everywhere at once: its API tokens, its calendar feed, its
admin and browsable-API sessions, and every right the access rules gave it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from commitments.selectors.access import (
    actor_roles,
    commitment_list_for,
    unit_list_for,
    user_is_supervisor,
)
from commitments.services.calendar import calendar_token_create
from tests.api.conftest import token_client
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def test_a_deactivated_persons_calendar_feed_stops(client):
    # given a person's feed that works
    person = UserFactory(username="zs")
    CommitmentFactory(title="我的事", responsible=person)
    _token, raw = calendar_token_create(user=person)
    assert client.get(f"/calendar/{raw}.ics").status_code == 200
    # when the person leaves
    _deactivate(person)
    # then the secret URL answers as if it had never existed
    assert client.get(f"/calendar/{raw}.ics").status_code == 404


def test_a_units_feed_outlives_a_deactivated_member(client, unit, unit_member):
    # A unit's feed belongs to the unit, not to whoever was a member when it was made.
    CommitmentFactory(lead_unit=unit)
    _token, raw = calendar_token_create(unit=unit)
    _deactivate(unit_member)
    assert client.get(f"/calendar/{raw}.ics").status_code == 200


def test_a_deactivated_users_token_stops_and_no_new_one_is_issued(unit_member):
    client = token_client(unit_member)
    assert client.get("/api/v1/commitments/").status_code == 200
    _deactivate(unit_member)
    assert client.get("/api/v1/commitments/").status_code == 401
    response = Client().post(
        "/api/v1/auth/token/", {"username": unit_member.username, "password": "pw-for-tests-123"}
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_deactivated_users_admin_session_stops(client, unit_member):
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    assert client.get("/admin/commitments/commitment/").status_code == 200
    _deactivate(unit_member)
    response = client.get("/admin/commitments/commitment/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_deactivated_users_browsable_api_session_stops(client, unit_member):
    client.force_login(unit_member)
    assert client.get("/api/v1/commitments/").status_code == 200
    _deactivate(unit_member)
    assert client.get("/api/v1/commitments/").status_code == 401


def test_a_deactivated_user_holds_no_right_in_the_access_rules(supervisor, unit, unit_member):
    # Whatever entry point forgets to check is_active, the one place that answers "who may see
    # or do what" gives a deactivated account nothing.
    commitment = CommitmentFactory(lead_unit=unit)
    _deactivate(unit_member)
    _deactivate(supervisor)
    assert not user_is_supervisor(supervisor)
    for user in (unit_member, supervisor):
        assert not commitment_list_for(user).exists()
        assert not unit_list_for(user).exists()
        assert actor_roles(actor=user, commitment=commitment) == frozenset()
