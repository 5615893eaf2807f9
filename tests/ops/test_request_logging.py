"""Request ids on responses and in every log line; JSON log lines; the CSP header."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client, override_settings

from config.log_context import (
    ContextFilter,
    JsonFormatter,
    bind_task,
    request_id_var,
    unbind_task,
)

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_fresh_request_id():
    client = Client()

    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/public/")["X-Request-ID"]

    assert len(first) == 32 and len(second) == 32
    assert first != second


def test_the_proxys_request_id_is_kept():
    response = Client().get("/public/", headers={"x-request-id": "edge-7f3a.42"})

    assert response["X-Request-ID"] == "edge-7f3a.42"


def test_a_request_id_that_could_forge_log_lines_is_replaced():
    response = Client().get("/public/", headers={"x-request-id": "x\tlevel=ERROR forged"})

    assert response["X-Request-ID"] != "x\tlevel=ERROR forged"
    assert len(response["X-Request-ID"]) == 32


@pytest.fixture
def console_output():
    """What the configured console handler (settings.LOGGING) writes, filter and format included."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_log_lines_written_during_a_request_name_its_request_id(console_output):
    Client().get("/public/", headers={"x-request-id": "trace-me-123"})

    lines = console_output.getvalue().splitlines()
    access_lines = [line for line in lines if "ledger.request" in line]
    assert access_lines, lines
    assert "req=trace-me-123" in access_lines[-1]
    assert "GET /public/ 200" in access_lines[-1]


def _json_line(logger_name: str, message: str, **extra: object) -> dict[str, object]:
    record = logging.getLogger(logger_name).makeRecord(
        logger_name, logging.INFO, __file__, 1, message, (), None, extra=extra or None
    )
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_json_lines_carry_the_task_and_commitment_of_the_running_task():
    bind_task(task_id="task-1", kwargs={"commitment_id": 42, "other": "x"})
    try:
        line = _json_line("commitments.tasks", "催办邮件已发送", recipients=3)
    finally:
        unbind_task(task_id="task-1")

    assert line["message"] == "催办邮件已发送"
    assert line["task_id"] == "task-1"
    assert line["commitment_id"] == "42"
    assert line["recipients"] == 3
    assert line["level"] == "INFO"


def test_a_task_run_inside_a_request_hands_the_request_its_ids_back():
    token = request_id_var.set("req-1")
    try:
        bind_task(task_id="task-2", kwargs={"commitment_id": 7}, request_id="req-2")
        inside = _json_line("commitments.tasks", "inside")
        unbind_task(task_id="task-2")
        after = _json_line("ledger", "after")
    finally:
        request_id_var.reset(token)

    assert (inside["request_id"], inside["task_id"], inside["commitment_id"]) == (
        "req-2",
        "task-2",
        "7",
    )
    assert after["request_id"] == "req-1"
    assert "task_id" not in after and "commitment_id" not in after


def test_json_lines_outside_a_task_have_no_task_fields():
    line = _json_line("ledger", "hello")

    assert "task_id" not in line and "commitment_id" not in line


def test_pages_are_sent_with_a_script_restricting_content_security_policy(client, superuser):
    client.force_login(superuser)

    policy = client.get("/admin/")["Content-Security-Policy"]

    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


@override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=True)
def test_the_policy_can_be_tried_in_report_only_mode_first():
    response = Client().get("/public/")

    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]
