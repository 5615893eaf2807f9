"""Calendar feeds: the token behind a feed URL, and the deadlines it shows."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from ..models import CalendarToken, Commitment
from .access import calendar_tokens_in_force, commitment_list_for_calendar


def calendar_token_active(raw: str) -> CalendarToken | None:
    """The token behind a feed URL's secret, if it is in force (see `calendar_tokens_in_force`)."""
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return (
        calendar_tokens_in_force().select_related("unit", "user").filter(token_hash=digest).first()
    )


def calendar_commitments(token: CalendarToken) -> QuerySet[Commitment]:
    """Open commitments with a deadline: a unit's (with sub-units, led or supported) or a
    person's."""
    return (
        commitment_list_for_calendar(token)
        .open()
        .filter(deadline__isnull=False)
        .select_related("lead_unit")
        .order_by("deadline", "id")
    )
