from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from commitments.importer.errors import SeedError
from commitments.importer.parse import ParsedDocument, parse_document


def test_json_has_exactly_the_documented_shape(seed: ParsedDocument) -> None:
    # Keys were only ever added (format, deadline_pending, co_owners, skipped ...), never
    # renamed.
    data = json.loads(seed.to_json())
    assert set(data) == {"document", "directives", "skipped"}
    assert set(data["document"]) == {
        "title",
        "speaker",
        "issuer",
        "delivered_on",
        "issued_on",
        "sha256",
        "format",
        "document_number",
        "content_sha256",
    }
    assert data["document"]["format"] == "text"
    assert data["document"]["delivered_on"] == "2023-04-01"
    for item in data["directives"]:
        assert set(item) == {
            "ref",
            "section",
            "text",
            "owners",
            "deadline",
            "deadline_text",
            "kind",
            "span",
            "deadline_pending",
            "co_owners",
            "responsible",
            "report_cycle",
            "milestone",
            "source",
        }
        assert item["source"] == "prose" and item["co_owners"] == []
        assert item["kind"] in {"task", "quoted", "context"}
        assert item["deadline"] is None or date.fromisoformat(item["deadline"])
        assert isinstance(item["span"], list) and len(item["span"]) == 2


def test_sha256_is_of_the_bytes(seed_bytes: bytes, seed: ParsedDocument) -> None:
    assert seed.sha256 == hashlib.sha256(seed_bytes).hexdigest()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-8-sig"])
def test_other_encodings_give_the_same_directives(
    seed_bytes: bytes, seed: ParsedDocument, encoding: str
) -> None:
    other = parse_document(seed_bytes.decode("utf-8").encode(encoding))
    assert other.directives == seed.directives
    assert other.sha256 != seed.sha256


def test_reference_date_overrides_the_document_date(seed_bytes: bytes) -> None:
    doc = parse_document(seed_bytes, reference_date=date(2024, 1, 10))
    this_year = next(d for d in doc.directives if d.ref == "3.1-3")
    assert this_year.deadline == date(2024, 12, 31)
    assert doc.delivered_on == date(2023, 4, 1)  # the header itself is not rewritten


def test_refs_are_unique(seed: ParsedDocument) -> None:
    refs = [d.ref for d in seed.directives]
    assert len(refs) == len(set(refs))


def test_parsing_is_deterministic(seed_bytes: bytes, seed: ParsedDocument) -> None:
    assert parse_document(seed_bytes) == parse_document(seed_bytes)


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02\x03" * 100])
def test_unusable_input_raises_seed_error(data: bytes) -> None:
    with pytest.raises(SeedError):
        parse_document(data)


def test_parser_has_no_django_dependency() -> None:
    import subprocess
    import sys

    code = (
        "import sys, commitments.importer.parse as p; "
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


SHORT_SPEECH = (
    "在某会议上的讲话\n(2024年1月5日)\n同志们:\n"
    "各县区要在6月底前完成排查;市住建局要加强督导;市应急局要做好保障。"
    "各级党组织和广大党员要发挥作用。"
    "学前教育进入全国先进行列;普通高中教育提升到全省中等水平。\n"
)


def test_semicolon_separated_tasks_of_different_units_become_separate_directives() -> None:
    doc = parse_document(SHORT_SPEECH.encode())
    tasks = doc.of_kind("task")
    assert [d.owners for d in tasks[:3]] == [("各县区",), ("市住建局",), ("市应急局",)]
    assert tasks[0].deadline == date(2024, 6, 30)
    assert tasks[1].deadline is None  # the first unit's deadline is not spread to the others


def test_people_named_beside_a_unit_are_not_owners() -> None:
    doc = parse_document(SHORT_SPEECH.encode())
    assert doc.of_kind("task")[3].owners == ("各级党组织",)
    assert len(doc.directives) == 4  # the statement of fact with a semicolon is not a task


def test_parsing_many_files_side_by_side_gives_what_one_by_one_gives(seed_bytes: bytes) -> None:
    from commitments.importer.batch import parse_documents

    files = [
        (f"讲话{n}.txt", seed_bytes.replace("三至五年".encode(), f"{n}年".encode()))
        for n in range(9)
    ]
    files.append(("空.txt", b"   "))
    together = parse_documents(files, workers=2)
    assert isinstance(together[-1], SeedError)
    for (name, data), parsed in zip(files[:-1], together[:-1], strict=True):
        assert parsed == parse_document(data, name=name)
