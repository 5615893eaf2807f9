"""CommitmentQuerySet.search: substring search in Chinese, served by indexes on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from commitments.models import Commitment
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> dict[str, Commitment]:
    return {
        "school": CommitmentFactory(title="推进示范点建设", description="新建三所幼儿园"),
        "river": CommitmentFactory(
            title="开展河道专项整治", description="推动APP上线,整治沿河排污口"
        ),
        "percent": CommitmentFactory(title="完成率提高到95%以上", description="—"),
    }


def found(text: str) -> set[str]:
    return set(Commitment.objects.search(text).values_list("title", flat=True))


def test_a_two_character_word_is_found_inside_a_longer_chinese_text(ledger):
    assert found("推进") == {"推进示范点建设"}
    assert found("排污") == {"开展河道专项整治"}


def test_a_one_character_word_is_found(ledger):
    assert found("园") == {"推进示范点建设"}


def test_a_longer_word_is_found_in_the_title_or_the_description(ledger):
    assert found("示范点") == {"推进示范点建设"}
    assert found("沿河排污口") == {"开展河道专项整治"}


def test_every_word_must_appear_somewhere(ledger):
    assert found("推进 幼儿园") == {"推进示范点建设"}
    assert found("推进 排污") == set()


def test_latin_letters_match_in_any_case(ledger):
    assert found("app") == {"开展河道专项整治"}
    assert found("Ap") == {"开展河道专项整治"}


def test_like_wildcards_in_a_word_are_plain_characters(ledger):
    assert found("95%") == {"完成率提高到95%以上"}
    assert found("%") == {"完成率提高到95%以上"}
    assert found("_") == set()


def test_words_do_not_match_across_the_title_and_description_boundary(ledger):
    # "建设" ends the title and "新建" starts the description: "设新" is in neither.
    assert found("设新") == set()
    assert found("建设新建") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
@pytest.mark.parametrize(
    ("word", "index"), [("推进", "commitment_search_short"), ("示范点", "commitment_search_trgm")]
)
def test_postgresql_answers_from_an_index_for_short_and_long_words(ledger, word, index):
    # given: a planner that may not read the table (or an index) from end to end: the test
    # table is tiny, so left to itself it would, which says nothing about 100,000 rows (and
    # after other tests have grown and emptied the table, walking a B-tree whole looks cheaper)
    queryset = Commitment.objects.search(word).values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        # when
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then: the query's expression is the indexed one
    assert index in plan, plan


# --- the public search: the title and the confirmed public text, of published work ---------------


@pytest.fixture
def published() -> dict[str, Commitment]:
    return {
        "school": CommitmentFactory(
            title="推进示范点建设",
            description="内部掌握的征地难点",
            public_description="新建三所幼儿园",
            is_public=True,
        ),
        "river": CommitmentFactory(
            title="开展河道专项整治", public_description="整治APP沿河排污口95%", is_public=True
        ),
        "hidden": CommitmentFactory(
            title="推进内部事项", public_description="新建", is_public=False
        ),
    }


def found_in_public(text: str) -> set[str]:
    rows = Commitment.objects.public().search_published(text)
    return set(rows.values_list("title", flat=True))


def test_the_public_search_finds_words_of_the_title_and_the_confirmed_text(published):
    assert found_in_public("推进") == {"推进示范点建设"}
    assert found_in_public("园") == {"推进示范点建设"}
    assert found_in_public("幼儿园") == {"推进示范点建设"}
    assert found_in_public("沿河排污口") == {"开展河道专项整治"}
    assert found_in_public("app 95%") == {"开展河道专项整治"}
    assert found_in_public("推进 排污") == set()


def test_the_public_search_never_reads_the_working_description(published):
    assert found_in_public("征地") == set()
    assert found_in_public("征地难点") == set()


def test_the_public_text_changing_changes_what_is_found(published):
    school = published["school"]
    school.public_description = "改建两所小学"
    school.save(update_fields=["public_description"])
    assert found_in_public("幼儿园") == set()
    assert found_in_public("小学") == {"推进示范点建设"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
@pytest.mark.parametrize(
    ("word", "index"),
    [("推进", "commitment_public_search_short"), ("幼儿园", "commitment_public_search_trgm")],
)
def test_postgresql_answers_the_public_search_from_an_index(published, word, index):
    # given: as above, a planner that may not walk a table or index whole
    queryset = Commitment.objects.public().search_published(word).values("id")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        # /public/'s own indexes (all published work, by unit) would do on a table this small;
        # the test's transaction drops them (rolled back with it).
        cursor.execute("DROP INDEX commitment_public_unit, commitment_public_open")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


def test_work_published_later_or_withdrawn_is_found_or_not(published):
    hidden = published["hidden"]
    hidden.is_public = True
    hidden.save(update_fields=["is_public"])
    assert found_in_public("内部事项") == {"推进内部事项"}
    hidden.status = Commitment.Status.CANCELLED
    hidden.status_reason = "撤销"
    hidden.save(update_fields=["status", "status_reason"])
    assert found_in_public("内部事项") == set()
    hidden.status = Commitment.Status.ASSIGNED
    hidden.save(update_fields=["status"])
    assert found_in_public("内部事项") == {"推进内部事项"}
