"""Write a parsed speech or notice into the ledger: document, directives, units, commitments.

The text understanding lives in :mod:`commitments.importer` (no database); this module only
decides what to create, update or leave alone. ``document_import_preview`` tells, without
writing, what ``document_import`` would decide; it lives here, beside the decisions it
mirrors, so that the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Concat
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ..importer.errors import SeedError
from ..importer.formats.detect import max_bytes
from ..importer.owners import unit_key
from ..importer.parse import ParsedDirective, ParsedDocument, parse_document
from ..importer.summary import guess_unit_kind, summarize
from ..models import (
    Commitment,
    Directive,
    ImportRecord,
    SourceDocument,
    Unit,
    WebhookSubscription,
)
from .errors import InvalidInput
from .events import commitment_event
from .ledger import commitment_update, unit_name
from .unit_directory import unit_alias_add, units_matching

SECTION_MAX = Directive._meta.get_field("section").max_length or 300
DEADLINE_TEXT_MAX = Directive._meta.get_field("deadline_text").max_length or 200
TITLE_MAX = SourceDocument._meta.get_field("title").max_length or 300
RESPONSIBLE_NAME_MAX = Commitment._meta.get_field("responsible_name").max_length or 100
COMMITMENT_TITLE_MAX = Commitment._meta.get_field("title").max_length or 300


def source_size_check(*, size: int, head: bytes) -> None:
    """Refuse a file above its format's limit (text 4 MB, .docx/.xlsx 20 MB, PDF 30 MB) from
    its size and first bytes alone, so that an oversized file is never read into memory."""
    limit = max_bytes(head)
    if size > limit:
        raise SeedError(
            _("文件过大(%(size)d MB),上限 %(limit)d MB")
            % {"size": size // (1024 * 1024), "limit": limit // (1024 * 1024)}
        )


@dataclass(frozen=True)
class ImportResult:
    document: SourceDocument
    created: bool  # a new document (not a new version of a known one)
    unchanged: bool  # the same bytes or content were imported before: nothing was written
    directive_count: int
    commitment_count: int  # commitments linked to the document's directives after the import
    commitments_created: int = 0
    commitments_updated: int = 0
    ownerless_tasks: int = 0  # tasks nobody is named for: left for the office to assign
    # Paragraphs with a date or a unit's name that gave no task (未识别): for the office to read.
    skipped: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """What the import did, in the user's language: 未变化, 新建 or 已更新."""
        if self.unchanged:
            return _("未变化")
        return _("新建") if self.created else _("已更新")


@transaction.atomic
def document_import(
    *,
    data: bytes,
    name: str = "",
    reference_date: date | None = None,
    overrides: ImportOverrides | None = None,
    user_id: int | None = None,
) -> ImportResult:
    """Import one document; raises ``SeedError`` (before any write) for unusable input.

    Same bytes or same content again: nothing changes.  A changed version of a known document
    (same source name, or same title and date) updates its rows in place, keyed on the
    directive ref, and never touches the status, progress, responsible person or publicity of
    a commitment.

    ``overrides`` are the office's decisions in the import review (see ``ImportOverrides``);
    with them or a ``user_id``, an ``ImportRecord`` keeps who imported and what was changed.
    """
    parsed = parse_document(data, reference_date=reference_date, name=name)
    return document_import_parsed(parsed=parsed, name=name, overrides=overrides, user_id=user_id)


def _same_document(parsed: ParsedDocument) -> SourceDocument | None:
    """The document already imported with these bytes or this content (a Word file saved
    again has new bytes inside its zip, the same words): importing it changes nothing."""
    same = Q(sha256=parsed.sha256)
    if parsed.content_sha256:
        same |= Q(content_sha256=parsed.content_sha256)
    return SourceDocument.objects.filter(same).order_by("-imported_at", "-pk").first()


