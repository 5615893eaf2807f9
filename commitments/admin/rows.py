"""The rows of a changelist page, as Django's admin writes them, at a fraction of the cost.

Django's `items_for_result` works each cell out from scratch: it looks the column up (an
exception for every column that is a method), builds the flat choices of a field anew, renders
the action checkbox through the form widgets' templates and reverses the change URL, for each
of 50 rows × 7 columns: about half the time the commitment list takes. Here each column is
worked out once per page and each cell is a plain function call. The HTML is Django's, byte
for byte (tests/admin/test_changelist_rows.py compares them); any column or page this does not
know (list_editable, popups, boolean or date columns...) is left to Django.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import ResultList, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

Cell = Callable[[Any], SafeString]
EMPTY_VALUES: tuple[Any, ...] = (None, "", [], (), {})


class _Unknown(Exception):
    """A column or page these shortcuts do not cover: Django renders the page's rows."""


def fast_results(cl: ChangeList) -> list[ResultList]:
    """`admin_list.results(cl)`, each column worked out once for the page."""
    try:
        cells = _cells(cl)
        return [ResultList(None, [cell(row) for cell in cells]) for row in cl.result_list]
    except _Unknown:
        return list(results(cl))


def _cells(cl: ChangeList) -> list[Cell]:
    if cl.formset or cl.is_popup or cl.to_field or not cl.list_display_links:
        raise _Unknown
    link = _link(cl)
    cells = []
    first_link = True
    for name in cl.list_display:
        if not isinstance(name, str):
            raise _Unknown
        show, classes = _column(cl, name)
        if name in cl.list_display_links:
            cells.append(_linked(show, classes, link, "th" if first_link else "td"))
            first_link = False
        else:
            cells.append(_plain(show, classes))
    return cells


def _plain(show: Callable[[Any], str], classes: str) -> Cell:
    head = mark_safe(f'<td class="{classes}">')

    def cell(row: Any) -> SafeString:
        return SafeString(f"{head}{conditional_escape(show(row))}</td>")

    return cell


def _linked(show: Callable[[Any], str], classes: str, link: Callable[[Any], str], tag: str) -> Cell:
    def cell(row: Any) -> SafeString:
        return SafeString(
            f'<{tag} class="{classes}"><a href="{escape(link(row))}">'
            f"{conditional_escape(show(row))}</a></{tag}>"
        )

    return cell


def _link(cl: ChangeList) -> Callable[[Any], str]:
    """The row's change URL with the list's filters kept, as `url_for_result` and
    `add_preserved_filters` make it (neither depends on the row but for its key)."""
    opts = cl.opts
    try:
        sample = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=("0",),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch as exc:
        raise _Unknown from exc
    head, _zero, tail = sample.rpartition("/0/")
    if not head:
        raise _Unknown
    kept = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": opts}, sample
    ).partition("?")[2]
    query = f"?{kept}" if kept else ""

    def link(row: Any) -> str:
        return f"{head}/{quote(row.pk)}/{tail}{query}"

    return link


def _column(cl: ChangeList, name: str) -> tuple[Callable[[Any], str], str]:
    """How a column shows a row, and its cell's classes."""
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    classes = f"field-{name}"
    if name == "action_checkbox":
        label = gettext("Select this object for an action - {}")

        def checkbox(row: Any) -> str:
            return mark_safe(
                f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" '
                f'value="{escape(row.pk)}" class="action-select" '
                f'aria-label="{format_html(label, row)}">'
            )

        return checkbox, "action-checkbox"
    field: Any
    try:
        field = cl.lookup_opts.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is None:
        method = getattr(model_admin, name, None)
        if not callable(method) or getattr(method, "boolean", False):
            raise _Unknown
        empty = getattr(method, "empty_value_display", empty)

        def call(row: Any) -> str:
            value = method(row)
            if value in EMPTY_VALUES or (isinstance(value, str) and value.strip() == ""):
                return empty
            if not isinstance(value, str):
                raise _Unknown  # dates, numbers ...: Django's formatting and classes
            return value

        return call, classes
    if name != field.name or field.auto_created:
        raise _Unknown  # "unit_id", reverse relations ...
    if isinstance(field, models.ForeignKey):

        def related(row: Any) -> str:
            value = getattr(row, field.name)
            return empty if value is None else str(value)

        return related, f"{classes} nowrap"
    if field.flatchoices and not isinstance(field, (models.DateField, models.TimeField)):
        labels = {value: str(label) for value, label in field.flatchoices}

        def choice(row: Any) -> str:
            return labels.get(getattr(row, field.attname), empty)

        return choice, classes
    raise _Unknown
