"""Measure the importer against a hand-annotated corpus (``gold.json``), without a database.

Each document is parsed as ``import_seed --dry-run --reference-date <reference_date>`` would
parse it, and its task directives are scored against the annotation:

* a gold task is *found* when the text of one task contains its key, both compared after
  removing whitespace and quotation marks;
* its *owner is right* when one of the found tasks has the gold lead among its owners (a name
  containing it counts: 国家卫生健康委 holds 卫生健康委);
* its *deadline is right* when one of the found tasks is due on an accepted date, or, where the
  annotation gives none, when the task carries no date;
* a *negative* is taken as a task when the text of any task contains its key.

Missed tasks count as wrong owners and deadlines, so the three rates share one denominator
each (owners: the gold tasks that name an owner; deadlines and recall: all gold tasks).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from commitments.importer.parse import TASK, ParsedDirective, ParsedDocument, parse_document

_NOISE = re.compile(r"[\s\"'“”‘’「」『』]")
CORPUS_ENV = "LEDGER_CORPUS_DIR"


def corpus_dir(repo_root: Path) -> Path | None:
    """Where the corpus lives: ``$LEDGER_CORPUS_DIR``, else ``<repo>/../shared/corpus`` (how CI
    lays it out), else ``/work/shared/corpus``; None when none of them holds a gold.json."""
    candidates: list[str | Path] = [os.environ.get(CORPUS_ENV, "")]
    candidates += [repo_root.parent / "shared" / "corpus", "/work/shared/corpus"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "gold.json").is_file():
            return Path(candidate)
    return None


def squash(text: str) -> str:
    return _NOISE.sub("", text)


@dataclass
class Miss:
    gold_id: str
    what: str  # "task" | "owner" | "deadline" | "negative"
    key: str
    expected: str
    got: str


@dataclass
class DocumentScore:
    name: str
    gold: int = 0
    found: int = 0
    with_owner: int = 0
    owners_right: int = 0
    deadlines_right: int = 0
    negatives: int = 0
    negatives_taken: int = 0
    tasks: int = 0  # task directives the importer produced
    seconds: float = 0.0
    misses: list[Miss] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def owner_rate(self) -> float:
        return self.owners_right / self.with_owner if self.with_owner else 1.0

    @property
    def deadline_rate(self) -> float:
        return self.deadlines_right / self.gold if self.gold else 1.0

    def add(self, other: DocumentScore) -> None:
        for name in (
            "gold",
            "found",
            "with_owner",
            "owners_right",
            "deadlines_right",
            "negatives",
            "negatives_taken",
            "tasks",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds

    def line(self) -> str:
        return (
            f"{self.name[:44]:<44} tasks {self.found:>3}/{self.gold:<3} ({self.recall:4.2f})  "
            f"owners {self.owners_right:>3}/{self.with_owner:<3} ({self.owner_rate:4.2f})  "
            f"deadlines {self.deadlines_right:>3}/{self.gold:<3} ({self.deadline_rate:4.2f})  "
            f"negatives {self.negatives_taken}/{self.negatives}  "
            f"extracted {self.tasks:>3}  {self.seconds * 1000:7.1f} ms"
        )


def _owner_hit(task: ParsedDirective, owner: str) -> bool:
    return any(owner in name for name in task.owners)


def score_document(
    name: str, parsed: ParsedDocument, annotation: dict[str, object], seconds: float = 0.0
) -> DocumentScore:
    tasks = [(squash(d.text), d) for d in parsed.directives if d.kind == TASK]
    score = DocumentScore(name=name, tasks=len(tasks), seconds=seconds)
    directives = annotation.get("directives") or []
    assert isinstance(directives, list)
    for gold in directives:
        score.gold += 1
        key = squash(gold["key"])
        hits = [d for text, d in tasks if key in text]
        owners: list[str] = gold.get("owners") or []
        accepted = [date.fromisoformat(x) for x in gold.get("deadline") or []]
        if owners:
            score.with_owner += 1
        if not hits:
            score.misses.append(Miss(gold["id"], "task", gold["key"], "", ""))
            continue
        score.found += 1
        if owners:
            if any(_owner_hit(d, owners[0]) for d in hits):
                score.owners_right += 1
            else:
                got = " | ".join("、".join(d.owners) or "—" for d in hits[:3])
                score.misses.append(Miss(gold["id"], "owner", gold["key"], owners[0], got))
        if accepted:
            right = any(d.deadline in accepted for d in hits)
        else:
            right = any(d.deadline is None for d in hits)
        if right:
            score.deadlines_right += 1
        else:
            expected = " / ".join(x.isoformat() for x in accepted) or "—"
            got = " | ".join(
                f"{d.deadline.isoformat() if d.deadline else '—'}"
                + (f"「{d.deadline_text}」" if d.deadline_text else "")
                for d in hits[:3]
            )
            score.misses.append(Miss(gold["id"], "deadline", gold["key"], expected, got))
    for negative in annotation.get("negatives") or []:  # type: ignore[attr-defined]
        score.negatives += 1
        key = squash(negative["key"])
        if any(key in text for text, _ in tasks):
            score.negatives_taken += 1
            score.misses.append(Miss(negative["id"], "negative", negative["key"], "", ""))
    return score


def evaluate(
    corpus: Path, names: Iterable[str] | None = None, *, with_reference: bool = True
) -> list[DocumentScore]:
    """Parse and score every annotated document of ``corpus`` (or only ``names``); without
    ``with_reference`` the documents are read as a user who gives no --reference-date would
    (each document's own date, if it states one, resolves its deadlines)."""
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))["docs"]
    wanted = set(names) if names else None
    scores = []
    for name, annotation in sorted(gold.items()):
        if wanted is not None and name not in wanted:
            continue
        data = (corpus / name).read_bytes()
        reference = annotation.get("reference_date") if with_reference else None
        started = time.perf_counter()
        parsed = parse_document(
            data, reference_date=date.fromisoformat(reference) if reference else None, name=name
        )
        scores.append(score_document(name, parsed, annotation, time.perf_counter() - started))
    return scores


def total(scores: Iterable[DocumentScore]) -> DocumentScore:
    out = DocumentScore(name="TOTAL")
    for s in scores:
        out.add(s)
    return out


def report(scores: list[DocumentScore], *, misses: bool = True) -> str:
    lines = [s.line() for s in scores]
    lines.append(total(scores).line())
    if misses:
        lines.append("")
        lines.append("misses:")
        for s in scores:
            for m in s.misses:
                detail = f" expected {m.expected}, got {m.got}" if m.what != "task" else ""
                if m.what == "negative":
                    detail = " taken as a task"
                lines.append(f"  {m.gold_id:<7} {m.what:<9} {m.key}{detail}")
    return "\n".join(lines)