@transaction.atomic
def document_import_parsed(
    *,
    parsed: ParsedDocument,
    name: str = "",
    overrides: ImportOverrides | None = None,
    user_id: int | None = None,
) -> ImportResult:
    existing = _same_document(parsed)
    if existing is not None:
        return ImportResult(
            document=existing,
            created=False,
            unchanged=True,
            directive_count=existing.directives.count(),
            commitment_count=Commitment.objects.filter(directive__document=existing).count(),
            skipped=parsed.skipped,
        )

    review = _reviewed(parsed, overrides or ImportOverrides())
    parsed = review.parsed
    document = _previous_version(parsed, name)
    created = document is None
    document = _filled(document or SourceDocument(), parsed, name)
    document.save()
    if overrides is not None or user_id is not None:
        ImportRecord.objects.create(document=document, user_id=user_id, changes=review.record)

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

    tasks = [
        item
        for item in parsed.directives
        if item.kind == Directive.Kind.TASK and item.ref not in review.excluded
    ]
    stats["ownerless"] = sum(1 for item in tasks if not item.owners)
    units = _units_by_name({name for item in tasks for name in _unit_names(item)})
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
        lead_name, co_names = _owner_units(item)
        lead = units[lead_name]
        co = [u for u in dict.fromkeys(units[name] for name in co_names) if u.pk != lead.pk]
        commitment = existing_commitments.get(directive.pk)
        if commitment is None:
            new = _new_commitment(document, directive, item, lead)
            new.responsible = review.responsible.get(item.ref) or people.get(item.responsible)
            to_create.append((new, co))
        elif _update_commitment(commitment, item, changes, lead, co):
            stats["updated"] += 1
        if commitment is not None and item.ref in review.responsible:
            commitment_update(
                commitment=commitment, data={"responsible": review.responsible[item.ref]}
            )
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
        skipped=parsed.skipped,
    )


def _filled(document: SourceDocument, parsed: ParsedDocument, name: str) -> SourceDocument:
    """``document`` with the facts the parse found (not saved)."""
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
    document.content_sha256 = parsed.content_sha256
    document.document_number = parsed.document_number[:100]
    return document


@transaction.atomic
def documents_import_parsed(*, items: Sequence[tuple[str, ParsedDocument]]) -> list[ImportResult]:
    """Import many parsed documents, ``(name, parsed)`` in order, with the results that
    ``document_import_parsed`` gives one by one.

    Documents nobody has seen (no same bytes or content, no known name or title, none earlier
    in the batch) are written together, one statement per table for all of them; the others
    (unchanged, new versions) go through ``document_import_parsed`` in their turn.  A folder
    of notices imports several times faster than file by file.
    """
    known = SourceDocument.objects.filter(
        Q(sha256__in={p.sha256 for _, p in items})
        | Q(content_sha256__in={p.content_sha256 for _, p in items})
        | Q(source_name__in={n[:255] for n, _ in items if n})
        | Q(title__in={p.title[:TITLE_MAX] for _, p in items if p.title})
    ).values_list("sha256", "content_sha256", "source_name", "title")
    taken: set[str] = set()
    for row in known:
        taken.update(
            f"{k}:{v}" for k, v in zip("cnst", (row[1], row[2], row[3], row[0]), strict=True)
        )
    results: list[ImportResult | None] = [None] * len(items)
    fresh: list[int] = []
    for i, (name, parsed) in enumerate(items):
        keys = {f"t:{parsed.sha256}", f"c:{parsed.content_sha256}"}
        keys |= {f"n:{name[:255]}"} if name else set()
        keys |= {f"s:{parsed.title[:TITLE_MAX]}"} if parsed.title else set()
        if keys & taken:
            _write_fresh([(j, items[j]) for j in fresh], results)
            fresh = []
            results[i] = document_import_parsed(parsed=parsed, name=name)
        else:
            fresh.append(i)
        taken |= keys
    _write_fresh([(j, items[j]) for j in fresh], results)
    return [r for r in results if r is not None]


