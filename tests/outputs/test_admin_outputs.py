from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from commitments.models import CalendarToken, Commitment, RankingSnapshot, WebhookDelivery
from commitments.services.excel import XLSX_CONTENT_TYPE, commitments_to_xlsx
from tests.factories import CommitmentFactory, UnitFactory
from tests.outputs.test_excel import without_ids

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/commitments/commitment/"
DASHBOARD = "/admin/commitments/rankingsnapshot/dashboard/"


def _titles(response) -> list[str]:
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_export_action_exports_the_selected_commitments(client, superuser):
    client.force_login(superuser)
    a, _b = CommitmentFactory(title="甲"), CommitmentFactory(title="乙")
    response = client.post(
        CHANGELIST, {"action": "export_xlsx", "_selected_action": [a.pk], "index": 0}
    )
    assert _titles(response) == ["甲"]


def test_export_button_exports_the_whole_filtered_list(client, superuser):
    client.force_login(superuser)
    CommitmentFactory(title="逾期事项", deadline=timezone.localdate() - timedelta(days=3))
    CommitmentFactory(title="正常事项")
    page = client.get(CHANGELIST + "?overdue=yes").content.decode()
    link = re.search(r'href="([^"]+)" id="ledger-export-xlsx"', page).group(1)
    assert "overdue=yes" in link
    assert _titles(client.get(link.replace("&amp;", "&"))) == ["逾期事项"]
    assert sorted(_titles(client.get(CHANGELIST + "export-xlsx/"))) == ["正常事项", "逾期事项"]


def test_unit_member_exports_only_their_units_commitments(client, unit_member, unit):
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    CommitmentFactory(title="本单位", lead_unit=unit)
    CommitmentFactory(title="外单位")
    assert _titles(client.get(CHANGELIST + "export-xlsx/")) == ["本单位"]


