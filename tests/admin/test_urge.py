"""催办 from the commitment's own page, with a 催办意见; unit members do not get the action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commitments.choices import NoticeEvent
from commitments.models import ReminderLog
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def test_the_office_urges_from_the_page_with_an_opinion(client, office, unit, mailoutbox):
    commitment = CommitmentFactory(lead_unit=unit, status="assigned", title="整治校外培训")
    client.force_login(office)
    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    urge_url = reverse("admin:commitments_commitment_urge", args=[commitment.pk])
    assert urge_url in page.content.decode()

    response = client.post(urge_url, {"opinion": "请于周五前报送进展"})

    assert response.status_code == 302
    log = ReminderLog.objects.get(commitment=commitment, kind=ReminderLog.Kind.MANUAL)
    assert log.notice.event == NoticeEvent.URGE and log.notice.note == "请于周五前报送进展"


def test_an_opinion_is_required(client, office, unit):
    commitment = CommitmentFactory(lead_unit=unit, status="assigned")
    client.force_login(office)
    response = client.post(
        reverse("admin:commitments_commitment_urge", args=[commitment.pk]), {"opinion": " "}
    )
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert not ReminderLog.objects.exists()


def test_unit_members_neither_see_nor_use_the_urge(client, member, unit):
    commitment = CommitmentFactory(lead_unit=unit, status="assigned")
    client.force_login(member)
    listing = client.get(reverse("admin:commitments_commitment_changelist")).content.decode()
    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    urge_url = reverse("admin:commitments_commitment_urge", args=[commitment.pk])
    assert "send_reminder_now" not in listing
    assert urge_url not in page.content.decode()
    assert client.post(urge_url, {"opinion": "自己催自己"}).status_code == 403
    assert not ReminderLog.objects.exists()