def _write_fresh(
    batch: list[tuple[int, tuple[str, ParsedDocument]]], results: list[ImportResult | None]
) -> None:
    """Create new documents with their directives and commitments, a few statements in all."""
    if not batch:
        return
    parsed_docs = [parsed for _index, (_name, parsed) in batch]
    documents = SourceDocument.objects.bulk_create(
        [_filled(SourceDocument(), parsed, name) for _index, (name, parsed) in batch]
    )
    rows = [
        (document, item)
        for document, parsed in zip(documents, parsed_docs, strict=True)
        for item in parsed.directives
    ]
    directives = Directive.objects.bulk_create(
        [Directive(document=d, ref=item.ref, **_directive_fields(item)) for d, item in rows],
        batch_size=2000,
    )
    tasks = [
        (document, directive, item)
        for (document, item), directive in zip(rows, directives, strict=True)
        if item.kind == Directive.Kind.TASK and item.owners
    ]
    units = _units_by_name({n for _d, _r, item in tasks for n in _unit_names(item)})
    people = _users_by_name({item.responsible for _d, _r, item in tasks if item.responsible})
    pairs: list[tuple[Commitment, list[Unit]]] = []
    made: dict[int, int] = {}
    for document, directive, item in tasks:
        lead_name, co_names = _owner_units(item)
        commitment = _new_commitment(document, directive, item, units[lead_name])
        commitment.responsible = people.get(item.responsible)
        pairs.append((commitment, [units[n] for n in co_names]))
        made[document.pk] = made.get(document.pk, 0) + 1
    _create_commitments(pairs)
    for document, parsed, (index, _item) in zip(documents, parsed_docs, batch, strict=True):
        count = made.get(document.pk, 0)
        results[index] = ImportResult(
            document=document,
            created=True,
            unchanged=False,
            directive_count=len(parsed.directives),
            commitment_count=count,
            commitments_created=count,
            ownerless_tasks=sum(1 for d in parsed.of_kind("task") if not d.owners),
            skipped=parsed.skipped,
        )


def _previous_version(
    parsed: ParsedDocument, name: str, *, lock: bool = True
) -> SourceDocument | None:
    """The document this one is a new version of, if any.

    Same source file name *and* the same title or date (a generic name such as 讲话.txt reused
    for another meeting is not a new version), else the same title and date.
    """
    queryset = SourceDocument.objects.order_by("-imported_at", "-pk")
    if lock:
        queryset = queryset.select_for_update()
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


def _owner_units(item: ParsedDirective) -> tuple[str, tuple[str, ...]]:
    """How a task's 责任主体 become a commitment's units: the first owner leads, the other
    owners and the co-owners support (each once, never the lead). ("", ()) without owners."""
    if not item.owners:
        return "", ()
    lead, *rest = (unit_name(n) for n in (*item.owners, *item.co_owners))
    return lead, tuple(n for n in dict.fromkeys(rest) if n != lead)


def _unit_names(item: ParsedDirective) -> tuple[str, ...]:
    lead, co = _owner_units(item)
    return (lead, *co) if lead else ()


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
    """Units for these names: found by name or alias in the unit directory, missing ones
    created (under the directory's form of the name) with a guessed kind."""
    clean = {unit_name(n) for n in names}
    found = units_matching(clean)
    missing = {n: unit_key(n) for n in clean - set(found)}
    if missing:
        # ignore_conflicts: a concurrent import may create the same unit meanwhile.
        Unit.objects.bulk_create(
            [
                Unit(name=key, kind=Unit.Kind(guess_unit_kind(key)))
                for key in sorted(set(missing.values()))
            ],
            ignore_conflicts=True,
        )
        made = {u.name: u for u in Unit.objects.filter(name__in=set(missing.values()))}
        found.update({n: made[key] for n, key in missing.items()})
    return found


# --- the office's review: what it changed in the preview, applied by the import itself ----------


class UnitChoice:
    """What the office decides for a unit name the directory does not know."""

    CREATE = "create"  # a new unit of that name (what an import without review does)
    MAP = "map"  # an existing unit; the name becomes its alias
    NONE = "none"  # not a unit: the tasks naming it lose that owner (no commitment if no other)


@dataclass(frozen=True)
class TaskReview:
    """The office's version of one task. ``None`` (and ``set_deadline=False``) keeps what the
    source says; ``lead=""`` makes the task ownerless (a directive, no commitment)."""

    include: bool = True  # False: the directive is kept, no commitment is made from it
    lead: str | None = None  # a unit's name (or a name the units decisions resolve)
    co: tuple[str, ...] | None = None
    responsible_id: int | None = None
    set_deadline: bool = False
    deadline: date | None = None
    kind: str | None = None  # Directive.Kind


@dataclass(frozen=True)
class AddedTask:
    """A task the office makes from a paragraph the importer skipped (未识别)."""

    paragraph: int  # index in ParsedDocument.skipped
    review: TaskReview


@dataclass(frozen=True)
class ImportOverrides:
    tasks: Mapping[str, TaskReview] = field(default_factory=dict)  # by directive ref
    units: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)  # (UnitChoice, id)
    added: tuple[AddedTask, ...] = ()