def test_import_page_shows_the_error_report_and_writes_nothing(client, superuser):
    client.force_login(superuser)
    UnitFactory(name="市教育局")
    source = CommitmentFactory(title="好行", lead_unit=UnitFactory(name="临时单位"))
    data = commitments_to_xlsx(commitments=Commitment.objects.all(), today=timezone.localdate())
    source.delete()
    UnitFactory._meta.model.objects.filter(name="临时单位").delete()
    response = client.post(
        CHANGELIST + "import-xlsx/", {"file": SimpleUploadedFile("台账.xlsx", data)}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-errors"' in page and "系统中没有单位“临时单位”" in page
    assert Commitment.objects.count() == 0


def test_import_page_imports_a_valid_sheet(client, superuser):
    client.force_login(superuser)
    CommitmentFactory(title="好行", lead_unit=UnitFactory(name="市教育局"))
    data = commitments_to_xlsx(commitments=Commitment.objects.all(), today=timezone.localdate())
    data = without_ids(data)  # a sheet of new rows
    Commitment.objects.all().delete()
    response = client.post(
        CHANGELIST + "import-xlsx/", {"file": SimpleUploadedFile("台账.xlsx", data)}
    )
    assert response.status_code == 302
    assert list(Commitment.objects.values_list("title", flat=True)) == ["好行"]


def test_unit_member_may_not_import(client, unit_member):
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    assert client.get(CHANGELIST + "import-xlsx/").status_code == 403


def test_dashboard_draws_charts_on_the_server_with_constant_queries(client, superuser):
    client.force_login(superuser)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(DASHBOARD)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    CommitmentFactory(lead_unit=UnitFactory(name="单位甲"))
    one, page = count()
    assert page.count('class="ledger-chart"') == 3 and "业绩榜" in page and "单位甲" in page
    assert not re.search(r"<script[^>]+src=\"https?://", page)
    for i in range(15):
        CommitmentFactory(lead_unit=UnitFactory(name=f"单位{i}"))
    assert count()[0] == one


def test_publishing_the_ranking_freezes_it_and_it_can_be_viewed_again(client, superuser):
    client.force_login(superuser)
    CommitmentFactory(lead_unit=UnitFactory(name="市教育局"))
    response = client.post(
        "/admin/commitments/rankingsnapshot/publish/", {"title": "第一季度业绩榜"}
    )
    snapshot = RankingSnapshot.objects.get()
    assert response.status_code == 302
    page = client.get(f"/admin/commitments/rankingsnapshot/{snapshot.pk}/change/")
    assert "第一季度业绩榜" in page.content.decode() and "市教育局" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # read-only


def test_unit_member_may_not_publish_a_ranking(client, unit_member, unit):
    client.force_login(unit_member)
    CommitmentFactory(lead_unit=unit)
    response = client.post("/admin/commitments/rankingsnapshot/publish/", {"title": "x"})
    assert response.status_code == 403
    assert RankingSnapshot.objects.count() == 0


def test_adding_a_calendar_token_shows_its_url_once(client, superuser, unit):
    client.force_login(superuser)
    response = client.post(
        "/admin/commitments/calendartoken/add/", {"unit": unit.pk, "label": "教育局"}, follow=True
    )
    page = response.content.decode()
    url = re.search(r"<code>(http[^<]+\.ics)</code>", page).group(1)
    token = CalendarToken.objects.get()
    assert token.unit == unit
    assert client.get(url.split("8000", 1)[1]).status_code == 200
    assert url not in client.get("/admin/commitments/calendartoken/").content.decode()


def test_webhook_delivery_log_is_listed_for_superusers(client, superuser):
    from commitments.models import WebhookSubscription
    from commitments.services.events import commitment_event

    client.force_login(superuser)
    WebhookSubscription.objects.create(
        name="督查系统", url="http://127.0.0.1:9/h", secret="k", events=["created"]
    )
    commitment_event(commitment=CommitmentFactory(title="事项甲"), event="created")
    assert WebhookDelivery.objects.count() == 1
    page = client.get("/admin/commitments/webhookdelivery/").content.decode()
    assert "督查系统" in page and "事项甲" in page


def test_admin_index_links_to_the_dashboard_and_public_page(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/commitments/rankingsnapshot/dashboard/"' in page
    assert 'href="/public/"' in page


def test_dashboard_rows_link_to_the_units_and_documents_commitments(client, superuser):
    from tests.factories import SourceDocumentFactory

    client.force_login(superuser)
    unit, document = UnitFactory(name="市教育局"), SourceDocumentFactory(title="讲话一")
    CommitmentFactory(lead_unit=unit, document=document)
    page = client.get(DASHBOARD).content.decode()
    unit_link = f"/admin/commitments/commitment/?lead_unit__id__exact={unit.pk}"
    document_link = f"/admin/commitments/commitment/?document__id__exact={document.pk}"
    assert unit_link in page and document_link in page
    assert client.get(unit_link).status_code == 200
    assert client.get(document_link).status_code == 200


def test_import_template_is_an_empty_ledger_with_the_headers(client, superuser):
    from commitments.services.excel import HEADERS

    client.force_login(superuser)
    CommitmentFactory()
    assert 'id="import-template"' in client.get(CHANGELIST + "import-xlsx/").content.decode()
    response = client.get(CHANGELIST + "import-xlsx/template/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2 and rows[1] == HEADERS


def test_a_unit_member_sees_only_their_units_on_the_dashboard(client, unit_member, unit):
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    CommitmentFactory(lead_unit=unit)
    CommitmentFactory(lead_unit=UnitFactory(name="别的单位"))
    page = client.get(DASHBOARD).content.decode()
    assert unit.name in page and "别的单位" not in page
    assert "发布并存档业绩榜" not in page


def test_dashboard_can_be_narrowed_to_one_document(client, superuser):
    from tests.factories import SourceDocumentFactory

    client.force_login(superuser)
    speech, notice = SourceDocumentFactory(title="讲话一"), SourceDocumentFactory(title="通知二")
    CommitmentFactory(lead_unit=UnitFactory(name="讲话的单位"), document=speech)
    CommitmentFactory(lead_unit=UnitFactory(name="通知的单位"), document=notice)
    page = client.get(DASHBOARD, {"document": speech.pk}).content.decode()
    ranking = page.split('id="ranking"')[1].split("</table>")[0]
    assert "讲话的单位" in ranking and "通知的单位" not in ranking
    assert "来源文件:讲话一" in page and "发布并存档业绩榜" not in page
    whole = client.get(DASHBOARD).content.decode().split('id="ranking"')[1]
    assert "通知的单位" in whole.split("</table>")[0]
