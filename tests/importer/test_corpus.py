"""The importer on real documents it was not written for (../shared/corpus, hand-annotated).

The floors only ever go up: each one is what the importer reached when it was last improved,
so a change that loses a task, an owner or a deadline on real documents fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from commitments.importer.evaluation import CORPUS_ENV, DocumentScore, corpus_dir, evaluate, total

ROOT = Path(__file__).resolve().parents[2]
CORPUS = corpus_dir(ROOT)

pytestmark = pytest.mark.skipif(
    CORPUS is None,
    reason=f"no annotated corpus: ../shared/corpus is missing and ${CORPUS_ENV} is not set",
)

# document prefix: (recall, owners, deadlines), each the floor of its rate
FLOORS: dict[str, tuple[float, float, float]] = {
    "01": (1.0, 1.0, 1.0),
    "02": (1.0, 1.0, 1.0),
    "03": (1.0, 1.0, 1.0),
    "04": (1.0, 1.0, 1.0),
    "05": (1.0, 1.0, 1.0),
    "06": (1.0, 1.0, 1.0),
    "07": (0.90, 0.83, 0.90),
}
TOTAL_FLOOR = (0.98, 0.98, 0.98)
NEGATIVES_TAKEN_CEILING = 0


@pytest.fixture(scope="module")
def scores() -> list[DocumentScore]:
    assert CORPUS is not None
    return evaluate(CORPUS)


def test_every_annotated_document_is_scored(scores: list[DocumentScore]) -> None:
    assert {s.name[:2] for s in scores} == set(FLOORS)


@pytest.mark.parametrize("prefix", sorted(FLOORS))
def test_document_stays_above_its_floors(scores: list[DocumentScore], prefix: str) -> None:
    # given the document's score
    score = next(s for s in scores if s.name.startswith(prefix))
    recall, owners, deadlines = FLOORS[prefix]
    # then no rate fell below what was reached
    assert score.recall >= recall, score.line()
    assert score.owner_rate >= owners, score.line()
    assert score.deadline_rate >= deadlines, score.line()


def test_corpus_total_stays_above_its_floors(scores: list[DocumentScore]) -> None:
    overall = total(scores)
    got = (overall.recall, overall.owner_rate, overall.deadline_rate)
    assert all(g >= f for g, f in zip(got, TOTAL_FLOOR, strict=True)), overall.line()
    assert overall.negatives_taken <= NEGATIVES_TAKEN_CEILING, overall.line()