@dataclass(frozen=True)
class _Review:
    parsed: ParsedDocument
    excluded: frozenset[str]
    responsible: dict[str, Any]  # ref -> user the office chose
    record: dict[str, Any]  # what changed, for the ImportRecord


ADDED_REF_PREFIX = "补"


def _reviewed(parsed: ParsedDocument, overrides: ImportOverrides) -> _Review:
    """``parsed`` as the office reviewed it; raises ``InvalidInput`` for a decision that
    names a unit or person that does not exist (nothing written yet: the caller's
    transaction rolls back the aliases)."""
    record: dict[str, Any] = {}
    dropped: set[str] = set()
    unit_record: dict[str, Any] = {}
    for raw_name, (choice, unit_id) in overrides.units.items():
        unit_record[raw_name] = {"choice": choice}
        if choice == UnitChoice.NONE:
            dropped.add(unit_name(raw_name))
        elif choice == UnitChoice.MAP:
            unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
            if unit is None:
                raise InvalidInput(_("所选责任主体不存在:%(name)s") % {"name": raw_name})
            unit_alias_add(unit=unit, name=unit_name(raw_name))
            unit_record[raw_name]["unit"] = unit.name
    if unit_record:
        record["units"] = unit_record

    user_ids = {r.responsible_id for r in overrides.tasks.values() if r.responsible_id}
    user_ids |= {a.review.responsible_id for a in overrides.added if a.review.responsible_id}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True)}
    if user_ids - set(users):
        raise InvalidInput(_("所选责任人不存在或已停用"))

    excluded: set[str] = set()
    responsible: dict[str, Any] = {}
    task_record: dict[str, Any] = {}
    directives = []
    for item in parsed.directives:
        review = overrides.tasks.get(item.ref)
        new = _with_review(item, review, dropped) if review else _without(item, dropped)
        if review is not None:
            if not review.include:
                excluded.add(item.ref)
            if review.responsible_id:
                responsible[item.ref] = users[review.responsible_id]
            changed = _differences(item, new, review, users)
            if changed:
                task_record[item.ref] = changed
        directives.append(new)
    if excluded:
        record["excluded"] = sorted(excluded)
    if task_record:
        record["tasks"] = task_record

    added_record = []
    for number, added in enumerate(overrides.added, start=1):
        if not 0 <= added.paragraph < len(parsed.skipped):
            raise InvalidInput(_("所选未识别段落不存在,请重新上传文件。"))
        text = parsed.skipped[added.paragraph]
        start = max(parsed.cleaned_text.find(text), 0)
        blank = ParsedDirective(
            ref=f"{ADDED_REF_PREFIX}{number}",
            section="",
            text=text,
            owners=(),
            deadline=None,
            deadline_text="",
            deadline_pending=False,
            kind=Directive.Kind.TASK,
            span=(start, start + len(text)),
            normalized_text=text,
        )
        item = _with_review(blank, added.review, dropped)
        if added.review.responsible_id:
            responsible[item.ref] = users[added.review.responsible_id]
        directives.append(item)
        added_record.append(
            {"ref": item.ref, "text": text[:200], **_differences(blank, item, added.review, users)}
        )
    if added_record:
        record["added"] = added_record
    skipped = tuple(
        p for i, p in enumerate(parsed.skipped) if i not in {a.paragraph for a in overrides.added}
    )
    return _Review(
        parsed=replace(parsed, directives=tuple(directives), skipped=skipped),
        excluded=frozenset(excluded),
        responsible=responsible,
        record=record,
    )


def _without(item: ParsedDirective, dropped: set[str]) -> ParsedDirective:
    """The directive without the names the office said are not units."""
    if not dropped:
        return item
    owners = tuple(n for n in item.owners if unit_name(n) not in dropped)
    co = tuple(n for n in item.co_owners if unit_name(n) not in dropped)
    if (owners, co) == (item.owners, item.co_owners):
        return item
    if not owners and co:  # the first remaining unit leads, as in _owner_units
        owners, co = co[:1], co[1:]
    return replace(item, owners=owners, co_owners=co)


