"""The commitment list's rows, written by admin.rows: the same HTML as Django's own rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import translation

from commitments.admin.rows import _cells, fast_results
from commitments.models import Commitment
from commitments.selectors.office import office_today
from tests.factories import CommitmentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/commitments/commitment/"


@pytest.fixture
def varied() -> None:
    """Rows that show every kind of cell: overdue and not, no deadline (pending or not), a
    responsible account, a name from the source only, nobody; long titles, markup in text."""
    today = office_today()
    person = UserFactory(username="zhang", first_name="三", last_name="张")
    CommitmentFactory(
        title="逾期<事项> & 其他" * 5, deadline=today - timedelta(days=3), responsible=person
    )
    CommitmentFactory(
        title="时限待定", deadline=None, deadline_pending=True, responsible_name="李四"
    )
    CommitmentFactory(title="长期坚持", deadline=None, is_long_term=True)
    CommitmentFactory(
        title="已办结",
        status=Commitment.Status.CLOSED,
        completed_on=today,
        lead_unit=UnitFactory(name="市<住建>局 & 规划"),
    )
    CommitmentFactory(title="空白标题   ", deadline=today + timedelta(days=1))


def _request(user: Any, params: dict[str, str]) -> Any:
    request = RequestFactory().get(CHANGELIST, params)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _both(user: Any, params: dict[str, str]) -> tuple[list[list[str]], list[list[str]]]:
    model_admin = admin.site._registry[Commitment]
    changelist = model_admin.get_changelist_instance(_request(user, params))
    changelist.formset = None
    django_rows = [list(row) for row in results(changelist)]
    ours = [list(row) for row in fast_results(changelist)]
    _cells(changelist)  # the page's columns are all ones admin.rows writes itself
    return django_rows, ours


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "assigned"},  # filters kept in the row links
        {"q": "逾期 事项", "o": "2"},
        {"deadline_in": "none", "light": "incomplete"},
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_rows_are_django_s_own(superuser, varied, params, language):
    with translation.override(language):
        django_rows, ours = _both(superuser, params)
    assert ours == django_rows
    assert all(isinstance(cell, str) for row in ours for cell in row)


def test_the_rows_are_django_s_own_for_a_unit_member(member, unit, varied):
    CommitmentFactory(title="本单位事项", lead_unit=unit, deadline=office_today())
    django_rows, ours = _both(member, {})
    assert ours and ours == django_rows


def test_a_popup_list_is_left_to_django(client, superuser, varied):
    client.force_login(superuser)
    page = client.get(CHANGELIST, {"_popup": "1"}).content.decode()
    assert "data-popup-opener" in page


def test_the_document_filter_offers_every_document_by_title_reading_no_texts(client, superuser):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SourceDocumentFactory

    client.force_login(superuser)
    first = SourceDocumentFactory(title="在全市工作会议上的讲话")
    second = SourceDocumentFactory(title="关于开展专项整治的通知")
    CommitmentFactory(document=first)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(CHANGELIST).content.decode()
    assert f"document__id__exact={first.pk}" in page and "在全市工作会议上的讲话" in page
    assert f"document__id__exact={second.pk}" in page and "关于开展专项整治的通知" in page
    reads = [
        q["sql"] for q in ctx.captured_queries if 'FROM "commitments_sourcedocument"' in q["sql"]
    ]
    assert reads and all("raw_text" not in sql for sql in reads)
