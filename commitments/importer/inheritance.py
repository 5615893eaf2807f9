"""Drafts → directives: owners by inheritance (sentence → sub-point → section → opening →
addressees), refs (``2.1-3``) and section labels, report cycles and commitment titles."""

from __future__ import annotations

from commitments.importer import owners as owner_rules
from commitments.importer.deadlines import report_cycle_of
from commitments.importer.directives import TASK
from commitments.importer.drafts import Draft
from commitments.importer.result import SECTION_SEPARATOR, ParsedDirective
from commitments.importer.structure import Heading, Region
from commitments.importer.summary import summarize

NOTICE_SECTION = "通知"
OPENING_SECTION = "开头"


def _path_key(region: Region) -> tuple[int, ...]:
    return tuple(id(h) for h in region.path)


def _section_label(region: Region, has_headings: bool) -> str:
    if region.path:
        return SECTION_SEPARATOR.join(h.label for h in region.path)
    if region.part == "notice":
        return NOTICE_SECTION
    return OPENING_SECTION if has_headings else ""


def _ref_prefix(region: Region) -> str:
    if region.path:
        return ".".join(str(h.number) for h in region.path)
    return "N" if region.part == "notice" else "0"


def inherit_owners(
    drafts: list[Draft], addressees: tuple[str, ...], text: str, normalized: str
) -> tuple[ParsedDirective, ...]:
    """One directive per draft, in order; a task without owners of its own takes the nearest:
    the last subject in its region, its sub-point's, its section's, the notice's addressees,
    the speech's opening, the addressees."""
    addressee_units: tuple[str, ...] = ()
    for item in addressees:
        addressee_units += owner_rules.split_units(item)

    def top(d: Draft) -> Heading | None:
        return d.region.path[0] if d.region.path else None

    tasks = [d for d in drafts if d.kind == TASK]
    opening = [d for d in tasks if d.region.part == "speech" and not d.region.path]
    opening_owner = next((d.explicit for d in opening if d.explicit), ())
    # A section's owner is whoever its opening paragraph addresses (各县区各系统各部门都要……);
    # a unit named deep inside one sub-point does not speak for the whole section.
    section_owner: dict[int, tuple[str, ...]] = {}
    for d in tasks:
        h = top(d)
        if h is not None and d.explicit and d.subject and len(d.region.path) == 1:
            section_owner.setdefault(id(h), d.explicit)

    subpoint_owner: dict[tuple[int, ...], tuple[str, ...]] = {}
    by_path: dict[tuple[int, ...], list[Draft]] = {}
    for d in tasks:
        by_path.setdefault(_path_key(d.region), []).append(d)
    for key, members in by_path.items():
        if len(key) < 2:
            continue
        heading = next((d for d in members if d.is_heading), None)
        if heading and heading.explicit:
            subpoint_owner[key] = heading.explicit
            continue
        following = [d for d in members if not d.is_heading]
        if following and following[0].explicit:
            subpoint_owner[key] = following[0].explicit

    has_headings = any(d.region.path for d in drafts)
    counters: dict[str, int] = {}
    last_explicit: dict[tuple[str, tuple[int, ...]], tuple[str, ...]] = {}
    out: list[ParsedDirective] = []
    # A region's ref prefix, path and section label, worked out once for all its drafts.
    by_region: dict[int, tuple[str, tuple[int, ...], str]] = {}
    for d in drafts:
        facts = by_region.get(id(d.region))
        if facts is None:
            facts = (
                _ref_prefix(d.region),
                _path_key(d.region),
                _section_label(d.region, has_headings),
            )
            by_region[id(d.region)] = facts
        prefix, path_key, section = facts
        counters[prefix] = counters.get(prefix, 0) + 1
        region_key = (d.region.part, path_key)
        owners: tuple[str, ...] = ()
        inherited = False
        if d.kind == TASK:
            if d.explicit:
                owners = d.explicit
                if not d.is_heading and d.subject:
                    last_explicit[region_key] = d.explicit
            else:
                h = top(d)
                owners = (
                    (() if d.is_heading else last_explicit.get(region_key, ()))
                    or subpoint_owner.get(path_key, ())
                    or (section_owner.get(id(h), ()) if h else ())
                    or (addressee_units if d.region.part == "notice" else ())
                    or opening_owner
                    or addressee_units
                )
                inherited = bool(owners)
        out.append(
            ParsedDirective(
                ref=f"{prefix}-{counters[prefix]}",
                section=section,
                text=text[d.start : d.end],
                owners=owners,
                deadline=d.deadline.on,
                deadline_text=d.deadline.text,
                deadline_pending=d.deadline.pending,
                kind=d.kind,
                span=(d.start, d.end),
                normalized_text=normalized[d.start : d.end],
                owners_inherited=inherited,
                co_owners=d.co_owners,
                responsible=d.responsible,
                report_cycle=report_cycle_of(normalized[d.start : d.end]) if d.kind == TASK else "",
                title=summarize(normalized[d.start : d.end] or text[d.start : d.end], owners)
                if d.kind == TASK and owners
                else "",
            )
        )
    return tuple(out)
