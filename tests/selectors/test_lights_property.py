"""For any commitment the SQL annotation and the Python rule give the same light."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments.models import Commitment
from commitments.selectors.lights import traffic_light
from tests.factories import SourceDocumentFactory
from tests.workflow.conftest import S, make_commitment, shanghai

pytestmark = pytest.mark.django_db

TODAY = date(2023, 6, 15)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from(S.values),
    deadline_offset=st.one_of(st.none(), st.integers(-5, 20)),
    report_days_ago=st.one_of(st.none(), st.integers(0, 30)),
    report_hour=st.integers(0, 23),
    due_soon=st.one_of(st.none(), st.integers(0, 10)),
    stale=st.one_of(st.none(), st.integers(0, 20)),
    completed_offset=st.integers(-3, 3),
)
def test_sql_and_python_agree(
    db, status, deadline_offset, report_days_ago, report_hour, due_soon, stale, completed_offset
):
    deadline = None if deadline_offset is None else TODAY + timedelta(days=deadline_offset)
    document = SourceDocumentFactory(due_soon_days=due_soon, stale_report_days=stale)
    extra = {}
    if status in (S.SUBMITTED, S.VERIFIED, S.CLOSED):
        extra["completed_on"] = (deadline or TODAY) + timedelta(days=completed_offset)
    commitment = make_commitment(
        status,
        document=document,
        deadline=deadline,
        last_progress_at=None
        if report_days_ago is None
        else shanghai(2023, 6, 15, report_hour) - timedelta(days=report_days_ago),
        accepted_at=shanghai(2023, 5, 1, report_hour),
        **extra,
    )
    annotated = Commitment.objects.with_traffic_light(TODAY).get(pk=commitment.pk)
    assert annotated.traffic_light == traffic_light(commitment, TODAY)
