from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from commitments.choices import COMPLETED_STATUSES
from commitments.models import Commitment, ProgressUpdate, Unit
from commitments.services.demo_data import demo_ledger_generate

pytestmark = pytest.mark.django_db


def test_generator_builds_a_consistent_ledger_across_a_unit_hierarchy(capsys):
    call_command("generate_commitments", "--count", "300", "--units", "10", "--users", "20")

    assert Commitment.objects.count() == 300
    assert "300" in capsys.readouterr().out
    units = Unit.objects.filter(name__startswith="演示")
    assert units.count() == 10 and units.filter(parent__isnull=False).count() == 8
    statuses = set(Commitment.objects.values_list("status", flat=True))
    assert {"in_progress", "closed", "assigned"} <= statuses
    # The database constraints hold for every generated row (they would have refused it).
    finished = Commitment.objects.filter(status__in=COMPLETED_STATUSES)
    assert not finished.filter(completed_on__isnull=True).exists()
    assert Commitment.objects.filter(deadline__isnull=True).exists()
    assert ProgressUpdate.objects.exists()
    assert Commitment.objects.filter(responsible__isnull=False).exists()


def test_generator_adds_to_an_existing_ledger_and_reuses_its_units():
    demo_ledger_generate(count=50, units=5, users=5, documents=2, batch_size=7)
    again = demo_ledger_generate(count=20, units=5, users=5, documents=2)
    assert Commitment.objects.count() == 70
    assert again.units == 5 and Unit.objects.count() == 5


def test_generator_refuses_nonsense_arguments():
    with pytest.raises(CommandError):
        call_command("generate_commitments", "--count", "-1")
    assert Commitment.objects.count() == 0
