"""Every list endpoint runs the same number of queries for 1 row and for 100 rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import (
    Commitment,
    DeadlineExtension,
    Directive,
    ProgressUpdate,
    SourceDocument,
    Unit,
)
from tests.factories import CommitmentFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db
User = get_user_model()


class Rows:
    """Adds rows of every listed kind, all visible to `member` (their unit and sub-units).

    Bulk inserts keep the 100-row case quick; what matters here is what the endpoints read.
    """

    def __init__(self, unit, member):
        self.unit = unit
        self.member = member
        self.anchor = CommitmentFactory(lead_unit=unit, status=Commitment.Status.IN_PROGRESS)
        self.added = 0

    def add(self, n: int) -> None:
        first = self.added + 1
        self.added += n
        numbers = range(first, self.added + 1)
        people = User.objects.bulk_create([User(username=f"person{i}") for i in numbers])
        subs = Unit.objects.bulk_create(
            [Unit(name=f"下级单位{i}", parent=self.unit) for i in numbers]
        )
        Unit.members.through.objects.bulk_create(
            [Unit.members.through(unit=u, user=p) for u, p in zip(subs, people, strict=True)]
        )
        documents = SourceDocument.objects.bulk_create(
            [SourceDocument(title=f"文件{i}", raw_text="x", sha256=f"{i:064d}") for i in numbers]
        )
        Directive.objects.bulk_create(
            [Directive(document=d, ref="1", text="x", span_start=0, span_end=1) for d in documents]
        )
        deadline = timezone.localdate() + timedelta(days=30)
        commitments = Commitment.objects.bulk_create(
            [
                Commitment(
                    title=f"承诺事项{i}",
                    lead_unit=u,
                    responsible=p,
                    document=d,
                    deadline=deadline,
                    is_public=True,
                    status=Commitment.Status.IN_PROGRESS,
                )
                for i, u, p, d in zip(numbers, subs, people, documents, strict=True)
            ]
        )
        Commitment.co_units.through.objects.bulk_create(
            [Commitment.co_units.through(commitment=c, unit=self.unit) for c in commitments]
        )
        ProgressUpdate.objects.bulk_create(
            [
                ProgressUpdate(commitment=c, author=p, text="进展", percent=10, is_public=True)
                for c, p in zip(commitments, people, strict=True)
            ]
            + [
                ProgressUpdate(commitment=self.anchor, author=p, text="进展", percent=10)
                for p in people
            ]
        )
        DeadlineExtension.objects.bulk_create(
            [
                DeadlineExtension(
                    commitment=self.anchor,
                    requested_by=p,
                    deadline_before=self.anchor.deadline,
                    requested_deadline=self.anchor.deadline + timedelta(days=i),
                    reason="x",
                    status=DeadlineExtension.Status.REJECTED,
                    decided_at=timezone.now(),
                )
                for i, p in zip(numbers, people, strict=True)
            ]
        )


ENDPOINTS: dict[str, Callable[[Rows], str]] = {
    "commitments": lambda r: "/api/v1/commitments/?page_size=200",
    "commitments-filtered": lambda r: (
        f"/api/v1/commitments/?page_size=200&unit={r.unit.pk}&status=in_progress"
        "&traffic_light=green&traffic_light=yellow&ordering=deadline&q=承诺"
    ),
    "progress-updates": lambda r: "/api/v1/progress-updates/?page_size=200",
    "commitment-progress": lambda r: f"/api/v1/commitments/{r.anchor.pk}/progress/?page_size=200",
    "commitment-extensions": lambda r: f"/api/v1/commitments/{r.anchor.pk}/extensions/",
    "public": lambda r: "/api/v1/public/commitments/?page_size=200",
    "documents": lambda r: "/api/v1/documents/?page_size=200",
    "directives": lambda r: "/api/v1/directives/?page_size=200",
    "units": lambda r: "/api/v1/units/?page_size=200",
    "ranking": lambda r: "/api/v1/units/ranking/",
}


def _count(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    if isinstance(rows, dict):
        rows = rows["by_unit"]
    return len(queries), len(rows)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_list_queries_do_not_grow_with_rows(supervisor, unit, unit_member, endpoint):
    rows = Rows(unit, unit_member)
    path = ENDPOINTS[endpoint](rows)
    clients = {"supervisor": token_client(supervisor), "member": token_client(unit_member)}
    for client in clients.values():
        client.get(path)  # warm up: content types, translations

    rows.add(1)
    few = {role: _count(client, path) for role, client in clients.items()}
    rows.add(99)
    many = {role: _count(client, path) for role, client in clients.items()}

    for role in clients:
        (few_queries, few_rows), (many_queries, many_rows) = few[role], many[role]
        assert many_rows >= few_rows + 90, f"{role}: the second request should list ~100 rows"
        assert many_queries == few_queries, role
