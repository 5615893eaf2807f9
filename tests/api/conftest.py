"""A small world for the API tests: the office, two units with a member each, commitments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from commitments.models import Commitment, Unit
from tests.factories import (
    CommitmentFactory,
    DeadlineExtensionFactory,
    ProgressUpdateFactory,
    SourceDocumentFactory,
    UnitFactory,
    UserFactory,
)

S = Commitment.Status


def token_client(user: Any | None) -> Client:
    """A client that authenticates like a script does: `Authorization: Token ...`."""
    if user is None:
        return Client()
    token, _ = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


def commitment_in(unit: Unit, status: str, **kwargs: Any) -> Commitment:
    today = timezone.localdate()
    if status in (S.SUBMITTED, S.VERIFIED, S.CLOSED):
        kwargs.setdefault("completed_on", today)
    if status == S.CANCELLED:
        kwargs.setdefault("status_reason", "不再需要")
    return CommitmentFactory(lead_unit=unit, status=status, **kwargs)


@dataclass
class World:
    supervisor: Any
    member: Any
    other_member: Any
    own_unit: Unit
    own_sub_unit: Unit
    other_unit: Unit
    # status -> commitment, for the member's own unit and for the other unit
    own: dict[str, Commitment] = field(default_factory=dict)
    other: dict[str, Commitment] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        return token_client(
            {
                "anonymous": None,
                "supervisor": self.supervisor,
                "member": self.member,
                "other_member": self.other_member,
            }[role]
        )


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    # Rate-limit counters live in the cache; a test must not inherit another test's counts.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(supervisor, unit, unit_member) -> World:
    sub_unit = UnitFactory(name="市教育局基础教育科", parent=unit)
    other_unit = UnitFactory(name="市卫健委")
    other_member = UserFactory(username="health")
    other_unit.members.add(other_member)
    document = SourceDocumentFactory()
    w = World(
        supervisor=supervisor,
        member=unit_member,
        other_member=other_member,
        own_unit=unit,
        own_sub_unit=sub_unit,
        other_unit=other_unit,
    )
    for status in S.values:
        w.own[status] = commitment_in(unit, status, document=document, responsible=unit_member)
        w.other[status] = commitment_in(other_unit, status, document=document)
    for target in (w.own, w.other):
        ProgressUpdateFactory(commitment=target[S.IN_PROGRESS], author=unit_member)
        DeadlineExtensionFactory(
            commitment=target[S.IN_PROGRESS],
            deadline_before=target[S.IN_PROGRESS].deadline,
            requested_deadline=target[S.IN_PROGRESS].deadline + timedelta(days=30),
        )
    return w
