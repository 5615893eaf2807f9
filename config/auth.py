"""Brute-force protection on every login (admin, DRF session and token logins) via django-axes."""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off, get_lockout_message
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


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
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            _flag_lockout(request)
            raise


def _flag_lockout(request: Any) -> None:
    # DRF hands authenticate() its own Request wrapper; axes flags that wrapper, but
    # AxesMiddleware looks at Django's request, so the token login would answer a bland 400
    # instead of the lockout message. Flag the wrapped request too.
    inner = getattr(request, "_request", None)
    if isinstance(inner, HttpRequest):
        inner.axes_locked_out = True  # type: ignore[attr-defined]
        inner.axes_credentials = getattr(request, "axes_credentials", None)  # type: ignore[attr-defined]


# Connected on import; Django imports this module (the first authentication backend) before
# the first login attempt can fail, so no lockout is missed.
@receiver(user_locked_out)
def _flag_lockout_of_api_login(sender: object, request: Any = None, **kwargs: Any) -> None:
    _flag_lockout(request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 for a locked-out login: JSON for the API, the admin's look for people.

    Retry-After tells scripts when to try again (django-axes' AXES_LOCKOUT_CALLABLE).
    """
    message = str(get_lockout_message())
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "retry_after_seconds": seconds},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        context = {
            **admin.site.each_context(request),
            "title": _("登录已暂时锁定"),
            "message": message,
            "cooloff_minutes": -(-seconds // 60) if seconds else None,
        }
        response = TemplateResponse(request, "admin/ledger_lockout.html", context, status=429)
        response.render()
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
