"""Brute-force protection on every login (admin, DRF session and token logins) via django-axes."""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies wrote it.

    Each trusted proxy appends the address it received the request from, so with N trusted
    proxies the client is the N-th entry from the right; anything further left was written by
    the client itself and could be forged to dodge the lockout.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        # Fewer hops than proxies: the request did not come through them.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class LoginAttemptBackend(AxesStandaloneBackend):
    """Axes' lockout check, skipped when there is no HTTP request to attribute the attempt to.

    Only code without a client calls authenticate() without a request (Django's test client
    login(), shell scripts); axes would raise there instead of letting ModelBackend answer.
    Every web login (admin, DRF's login view and token endpoint) passes the request.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
