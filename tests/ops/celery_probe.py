"""A task for tests only: the worker under test imports it with `-I tests.ops.celery_probe`."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)


@shared_task(name="tests.ops.log_probe")
def log_probe(*, commitment_id: int) -> None:
    logger.info("正在处理承诺事项")
