"""The office's answer to a 延期申请 asks the same in the admin and in the API: the decision form
and the decision endpoints are both built from `registry.DECISIONS`, so an input one refuses the
other refuses too."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from commitments.models import Commitment, DeadlineExtension
from commitments.services.workflow.registry import DECISIONS
from tests.api.conftest import token_client
from tests.factories import CommitmentFactory, DeadlineExtensionFactory

pytestmark = pytest.mark.django_db

CASES = [
    # (decision, inputs, accepted)
    ("approve", {}, True),
    ("approve", {"note": "同意"}, True),
    ("approve", {"note": "意" * 2000}, True),
    ("approve", {"note": "意" * 2001}, False),
    ("reject", {}, False),
    ("reject", {"note": "   "}, False),
    ("reject", {"note": "佐证不足"}, True),
    ("reject", {"note": "意" * 2001}, False),
]


def _pending(unit: Any) -> DeadlineExtension:
    commitment = CommitmentFactory(
        lead_unit=unit, status=Commitment.Status.IN_PROGRESS, deadline=date(2030, 6, 10)
    )
    return DeadlineExtensionFactory(commitment=commitment)


def _through_admin(client: Client, extension: DeadlineExtension, verb: str, data: dict) -> None:
    url = f"/admin/commitments/deadlineextension/{extension.pk}/decide/"
    response = client.post(url, {"decision": verb, **data})
    # Refused: the form again, saying why; accepted: back to the commitment.
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "errorlist" in response.content.decode()


def _through_api(client: Client, extension: DeadlineExtension, verb: str, data: dict) -> None:
    url = f"/api/v1/commitments/{extension.commitment_id}/extensions/{extension.pk}/{verb}/"
    response = client.post(url, data, content_type="application/json")
    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize(
    ("verb", "data", "accepted"), CASES, ids=[f"{v}-{i}" for i, (v, _d, _a) in enumerate(CASES)]
)
def test_the_admin_and_the_api_accept_and_refuse_the_same_decision(
    client, office, unit, verb, data, accepted
):
    # given: a pending request for each way in
    by_admin, by_api = _pending(unit), _pending(unit)
    client.force_login(office)

    # when: the office sends the same answer both ways
    _through_admin(client, by_admin, verb, data)
    _through_api(token_client(office), by_api, verb, data)

    # then: both took it, or both refused it and the request still waits
    by_admin.refresh_from_db()
    by_api.refresh_from_db()
    expected = DECISIONS[verb].outcome if accepted else DeadlineExtension.Status.PENDING
    assert (by_admin.status, by_api.status) == (expected, expected)
    if accepted:
        assert by_admin.decision_note == by_api.decision_note == data.get("note", "").strip()


def test_the_admin_marks_the_note_required_for_the_decisions_that_require_it(client, office, unit):
    extension = _pending(unit)
    client.force_login(office)
    page = client.get(f"/admin/commitments/deadlineextension/{extension.pk}/decide/")
    assert "不予批准时必填" in page.content.decode()
    assert 'maxlength="2000"' in page.content.decode()
