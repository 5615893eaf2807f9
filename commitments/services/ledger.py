"""Creating and editing units, commitments and progress reports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..models import Commitment, ProgressUpdate, SourceDocument, Unit
from ..selectors.access import COMMITMENT_WRITABLE_FIELDS
from .common import model_update
from .events import commitment_event

# What commitment_update sets on the row itself: the writable fields but the co-units (a
# relation of their own) and the source directive (chosen once, when the commitment is made).
COMMITMENT_EDITABLE_FIELDS = tuple(
    name for name in COMMITMENT_WRITABLE_FIELDS if name not in ("co_units", "directive")
)


def unit_name(name: str) -> str:
    """A unit's name as stored: whitespace inside is noise (`团  委` is 团委)."""
    return "".join(name.split())


def unit_get_or_create(*, name: str, kind: str = Unit.Kind.OTHER) -> tuple[Unit, bool]:
    """The unit with this name, created with `kind` if it is new."""
    return Unit.objects.get_or_create(name=unit_name(name), defaults={"kind": kind})


@transaction.atomic
def commitment_create(
    *,
    title: str,
    lead_unit: Unit,
    description: str = "",
    co_units: Iterable[Unit] = (),
    responsible: User | None = None,
    deadline: date | None = None,
    deadline_text: str = "",
    deadline_pending: bool = False,
    document: SourceDocument | None = None,
    directive: Any = None,
    is_public: bool = False,
    public_description: str = "",
    description_publish_requested: bool = False,
    report_cycle: str = Commitment.ReportCycle.NONE,
) -> Commitment:
    commitment = Commitment(
        title=title,
        description=description,
        lead_unit=lead_unit,
        responsible=responsible,
        deadline=deadline,
        original_deadline=deadline,
        deadline_text=deadline_text,
        deadline_pending=deadline_pending,
        document=document or (directive.document if directive is not None else None),
        directive=directive,
        is_public=is_public,
        public_description=public_description,
        description_publish_requested=description_publish_requested,
        report_cycle=report_cycle,
    )
    commitment.full_clean()
    commitment.save()
    co = [u for u in co_units if u.pk != lead_unit.pk]
    if co:
        commitment.co_units.set(co)
    commitment_event(commitment=commitment, event="created")
    return commitment


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, data: dict[str, Any], co_units: Iterable[Unit] | None = None
) -> Commitment:
    """Edit the plain fields of a commitment; status changes go through the workflow module."""
    unknown = set(data) - set(COMMITMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "public_description" in data:
        # The office has said what the public reads: the unit's request is answered.
        data = {**data, "description_publish_requested": False}
    if commitment.original_deadline is None and data.get("deadline") is not None:
        data = {**data}
        commitment.original_deadline = data["deadline"]
        commitment.save(update_fields=["original_deadline"])
    commitment, _ = model_update(instance=commitment, fields=COMMITMENT_EDITABLE_FIELDS, data=data)
    if co_units is not None:
        commitment.co_units.set([u for u in co_units if u.pk != commitment.lead_unit_id])
    return commitment


@transaction.atomic
def progress_report_create(
    *,
    commitment: Commitment,
    author: User | None,
    text: str,
    percent: int,
    is_public: bool = False,
) -> ProgressUpdate:
    """Record a progress report and remember when the commitment last reported."""
    update = ProgressUpdate(
        commitment=commitment, author=author, text=text, percent=percent, is_public=is_public
    )
    update.full_clean()
    update.save()
    commitment.last_progress_at = update.created_at or timezone.now()
    commitment.save(update_fields=["last_progress_at", "updated_at"])
    return update
