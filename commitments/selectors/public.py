"""What the office publishes (向社会公开)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from ..models import Commitment, ProgressUpdate, Unit


def public_commitments() -> QuerySet[Commitment]:
    """What the office publishes (向社会公开): public, not cancelled, with the latest public note.

    Only what the office confirmed: the note is the latest one it published (`is_public`, never
    a unit's 申请公开), and callers show `public_description`, never the unit's working
    `description`. Carries no personal data on purpose: callers must not reach for the
    responsible person.
    """
    latest_public = ProgressUpdate.objects.filter(
        commitment=OuterRef("pk"), is_public=True
    ).order_by("-created_at", "-id")
    return (
        Commitment.objects.public()
        .select_related("lead_unit", "document")
        .annotate(
            public_note=Subquery(latest_public.values("text")[:1]),
            public_note_at=Subquery(latest_public.values("created_at")[:1]),
        )
        .order_by("lead_unit__name", "deadline", "id")
    )


def public_commitment_units() -> QuerySet[Unit]:
    """The units that lead at least one published commitment, by name: /public/'s index."""
    published = Commitment.objects.public().filter(lead_unit=OuterRef("pk"))
    return Unit.objects.filter(Exists(published)).order_by("name", "id").only("id", "name")
