import os

from celery import Celery
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("ledger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's filesystem transport does not create its folders itself. Read Django's settings,
    # not sender.conf: touching the app's conf while it is being configured recurses.
    from pathlib import Path

    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@setup_logging.connect
def _use_django_logging(**_: object) -> None:
    # Workers and beat log through settings.LOGGING (same format, LOG_FORMAT=json, context
    # fields) instead of Celery's own handlers; LOG_LEVEL sets the level, not --loglevel.
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_init.connect
def _warn_about_a_local_broker(**_: object) -> None:
    # Workers run no system checks, and they are the ones a local queue leaves idle.
    import logging

    from .checks import local_broker_with_shared_database

    if problem := local_broker_with_shared_database():
        logging.getLogger("config.celery").warning(problem)


@before_task_publish.connect
def _pass_request_id(headers: dict | None = None, **_: object) -> None:
    # A task queued while serving a request carries that request's id into the worker's logs.
    from .log_context import request_id_var

    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _bind_task_log_context(
    task_id: str | None = None,
    task: object = None,
    kwargs: dict | None = None,
    **_: object,
) -> None:
    # Lets every log line of the task say which commitment it was working on.
    from .log_context import bind_task

    request = getattr(task, "request", None)
    bind_task(task_id=task_id, kwargs=kwargs, request_id=getattr(request, "request_id", None))


@task_postrun.connect
def _unbind_task_log_context(task_id: str | None = None, **_: object) -> None:
    from .log_context import unbind_task

    unbind_task(task_id=task_id)
