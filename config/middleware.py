"""Project-wide middleware: request ids, probes, and the content security policy."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .log_context import request_id_var

Handler = Callable[[HttpRequest], HttpResponse]

access_log = logging.getLogger("ledger.request")

# An incoming id is reused only if it is short and plain, so a client cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID if sane), log it and send it back."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before host validation and the HTTPS redirect.

    Container and load-balancer probes call the process by its internal address over plain
    HTTP; they would otherwise get 400 (unknown Host) or 301 (to https) instead of an answer.
    Probes send no cookies; a browser of a signed-in person does.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import health

        if request.method in ("GET", "HEAD"):
            if request.path == "/healthz":
                return health.healthz(request)
            # With a session cookie it may be the office asking for details: that request goes
            # through sessions and authentication (config.urls routes /readyz too).
            if request.path == "/readyz" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
                return health.readyz(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY (Django 5.2 has no built-in CSP) on every page.

    One policy for the whole site, the API docs included (Swagger UI is served from our own
    static files); a view that sets its own header keeps it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and header not in response:
            response[header] = policy
        return response
