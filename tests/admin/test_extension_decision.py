"""The extension decision shows what the office decides on; the list shows why and links to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.services.workflow.extensions import extension_request
from commitments.services.workflow.moves import commitment_report_progress
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(unit, member):
    today = timezone.localdate()
    commitment = CommitmentFactory(
        lead_unit=unit,
        status="accepted",
        title="新建第二中学",
        deadline=today - timedelta(days=2),
        original_deadline=today - timedelta(days=30),
    )
    commitment_report_progress(
        commitment=commitment, actor=member, text="主体结构已封顶", percent=70
    )
    return extension_request(
        commitment=commitment,
        actor=member,
        requested_deadline=today + timedelta(days=40),
        reason="暴雨停工二十天",
    )


def test_the_decision_page_shows_the_facts_the_office_decides_on(client, office, request_):
    client.force_login(office)
    page = client.get(
        reverse("admin:commitments_deadlineextension_decide", args=[request_.pk])
    ).content.decode()
    commitment = request_.commitment
    for text in ("新建第二中学", "暴雨停工二十天", "主体结构已封顶", "已逾期", "延长 42 天"):
        assert text in page, text
    for day in (commitment.deadline, commitment.original_deadline, request_.requested_deadline):
        assert f"{day.year}年{day.month}月{day.day}日" in page


def test_the_extension_list_shows_the_reason_and_links_to_the_decision(client, office, request_):
    client.force_login(office)
    listing = client.get(reverse("admin:commitments_deadlineextension_changelist")).content.decode()
    assert "暴雨停工二十天" in listing
    assert reverse("admin:commitments_deadlineextension_decide", args=[request_.pk]) in listing