def _with_review(item: ParsedDirective, review: TaskReview, dropped: set[str]) -> ParsedDirective:
    changes: dict[str, Any] = {}
    if review.lead is not None:
        changes["owners"] = (review.lead,) if review.lead else ()
        changes["owners_inherited"] = False
    if review.co is not None:
        changes["co_owners"] = tuple(review.co)
    if review.set_deadline and review.deadline != item.deadline:
        changes["deadline"] = review.deadline
        changes["deadline_pending"] = False
    if review.kind and review.kind != item.kind:
        changes["kind"] = review.kind
    if review.responsible_id:
        changes["responsible"] = ""
    # A name the office said is no unit goes even where the review still picks it.
    item = _without(replace(item, **changes) if changes else item, dropped)
    if not item.owners and item.co_owners:
        item = replace(item, owners=item.co_owners[:1], co_owners=item.co_owners[1:])
    return item


def _differences(
    before: ParsedDirective, after: ParsedDirective, review: TaskReview, users: dict[int, Any]
) -> dict[str, Any]:
    """{field: [source, office]} for what the office changed in one task."""
    out: dict[str, Any] = {}
    lead_before, co_before = _owner_units(before)
    lead_after, co_after = _owner_units(after)
    if lead_before != lead_after:
        out["lead"] = [lead_before, lead_after]
    if co_before != co_after:
        out["co"] = [list(co_before), list(co_after)]
    if before.deadline != after.deadline:
        out["deadline"] = [
            before.deadline.isoformat() if before.deadline else None,
            after.deadline.isoformat() if after.deadline else None,
        ]
    if before.kind != after.kind:
        out["kind"] = [before.kind, after.kind]
    if review.responsible_id:
        user = users[review.responsible_id]
        # 姓名, surname first, as the office writes it.
        out["responsible"] = [
            before.responsible,
            f"{user.last_name}{user.first_name}" or user.username,
        ]
    return out


# --- preview: what document_import would do, without writing ------------------------------------


class ImportOutcome:
    NEW = "new"  # a new document
    UPDATE = "update"  # a new version of a known document: updated in place
    UNCHANGED = "unchanged"  # these bytes or this content were imported before: no change


@dataclass(frozen=True)
class PlannedCommitment:
    """One task directive of the file and what the import makes of it."""

    directive: ParsedDirective
    title: str  # the commitment's title ("" when no commitment is made: no owner)
    lead_unit: str
    co_units: tuple[str, ...]
    new_units: frozenset[str]  # which of lead_unit / co_units do not exist yet
    responsible: Any  # the user the 责任人 name stands for, or None
    responsible_name: str  # the name as the source writes it
    exists: bool  # a new version: this directive already has a commitment (kept, synced)
    warnings: tuple[str, ...]
    # The directory's names for lead_unit / co_units (an alias gives its unit's name).
    lead_choice: str = ""
    co_choices: tuple[str, ...] = ()

    @property
    def makes_commitment(self) -> bool:
        return bool(self.lead_unit)

    @property
    def report_cycle_label(self) -> str:
        cycle = self.directive.report_cycle
        return str(Commitment.ReportCycle(cycle).label) if cycle else ""


