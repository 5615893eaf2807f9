"""What one sentence (or clause) of prose is: a task with the owners it names and its
deadline, a quotation, context, or nothing worth keeping.  A :class:`Draft` is a directive
before owners are inherited and refs given (:mod:`.inheritance`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from commitments.importer import measures
from commitments.importer import owners as owner_rules
from commitments.importer.assignments import leading_roles
from commitments.importer.deadlines import Deadline, find_deadline
from commitments.importer.directives import CONTEXT, TASK, classify
from commitments.importer.patterns import heading_marker
from commitments.importer.structure import Heading, Region


@dataclass
class Draft:
    region: Region
    start: int
    end: int
    kind: str
    explicit: tuple[str, ...]
    subject: bool  # explicit owners are the grammatical subject (later sentences inherit them)
    is_heading: bool
    deadline: Deadline
    co_owners: tuple[str, ...] = ()
    acting: bool = False  # a task by its acting subject alone (国家卫生健康委推行……)
    responsible: str = ""  # a person a 分工 names (责任人：……)
    closed_until: int = 0  # the end of the 分工 that closes it (its bracket, its label lines)


_ASSIGNED = re.compile(r"[^，。；]{0,20}?(?:负责|牵头)|不能|不得|严禁|禁止")
# "各单位要按职责分工负责": a duty without any work in it, no task of its own.
_DUTY_ONLY = re.compile(
    r"(?:按照?|根据|依)?(?:各自)?(?:职责|分工|职能)(?:分工)?[，,]?"
    r"(?:负责|落实|抓好落实|认真落实|履职|各负其责)?[。！!；;]?$"
)
# "……，请科技部等部门在2019年2月底前完成。": the request names who and when, not what.
_BARE_REQUEST = re.compile(r"[^，,；;]{0,60}?(?:完成|办理|落实|执行|负责)[。！]?$")


def _numbering_masked(sentence: str) -> str:
    """The numbering ((一) / 1. / 首先，) is not part of the subject: masked as a clause break,
    so that offsets into the sentence stay the same."""
    marker = heading_marker(sentence)
    return "，" * len(marker[3]) + sentence[len(marker[3]) :] if marker else sentence


def sentence_draft(
    normalized: str,
    start: int,
    end: int,
    region: Region,
    heading: Heading | None,
    reference: date | None,
    speech: bool,
) -> Draft | None:
    """What ``normalized[start:end]`` is: a task (with its named owners and deadline), a
    quotation, context, or nothing worth keeping (None).

    Without 要/应, a unit that acts is a task in a notice or plan (国家卫生健康委推行……); in a
    speech, which also tells what units did, only when a deadline or 负责/牵头 says so."""
    sentence = normalized[start:end]
    verdict = classify(sentence)
    is_heading = bool(heading and heading.level > 1 and start == heading.start)
    if verdict.kind == TASK and (
        measures.announces(sentence) or _DUTY_ONLY.match(sentence, verdict.cue_end)
    ):
        return None
    if measures.transmits(sentence):
        # Kept as 背景: the clerk sees it in the preview and may still make it a task.
        return Draft(region, start, end, CONTEXT, (), False, is_heading, Deadline.none())
    opening = leading_roles(_numbering_masked(sentence).lstrip("，,"))
    if opening is not None and not measures.is_past(sentence, reference):
        # 由A牵头，B配合，年内完成……: the sentence names its lead and its helpers first.
        roles = opening[0]
        deadline = find_deadline(sentence, reference)
        return Draft(
            region,
            start,
            end,
            TASK,
            roles.owners,
            True,
            is_heading,
            deadline,
            co_owners=roles.co_owners,
        )
    if verdict.kind is None:
        if measures.is_past(sentence, reference):
            return None
        acting, at = owner_rules.acting_unit(_numbering_masked(sentence))
        deadline = find_deadline(sentence, reference) if acting else Deadline.none()
        if acting and speech and deadline.on is None and not deadline.pending:
            acting = () if not _ASSIGNED.match(sentence, at + len(acting[-1])) else acting
        if acting:
            return Draft(region, start, end, TASK, acting, True, is_heading, deadline, acting=True)
        dated = measures.dated_work(sentence, reference)
        if dated is None:
            return None
        return Draft(region, start, end, TASK, (), False, is_heading, dated)
    explicit: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    subject = False
    span_start = start
    deadline = Deadline.none()
    if verdict.kind == TASK:
        masked = _numbering_masked(sentence)
        explicit, trim, subject = _explicit_owners(
            masked, verdict.cue, verdict.cue_start, verdict.cue_end
        )
        if not explicit:
            explicit, _ = owner_rules.acting_unit(masked)
            subject = bool(explicit)
        if trim is not None and not is_heading:
            span_start = start + trim
        deadline = find_deadline(normalized[span_start:end], reference)
        if explicit and subject:
            partners = owner_rules.partners_after(masked, verdict.cue_end)
            partners = tuple(p for p in partners if p not in explicit)
    return Draft(
        region,
        span_start,
        end,
        verdict.kind,
        explicit,
        subject,
        is_heading,
        deadline,
        co_owners=partners,
    )


def _explicit_owners(
    sentence: str, cue: str, cue_start: int, cue_end: int
) -> tuple[tuple[str, ...], int | None, bool]:
    """Owners named in the sentence, where the directive proper starts, and whether the owners
    are the sentence's subject (and so carry over to the following subject-less sentences)."""
    if cue in ("希望", "请"):
        found = owner_rules.subject_after_hope(sentence, cue_end)
        clause_start = max(sentence.rfind(sep, 0, cue_start) for sep in "，,；;：:") + 1
        if cue == "请" and clause_start > 0 and _BARE_REQUEST.match(sentence, cue_end):
            # "……的有关事项，请科技部……在……前完成": the work is named before the request.
            return found, None, bool(found)
        return found, clause_start, bool(found)
    found, subject_start = owner_rules.subject_before(sentence, cue_start)
    if found:
        return found, subject_start, True
    found, subject_start = owner_rules.clause_initial_subject(sentence, cue_start)
    if found:
        return found, subject_start, True
    # Owners named as the place or the means of the work belong to this sentence only.
    found = owner_rules.locative_units(sentence, cue_end) or owner_rules.strengths_subject(
        sentence, cue_start
    )
    return found, None, False
