"""Many documents at once: the same ledger as importing them one by one, in fewer statements."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.parse import parse_document
from commitments.models import Commitment, Directive, SourceDocument, Unit
from commitments.services.imports import document_import_parsed, documents_import_parsed
from tests.importer import builders
from tests.importer.conftest import SEED, fixture_bytes

pytestmark = pytest.mark.django_db


def batch() -> list[tuple[str, object]]:
    seed = SEED.read_bytes()
    edited = seed.replace("三至五年".encode(), "两至三年".encode())
    files = [
        ("讲话.txt", seed),
        ("通知.txt", fixture_bytes("notice_dated_measures.txt")),
        ("讲话(副本).txt", seed),  # the same content again: unchanged
        ("分工.xlsx", builders.xlsx_table()),
        ("讲话.txt", edited),  # a new version of the first: updated in place
        ("措施.txt", fixture_bytes("measures_owner_parenthesis.txt")),
    ]
    reference = date(2024, 3, 1)
    return [
        (name, parse_document(data, name=name, reference_date=reference)) for name, data in files
    ]


def ledger() -> list[tuple[object, ...]]:
    rows = []
    for c in Commitment.objects.select_related("directive__document", "lead_unit").order_by(
        "directive__document__source_name", "directive__ref"
    ):
        rows.append(
            (
                c.directive.document.source_name,
                c.directive.ref,
                c.title,
                c.lead_unit.name,
                tuple(sorted(u.name for u in c.co_units.all())),
                c.deadline,
                c.responsible_name,
                c.history.count(),
            )
        )
    return rows


def wipe() -> None:
    Commitment.objects.all().delete()
    Commitment.history.all().delete()
    Directive.objects.all().delete()
    SourceDocument.objects.all().delete()
    Unit.objects.all().delete()


def test_a_batch_gives_the_ledger_and_results_of_one_by_one():
    # given the same files, imported one by one
    items = batch()
    one_by_one = [document_import_parsed(parsed=p, name=n) for n, p in items]
    expected = ledger()
    expected_results = [(r.created, r.unchanged, r.directive_count) for r in one_by_one]
    wipe()
    # when imported as one batch
    results = documents_import_parsed(items=items)
    # then the ledger and every result are the same
    assert ledger() == expected
    assert [(r.created, r.unchanged, r.directive_count) for r in results] == expected_results
    assert [r.unchanged for r in results] == [False, False, True, False, False, False]
    assert results[4].document == results[0].document  # the new version updated the first
    assert SourceDocument.objects.count() == 4


def test_new_documents_are_written_in_a_few_statements(django_assert_max_num_queries):
    seed = SEED.read_text(encoding="utf-8")
    items = [
        (f"讲话{n}.txt", parse_document(seed.replace("发动大会", f"第{n}次大会").encode()))
        for n in range(5)
    ]
    # One by one: 12 statements per document.  Together: one per table, which SQLite cuts
    # into pieces of 999 parameters (PostgreSQL does not).
    with django_assert_max_num_queries(30):
        results = documents_import_parsed(items=items)
    assert all(r.created for r in results) and len({r.document.pk for r in results}) == 5