@dataclass(frozen=True)
class ImportPreview:
    parsed: ParsedDocument
    name: str
    outcome: str  # ImportOutcome
    document: SourceDocument | None  # the known document (UPDATE, UNCHANGED)
    tasks: tuple[PlannedCommitment, ...]
    new_units: tuple[str, ...]
    quoted_count: int
    context_count: int
    directives_removed: int  # UPDATE: directives of the old version not in this one
    warnings: tuple[str, ...]  # about the document as a whole
    aliased: dict[str, str] = field(default_factory=dict)  # name in the file -> unit, by alias

    @property
    def format_label(self) -> str:
        labels = {"text": _("文本"), "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "pdf": "PDF"}
        return labels.get(self.parsed.source_format, self.parsed.source_format)

    @property
    def is_new(self) -> bool:
        return self.outcome == ImportOutcome.NEW

    @property
    def is_update(self) -> bool:
        return self.outcome == ImportOutcome.UPDATE

    @property
    def is_unchanged(self) -> bool:
        return self.outcome == ImportOutcome.UNCHANGED

    @property
    def commitments_new(self) -> int:
        return sum(1 for t in self.tasks if t.makes_commitment and not t.exists)

    @property
    def commitments_kept(self) -> int:
        return sum(1 for t in self.tasks if t.makes_commitment and t.exists)

    @property
    def ownerless(self) -> int:
        return sum(1 for t in self.tasks if not t.makes_commitment)


def document_import_preview(*, parsed: ParsedDocument, name: str = "") -> ImportPreview:
    """What ``document_import_parsed(parsed=parsed, name=name)`` would do now, read-only.

    The database may change before the import is confirmed (another import, a new unit); the
    import then decides afresh, so this is a forecast, exact when nothing else happened.
    """
    counts = {kind: len(parsed.of_kind(kind)) for kind in ("quoted", "context")}
    existing = _same_document(parsed)
    if existing is not None:
        return ImportPreview(
            parsed=parsed,
            name=name,
            outcome=ImportOutcome.UNCHANGED,
            document=existing,
            tasks=(),
            new_units=(),
            quoted_count=counts["quoted"],
            context_count=counts["context"],
            directives_removed=0,
            warnings=(),
        )
    previous = _previous_version(parsed, name, lock=False)
    old_refs: dict[str, int] = {}
    with_commitment: set[int] = set()
    if previous is not None:
        old_refs = dict(previous.directives.values_list("ref", "pk"))
        with_commitment = set(
            Commitment.objects.filter(directive__document=previous).values_list(
                "directive_id", flat=True
            )
        )
    tasks = [item for item in parsed.directives if item.kind == Directive.Kind.TASK]
    names = {name for item in tasks for name in _unit_names(item)}
    matches = units_matching(names)
    people = _users_by_name({item.responsible for item in tasks if item.responsible})
    planned = [
        _plan(item, matches, people, old_refs.get(item.ref) in with_commitment) for item in tasks
    ]
    warnings = []
    if not parsed.title:
        warnings.append(_("未识别出文件标题"))
    if parsed.reference_date is None and any(t.directive.deadline_text for t in planned):
        warnings.append(_("文件中没有讲话或印发日期:“年内”“三个月内”等相对时限无法换算成日期"))
    ownerless = sum(1 for t in planned if not t.makes_commitment)
    if ownerless:
        warnings.append(
            _("%(n)d 条工作任务未识别出责任主体,只记为工作指示,不生成承诺事项") % {"n": ownerless}
        )
    kept_refs = {item.ref for item in parsed.directives}
    return ImportPreview(
        parsed=parsed,
        name=name,
        outcome=ImportOutcome.NEW if previous is None else ImportOutcome.UPDATE,
        document=previous,
        tasks=tuple(planned),
        new_units=tuple(sorted(names - set(matches))),
        aliased={n: u.name for n, u in matches.items() if u.name != n},
        quoted_count=counts["quoted"],
        context_count=counts["context"],
        directives_removed=sum(1 for ref in old_refs if ref not in kept_refs),
        warnings=tuple(warnings),
    )


def _plan(
    item: ParsedDirective, matches: dict[str, Unit], people: dict[str, Any], exists: bool
) -> PlannedCommitment:
    lead, co_units = _owner_units(item)
    user = people.get(item.responsible) if item.responsible else None
    warnings: list[str] = []
    if not lead:
        warnings.append(_("未识别出责任主体,不生成承诺事项,请导入后人工指定"))
    elif item.owners_inherited:
        warnings.append(_("责任主体由上文承接而来,请核对"))
    if item.deadline_pending:
        warnings.append(
            _("时限待定:原文“%(text)s”未给出具体日期") % {"text": item.deadline_text}
            if item.deadline_text
            else _("时限待定:原文要求限期但未给出日期")
        )
    if item.responsible and user is None:
        warnings.append(
            _("责任人“%(name)s”没有唯一对应的用户账号,按原文记录") % {"name": item.responsible}
        )
    if item.milestone:
        warnings.append(_("一行两个时限,按“%(step)s”拆为单独事项") % {"step": item.milestone})
    return PlannedCommitment(
        directive=item,
        title=_title(item) if lead else "",
        lead_unit=lead,
        co_units=co_units,
        new_units=frozenset(n for n in (lead, *co_units) if n and n not in matches),
        lead_choice=matches[lead].name if lead in matches else lead,
        co_choices=tuple(matches[n].name if n in matches else n for n in co_units),
        responsible=user,
        responsible_name=item.responsible,
        exists=exists,
        warnings=tuple(warnings),
    )
