"""Template helpers of the ledger's admin pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or None: the template language cannot index a dict by a variable."""
    return mapping.get(key) if mapping else None
