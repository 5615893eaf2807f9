"""Write a parsed speech or notice into the ledger: document, directives, units, commitments.

The text understanding lives in :mod:`commitments.importer` (no database); this module only
decides what to create, update or leave alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Concat
from simple_history.utils import bulk_create_with_history

from ..importer.parse import ParsedDirective, ParsedDocument, parse_document
from ..importer.summary import guess_unit_kind, summarize
from ..models import Commitment, Directive, SourceDocument, Unit, WebhookSubscription
from .events import commitment_event
from .ledger import commitment_update

SECTION_MAX = Directive._meta.get_field("section").max_length or 300
DEADLINE_TEXT_MAX = Directive._meta.get_field("deadline_text").max_length or 200
TITLE_MAX = SourceDocument._meta.get_field("title").max_length or 300
RESPONSIBLE_NAME_MAX = Commitment._meta.get_field("responsible_name").max_length or 100
COMMITMENT_TITLE_MAX = Commitment._meta.get_field("title").max_length or 300


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


@transaction.atomic
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

    old = {d.ref: d for d in document.directives.all()} if not created else {}
    stats = {"created": 0, "updated": 0, "ownerless": 0}

    # New directives in one statement; known ones (same ref) are updated field by field.
    fresh = [item for item in parsed.directives if item.ref not in old]
    inserted = Directive.objects.bulk_create(
        [Directive(document=document, ref=item.ref, **_directive_fields(item)) for item in fresh]
    )
    saved: dict[str, tuple[Directive, set[str]]] = {
        d.ref: (d, set(_directive_fields(item))) for d, item in zip(inserted, fresh, strict=True)
    }
    for item in parsed.directives:
        if item.ref in old:
            saved[item.ref] = _save_directive(old[item.ref], item)

    tasks = [item for item in parsed.directives if item.kind == Directive.Kind.TASK]
    stats["ownerless"] = sum(1 for item in tasks if not item.owners)
    units = _units_by_name(
        {name for item in tasks for name in (*item.owners, *item.co_owners) if item.owners}
    )
    people = _users_by_name({item.responsible for item in tasks if item.responsible})
    existing_commitments: dict[int, Commitment] = {}
    if old:
        for c in Commitment.objects.filter(directive__in=list(old.values())).order_by("-pk"):
            existing_commitments[c.directive_id] = c  # type: ignore[index]
    to_create: list[tuple[Commitment, list[Unit]]] = []
    for item in tasks:
        if not item.owners:
            continue
        directive, changes = saved[item.ref]
        lead, *co = [units["".join(name.split())] for name in item.owners]
        co += [units["".join(name.split())] for name in item.co_owners]
        commitment = existing_commitments.get(directive.pk)
        if commitment is None:
            new = _new_commitment(document, directive, item, lead)
            new.responsible = people.get(item.responsible)
            to_create.append((new, co))
        elif _update_commitment(commitment, item, changes, lead, co):
            stats["updated"] += 1
    _create_commitments(to_create)
    linked = sum(1 for d in old.values() if d.ref in saved and d.pk in existing_commitments)
    stats["created"] = len(to_create)

    # Directives gone from the new version: their commitments stay (with their progress),
    # detached from the directive by the foreign key's SET_NULL.
    kept_refs = {item.ref for item in parsed.directives}
    gone = [d.pk for ref, d in old.items() if ref not in kept_refs]
    if gone:
        Directive.objects.filter(pk__in=gone).delete()

    return ImportResult(
        document=document,
        created=created,
        unchanged=False,
        directive_count=len(parsed.directives),
        # Counted here rather than in SQL: a join over all commitments per document is the
        # slowest statement of an import once the ledger holds a few thousand commitments.
        commitment_count=linked + len(to_create),
        commitments_created=stats["created"],
        commitments_updated=stats["updated"],
        ownerless_tasks=stats["ownerless"],
    )


def _previous_version(parsed: ParsedDocument, name: str) -> SourceDocument | None:
    """The document this one is a new version of, if any.

    Same source file name *and* the same title or date (a generic name such as 讲话.txt reused
    for another meeting is not a new version), else the same title and date.
    """
    queryset = SourceDocument.objects.select_for_update().order_by("-imported_at", "-pk")
    if name:
        for candidate in queryset.filter(source_name=name)[:20]:
            same_date = candidate.delivered_on == parsed.delivered_on
            if candidate.title == parsed.title or (same_date and parsed.delivered_on):
                return candidate
    if parsed.title and parsed.delivered_on:
        return queryset.filter(title=parsed.title, delivered_on=parsed.delivered_on).first()
    if parsed.title and parsed.issued_on:
        return queryset.filter(title=parsed.title, issued_on=parsed.issued_on).first()
    return None


def _directive_fields(item: ParsedDirective) -> dict[str, object]:
    return {
        "section": item.section[:SECTION_MAX],
        "text": item.text,
        "span_start": item.span[0],
        "span_end": item.span[1],
        "kind": item.kind,
        "owner_names": list(item.owners) + list(item.co_owners),
        "deadline": item.deadline,
        "deadline_text": item.deadline_text[:DEADLINE_TEXT_MAX],
        "deadline_pending": item.deadline_pending,
    }


def _save_directive(directive: Directive, item: ParsedDirective) -> tuple[Directive, set[str]]:
    """Update a known directive; return it and the names of the fields that changed."""
    fields = _directive_fields(item)
    changed = {k for k, v in fields.items() if getattr(directive, k) != v}
    if changed:
        for key in changed:
            setattr(directive, key, fields[key])
        directive.save(update_fields=sorted(changed))
    return directive, changed


def _new_commitment(
    document: SourceDocument, directive: Directive, item: ParsedDirective, lead: Unit
) -> Commitment:
    return Commitment(
        title=_title(item),
        description=item.text,
        responsible_name=item.responsible[:RESPONSIBLE_NAME_MAX],
        report_cycle=item.report_cycle or Commitment.ReportCycle.NONE,
        lead_unit=lead,
        deadline=item.deadline,
        original_deadline=item.deadline,
        deadline_text=item.deadline_text[:DEADLINE_TEXT_MAX],
        deadline_pending=item.deadline_pending,
        document=document,
        directive=directive,
    )


def _create_commitments(pairs: list[tuple[Commitment, list[Unit]]]) -> None:
    """Create new commitments in bulk with what ``ledger.commitment_create`` does one by one:
    history rows, co-units without the lead, and the "created" event."""
    if not pairs:
        return
    created = bulk_create_with_history([c for c, _ in pairs], Commitment)
    through = Commitment.co_units.through
    links = [
        through(commitment_id=c.pk, unit_id=u.pk)
        for c, (_, co) in zip(created, pairs, strict=True)
        for u in dict.fromkeys(co)
        if u.pk != c.lead_unit_id
    ]
    through.objects.bulk_create(links)
    if not _anyone_listens():
        return
    for commitment in created:
        commitment_event(commitment=commitment, event="created")


def _anyone_listens() -> bool:
    """Whether "created" events have a listener.

    Webhook subscriptions are the only listeners of ``events.commitment_event`` today, and each
    call looks them up again (plus a savepoint): for a speech of 35 commitments that was half of
    the import's time.  One look per document; if a non-webhook listener joins
    ``commitment_event``, this check must learn about it.
    """
    return any(
        "created" in (s.events or [])
        for s in WebhookSubscription.objects.filter(is_active=True).only("events")
    )


def _update_commitment(
    commitment: Commitment,
    item: ParsedDirective,
    changes: set[str],
    lead: Unit,
    co: list[Unit],
) -> bool:
    """Carry over only what the new version of the source changed, so that edits made in the
    ledger (a deadline set by the office, a reworded title) survive a re-import.  Status,
    progress, responsible person and publicity are never touched."""
    data: dict[str, object] = {}
    if "text" in changes:
        data["title"] = _title(item)
        data["description"] = item.text
    if changes & {"deadline", "deadline_text", "deadline_pending"}:
        data["deadline"] = item.deadline
        data["deadline_text"] = item.deadline_text[:DEADLINE_TEXT_MAX]
        data["deadline_pending"] = item.deadline_pending
    new_units = None
    if "owner_names" in changes:
        data["lead_unit"] = lead
        new_units = co
    if not data and new_units is None:
        return False
    commitment_update(commitment=commitment, data=data, co_units=new_units)
    return True


def _title(item: ParsedDirective) -> str:
    # A table row brings its own title (its content, and the step of a two-date row).
    title = item.title or summarize(item.normalized_text or item.text, item.owners)
    return title[:COMMITMENT_TITLE_MAX]


def _users_by_name(names: set[str]) -> dict[str, Any]:
    """The user each 责任人 name stands for, where exactly one active user has that full name
    (姓+名 either way round) or user name; other names stay text in ``responsible_name``."""
    if not names:
        return {}
    user_model = get_user_model()
    candidates = (
        user_model.objects.filter(is_active=True)
        .annotate(
            full_lf=Concat("last_name", "first_name"), full_fl=Concat("first_name", "last_name")
        )
        .filter(Q(username__in=names) | Q(full_lf__in=names) | Q(full_fl__in=names))
    )
    matches: dict[str, set[Any]] = {}
    for user in candidates:
        for key in {user.username, user.full_lf, user.full_fl} & names:
            matches.setdefault(key, set()).add(user)
    return {name: next(iter(found)) for name, found in matches.items() if len(found) == 1}


def _units_by_name(names: set[str]) -> dict[str, Unit]:
    """Units for these names: existing ones reused, missing ones created with a guessed kind."""
    clean = {"".join(n.split()) for n in names}
    found = {u.name: u for u in Unit.objects.filter(name__in=clean)}
    missing = clean - set(found)
    if missing:
        # ignore_conflicts: a concurrent import may create the same unit meanwhile.
        Unit.objects.bulk_create(
            [Unit(name=n, kind=Unit.Kind(guess_unit_kind(n))) for n in sorted(missing)],
            ignore_conflicts=True,
        )
        found.update({u.name: u for u in Unit.objects.filter(name__in=missing)})
    return found
