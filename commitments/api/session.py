"""Session authentication for the browsable API, with its CSRF refusal in the caller's language.

Kept apart from the views, like authentication.py: DRF imports authentication classes while it
is still importing its own views module.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class LedgerSessionAuthentication(SessionAuthentication):
    """DRF's session authentication; its "CSRF Failed: ..." is English in every language."""

    def enforce_csrf(self, request: Any) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            # Django's reason ("CSRF token missing.") is fixed English; it stays as the detail.
            reason = str(exc.detail).removeprefix("CSRF Failed: ")
            raise exceptions.PermissionDenied(
                _("CSRF 校验失败(请刷新页面后重试):%(reason)s") % {"reason": reason}
            ) from exc


class LedgerSessionScheme(SessionScheme):
    """In the schema it stays cookieAuth, like DRF's own session authentication."""

    target_class = "commitments.api.session.LedgerSessionAuthentication"
