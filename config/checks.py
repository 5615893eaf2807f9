"""Start-up warnings about settings that only work on one machine."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def local_broker_with_shared_database() -> str | None:
    """Why the filesystem broker is wrong here, when the database is a server (shared by
    several machines) but Celery's queue is a folder on this one; else None."""
    engine = settings.DATABASES["default"]["ENGINE"]
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if "postgresql" not in engine or not broker.startswith("filesystem://"):
        return None
    return (
        "The database is PostgreSQL but CELERY_BROKER_URL is the filesystem broker (var/broker/ "
        "on this machine): tasks queued here reach only workers on this machine. The filesystem "
        "broker is for the embedded mode; set CELERY_BROKER_URL=redis://… or amqp://…"
    )


def check_broker(**_: Any) -> list[CheckMessage]:
    problem = local_broker_with_shared_database()
    return [Warning(problem, id="ledger.W001")] if problem else []
