"""The commitment list as a big ledger needs it: overdue first, pages without full counts or
OFFSET reads, the indexed search, deadline windows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.admin.ledger import CommitmentAdmin, deadline_window
from commitments.admin.pagination import EstimatedCountPaginator
from commitments.models import Commitment
from commitments.selectors.office import office_today
from tests.factories import CommitmentFactory, UnitFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/commitments/commitment/"
S = Commitment.Status


def titles(page: str) -> list[str]:
    return re.findall(r'<th class="field-title_short"><a href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def mixed_ledger() -> list[str]:
    """Commitments in the order the list must show them; created in another order."""
    today = office_today()

    def make(title: str, days: int | None, status: str = S.IN_PROGRESS) -> None:
        CommitmentFactory(
            title=title,
            deadline=None if days is None else today + timedelta(days=days),
            status=status,
            completed_on=today if status in (S.VERIFIED, S.CLOSED) else None,
        )

    make("无时限", None)
    make("下月到期", 30)
    make("逾期三天", -3)
    make("早已办结", -10, S.CLOSED)
    make("逾期十天", -10)
    make("明天到期", 1)
    make("逾期一天", -1)
    return ["逾期十天", "逾期三天", "逾期一天", "早已办结", "明天到期", "下月到期", "无时限"]


def test_the_list_shows_overdue_work_first_then_by_deadline_and_no_deadline_last(
    client, superuser, mixed_ledger
):
    client.force_login(superuser)
    assert titles(client.get(CHANGELIST).content.decode()) == mixed_ledger


def test_pages_continue_the_order_across_the_end_of_the_overdue_part(
    client, superuser, mixed_ledger, monkeypatch
):
    # given: two rows a page, so the three overdue rows end inside page 2
    monkeypatch.setattr(CommitmentAdmin, "list_per_page", 2)
    client.force_login(superuser)
    # when
    pages = [titles(client.get(CHANGELIST, {"p": p}).content.decode()) for p in (1, 2, 3, 4)]
    # then
    assert pages == [mixed_ledger[0:2], mixed_ledger[2:4], mixed_ledger[4:6], mixed_ledger[6:]]


def test_a_column_sort_chosen_by_the_clerk_still_pages_correctly(client, superuser, monkeypatch):
    monkeypatch.setattr(CommitmentAdmin, "list_per_page", 2)
    client.force_login(superuser)
    for name in ("丙", "甲", "乙"):
        CommitmentFactory(title=f"事项{name}")
    order = sorted(["事项丙", "事项甲", "事项乙"])
    # o=2: the second column of list_display, the title
    first = titles(client.get(CHANGELIST, {"o": "2"}).content.decode())
    second = titles(client.get(CHANGELIST, {"o": "2", "p": "2"}).content.decode())
    assert first + second == order


def test_the_count_is_exact_up_to_a_limit_and_an_estimate_beyond(client, superuser, monkeypatch):
    # given: a limit of three rows and five commitments
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 3)
    client.force_login(superuser)
    for _ in range(5):
        CommitmentFactory()
    # when
    page = client.get(CHANGELIST).content.decode()
    few = client.get(CHANGELIST, {"status__exact": S.DRAFT}).content.decode()
    # then
    if connection.vendor == "postgresql":
        assert re.search(r"约 \d+ 项", page)  # the planner's figure, at least 4
    else:
        assert "共 5 项" in page  # the embedded mode's small ledgers count exactly
    assert "共 0 项" in few


def test_a_deep_page_reads_no_more_queries_than_the_first(client, superuser, monkeypatch):
    monkeypatch.setattr(CommitmentAdmin, "list_per_page", 2)
    client.force_login(superuser)
    today = office_today()
    for days in (-5, -4, -3, 3, 4, 5, 6, 7):
        CommitmentFactory(deadline=today + timedelta(days=days), lead_unit=UnitFactory())

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST, {"p": page}).status_code == 200
        return len(ctx.captured_queries)

    first = queries(1)
    # Page 4 lies past the overdue part: it counts that part once to know where to go on.
    assert queries(4) <= first + 2
    assert queries(3) <= first + 2


def test_the_admin_search_finds_words_in_titles_descriptions_and_lead_unit_names(client, superuser):
    client.force_login(superuser)
    CommitmentFactory(title="推进示范点建设", lead_unit=UnitFactory(name="市教育局"))
    CommitmentFactory(title="开展河道专项整治", description="清理沿河排污口")
    CommitmentFactory(title="完善长效机制", lead_unit=UnitFactory(name="市水务局"))

    def search(q: str) -> set[str]:
        return set(titles(client.get(CHANGELIST, {"q": q}).content.decode()))

    assert search("推进") == {"推进示范点建设"}
    assert search("排污口") == {"开展河道专项整治"}
    assert search("水务") == {"完善长效机制"}
    assert search("教育 示范") == {"推进示范点建设"}
    assert search("教育 排污") == set()


def test_the_api_q_filter_uses_the_same_search(client, supervisor):
    from rest_framework.authtoken.models import Token

    CommitmentFactory(title="推进示范点建设")
    CommitmentFactory(title="开展河道专项整治")
    token = Token.objects.create(user=supervisor)
    response = client.get(
        "/api/v1/commitments/", {"q": "推进"}, headers={"authorization": f"Token {token.key}"}
    )
    assert [row["title"] for row in response.json()["results"]] == ["推进示范点建设"]


def test_deadline_windows_filter_the_list(client, superuser):
    client.force_login(superuser)
    today = office_today()
    start, end = deadline_window("month", today)
    CommitmentFactory(title="本月事项", deadline=start)
    CommitmentFactory(title="月外事项", deadline=end + timedelta(days=1))
    CommitmentFactory(title="无期事项", deadline=None)
    assert titles(client.get(CHANGELIST, {"deadline_in": "month"}).content.decode()) == ["本月事项"]
    assert titles(client.get(CHANGELIST, {"deadline_in": "none"}).content.decode()) == ["无期事项"]


@pytest.mark.parametrize(
    ("name", "day", "expected"),
    [
        ("week", "2026-12-02", ("2026-11-30", "2026-12-06")),
        ("month", "2026-12-02", ("2026-12-01", "2026-12-31")),
        ("next_month", "2026-12-02", ("2027-01-01", "2027-01-31")),
        ("quarter", "2026-11-15", ("2026-10-01", "2026-12-31")),
        ("year", "2026-02-10", ("2026-01-01", "2026-12-31")),
    ],
)
def test_deadline_windows_are_calendar_periods(name, day, expected):
    from datetime import date

    first, last = deadline_window(name, date.fromisoformat(day))
    assert (first.isoformat(), last.isoformat()) == expected
