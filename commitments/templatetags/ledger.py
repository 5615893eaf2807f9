"""Template helpers of the ledger's admin pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.contrib.admin.templatetags.admin_list import result_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..admin.rows import fast_results

if TYPE_CHECKING:
    from ..selectors.statistics import PerformanceRow

register = template.Library()


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or None: the template language cannot index a dict by a variable."""
    return mapping.get(key) if mapping else None


@register.filter
def performance_cells(row: PerformanceRow) -> SafeString:
    """A 业绩榜 row's figures as table cells: total, open, overdue, on time, late, rate."""
    figures = (row.total, row.open, row.overdue, row.done_on_time, row.done_late)
    return format_html(
        '{}<td class="num">{}%</td>',
        format_html_join("", '<td class="num">{}</td>', ((localize(n),) for n in figures)),
        localize(row.completion_percent),
    )


def _ledger_result_list(cl: ChangeList) -> dict[str, Any]:
    """The admin's `result_list`, its rows written by `admin.rows.fast_results`."""
    cl_results = cl.result_list
    # Django's result_list builds the rows too: give it none, then the fast ones.
    cl.result_list = []
    try:
        context = result_list(cl)
    finally:
        cl.result_list = cl_results
    context["results"] = fast_results(cl)
    return context


@register.tag(name="ledger_result_list")
def ledger_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    """{% ledger_result_list cl %}: as {% result_list cl %} (same templates)."""
    return InclusionAdminNode(
        parser,
        token,
        func=_ledger_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
