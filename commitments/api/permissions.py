"""Who may call what. Visibility (another unit's commitment is a 404) lives in the querysets
returned by commitments.selectors; the roles for each move live in the workflow services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from ..selectors.access import user_may_create_commitments


class CommitmentPermission(IsAuthenticated):
    """Signed-in users read and edit what they can see; only supervisors create."""

    message = _("只有督办人员可以新建承诺事项。")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "create":
            return user_may_create_commitments(request.user)
        return True
