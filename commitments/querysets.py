"""Table-wide questions asked of units and commitments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class UnitQuerySet(models.QuerySet):
    def descendant_ids(self, root_ids: Iterable[int]) -> set[int]:
        """The given units and every unit below them, one query per level of the hierarchy."""
        found = set(root_ids)
        frontier = set(found)
        while frontier:
            frontier = set(self.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
            found |= frontier
        return found

    def of_member(self, user: AbstractBaseUser | AnonymousUser) -> UnitQuerySet:
        """The units a user belongs to, with their sub-units."""
        if not user.is_authenticated:
            return self.none()
        direct = self.filter(members=user).values_list("id", flat=True)
        return self.filter(id__in=self.descendant_ids(direct))


class CommitmentQuerySet(models.QuerySet):
    def open(self) -> CommitmentQuerySet:
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def finished(self) -> CommitmentQuerySet:
        return self.filter(status__in=self.model.FINISHED_STATUSES)

    def overdue(self, today: date) -> CommitmentQuerySet:
        return self.open().filter(deadline__lt=today)

    def due_within(self, today: date, days: int) -> CommitmentQuerySet:
        """Open commitments due from today up to `days` days ahead (not yet overdue)."""
        return self.open().filter(deadline__gte=today, deadline__lte=today + timedelta(days=days))

    def public(self) -> CommitmentQuerySet:
        return self.filter(is_public=True).exclude(status=self.model.Status.CANCELLED)

    def for_units(self, unit_ids: Iterable[int]) -> CommitmentQuerySet:
        """Commitments a unit leads or supports."""
        ids = list(unit_ids)
        return self.filter(
            models.Q(lead_unit_id__in=ids) | models.Q(co_units__id__in=ids)
        ).distinct()

    def with_related(self) -> CommitmentQuerySet:
        return self.select_related("lead_unit", "responsible", "document", "directive")
