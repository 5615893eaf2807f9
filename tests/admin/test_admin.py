from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Commitment
from tests.factories import CommitmentFactory, ProgressUpdateFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/commitments/commitment/"


def _count_changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelist_runs_a_constant_number_of_queries(client, superuser):
    client.force_login(superuser)
    owner = UserFactory()
    CommitmentFactory(responsible=owner)
    one = _count_changelist_queries(client)
    for i in range(40):
        CommitmentFactory(lead_unit=UnitFactory(name=f"单位{i}"), responsible=UserFactory())
    assert _count_changelist_queries(client) == one


def test_admin_speaks_chinese_by_default(client, superuser):
    client.force_login(superuser)
    response = client.get(CHANGELIST)
    assert "承诺事项" in response.content.decode()
    assert response.headers["Content-Language"] == "zh-hans"


def test_admin_speaks_english_when_asked(client, superuser):
    client.force_login(superuser)
    response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "en"


def test_overdue_rows_are_marked_and_filtered(client, superuser):
    client.force_login(superuser)
    CommitmentFactory(title="逾期事项", deadline=timezone.localdate() - timedelta(days=3))
    CommitmentFactory(title="正常事项", deadline=timezone.localdate() + timedelta(days=30))
    page = client.get(CHANGELIST).content.decode()
    assert page.count('class="ledger-overdue"') == 1
    filtered = client.get(CHANGELIST + "?overdue=yes").content.decode()
    assert "逾期事项" in filtered and "正常事项" not in filtered


def test_change_page_shows_progress_inline(client, superuser):
    client.force_login(superuser)
    update = ProgressUpdateFactory(text="已完成摸底调查")
    response = client.get(f"{CHANGELIST}{update.commitment.pk}/change/")
    assert "已完成摸底调查" in response.content.decode()


def test_commitments_cannot_be_deleted_in_the_admin(client, superuser):
    client.force_login(superuser)
    commitment = CommitmentFactory()
    response = client.post(f"{CHANGELIST}{commitment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Commitment.objects.filter(pk=commitment.pk).exists()


def test_adding_a_commitment_in_the_admin_goes_through_the_service(client, superuser):
    client.force_login(superuser)
    unit = UnitFactory(name="市妇联")
    response = client.post(
        CHANGELIST + "add/",
        {
            "title": "开展八项活动",
            "description": "",
            "lead_unit": unit.pk,
            "deadline": "2023-12-31",
            "deadline_text": "今年",
            "report_cycle": "monthly",
            "progress_updates-TOTAL_FORMS": "0",
            "progress_updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Commitment.objects.get(title="开展八项活动")
    # The service, not the ModelForm, sets the original deadline.
    assert created.original_deadline == date(2023, 12, 31)
    assert created.status == Commitment.Status.DRAFT
