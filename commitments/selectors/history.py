"""A record's change history as an office clerk reads it: who, when (local time, to the
minute), which move and why, and each changed field by its Chinese label with the old and the
new value in words ("—" for nothing)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from ..people import person_name

EMPTY = "—"
# save_move writes "<move>:<reason>" (either colon), or just "<move>".
_REASON = re.compile(r"^(?P<what>[^:：]{1,20})[:：](?P<why>.*)$", re.S)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: str
    who: str
    what: str
    why: str
    changes: list[Change] = field(default_factory=list)


def _words(value: Any, model_field: Any, names: dict[tuple[Any, Any], str]) -> str:
    if value in (None, "", []):
        return EMPTY
    if isinstance(model_field, models.ManyToManyField):
        target = model_field.related_model
        column = model_field.m2m_reverse_field_name()
        ids = [row.get(column) if isinstance(row, dict) else row for row in value]
        return "、".join(names.get((target, i), str(i)) for i in ids) or EMPTY
    if isinstance(model_field, models.ForeignKey):
        return names.get((model_field.related_model, value), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _related_names(model: type[models.Model], diffs: list[Any]) -> dict[tuple[Any, Any], str]:
    """{(model, pk): its name} for every related object the diffs mention, a query per model."""
    wanted: dict[Any, set[Any]] = defaultdict(set)
    for diff in diffs:
        for change in diff:
            model_field = model._meta.get_field(change.field)
            if isinstance(model_field, models.ManyToManyField):
                column = model_field.m2m_reverse_field_name()
                for value in (change.old or [], change.new or []):
                    wanted[model_field.related_model].update(
                        row.get(column) if isinstance(row, dict) else row for row in value
                    )
            elif isinstance(model_field, models.ForeignKey):
                wanted[model_field.related_model].update(
                    v for v in (change.old, change.new) if v is not None
                )
    names: dict[tuple[Any, Any], str] = {}
    for target, ids in wanted.items():
        for pk, obj in target._default_manager.in_bulk(list(ids)).items():
            names[(target, pk)] = str(obj)
    return names


def history_rows(records: Any, model: type[models.Model]) -> dict[int, HistoryRow]:
    """{history id: the row}, for `records` (one object's historical records)."""
    ordered = list(records.order_by("history_date", "history_id").select_related("history_user"))
    kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    diffs: list[Any] = []
    for previous, record in zip([None, *ordered], ordered, strict=False):
        diffs.append(record.diff_against(previous).changes if previous is not None else [])
    names = _related_names(model, diffs)
    rows: dict[int, HistoryRow] = {}
    for record, changes in zip(ordered, diffs, strict=True):
        reason = (record.history_change_reason or "").strip()
        match = _REASON.match(reason)
        what, why = (match["what"], match["why"].strip()) if match else (reason, "")
        rows[record.history_id] = HistoryRow(
            when=timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M"),
            who=person_name(record.history_user) if record.history_user else EMPTY,
            what=what or str(kinds.get(record.history_type, EMPTY)),
            why=why or EMPTY,
            changes=[_change(model, c, names) for c in changes],
        )
    return rows


def _change(model: type[models.Model], change: Any, names: dict[tuple[Any, Any], str]) -> Change:
    model_field: Any = model._meta.get_field(change.field)
    return Change(
        label=str(model_field.verbose_name),
        old=_words(change.old, model_field, names),
        new=_words(change.new, model_field, names),
    )
