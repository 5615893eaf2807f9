"""The links the ledger sends out (e-mails, group robots, webhooks, calendar feeds).

Absolute, and to the commitment's admin page: that is what a clerk opens; the API address
means nothing to them.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import reverse

_MARKER = 987654321


def commitment_admin_url_pattern() -> str:
    """The admin page of a commitment with "{}" where its id goes: a digest writes thousands of
    links, and one `reverse` per link was a measurable part of composing it."""
    return _pattern(settings.SITE_URL)


@lru_cache(maxsize=4)
def _pattern(site_url: str) -> str:
    path = reverse("admin:commitments_commitment_change", args=[_MARKER])
    return (site_url + path).replace(str(_MARKER), "{}")


def commitment_admin_url(commitment_id: int) -> str:
    """The admin page of this commitment, absolute."""
    return commitment_admin_url_pattern().format(commitment_id)
