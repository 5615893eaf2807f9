"""Sentence classification: the one-search pre-check for narration decides nothing the cue
patterns would decide otherwise."""

from __future__ import annotations

import re

import pytest

from commitments.importer import directives
from commitments.importer.directives import CONTEXT, QUOTED, TASK, classify, split_sentences
from commitments.importer.normalize import normalize_text
from commitments.importer.patterns import CLAUSE_BREAK
from tests.importer.conftest import FIXTURES, SEED

# Every cue word the patterns name, each in a sentence with no other character of the
# pre-check's class, so that leaving its character out of the class fails here.
CUE_SENTENCES = {
    "各县区在6月底前要完成排查。": TASK,
    "希望各单位认真学习。": TASK,
    "请市教育局牵头落实。": TASK,
    "各部门必须按时报送。": TASK,
    "各地务必高度重视。": TASK,
    "有关单位应当及时整改。": TASK,
    "市政府要求各单位抓好督导。": TASK,
    "这需要我们共同努力。": CONTEXT,
    "省委书记强调，把工作抓实。": QUOTED,
    "省长指出，各地抓好落实。": QUOTED,
    "主任批示，尽快办理。": QUOTED,
    "部长提出，各地加快进度。": QUOTED,
}


def _sentences() -> list[str]:
    texts = [SEED.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    out = []
    for text in texts:
        normalized = normalize_text(text)
        for a, b in split_sentences(normalized, 0, len(normalized)):
            sentence = normalized[a:b]
            # the clauses too: the parse classifies clauses that may open their own task
            out += [sentence, *CLAUSE_BREAK.split(sentence)]
    return out


@pytest.mark.parametrize(("sentence", "kind"), CUE_SENTENCES.items())
def test_every_cue_word_is_read(sentence: str, kind: str) -> None:
    assert classify(sentence).kind == kind


def test_the_narration_pre_check_changes_no_classification(monkeypatch) -> None:
    # given the sentences and clauses of the seed speech and every fixture
    sentences = _sentences()
    with_check = [classify(s) for s in sentences]
    answered_by_check = sum(not directives._ANY_CUE_CHAR.search(s) for s in sentences)
    # when every sentence goes through the cue patterns instead
    monkeypatch.setattr(directives, "_ANY_CUE_CHAR", re.compile(""))
    without_check = [classify(s) for s in sentences]
    # then each is classified the same, and the pre-check did answer for many of them
    assert with_check == without_check
    assert sum(c.kind is None for c in with_check) > 200
    assert answered_by_check > 200
