"""What a parse hands back: a ParsedDocument and its ParsedDirectives (plain data, no
database), with their JSON form for ``import_seed --dry-run --json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commitments.importer.formats import TEXT
from commitments.importer.structure import DocumentFacts

# Between the levels of a section path: "一、…… / （二）……", "表1 / 类别 / 任务".
SECTION_SEPARATOR = " / "


@dataclass(frozen=True)
class ParsedDirective:
    ref: str
    section: str
    text: str  # cleaned_text[span[0]:span[1]], the record
    owners: tuple[str, ...]
    deadline: date | None
    deadline_text: str
    deadline_pending: bool
    kind: str  # "task" | "quoted" | "context"
    span: tuple[int, int]
    normalized_text: str = ""  # same span in the normalised reading
    owners_inherited: bool = False  # owners come from the sub-point/section, not the sentence
    # From task tables (empty for prose): 配合单位, 责任人 as written, 每月/每季度 report cycle,
    # the step of a row with two dates (规划 / 验收).  ``title`` is the commitment's title: a
    # row's from its own cells, a prose task's (with owners) summarised from its words, here in
    # the parse (which runs on every CPU) rather than in the database write that follows.
    co_owners: tuple[str, ...] = ()
    responsible: str = ""
    report_cycle: str = ""
    milestone: str = ""
    title: str = ""
    source: str = "prose"  # "prose" | "table"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "section": self.section,
            "text": self.text,
            "owners": list(self.owners),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "kind": self.kind,
            "span": [self.span[0], self.span[1]],
            "deadline_pending": self.deadline_pending,
            "co_owners": list(self.co_owners),
            "responsible": self.responsible,
            "report_cycle": self.report_cycle,
            "milestone": self.milestone,
            "source": self.source,
        }


@dataclass(frozen=True)
class ParsedDocument(DocumentFacts):
    raw_text: str
    cleaned_text: str
    normalized_text: str
    sha256: str
    directives: tuple[ParsedDirective, ...]
    encoding: str = "utf-8"
    reference_date: date | None = None
    removed_noise: tuple[str, ...] = field(default=(), repr=False)
    source_format: str = TEXT  # "text" | "docx" | "xlsx" | "pdf", detected from the content
    # Paragraphs (and table rows) that name a date or a unit but gave no task: shown to the
    # office as 未识别, so that it can add them by hand instead of losing them silently.
    skipped: tuple[str, ...] = ()
    document_number: str = ""  # 国办发〔2019〕4号
    # The extracted text's digest: the same Word file saved again (new timestamps inside its
    # zip) has new bytes but the same content, and is the same document.
    content_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": {
                "title": self.title,
                "speaker": self.speaker,
                "issuer": self.issuer,
                "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
                "issued_on": self.issued_on.isoformat() if self.issued_on else None,
                "sha256": self.sha256,
                "format": self.source_format,
                "document_number": self.document_number,
                "content_sha256": self.content_sha256,
            },
            "directives": [d.as_dict() for d in self.directives],
            "skipped": list(self.skipped),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)

    def of_kind(self, kind: str) -> tuple[ParsedDirective, ...]:
        return tuple(d for d in self.directives if d.kind == kind)
