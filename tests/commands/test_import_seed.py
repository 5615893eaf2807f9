from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from commitments.importer.decode import MAX_BYTES
from commitments.models import Commitment, Directive, SourceDocument

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_d59561c663881efd.txt"
FIXTURES = Path(__file__).resolve().parents[1] / "importer" / "fixtures"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_seed", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def nothing_written() -> bool:
    return not (
        SourceDocument.objects.exists() or Directive.objects.exists() or Commitment.objects.exists()
    )


def test_dry_run_json_prints_the_parse_and_writes_nothing():
    out, _ = run(str(SEED), "--dry-run", "--json")
    data = json.loads(out)
    assert data["document"]["speaker"] == "魏福刚"
    assert data["document"]["delivered_on"] == "2023-04-01"
    assert len(data["directives"]) == 43
    first_task = next(d for d in data["directives"] if d["kind"] == "task")
    assert first_task["ref"] == "N-1"
    assert nothing_written()


def test_import_prints_one_result_line_per_file_and_progress_on_stderr(tmp_path):
    out, err = run(str(SEED), str(FIXTURES / "speech_paren_numbering.txt"))
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "新建" in lines[0] and "承诺事项 35 项" in lines[0]
    assert "[1/2]" in err and "[2/2]" in err
    assert SourceDocument.objects.count() == 2

    out, _ = run(str(SEED))
    assert "未变化" in out
    assert SourceDocument.objects.count() == 2

    # a changed version of the same file updates the document it came from
    changed = tmp_path / SEED.name
    changed.write_text(SEED.read_text(encoding="utf-8") + "\n各县区要在年底前完成自查。\n", "utf-8")
    out, _ = run(str(changed))
    assert "已更新" in out and "新建" not in out
    assert SourceDocument.objects.count() == 2


def test_reference_date_option_moves_relative_deadlines():
    out, _ = run(str(SEED), "--dry-run", "--json", "--reference-date", "2025-02-01")
    data = json.loads(out)
    this_year = next(d for d in data["directives"] if d["ref"] == "3.1-3")
    assert this_year["deadline"] == "2025-12-31"


@pytest.mark.parametrize("value", ["2023-13-01", "yesterday", "2023/04/01"])
def test_bad_reference_date_is_a_command_error(value):
    with pytest.raises(CommandError, match="参考日期"):
        run(str(SEED), "--reference-date", value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "空"),
        (b"  \r\n\t ", "空"),
        (bytes(range(256)) * 64, "文本"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 512, "文本"),
    ],
)
def test_empty_or_binary_file_is_a_one_line_error_and_nothing_is_written(
    tmp_path, content, message
):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as info:
        run(str(path))
    assert "\n" not in str(info.value)
    assert nothing_written()


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        run(str(tmp_path / "nope.txt"))


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-16", "utf-16-le"])
def test_chinese_office_encodings_import_like_utf8(tmp_path, encoding):
    path = tmp_path / f"seed-{encoding}.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode(encoding))
    run(str(path))
    doc = SourceDocument.objects.get()
    assert doc.speaker == "魏福刚"
    assert doc.directives.count() == 43
    assert Commitment.objects.count() == 35


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # 50 MB, sparse: the limit is checked before reading
        fh.truncate(50 * 1024 * 1024)
    assert path.stat().st_size > MAX_BYTES
    with pytest.raises(CommandError, match="过大"):
        run(str(path))
    assert nothing_written()


def test_one_bad_file_among_many_does_not_stop_the_good_ones(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match=r"1/2 个文件未导入") as info:
        run(str(empty), str(SEED))
    assert "empty.txt" in str(info.value)
    assert SourceDocument.objects.count() == 1


def test_document_without_structure_imports_flat():
    run(str(FIXTURES / "flat_notice.txt"))
    doc = SourceDocument.objects.get()
    assert set(doc.directives.values_list("section", flat=True)) == {"通知"}
    assert Commitment.objects.count() == 3


def test_a_long_document_far_beyond_speech_size_is_still_imported(tmp_path):
    path = tmp_path / "long.txt"
    seed = SEED.read_bytes()
    path.write_bytes(seed * 20)  # ~280 KB: an unusually long but legitimate document
    run(str(path))
    assert SourceDocument.objects.get().directives.count() > 43


