"""What the office's forms start from."""

from __future__ import annotations

from typing import Any

from ..models import Directive, Unit


def commitment_draft_from_directive(directive: Directive) -> dict[str, Any]:
    """What a new commitment for `directive` starts from: its words, deadline and owner.

    For a task the importer could not give an owner (or whose owner needs a second
    commitment): the office opens the add form with these values and completes it. The lead
    unit is filled in only when a unit bears exactly the first name the source gives.
    """
    title = directive.text if len(directive.text) <= 300 else directive.text[:299] + "…"
    draft: dict[str, Any] = {
        "title": title,
        "document": directive.document_id,
        "directive": directive.pk,
        "deadline": directive.deadline,
        "deadline_text": directive.deadline_text,
        "deadline_pending": directive.deadline_pending,
    }
    names = [name for name in directive.owner_names if isinstance(name, str)]
    if names:
        lead = Unit.objects.filter(name=names[0]).values_list("id", flat=True).first()
        if lead is not None:
            draft["lead_unit"] = lead
    return {key: value for key, value in draft.items() if value not in (None, "")}
