from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from commitments.models import CalendarToken, Commitment
from commitments.services.calendar import calendar_token_create, calendar_token_revoke
from tests.factories import CommitmentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(response) -> dict[str, date]:
    calendar = Calendar.from_ical(response.content)
    return {str(e["summary"]): e.decoded("dtstart") for e in calendar.walk("VEVENT")}


def test_unit_feed_lists_open_deadlines_of_the_unit_and_its_sub_units(client):
    # given
    city = UnitFactory(name="市教育局")
    school = UnitFactory(name="市第一中学", parent=city)
    deadline = date(2026, 9, 1)
    CommitmentFactory(title="新建幼儿园", lead_unit=city, deadline=deadline)
    CommitmentFactory(title="校舍改造", lead_unit=school, deadline=deadline + timedelta(days=1))
    CommitmentFactory(title="别的单位的事", deadline=deadline)
    CommitmentFactory(
        title="已销号", lead_unit=city, status=Commitment.Status.CLOSED, completed_on=deadline
    )
    CommitmentFactory(title="时限待定", lead_unit=city, deadline=None, deadline_pending=True)
    _token, raw = calendar_token_create(unit=city, label="教育局日历")
    # when
    response = client.get(f"/calendar/{raw}.ics")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert _events(response) == {
        "【完成时限】新建幼儿园": deadline,
        "【完成时限】校舍改造": deadline + timedelta(days=1),
    }


def test_person_feed_lists_the_persons_commitments_only(client):
    person = UserFactory(username="zs")
    CommitmentFactory(title="我的事", responsible=person)
    CommitmentFactory(title="别人的事", responsible=UserFactory())
    _token, raw = calendar_token_create(user=person)
    assert list(_events(client.get(f"/calendar/{raw}.ics"))) == ["【完成时限】我的事"]


def test_event_uid_is_stable_between_fetches(client):
    c = CommitmentFactory()
    _token, raw = calendar_token_create(unit=c.lead_unit)
    uids = [
        [
            str(e["uid"])
            for e in Calendar.from_ical(client.get(f"/calendar/{raw}.ics").content).walk("VEVENT")
        ]
        for _ in range(2)
    ]
    assert uids[0] == uids[1] == [f"commitment-{c.pk}@127.0.0.1:8000"]


def test_revoked_or_unknown_token_gets_404_and_only_a_hash_is_stored(client):
    unit = UnitFactory()
    token, raw = calendar_token_create(unit=unit)
    assert raw not in token.token_hash
    assert client.get(f"/calendar/{raw}.ics").status_code == 200
    calendar_token_revoke(token=token)
    assert client.get(f"/calendar/{raw}.ics").status_code == 404
    assert client.get("/calendar/guessed-token.ics").status_code == 404


def test_token_needs_exactly_one_of_unit_or_person():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        calendar_token_create()
    with pytest.raises(ValidationError):
        calendar_token_create(unit=UnitFactory(), user=UserFactory())
    assert CalendarToken.objects.count() == 0
