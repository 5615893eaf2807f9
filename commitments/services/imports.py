"""Write a parsed speech or notice into the ledger: document, directives, units, commitments.

The text understanding lives in :mod:`commitments.importer` (no database); this module only
decides what to create, update or leave alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from ..importer.parse import ParsedDirective, ParsedDocument, parse_document
from ..importer.summary import guess_unit_kind, summarize
from ..models import Commitment, Directive, SourceDocument, Unit
from .ledger import commitment_create, commitment_update

SECTION_MAX = Directive._meta.get_field("section").max_length or 300
DEADLINE_TEXT_MAX = Directive._meta.get_field("deadline_text").max_length or 200
TITLE_MAX = SourceDocument._meta.get_field("title").max_length or 300


@dataclass(frozen=True)
class ImportResult:
    document: SourceDocument
    created: bool  # a new document (not a new version of a known one)
    unchanged: bool  # the same bytes were imported before: nothing was written
    directive_count: int
    commitment_count: int  # commitments linked to the document's directives after the import
    commitments_created: int = 0
    commitments_updated: int = 0
    ownerless_tasks: int = 0  # tasks nobody is named for: left for the office to assign


def document_import(
    *, data: bytes, name: str = "", reference_date: date | None = None
) -> ImportResult:
    """Import one document; raises ``SeedError`` (before any write) for unusable input.

    Same bytes again: nothing changes.  A changed version of a known document (same source
    name, or same title and date) updates its rows in place, keyed on the directive ref, and
    never touches the status, progress, responsible person or publicity of a commitment.
    """
    parsed = parse_document(data, reference_date=reference_date, name=name)
    return document_import_parsed(parsed=parsed, name=name)


@transaction.atomic
def document_import_parsed(*, parsed: ParsedDocument, name: str = "") -> ImportResult:
    existing = SourceDocument.objects.filter(sha256=parsed.sha256).first()
    if existing is not None:
        return ImportResult(
            document=existing,
            created=False,
            unchanged=True,
            directive_count=existing.directives.count(),
            commitment_count=Commitment.objects.filter(directive__document=existing).count(),
        )

    document = _previous_version(parsed, name)
    created = document is None
    if document is None:
        document = SourceDocument()
    document.title = parsed.title[:TITLE_MAX]
    document.speaker = parsed.speaker[:100]
    document.issuer = parsed.issuer[:200]
    document.addressees = "\n".join(parsed.addressees)
    document.delivered_on = parsed.delivered_on
    document.issued_on = parsed.issued_on
    document.source_name = name[:255] or document.source_name
    document.raw_text = parsed.raw_text
    document.cleaned_text = parsed.cleaned_text
    document.normalized_text = parsed.normalized_text
    document.sha256 = parsed.sha256
    document.save()

    units = _UnitCache()
    old = {d.ref: d for d in document.directives.all()} if not created else {}
    stats = {"created": 0, "updated": 0, "ownerless": 0}
    kept_refs = set()
    for item in parsed.directives:
        kept_refs.add(item.ref)
        previous = old.get(item.ref)
        directive, changes = _save_directive(document, previous, item)
        if item.kind != Directive.Kind.TASK:
            continue
        if not item.owners:
            stats["ownerless"] += 1
            continue
        _save_commitment(document, directive, item, changes, units, stats, is_new=not previous)

    # Directives gone from the new version: their commitments stay (with their progress),
    # detached from the directive by the foreign key's SET_NULL.
    gone = [d.pk for ref, d in old.items() if ref not in kept_refs]
    if gone:
        Directive.objects.filter(pk__in=gone).delete()

    return ImportResult(
        document=document,
        created=created,
        unchanged=False,
        directive_count=len(parsed.directives),
        commitment_count=Commitment.objects.filter(directive__document=document).count(),
        commitments_created=stats["created"],
        commitments_updated=stats["updated"],
        ownerless_tasks=stats["ownerless"],
    )


def _previous_version(parsed: ParsedDocument, name: str) -> SourceDocument | None:
    queryset = SourceDocument.objects.select_for_update().order_by("-imported_at", "-pk")
    if name:
        by_name = queryset.filter(source_name=name).first()
        if by_name is not None:
            return by_name
    if parsed.title and parsed.delivered_on:
        return queryset.filter(title=parsed.title, delivered_on=parsed.delivered_on).first()
    return None


def _directive_fields(item: ParsedDirective) -> dict[str, object]:
    return {
        "section": item.section[:SECTION_MAX],
        "text": item.text,
        "span_start": item.span[0],
        "span_end": item.span[1],
        "kind": item.kind,
        "owner_names": list(item.owners),
        "deadline": item.deadline,
        "deadline_text": item.deadline_text[:DEADLINE_TEXT_MAX],
        "deadline_pending": item.deadline_pending,
    }


def _save_directive(
    document: SourceDocument, directive: Directive | None, item: ParsedDirective
) -> tuple[Directive, set[str]]:
    """Create or update the directive; return it and the names of the fields that changed."""
    fields = _directive_fields(item)
    if directive is None:
        directive = Directive.objects.create(document=document, ref=item.ref, **fields)
        return directive, set(fields)
    changed = {k for k, v in fields.items() if getattr(directive, k) != v}
    if changed:
        for key in changed:
            setattr(directive, key, fields[key])
        directive.save(update_fields=sorted(changed))
    return directive, changed


def _save_commitment(
    document: SourceDocument,
    directive: Directive,
    item: ParsedDirective,
    changes: set[str],
    units: _UnitCache,
    stats: dict[str, int],
    *,
    is_new: bool,
) -> None:
    lead, *co = [units.get(name) for name in item.owners]
    commitment = None if is_new else directive.commitments.order_by("pk").first()
    if commitment is None:
        commitment_create(
            title=summarize(item.normalized_text or item.text, item.owners),
            description=item.text,
            lead_unit=lead,
            co_units=co,
            deadline=item.deadline,
            deadline_text=item.deadline_text[:DEADLINE_TEXT_MAX],
            deadline_pending=item.deadline_pending,
            document=document,
            directive=directive,
        )
        stats["created"] += 1
        return
    # Only what the new version of the source changed is carried over, so that edits made in
    # the ledger (a deadline set by the office, a reworded title) survive a re-import.
    data: dict[str, object] = {}
    if "text" in changes:
        data["title"] = summarize(item.normalized_text or item.text, item.owners)
        data["description"] = item.text
    if changes & {"deadline", "deadline_text", "deadline_pending"}:
        data["deadline"] = item.deadline
        data["deadline_text"] = item.deadline_text[:DEADLINE_TEXT_MAX]
        data["deadline_pending"] = item.deadline_pending
    new_units = None
    if "owner_names" in changes:
        data["lead_unit"] = lead
        new_units = co
    if data or new_units is not None:
        commitment_update(commitment=commitment, data=data, co_units=new_units)
        stats["updated"] += 1


class _UnitCache:
    """Units by name for one import: existing units are reused, new ones created once."""

    def __init__(self) -> None:
        self._by_name: dict[str, Unit] = {}

    def get(self, name: str) -> Unit:
        clean = "".join(name.split())
        unit = self._by_name.get(clean)
        if unit is None:
            unit, _ = Unit.objects.get_or_create(
                name=clean, defaults={"kind": Unit.Kind(guess_unit_kind(clean))}
            )
            self._by_name[clean] = unit
        return unit
