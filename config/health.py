"""Probes: /healthz says the process is alive, /readyz that it can reach its database and broker.

Served by config.middleware.HealthCheckMiddleware, ahead of host checks and redirects. Anyone
may probe, so /readyz tells a caller only ``ok`` or ``unavailable``: what failed and why (a
broker's host and port, a database error) goes to the log, and into the answer only for the
office signed in to the admin (that request takes the full middleware stack, see the
middleware).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from kombu import Connection

logger = logging.getLogger("ledger.health")

_MESSAGES = {
    "database": "数据库不可用",
    "broker": "消息队列(Celery broker)不可用",
}


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    failed = [name for name, error in checks.items() if error]
    body: dict[str, object] = {"status": "unavailable" if failed else "ok"}
    if failed:
        logger.warning("not ready: %s", ", ".join(f"{n}: {checks[n]}" for n in failed))
    if _is_office(request):
        body["checks"] = {name: (error or "ok") for name, error in checks.items()}
        if failed:
            body["failed"] = failed
            body["message"] = ";".join(_MESSAGES[name] for name in failed)
    return JsonResponse(
        body, status=503 if failed else 200, json_dumps_params={"ensure_ascii": False}
    )


def _is_office(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)  # only set when the request took the full stack
    if user is None:
        return False
    from commitments.selectors.access import user_is_supervisor

    try:
        return user_is_supervisor(user)
    except Exception:  # the database that holds sessions and users may be what is down
        return False


def _describe(exc: BaseException) -> str:
    # The class and message, never the URL: broker and database URLs may hold passwords.
    return f"{type(exc).__name__}: {exc}"[:300]


def _check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _describe(exc)
    return None


def _check_broker() -> str | None:
    timeout = float(getattr(settings, "READYZ_BROKER_TIMEOUT", 2.0))
    connection = Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={
            **(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}),
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "max_retries": 1,
        },
    )
    try:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
        )
    except Exception as exc:
        return _describe(exc)
    finally:
        connection.release()
    return None
