"""Token authentication that also knows whether the caller is a supervisor.

Kept apart from the views: DRF imports authentication classes while it is still importing its
own views module.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from ..selectors.access import SUPERVISOR_FLAG, supervisor_flag_expression

_KEY_PLACEHOLDER = "\x00token-key\x00"


@functools.cache
def _user_by_token_sql(alias: str, vendor: str) -> tuple[str, tuple[Any, ...], int]:
    """The SQL of "the token's user, and whether they are a supervisor", compiled once.

    Every API request runs this lookup; building it through the ORM each time cost about a
    millisecond, several times what the database needs to answer it. The statement is the ORM's
    own (so a custom user model or table names still work), only its compilation is reused.
    """
    query = (
        get_user_model()
        .objects.using(alias)
        .filter(auth_token__key=_KEY_PLACEHOLDER)
        .annotate(**{SUPERVISOR_FLAG: supervisor_flag_expression()})
        .query
    )
    sql, params = query.sql_with_params()
    return sql, params, params.index(_KEY_PLACEHOLDER)


def user_by_token(key: str, *, alias: str = "default") -> Any | None:
    """The user holding `key` (active or not), supervisor flag set; None if no such token."""
    sql, params, position = _user_by_token_sql(alias, connections[alias].vendor)
    bound = list(params)
    bound[position] = key
    # raw(), not a bare cursor: it applies the backend's converters (aware datetimes on SQLite).
    users = list(get_user_model().objects.using(alias).raw(sql, bound))
    return users[0] if users else None


class LedgerTokenAuthentication(TokenAuthentication):
    """DRF's token check, reading in the same query whether the user is a supervisor.

    Nearly every API request asks `user_is_supervisor` (visibility, roles, writable fields);
    answering it here saves a database round trip per request.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user = user_by_token(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The token row itself holds nothing more than its key and owner.
        return user, Token(key=key, user=user)
