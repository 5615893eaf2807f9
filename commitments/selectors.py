"""Every named read of the ledger."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from .models import Commitment, Unit
from .querysets import CommitmentQuerySet


def office_today() -> date:
    """Today in the office's time zone (settings.TIME_ZONE, Asia/Shanghai by default)."""
    return timezone.localdate()


def user_is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors (the activity office) see and act on everything."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Unit.objects.filter(members=user, is_supervisor=True).exists()


def commitment_list_for(user: AbstractBaseUser | AnonymousUser) -> CommitmentQuerySet:
    """The commitments a user may see: all for supervisors, else their units' (and sub-units')."""
    qs: CommitmentQuerySet = Commitment.objects.all()
    if user_is_supervisor(user):
        return qs
    unit_ids = (
        Unit.objects.descendant_ids(Unit.objects.filter(members=user).values_list("id", flat=True))
        if user.is_authenticated
        else set()
    )
    return qs.for_units(unit_ids)
