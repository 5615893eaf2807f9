"""Template helpers of the ledger's admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import result_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList

from ..admin.rows import fast_results

register = template.Library()


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or None: the template language cannot index a dict by a variable."""
    return mapping.get(key) if mapping else None


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
