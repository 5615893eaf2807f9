"""Decompression bombs and other small files that unpack huge: refused with a clear reason,
and the memory of the importing process stays under a fixed ceiling for any file.

Each file is imported in a fresh process (the memory of a test run says nothing), which
reports its own peak resident size (VmHWM). An address-space limit keeps today's failure (gigabytes)
from taking the machine down with it: beyond it the import fails with MemoryError.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from commitments.importer.formats import budget
from tests.importer import bombs, builders

ROOT = Path(__file__).resolve().parents[2]
CEILING_MB = 300
SAFETY_NET_BYTES = 3 * 1024**3  # address space, not resident memory: Python maps far more

_IMPORT = f"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({SAFETY_NET_BYTES}, {SAFETY_NET_BYTES}))
import django
django.setup()
from commitments.importer.errors import SeedError
from commitments.importer.parse import parse_document
from commitments.services.excel import commitments_import_xlsx
data = open(sys.argv[1], "rb").read()
try:
    if sys.argv[2] == "ledger":  # 导入Excel台账; refusals while reading need no database
        result = commitments_import_xlsx(source=data)
        outcome = "refused: " + str(result.errors[0]) if result.errors else "accepted"
    else:
        parse_document(data)
        outcome = "accepted"
except SeedError as exc:
    outcome = "refused: " + exc.message
except MemoryError:
    outcome = "MemoryError"
# The peak resident size of this process's memory since exec; ru_maxrss would be no good:
# Linux carries the forking parent's peak (a long pytest run's) over into the child.
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) // 1024
print(json.dumps({{"outcome": outcome, "peak_mb": peak}}))
"""


def _import_in_a_fresh_process(
    tmp_path: Path, name: str, content: bytes, importer: str = "document"
) -> dict:
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(path), importer],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


GIGABYTE = 1024  # in MB, the unit of the builders


@pytest.mark.parametrize(
    ("name", "build"),
    [
        # the big part outside word/ and xl/, where the old check did not look
        ("core-props.docx", lambda: bombs.office_with_big_part(
            builders.docx_table(), "docProps/core.xml", GIGABYTE)),
        ("core-props.xlsx", lambda: bombs.office_with_big_part(
            builders.xlsx_table(), "docProps/core.xml", GIGABYTE)),
        ("shared-strings.xlsx", lambda: bombs.office_with_big_part(
            builders.xlsx_table(), "xl/sharedStrings.xml", GIGABYTE)),
        ("content-stream.pdf", lambda: bombs.pdf_with_big_stream(GIGABYTE)),
    ],
)  # fmt: skip
def test_a_decompression_bomb_is_refused_within_the_memory_ceiling(tmp_path, name, build):
    # given: about a megabyte on disk, a gigabyte unpacked
    content = build()
    assert len(content) < 2 * 1024 * 1024

    # when
    report = _import_in_a_fresh_process(tmp_path, name, content)

    # then
    assert report["outcome"] == "refused: 文件解压后过大(超过 " + (
        f"{budget.MAX_PDF_DECODED_BYTES // budget.MB} MB)"
        if name.endswith(".pdf")
        else f"{budget.MAX_UNPACKED_BYTES // budget.MB} MB)"
    )
    assert report["peak_mb"] < CEILING_MB, report


def test_a_part_whose_headers_understate_its_size_is_refused_as_corrupt(tmp_path):
    # given: the directory says 1 MB; the data inflates to a gigabyte
    content = bombs.office_with_big_part(
        builders.docx_table(), "word/document.xml", GIGABYTE, declared_mb=1
    )

    report = _import_in_a_fresh_process(tmp_path, "lying.docx", content)

    # then: read a megabyte at a time, it stops at the declared size and fails its CRC
    assert report["outcome"].startswith("refused: 压缩文件已损坏"), report
    assert report["peak_mb"] < CEILING_MB, report