def test_dry_run_json_of_several_files_is_an_array():
    out, _ = run(str(SEED), str(FIXTURES / "flat_notice.txt"), "--dry-run", "--json")
    data = json.loads(out)
    assert [d["document"]["title"] for d in data] == [
        "在全市教育系统争创全国一流工作水平发动大会上的讲话",
        "关于做好防汛值班工作的通知",
    ]
    assert nothing_written()


def test_json_after_a_real_import_reports_what_was_written():
    out, _ = run(str(SEED), "--json")
    data = json.loads(out)
    assert data["created"] is True and data["unchanged"] is False
    assert (data["directives"], data["commitments"]) == (43, 35)
    assert data["document_id"] == SourceDocument.objects.get().pk


# --------------------------------------------------------------------------- office formats


def test_docx_task_table_dry_run_json_shows_format_and_row_owners(tmp_path):
    from tests.importer import builders

    path = tmp_path / "分工方案"  # no extension: the content decides
    path.write_bytes(builders.docx_table())
    out, _ = run(str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert data["document"]["format"] == "docx"
    rows = {d["ref"]: d for d in data["directives"] if d["source"] == "table"}
    assert rows["T1-1"]["owners"] == ["组织部"]
    assert rows["T1-1"]["co_owners"] == ["团委", "工会"]
    assert rows["T1-1"]["responsible"] == "张三"
    assert rows["T1-8"]["report_cycle"] == "quarterly"
    assert [rows["T1-3.1"]["milestone"], rows["T1-3.2"]["milestone"]] == ["规划", "验收"]
    assert nothing_written()


def test_text_pdf_imports_like_the_text(tmp_path):
    from tests.importer import builders

    text = (FIXTURES / "speech_paren_numbering.txt").read_text(encoding="utf-8")
    path = tmp_path / "speech.pdf"
    path.write_bytes(builders.text_pdf(text.splitlines()))
    out, _ = run(str(path))
    assert "新建" in out
    doc = SourceDocument.objects.get()
    assert doc.speaker == "李建国"
    assert doc.commitments.filter(lead_unit__name="区应急管理局").exists()


def test_scanned_pdf_is_a_one_line_error_naming_the_missing_text_layer(tmp_path):
    from tests.importer import builders

    path = tmp_path / "scan.pdf"
    path.write_bytes(builders.scanned_pdf())
    with pytest.raises(CommandError) as info:
        run(str(path))
    assert "没有文本层" in str(info.value) and "OCR" in str(info.value)
    assert "\n" not in str(info.value)
    assert nothing_written()


def test_office_files_have_their_own_larger_size_limit(tmp_path):
    import os
    import zipfile

    from commitments.importer.formats.detect import OFFICE_MAX_BYTES
    from tests.importer import builders

    # A Word file with 6 MB of pictures: over the text limit, within the Word one.
    path = tmp_path / "photos.docx"
    path.write_bytes(builders.docx_table())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/media/photo.bin", os.urandom(6 * 1024 * 1024))
    assert MAX_BYTES < path.stat().st_size < OFFICE_MAX_BYTES
    run(str(path))
    assert SourceDocument.objects.count() == 1

    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as fh:  # sparse, refused before it is read
        fh.write(b"PK\x03\x04")
        fh.truncate(OFFICE_MAX_BYTES + 1024 * 1024)
    with pytest.raises(CommandError, match=f"上限 {OFFICE_MAX_BYTES // (1024 * 1024)} MB"):
        run(str(huge))


def test_dry_run_lists_the_paragraphs_it_could_not_read_as_tasks():
    schedule = str(FIXTURES / "schedule_merged_dates.txt")
    out, _ = run(schedule, "--dry-run", "--reference-date", "2024-08-30")
    assert "未识别 1 段" in out
    assert "全体学生休息" in out
    data = json.loads(run(schedule, "--dry-run", "--json", "--reference-date", "2024-08-30")[0])
    assert [s for s in data["skipped"] if "全体学生休息" in s]
    assert nothing_written()
