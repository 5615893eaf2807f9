"""导入讲话/通知 in the admin: upload, preview (nothing written), confirm (the command's service),
bad files, re-uploads, and who may do it."""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePath

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from commitments.importer.decode import MAX_BYTES
from commitments.models import Commitment, Directive, SourceDocument, Unit
from commitments.services import imports
from tests.factories import UnitFactory, UserFactory
from tests.importer import builders

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_d59561c663881efd.txt"
DOCUMENTS = "/admin/commitments/sourcedocument/"
IMPORT = DOCUMENTS + "import/"
CONFIRM = IMPORT + "confirm/"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def staging(settings) -> None:
    """A file storage of this test's own (MEDIA_ROOT or the bucket in real use)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


def upload(client, data: bytes, name: str = "讲话.txt", **extra: str):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **extra})


def token_of(response) -> str:
    match = TOKEN.search(response.content.decode())
    assert match, "no confirm form on the page"
    return match.group(1)


def nothing_written() -> bool:
    return not (
        SourceDocument.objects.exists() or Directive.objects.exists() or Commitment.objects.exists()
    )


def new_units_of(page: str) -> set[str]:
    """The units the preview says the import will create."""
    return set(re.findall(r'<input type="hidden" name="unit-name" value="([^"]*)">', page))


def staged_files() -> list[str]:
    try:
        return sorted(default_storage.listdir("imports")[1])
    except FileNotFoundError:
        return []


# --- who may import -------------------------------------------------------------------------


def test_the_office_sees_the_import_button_on_the_document_list(client, office):
    client.force_login(office)
    page = client.get(DOCUMENTS).content.decode()
    assert 'id="ledger-import-document"' in page and "导入讲话/通知" in page
    assert client.get(IMPORT).status_code == 200


def test_both_import_pages_lead_back_to_their_lists(client, office):
    # given an office clerk, who may import speeches and Excel ledgers
    client.force_login(office)
    # when they open each import page
    pages = {
        IMPORT: DOCUMENTS,
        "/admin/commitments/commitment/import-xlsx/": "/admin/commitments/commitment/",
    }
    for page, changelist in pages.items():
        crumbs = re.search(
            r'<div class="breadcrumbs">(.*?)</div>', client.get(page).content.decode(), re.S
        )
        # then the breadcrumbs go home, to the list the page belongs to, and name the page
        assert crumbs, page
        links = re.findall(r'href="([^"]+)"', crumbs.group(1))
        assert links == ["/admin/", changelist], page
        assert crumbs.group(1).rstrip().endswith(("导入讲话/通知", "导入Excel台账")), page


def test_a_unit_member_sees_no_button_and_every_import_url_is_forbidden(client, member, staging):
    client.force_login(member)
    page = client.get(DOCUMENTS)
    assert page.status_code == 200  # members may read the documents
    assert "ledger-import-document" not in page.content.decode()
    assert client.get(IMPORT).status_code == 403
    assert upload(client, SEED.read_bytes()).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert client.get(DOCUMENTS + "add/").status_code == 403
    assert nothing_written()
    assert staged_files() == []


def test_a_member_cannot_confirm_a_preview_the_office_made(client, office, member):
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes()))
    client.force_login(member)
    assert client.post(CONFIRM, {"token": token}).status_code == 403
    assert nothing_written()


def test_the_plain_add_form_leads_to_the_importer(client, office):
    client.force_login(office)
    response = client.get(DOCUMENTS + "add/")
    assert response.status_code == 302 and response["Location"] == IMPORT


# --- preview and confirm ----------------------------------------------------------------------


def test_upload_shows_the_preview_and_writes_nothing(client, office, staging):
    client.force_login(office)
    UnitFactory(name="各县区")  # known already: not listed as new
    response = upload(client, SEED.read_bytes(), name=SEED.name)
    page = response.content.decode()
    assert response.status_code == 200
    parsed = imports.parse_document(SEED.read_bytes(), name=SEED.name)
    assert parsed.title in page
    assert "将新建来源文件 1 份、承诺事项 35 项" in page
    plan = page[page.index('id="preview-plan"') :]
    assert plan.count("<tr class=") == len(parsed.of_kind("task"))
    assert "各县区各系统各部门" in new_units_of(page)
    assert "各县区" not in new_units_of(page)
    assert nothing_written()
    assert [PurePath(p).suffix for p in staged_files()] == [".upload"]


def test_confirm_imports_through_the_commands_service_and_cleans_up(client, office, staging):
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes(), name=SEED.name))
    response = client.post(CONFIRM, {"token": token}, follow=True)
    document = SourceDocument.objects.get()
    assert response.redirect_chain[-1][0] == (
        f"/admin/commitments/commitment/?document__id__exact={document.pk}"
    )
    assert "新建「" in response.content.decode()
    assert Commitment.objects.filter(document=document).count() == 35
    assert document.source_name == SEED.name
    assert staged_files() == []
    # The command sees the very document it would have written itself.
    out = io.StringIO()
    call_command("import_seed", str(SEED), stdout=out, stderr=io.StringIO())
    assert "未变化" in out.getvalue()
    assert SourceDocument.objects.count() == 1


def test_the_preview_forecasts_what_the_import_then_creates(client, office):
    # given: one of the task table's people has an account, the others are names only
    client.force_login(office)
    UserFactory(username="zhangsan", last_name="张", first_name="三")
    UnitFactory(name="教务处")
    before = set(Unit.objects.values_list("name", flat=True))
    # when
    response = upload(client, builders.xlsx_table(), name="任务分工.xlsx")
    page = response.content.decode()
    token = token_of(response)
    client.post(CONFIRM, {"token": token})
    # then: the units it said are new are exactly the units created
    created = set(Unit.objects.values_list("name", flat=True)) - before
    assert new_units_of(page) == created
    assert "教务处" not in created
    # people, cycles and flags were shown, and are what the ledger holds
    assert "每季度" in page and "每月" in page
    assert "时限待定" in page  # 开学前
    assert "李四 (原文)" in page and "没有唯一对应的用户账号" in page
    assert Commitment.objects.get(title__contains="开展主题教育").responsible.username == "zhangsan"
    quarterly = Commitment.objects.get(title__contains="重点工作督查")
    assert (quarterly.report_cycle, quarterly.responsible, quarterly.responsible_name) == (
        "quarterly",
        None,
        "郑八",
    )


def test_reference_date_is_used_for_the_preview_and_the_import(client, office):
    client.force_login(office)
    response = upload(client, SEED.read_bytes(), reference_date="2025-02-01")
    assert "2025-12-31" in response.content.decode()
    client.post(CONFIRM, {"token": token_of(response)})
    assert Directive.objects.get(ref="3.1-3").deadline.isoformat() == "2025-12-31"


def test_reuploading_an_imported_file_changes_nothing_as_the_command_does(client, office):
    client.force_login(office)
    call_command("import_seed", str(SEED), stdout=io.StringIO(), stderr=io.StringIO())
    document = SourceDocument.objects.get()
    before = (Directive.objects.count(), Commitment.objects.count(), document.updated_at)
    response = upload(client, SEED.read_bytes(), name="另存为.txt")
    assert "再次导入不会做任何改动" in response.content.decode()
    confirmed = client.post(CONFIRM, {"token": token_of(response)}, follow=True)
    assert "未变化" in confirmed.content.decode()
    document.refresh_from_db()
    assert (Directive.objects.count(), Commitment.objects.count(), document.updated_at) == before


def test_a_new_version_of_a_known_document_is_previewed_as_an_update(client, office):
    client.force_login(office)
    original = SEED.read_bytes()
    client.post(CONFIRM, {"token": token_of(upload(client, original, name=SEED.name))})
    kept = Commitment.objects.count()
    changed = original.replace("限期解决到位".encode(), "6月底前解决到位".encode())
    assert changed != original
    response = upload(client, changed, name=SEED.name)
    page = response.content.decode()
    assert "的新版本" in page and f"已有承诺事项 {kept} 项" in page
    client.post(CONFIRM, {"token": token_of(response)})
    assert SourceDocument.objects.count() == 1
    assert Commitment.objects.count() == kept
    updated = Commitment.objects.get(directive__ref="2.2-4")
    assert (updated.deadline_text, updated.deadline_pending) == ("6月底前", False)


def test_confirming_twice_imports_once(client, office, staging):
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes()))
    client.post(CONFIRM, {"token": token})
    again = client.post(CONFIRM, {"token": token})
    assert "已经确认导入、已取消或已过期" in again.content.decode()
    assert SourceDocument.objects.count() == 1
    assert Commitment.objects.count() == 35


def test_cancel_discards_the_staged_file(client, office, staging):
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes()))
    response = client.post(CONFIRM, {"token": token, "cancel": "1"}, follow=True)
    assert "已取消导入" in response.content.decode()
    assert staged_files() == []
    assert "已经确认导入、已取消或已过期" in client.post(CONFIRM, {"token": token}).content.decode()
    assert nothing_written()


def test_another_users_or_a_forged_token_is_refused(client, office, superuser):
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes()))
    client.force_login(superuser)
    assert "只能确认本人上传的文件" in client.post(CONFIRM, {"token": token}).content.decode()
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert "导入请求无效" in client.post(CONFIRM, {"token": forged}).content.decode()
    assert nothing_written()


def test_a_failure_inside_the_import_writes_nothing_and_keeps_the_preview(
    client, office, staging, monkeypatch
):
    # given: the database refuses the commitments, after the document and its directives
    client.force_login(office)
    token = token_of(upload(client, SEED.read_bytes()))

    def refuse(pairs):
        raise imports.SeedError("承诺事项写入失败")

    monkeypatch.setattr(imports, "_create_commitments", refuse)
    # when
    response = client.post(CONFIRM, {"token": token})
    # then: one transaction, rolled back as a whole; the staged file is still there to retry
    assert "承诺事项写入失败" in response.content.decode()
    assert nothing_written()
    assert [PurePath(p).suffix for p in staged_files()] == [".upload"]
    monkeypatch.undo()
    client.post(CONFIRM, {"token": token})
    assert Commitment.objects.count() == 35


# --- bad files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("空.txt", b"", "文件为空"),
        ("图片.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 512, "文本"),
        ("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Word/Excel"),
        ("坏.docx", b"PK\x03\x04" + b"\x00" * 64, "压缩文件已损坏"),
        ("扫描件.pdf", builders.scanned_pdf(), "OCR"),
        ("过大.txt", "一".encode() * (MAX_BYTES // 3 + 1), "文件过大"),
    ],
)
def test_a_bad_file_gets_a_chinese_message_and_nothing_is_written(
    client, office, staging, name, content, message
):
    client.force_login(office)
    response = upload(client, content, name=name)
    page = response.content.decode()
    assert response.status_code == 200
    error = page[page.index('id="import-error"') :].split("</p>")[0]
    assert message in error and "未写入任何数据" in error
    assert 'name="token"' not in page
    assert nothing_written()
    assert staged_files() == []


def test_a_missing_file_is_asked_for(client, office):
    client.force_login(office)
    response = client.post(IMPORT, {})
    assert "该字段是必填项" in response.content.decode()
    assert nothing_written()


# --- the commitment list shows what the importer recorded ---------------------------------------


def test_commitment_list_shows_the_source_name_and_report_cycle_and_filters_them(client, office):
    client.force_login(office)
    client.post(CONFIRM, {"token": token_of(upload(client, builders.xlsx_table(), "分工.xlsx"))})
    listing = client.get("/admin/commitments/commitment/?report_cycle=quarterly")
    page = listing.content.decode()
    assert "郑八(原文)" in page and "每季度" in page
    assert "开展主题教育" not in page
    text_only = client.get("/admin/commitments/commitment/?responsible_kind=text").content.decode()
    assert "郑八" in text_only
    assert client.get("/admin/commitments/commitment/?q=郑八").content.decode().count("郑八") >= 1
    quarterly = Commitment.objects.get(report_cycle="quarterly")
    detail = client.get(f"/admin/commitments/commitment/{quarterly.pk}/change/").content.decode()
    assert "责任人(原文)" in detail and "郑八" in detail


def test_the_preview_lists_unrecognised_paragraphs_and_the_document_number(client, office):
    client.force_login(office)
    fixtures = Path(__file__).resolve().parents[1] / "importer" / "fixtures"
    page = upload(
        client,
        (fixtures / "schedule_merged_dates.txt").read_bytes(),
        name="日程.txt",
        reference_date="2024-08-30",
    ).content.decode()
    assert "未识别 1 段" in page
    skipped = page[page.index('id="preview-skipped"') :]
    assert "全体学生休息" in skipped[: skipped.index("</table>")]

    notice = (fixtures / "notice_dated_measures.txt").read_bytes()
    page = upload(client, notice, name="通知.txt").content.decode()
    assert "教办发〔2023〕7号" in page
    assert 'id="preview-skipped"' not in page


def test_a_refused_review_decision_shows_the_review_again_and_writes_nothing(client, office):
    # given a previewed notice naming 各校, which the directory does not know
    from tests.services.test_import_review import NOTICE

    client.force_login(office)
    response = upload(client, NOTICE, name="通知.txt")
    token = token_of(response)
    names = re.findall(r'name="unit-name" value="([^"]*)"', response.content.decode())
    index = names.index("各校")
    # when the office maps it to an existing unit but chooses none
    again = client.post(
        CONFIRM, {"token": token, "unit-name": names, f"unit-{index}-choice": "map"}
    )
    # then the review is shown again with the reason, the file still staged, nothing written
    page = again.content.decode()
    assert again.status_code == 200 and 'id="preview-plan"' in page
    assert "“各校”选择了对应已有单位,但没有选定单位" in page
    assert SourceDocument.objects.count() == 0 and len(staged_files()) == 1
    # and the same preview can then be confirmed
    done = client.post(CONFIRM, {"token": token_of(again)})
    assert done.status_code == 302 and SourceDocument.objects.count() == 1
