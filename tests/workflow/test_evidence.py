"""佐证材料: type and size limits judged on the bytes; files served only to who may see."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from commitments.models import Evidence
from commitments.services.errors import ActorNotAllowed, InvalidInput
from commitments.services.evidence import DOCX, PDF, TEXT, XLSX, evidence_add
from tests.factories import SuperuserFactory
from tests.workflow.conftest import PDF_BYTES, S, make_commitment, pdf

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's claimed type is ignored on purpose: say "application/pdf" for everything.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def commitment(unit):
    return make_commitment(S.IN_PROGRESS, lead_unit=unit)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("报告.pdf", PDF_BYTES, PDF),
        ("现场.PNG", PNG_BYTES, "image/png"),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("总结.docx", _zip("word/document.xml"), DOCX),
        ("台账.xlsx", _zip("xl/workbook.xml"), XLSX),
        ("说明.txt", "已完成整改。".encode(), TEXT),
        ("说明-gbk.txt", "已完成整改。".encode("gb18030"), TEXT),
    ],
)
def test_allowed_types_are_stored_with_the_sniffed_type_and_size(
    commitment, unit_member, name, content, kind
):
    evidence = evidence_add(commitment=commitment, actor=unit_member, file=_upload(name, content))
    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        name,
        kind,
        len(content),
    )
    assert evidence.uploaded_by == unit_member
    with evidence.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # an executable renamed
        ("总结.docx", _zip("xl/workbook.xml")),  # a spreadsheet renamed
        ("说明.txt", PDF_BYTES + b"\x00"),
        ("页面.html", b"<html><script>alert(1)</script></html>"),
        ("图.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("空.pdf", b""),
    ],
)
def test_other_types_and_mismatched_content_are_refused(commitment, unit_member, name, content):
    with pytest.raises(InvalidInput):
        evidence_add(commitment=commitment, actor=unit_member, file=_upload(name, content))
    assert not Evidence.objects.exists()


@override_settings(
    LEDGER={"DUE_SOON_DAYS": 3, "STALE_REPORT_DAYS": 14, "ATTACHMENT_MAX_BYTES": len(PDF_BYTES)}
)
def test_files_over_the_size_limit_are_refused(commitment, unit_member):
    evidence_add(commitment=commitment, actor=unit_member, file=pdf())
    with pytest.raises(InvalidInput, match="过大"):
        evidence_add(commitment=commitment, actor=unit_member, file=pdf(content=PDF_BYTES + b" "))
    assert Evidence.objects.count() == 1


def test_another_units_member_may_not_attach(commitment, other_member):
    with pytest.raises(ActorNotAllowed):
        evidence_add(commitment=commitment, actor=other_member, file=pdf())


def test_the_stored_name_does_not_use_the_uploaded_path(commitment, unit_member):
    evidence = evidence_add(
        commitment=commitment, actor=unit_member, file=_upload("../../etc/报告.pdf", PDF_BYTES)
    )
    assert evidence.original_name == "报告.pdf"
    assert ".." not in evidence.file.name and "报告" not in evidence.file.name


# --- serving ------------------------------------------------------------------------------------


@pytest.fixture
def evidence(commitment, unit_member):
    return evidence_add(commitment=commitment, actor=unit_member, file=pdf())


def _get(client, evidence):
    return client.get(f"/evidence/{evidence.pk}/")


def test_unit_member_downloads_their_evidence(client, evidence, unit_member):
    client.force_login(unit_member)
    response = _get(client, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_supervisor_downloads_any_evidence(client, evidence, supervisor):
    client.force_login(supervisor)
    assert _get(client, evidence).status_code == 200


def test_another_units_member_gets_404(client, evidence, other_member):
    client.force_login(other_member)
    assert _get(client, evidence).status_code == 404


def test_anonymous_gets_404(client, evidence):
    assert _get(client, evidence).status_code == 404


def test_unknown_id_gets_404(client):
    client.force_login(SuperuserFactory())
    assert client.get("/evidence/999999/").status_code == 404


def test_redirect_mode_still_streams_when_the_storage_has_no_signed_urls(
    client, evidence, unit_member, settings
):
    # Local files (the embedded mode) have no URL to send a browser to.
    settings.STORAGE_DOWNLOAD_REDIRECT = True
    client.force_login(unit_member)
    response = _get(client, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
