from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from commitments.models import Commitment
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_sweep_run
from tests.factories import CommitmentFactory, SupervisorUnitFactory, UnitFactory


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def office(db):
    return SupervisorUnitFactory(contact_emails="office@example.org")


@pytest.fixture
def run_sweep(django_capture_on_commit_callbacks):
    """A sweep that sends in-process (as `send_reminders` does), on-commit hooks executed."""

    def run(day: date, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return reminder_sweep_run(today=day, dispatch=INLINE, **kwargs)

    return run


def make_commitment(*, unit=None, deadline=None, status=Commitment.Status.ASSIGNED, **kwargs):
    unit = unit or UnitFactory()
    return CommitmentFactory(
        lead_unit=unit, deadline=deadline, original_deadline=deadline, status=status, **kwargs
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)
