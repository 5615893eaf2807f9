"""The admin home as a 工作台, and the menu with the ledger first.

The stock admin home lists apps alphabetically (AXES and 周期任务 above the ledger) and counts
nothing. Here the home shows what waits for the person who opens it (selectors.workbench), and
every menu lists the ledger first, the accounts next and the machinery (login lockouts,
periodic tasks, API tokens) last.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ..selectors.office import office_today
from ..selectors.workbench import workbench_tiles

# Apps in menu order; any other app follows these.
APP_ORDER = ["commitments", "auth", "axes", "django_celery_beat", "authtoken"]
# The ledger's own models in the order a clerk needs them.
MODEL_ORDER = [
    "Commitment",
    "Notice",
    "DeadlineExtension",
    "ProgressUpdate",
    "Evidence",
    "SourceDocument",
    "Directive",
    "Unit",
    "RankingSnapshot",
    "ReminderLog",
    "ReminderMessage",
    "ReminderSweep",
    "CalendarToken",
    "WebhookSubscription",
    "WebhookDelivery",
]

_stock_index = admin.site.index
_stock_app_list = admin.site.get_app_list


def _rank(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def get_app_list(request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
    apps = _stock_app_list(request, app_label)
    apps.sort(key=lambda app: (_rank(APP_ORDER, app["app_label"]), app["name"]))
    for app in apps:
        if app["app_label"] == "commitments":
            app["models"].sort(key=lambda m: (_rank(MODEL_ORDER, m["object_name"]), m["name"]))
    return apps


def index(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
    tiles = workbench_tiles(request.user, today=office_today())
    return _stock_index(request, {**(extra_context or {}), "workbench": tiles})


admin.site.get_app_list = get_app_list  # type: ignore[method-assign]
admin.site.index = index  # type: ignore[method-assign]
