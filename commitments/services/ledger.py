"""Creating and editing units, commitments and progress reports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Status
from ..models import Commitment, ProgressUpdate, SourceDocument, Unit
from ..selectors.access import COMMITMENT_WRITABLE_FIELDS, commitment_is_read_only
from .common import model_update
from .events import commitment_event

DEADLINE_LOCKED_MESSAGE = _("交办后的完成时限只能通过批准延期或「更正时限」（须写明理由）修改。")

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
    is_long_term: bool = False,
    document: SourceDocument | None = None,
    directive: Any = None,
    is_public: bool = False,
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
        is_long_term=is_long_term,
        document=document or (directive.document if directive is not None else None),
        directive=directive,
        is_public=is_public,
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
    """Edit the plain fields of a commitment; status changes go through the workflow module.

    A finished or cancelled commitment is read-only (重新打开 first). Once handed off, a
    deadline moves only through an approved extension or 更正时限 with a reason
    (`workflow.corrections`): an overdue commitment cannot be turned green by editing it; a
    missing one may still be given. While it is a draft nothing was promised yet, so the
    deadline is edited freely and is its original deadline too."""
    unknown = set(data) - set(COMMITMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if commitment_is_read_only(commitment):
        raise ValidationError(
            _("事项已「%(status)s」，不能再修改；如需修改请先「重新打开」。")
            % {"status": commitment.get_status_display()}
        )
    if "deadline" in data and data["deadline"] != commitment.deadline:
        # Giving a deadline that was missing (时限待定) completes the record; moving one bends it.
        if commitment.status != Status.DRAFT and commitment.deadline is not None:
            raise ValidationError({"deadline": [DEADLINE_LOCKED_MESSAGE]})
        if commitment.status == Status.DRAFT or commitment.original_deadline is None:
            commitment.original_deadline = data["deadline"]
            commitment.save(update_fields=["original_deadline"])
    commitment, _changed = model_update(
        instance=commitment, fields=COMMITMENT_EDITABLE_FIELDS, data=data
    )
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
