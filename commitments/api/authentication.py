"""Token authentication that also knows whether the caller is a supervisor.

Kept apart from the views: DRF imports authentication classes while it is still importing its
own views module.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..selectors import SUPERVISOR_FLAG, supervisor_flag_expression


class LedgerTokenAuthentication(TokenAuthentication):
    """DRF's token check, reading in the same query whether the user is a supervisor.

    Nearly every API request asks `user_is_supervisor` (visibility, roles, writable fields);
    answering it here saves a database round trip per request.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model: Any = self.get_model()
        try:
            token = (
                model.objects.select_related("user")
                .annotate(user_is_supervisor=supervisor_flag_expression())
                .get(key=key)
            )
        except model.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        setattr(token.user, SUPERVISOR_FLAG, token.user_is_supervisor)
        return token.user, token
