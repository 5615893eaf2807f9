"""Rate limits for anonymous callers and scripts using a token.

A rate limit keeps one caller from hogging the API; it is not a defence against password
guessing (django-axes handles that at authentication). People in the browsable API (session)
are not limited.

DRF's own throttles keep a list of timestamps that each request reads, extends and writes
back: two web processes doing that at once lose one another's request (1,419 of 1,500
concurrent requests passed a limit of 1,200). Here each caller has one counter per window,
raised by the cache's atomic increment, and the caller's address is the one the login lockout
sees (``config.auth.client_ip``), so a forged X-Forwarded-For does not make a new caller.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.auth import client_ip


def window_count(cache: BaseCache, key: str, seconds: int) -> int:
    """Add one to the counter ``key`` that lives ``seconds``; the count including this call.

    On Redis one round trip: INCR, and EXPIRE only when the counter has none yet (NX), in a
    MULTI block, so no request is lost and a counter never outlives its window. Other caches
    (the in-process one without CACHE_URL) increment under their own lock.
    """
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        # Django's RedisCache has no atomic increment-with-expiry; its client (redis-py) does.
        client = cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
        with client.pipeline(transaction=True) as pipe:
            pipe.incr(full_key)
            pipe.expire(full_key, seconds, nx=True)
            count, _expiry_set = pipe.execute()
        return int(count)
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 0, seconds)
        return cache.incr(key)


class _AtomicWindowMixin:
    scope: str
    rate: str | None
    num_requests: int
    duration: int
    cache: BaseCache
    timer: Any

    def get_rate(self) -> str | None:
        # DRF copies the rates when the module is imported; read them per request instead so
        # a settings change (tests, a reload) applies.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return None if rate is None else str(rate)

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        return window_count(self.cache, f"{key}:{window}", self.duration) <= self.num_requests

    def wait(self) -> float | None:
        return math.ceil(self.retry_after)


class AnonBurstThrottle(_AtomicWindowMixin, AnonRateThrottle):
    scope = "anon"


class TokenUserThrottle(_AtomicWindowMixin, UserRateThrottle):
    scope = "token"

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, Token):
            return True
        return super().allow_request(request, view)
