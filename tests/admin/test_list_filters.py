"""The list filters keep the rows their choice names: 逾期 / 未逾期, 临期, 无进展, who answers for
the work, and whether a directive has become a commitment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CommitmentFactory, DirectiveFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL = {"逾期", "临期", "沉寂", "从容", "撤销"}


@pytest.fixture
def ledger(unit):
    today, now = timezone.localdate(), timezone.now()
    working = {"lead_unit": unit, "status": "in_progress", "last_progress_at": now}
    CommitmentFactory(
        title="逾期", deadline=today - timedelta(days=1), responsible=UserFactory(), **working
    )
    CommitmentFactory(
        title="临期", deadline=today + timedelta(days=2), responsible_name="张三", **working
    )
    CommitmentFactory(
        title="沉寂",
        deadline=today + timedelta(days=60),
        **{**working, "last_progress_at": now - timedelta(days=30)},
    )
    CommitmentFactory(title="从容", deadline=today + timedelta(days=60), **working)
    CommitmentFactory(
        title="撤销",
        lead_unit=unit,
        status="cancelled",
        status_reason="不再需要",
        deadline=today - timedelta(days=5),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("overdue=yes", {"逾期"}),
        ("overdue=no", ALL - {"逾期"}),
        ("due=soon", {"临期"}),
        ("progress=silent", {"沉寂"}),
        ("responsible_kind=account", {"逾期"}),
        ("responsible_kind=text", {"临期"}),
        ("responsible_kind=none", {"沉寂", "从容", "撤销"}),
        ("overdue=maybe", ALL),  # an unknown choice filters nothing
    ],
)
def test_each_filter_choice_keeps_the_rows_it_names(client, office, ledger, query, expected):
    client.force_login(office)
    response = client.get(f"/admin/commitments/commitment/?{query}")
    assert {row.title for row in response.context["cl"].result_list} == expected


def test_the_directive_list_tells_which_directives_have_a_commitment(client, office, unit):
    taken, open_ = DirectiveFactory(text="已建"), DirectiveFactory(text="未建")
    CommitmentFactory(lead_unit=unit, directive=taken, document=taken.document)
    client.force_login(office)

    def texts(query: str) -> set[str]:
        response = client.get(f"/admin/commitments/directive/?{query}")
        return {row.text for row in response.context["cl"].result_list}

    assert texts("has_commitment=yes") == {taken.text}
    assert texts("has_commitment=no") == {open_.text}