def _dense_docx(xml_bytes: int) -> bytes:
    """The task-table .docx with its body padded by empty elements up to ``xml_bytes`` of
    parsed XML: the most tree per byte, so the most memory per byte that is still accepted."""
    source = zipfile.ZipFile(io.BytesIO(builders.docx_table()))
    other_xml = sum(
        i.file_size for i in source.infolist() if i.filename.endswith((".xml", ".rels"))
    )
    padding = b"<a/>" * ((xml_bytes - other_xml - 64) // 4)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "word/document.xml":
                part = part.replace(b"<w:body>", b"<w:body>" + padding, 1)
            target.writestr(name, part)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "outcome"),
    [
        ("speech.docx", builders.docx_table, "accepted"),
        ("table.xlsx", builders.xlsx_table, "accepted"),
        ("speech.pdf", lambda: builders.text_pdf(["一、加强党的建设。", "6月底前完成。"]),
         "accepted"),
        # just inside each budget: the worst a file may cost and still be read
        ("dense.docx", lambda: _dense_docx(budget.MAX_PARSED_XML_BYTES), "accepted"),
        ("big-stream.pdf", lambda: bombs.pdf_with_big_stream(
            budget.MAX_PDF_DECODED_BYTES // budget.MB - 1), "accepted"),
        # just outside
        ("denser.docx", lambda: _dense_docx(budget.MAX_PARSED_XML_BYTES + budget.MB),
         "refused: 文件中的文字和格式数据过多"),
    ],
)  # fmt: skip
def test_accepted_files_and_files_at_the_budgets_stay_within_the_ceiling(
    tmp_path, name, build, outcome
):
    report = _import_in_a_fresh_process(tmp_path, name, build())

    assert report["outcome"].startswith(outcome), report
    assert report["peak_mb"] < CEILING_MB, report


def test_a_pdf_page_drawing_millions_of_glyphs_is_refused_within_the_ceiling(tmp_path):
    # given: a small stream that draws one glyph a million times
    content = bombs.pdf_with_big_stream(0, tail=b"BT /F1 1 Tf " + b"(A) Tj " * 1_000_000 + b"ET")

    report = _import_in_a_fresh_process(tmp_path, "glyphs.pdf", content)

    assert report["outcome"].startswith("refused: PDF 单页字符过多"), report
    assert report["peak_mb"] < CEILING_MB, report


def test_many_empty_word_paragraphs_are_refused_not_walked_for_minutes(tmp_path):
    source = zipfile.ZipFile(io.BytesIO(builders.docx_table()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "word/document.xml":
                part = part.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 500_000, 1)
            target.writestr(name, part)

    report = _import_in_a_fresh_process(tmp_path, "paragraphs.docx", out.getvalue())

    assert report["outcome"].startswith("refused: Word 文件段落过多"), report


def test_a_hundred_thousand_row_task_table_is_refused_at_its_row_cap_within_the_ceiling(tmp_path):
    # given: a hundred thousand rows (the old reader loaded them all), a few kilobytes packed
    content = bombs.workbook_with_rows(("任务", "责任单位"), ("修订制度", "办公室"), 100)
    assert len(content) < 1024 * 1024

    report = _import_in_a_fresh_process(tmp_path, "rows.xlsx", content)

    assert report["outcome"] == "refused: 工作表「Sheet」行数过多(超过 5000 行)", report
    assert report["peak_mb"] < CEILING_MB, report


def test_a_hundred_thousand_row_ledger_sheet_is_refused_at_its_row_cap_within_the_ceiling(tmp_path):
    content = bombs.workbook_with_rows(("事项", "责任单位"), ("修订制度", "办公室"), 100)

    report = _import_in_a_fresh_process(tmp_path, "rows.xlsx", content, importer="ledger")

    assert report["outcome"] == (
        "refused: 第10002行「文件」:行数过多:一次最多导入 10000 行,请分成几个文件导入"
    ), report
    assert report["peak_mb"] < CEILING_MB, report
