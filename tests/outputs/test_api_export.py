from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from commitments.models import Commitment
from commitments.services.excel import XLSX_CONTENT_TYPE
from tests.factories import CommitmentFactory, UnitFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/commitments/export/"


def _client(client, user):
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _titles(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_api_export_applies_the_list_filters(client, supervisor):
    CommitmentFactory(title="办理中的", status=Commitment.Status.IN_PROGRESS)
    CommitmentFactory(title="交办的", status=Commitment.Status.ASSIGNED)
    api = _client(client, supervisor)
    assert _titles(api.get(URL, {"status": "in_progress"})) == ["办理中的"]
    assert sorted(_titles(api.get(URL))) == ["交办的", "办理中的"]


def test_api_export_shows_a_member_only_their_units_rows(client, unit_member, unit):
    CommitmentFactory(title="本单位", lead_unit=unit)
    CommitmentFactory(title="外单位", lead_unit=UnitFactory(name="外单位"))
    assert _titles(_client(client, unit_member).get(URL)) == ["本单位"]


def test_api_export_needs_authentication(client):
    assert client.get(URL).status_code in (401, 403)


def test_api_export_rejects_a_bad_filter(client, supervisor):
    response = _client(client, supervisor).get(URL, {"status": "nonsense"})
    assert response.status_code == 400
