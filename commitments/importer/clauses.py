"""One sentence, several tasks: cut a sentence where a clause names its own subject and gives
it work ("各县区要……；各部门要……", "……，总务处要……，安全处要……", "……，各地不能……")."""

from __future__ import annotations

import re
from itertools import pairwise

from commitments.importer import owners as owner_rules
from commitments.importer.assignments import leading_roles
from commitments.importer.directives import TASK, classify
from commitments.importer.patterns import CLAUSE_BREAK

_TIME_ONLY = re.compile(
    r"^[在于到自从]?[\d零〇一二三四五六七八九十年月日号底末前之以内上中下旬起至—\-~～\s]*$"
)
_CLAUSE_END = re.compile(r"[，,；;。！？!?]")


def own_subject_parts(normalized: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The spans of ``normalized[span]`` cut before every clause that opens its own task, so
    that each unit gets its own directive; ``[span]`` when there is none."""
    start, end = span
    sentence = normalized[start:end]
    cuts: list[int] = []
    # 由A牵头，B配合，……: the roles of one piece of work, never cut apart.
    opening = leading_roles(sentence.lstrip("，,"))
    roles_end = opening[1] + len(sentence) - len(sentence.lstrip("，,")) if opening else 0
    clause_start = 0
    for m in CLAUSE_BREAK.finditer(sentence):
        before = sentence[clause_start : m.start()]  # the clause right before the break
        clause_start = m.end()
        # "2019年3月底前，国家卫生健康委推行……": a leading time belongs to the clause after it.
        if (
            m.end() < len(sentence)
            and m.end() > roles_end
            and not _TIME_ONLY.match(before)
            and _opens_own_task(sentence, m.end())
        ):
            cuts.append(m.end())
    bounds = [0, *cuts, len(sentence)]
    parts = [(a, b) for a, b in pairwise(bounds) if b > a]
    if len(parts) < 2:
        return [span]
    return [(start + a, start + b) for a, b in parts]


def _opens_own_task(sentence: str, at: int) -> bool:
    """Whether the clause starting at ``at`` names a unit and gives it work by itself."""
    stop = _CLAUSE_END.search(sentence, at)
    clause = sentence[at : stop.start() if stop else len(sentence)]
    # Most clauses name no unit in their first words: a cheap look before the real one.
    if len(clause) < 4 or not owner_rules.names_unit_early(clause):
        return False
    verdict = classify(clause)
    if verdict.kind == TASK and verdict.cue not in ("希望", "请"):
        owners, subject_start = owner_rules.subject_before(clause, verdict.cue_start)
        if owners and subject_start == 0:
            return True
    acting, where = owner_rules.acting_unit(clause)
    return bool(acting) and where == 0
