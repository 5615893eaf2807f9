"""Each invariant holds in the database itself, not only in form validation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commitments.models import Commitment, Directive, ProgressUpdate, Unit
from tests.factories import (
    CommitmentFactory,
    DirectiveFactory,
    ProgressUpdateFactory,
    SourceDocumentFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def test_progress_percent_above_100_is_rejected_by_the_database():
    update = ProgressUpdateFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdate.objects.filter(pk=update.pk).update(percent=101)


def test_progress_percent_above_100_fails_validation():
    update = ProgressUpdateFactory.build(commitment=CommitmentFactory(), author=None, percent=150)
    with pytest.raises(ValidationError) as exc:
        update.full_clean()
    assert "percent" in exc.value.message_dict


@pytest.mark.parametrize("status", ["submitted", "verified", "closed"])
def test_finished_commitment_without_completed_on_is_rejected(status):
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status=status, completed_on=None)


def test_finished_commitment_with_completed_on_is_accepted():
    commitment = CommitmentFactory()
    Commitment.objects.filter(pk=commitment.pk).update(
        status="closed", completed_on=date(2023, 5, 1)
    )
    assert Commitment.objects.get(pk=commitment.pk).status == "closed"


def test_cancelled_commitment_needs_a_reason():
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status="cancelled", status_reason="")
    Commitment.objects.filter(pk=commitment.pk).update(status="cancelled", status_reason="重复立项")


def test_directive_ref_is_unique_within_a_document():
    directive = DirectiveFactory(ref="2.2.3")
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectiveFactory(document=directive.document, ref="2.2.3")


def test_same_directive_ref_is_allowed_in_another_document():
    DirectiveFactory(ref="2.2.3")
    DirectiveFactory(ref="2.2.3", document=SourceDocumentFactory())
    assert Directive.objects.filter(ref="2.2.3").count() == 2


def test_directive_span_must_not_run_backwards():
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectiveFactory(span_start=10, span_end=5)


def test_unit_name_is_unique():
    UnitFactory(name="团委")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="团委")


def test_document_sha256_is_unique():
    doc = SourceDocumentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceDocumentFactory(sha256=doc.sha256, raw_text="另一份")


def test_unit_cannot_be_its_own_parent():
    unit = UnitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=unit.pk).update(parent=unit)


def test_unit_contact_emails_are_validated():
    unit = UnitFactory.build(name="工会", contact_emails="a@example.org\nnot-an-address")
    with pytest.raises(ValidationError) as exc:
        unit.full_clean()
    assert "contact_emails" in exc.value.message_dict
    unit.contact_emails = "a@example.org, b@example.org"
    unit.full_clean()
    assert unit.email_list() == ["a@example.org", "b@example.org"]
