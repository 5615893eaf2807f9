"""Short titles for commitments, taken from the directive's own words."""

from __future__ import annotations

import re

from commitments.importer.patterns import heading_marker

TITLE_MAX = 200
_SOFT_LIMIT = 60
_CUE_PREFIX = re.compile(r"^(?:都|也|更|还|必须|务必|一定|要|应当)+")
_TRAILING_PUNCT = re.compile(r"[，,、；;：:。！？!?\s]+$")
_LIST_JOINER = re.compile(r"^(?:[、和及与]|以及|等)+[，,]?")


def summarize(text: str, owners: tuple[str, ...] = ()) -> str:
    """A title for the work: the directive without numbering and subject, cut at a clause.

    ``各县区要坚持地方党委领导与系统指导紧密结合，注重……`` → ``坚持地方党委领导与系统指导紧密结合``.
    """
    body = text.strip()
    marker = heading_marker(body)
    if marker:
        body = body[len(marker[3]) :].lstrip("，, ")
    for prefix in ("特别是", "希望", "请"):
        if body.startswith(prefix):
            body = body[len(prefix) :]
    # Drop the subject: the owners as listed (各系统、各行业 / A和B、C等，).
    stripped = True
    longest_first = sorted(owners, key=len, reverse=True)
    while stripped and owners:
        stripped = False
        for owner in longest_first:
            if body.startswith(owner):
                body = body[len(owner) :]
                stripped = True
        m = _LIST_JOINER.match(body)
        if m and m.end():
            body = body[m.end() :]
            stripped = True
    body = _CUE_PREFIX.sub("", body)
    if len(body) > _SOFT_LIMIT:
        cut = max(body.rfind(sep, 0, _SOFT_LIMIT) for sep in "，,；;。")
        body = body[:cut] if cut >= 12 else body[:_SOFT_LIMIT] + "…"
    body = _TRAILING_PUNCT.sub("", body)
    return (body or text.strip())[:TITLE_MAX]


_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("group", re.compile(r"工会|共青团|团委|妇联|群团|科协|侨联|残联")),
    ("office", re.compile(r"(?:办公室|办)$")),
    ("collective", re.compile(r"^(?:各|全市各|全县各|全区各|全省各|有关|相关)|各.*各")),
    ("system", re.compile(r"(?:系统|行业|战线|领域)$")),
    ("county", re.compile(r"(?:县区|县|区|乡镇|镇|乡|街道)(?:委|政府|人民政府)?$")),
    ("department", re.compile(r"(?:部门|局|厅|委|部|中心|室|处|科|所|院|校|学校|单位)$")),
)


def guess_unit_kind(name: str) -> str:
    """One of the Unit.Kind values, guessed from the name (各县区各部门 → collective)."""
    for kind, pattern in _KIND_RULES:
        if pattern.search(name):
            return kind
    return "other"
