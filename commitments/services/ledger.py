"""Creating and editing units and commitments (progress reports are a workflow move)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..choices import ReportCycle, Status
from ..importer.tables import compact as unit_name
from ..models import Commitment, Directive, SourceDocument, Unit, WebhookEvent
from ..selectors.access import (
    COMMITMENT_WRITABLE_FIELDS,
    commitment_is_read_only,
    responsible_candidates,
    user_is_supervisor,
)
from .common import model_update
from .events import commitment_event

DEADLINE_LOCKED_MESSAGE = _("交办后的完成时限只能通过批准延期或「更正时限」（须写明理由）修改。")

# What commitment_update sets on the row itself: the writable fields but the co-units (a
# relation of their own) and the source directive (chosen once, when the commitment is made).
COMMITMENT_EDITABLE_FIELDS = tuple(
    name for name in COMMITMENT_WRITABLE_FIELDS if name not in ("co_units", "directive")
)


def unit_get_or_create(*, name: str, kind: str = Unit.Kind.OTHER) -> tuple[Unit, bool]:
    """The unit with this name, created with `kind` if it is new."""
    return Unit.objects.get_or_create(name=unit_name(name), defaults={"kind": kind})


def commitment_links_check(
    *,
    document: SourceDocument | None = None,
    directive: Directive | None = None,
    commitment: Commitment | None = None,
    responsible: User | None = None,
    actor: User | None = None,
) -> None:
    """The rules a commitment's links obey whoever writes them (admin, API, import): a source
    directive belongs to the chosen document; a unit member names a colleague responsible (a
    member of the lead unit or one of its sub-units). Raises ValidationError by field."""
    if directive is not None and document is not None and directive.document_id != document.pk:
        raise ValidationError({"directive": [_("来源指示不属于所选来源文件。")]})
    if (
        responsible is not None
        and commitment is not None
        and actor is not None
        and not user_is_supervisor(actor)
        and not responsible_candidates(commitment).filter(pk=responsible.pk).exists()
    ):
        raise ValidationError({"responsible": [_("责任人须是牵头单位(或其下级单位)的成员。")]})


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
    directive: Directive | None = None,
    is_public: bool = False,
    public_description: str = "",
    description_publish_requested: bool = False,
    report_cycle: str = ReportCycle.NONE,
    status_reason: str = "",
) -> Commitment:
    """A new draft. `status_reason` is a remark the office keeps on it (an imported 备注)."""
    commitment_links_check(document=document, directive=directive)
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
        public_description=public_description,
        description_publish_requested=description_publish_requested,
        report_cycle=report_cycle,
        status_reason=status_reason,
    )
    commitment.full_clean()
    commitment.save()
    co = [u for u in co_units if u.pk != lead_unit.pk]
    if co:
        commitment.co_units.set(co)
    commitment_event(commitment=commitment, event=WebhookEvent.CREATED)
    return commitment


@transaction.atomic
def commitment_update(
    *,
    commitment: Commitment,
    data: dict[str, Any],
    co_units: Iterable[Unit] | None = None,
    actor: User | None = None,
) -> Commitment:
    """Edit the plain fields of a commitment; status changes go through the workflow module.

    `actor` (when a person edits) decides whether the responsible person must be a colleague
    (`commitment_links_check`). Which fields a role may send is `access`'s question, asked by
    the entry point before it gets here.

    A finished or cancelled commitment is read-only (重新打开 first). Once handed off, a
    deadline moves only through an approved extension or 更正时限 with a reason
    (`workflow.corrections`): an overdue commitment cannot be turned green by editing it; a
    missing one may still be given. While it is a draft nothing was promised yet, so the
    deadline is edited freely and is its original deadline too."""
    if "directive" in data:
        raise ValidationError({"directive": [_("来源指示创建后不能修改。")]})
    unknown = set(data) - set(COMMITMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if commitment_is_read_only(commitment):
        raise ValidationError(
            _("事项已「%(status)s」，不能再修改；如需修改请先「重新打开」。")
            % {"status": commitment.get_status_display()}
        )
    commitment_links_check(commitment=commitment, responsible=data.get("responsible"), actor=actor)
    if "public_description" in data:
        # The office has said what the public reads: the unit's request is answered.
        data = {**data, "description_publish_requested": False}
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
