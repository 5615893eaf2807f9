"""What every log line carries: the request id in web processes, the task and commitment in workers.

Context variables (not thread locals) so the values follow the code into async views and stay
per-task in Celery's threaded pools. A handler filter copies them onto each record, so even
records from third-party loggers (Django, Celery, kombu) are labelled.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)
commitment_id_var: ContextVar[str | None] = ContextVar("commitment_id", default=None)

CONTEXT_FIELDS = ("request_id", "task_id", "commitment_id")
_VARS = {
    "request_id": request_id_var,
    "task_id": task_id_var,
    "commitment_id": commitment_id_var,
}
# Attributes every LogRecord has; anything else on a record came from `extra=` and is worth keeping.
_RECORD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", *CONTEXT_FIELDS}


class ContextFilter(logging.Filter):
    """Label the record with the current request/task/commitment ("-" when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            # A value passed explicitly with extra= wins over the ambient context.
            if getattr(record, name, None) in (None, "-"):
                setattr(record, name, var.get() or "-")
        return True


class DemoteToDebug(logging.Filter):
    """A library's start-up banner logged at INFO (django-axes' "AXES: BEGIN version …" in
    every process, so on every manage.py command's terminal) is a DEBUG line here: shown only
    with LOG_LEVEL=DEBUG. Put on the logger that only says such things."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, "-")
            if value not in (None, "-"):
                payload[name] = value
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


# Tokens of the context a task replaced, so an eager task run inside a request (or a task
# called from a task) hands the caller's ids back when it ends.
_task_tokens: dict[str, list[Token[str | None]]] = {}


def bind_task(
    *, task_id: str | None, kwargs: dict[str, Any] | None, request_id: str | None = None
) -> None:
    """Called when a Celery task starts: its logs then carry the task and commitment ids, and
    the id of the web request that queued it, if any."""
    commitment_id = (kwargs or {}).get("commitment_id")
    tokens = [
        task_id_var.set(task_id),
        commitment_id_var.set(str(commitment_id) if commitment_id is not None else None),
    ]
    if request_id:
        tokens.append(request_id_var.set(request_id))
    _task_tokens[task_id or ""] = tokens


def unbind_task(*, task_id: str | None) -> None:
    for token in reversed(_task_tokens.pop(task_id or "", [])):
        token.var.reset(token)
