"""Rate limits for anonymous callers and scripts using a token.

A rate limit keeps one caller from hogging the API; it is not a defence against password
guessing (django-axes handles that at authentication). People in the browsable API (session)
are not limited.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RateFromSettingsMixin:
    scope: str

    def get_rate(self) -> str | None:
        # DRF copies the rates when the module is imported; read them per request instead so
        # a settings change (tests, a reload) applies.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)


class AnonBurstThrottle(_RateFromSettingsMixin, AnonRateThrottle):
    scope = "anon"


class TokenUserThrottle(_RateFromSettingsMixin, UserRateThrottle):
    scope = "token"

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, Token):
            return True
        return super().allow_request(request, view)
