"""A real Celery worker's log lines name the task, the commitment and the queuing request."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app as celery_app
from config.log_context import request_id_var

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.mark.slow
def test_worker_log_lines_carry_the_task_id_and_commitment_id():
    queue_name = f"ops-log-probe-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": "json"}
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "-I",
            "tests.ops.celery_probe",
            "--pool=solo",
            "-Q",
            queue_name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in worker.stderr], daemon=True
    ).start()
    seen: list[str] = []
    try:
        # Queued "while serving a request": the request id travels with the task.
        token = request_id_var.set("req-from-web-7")
        try:
            result = celery_app.send_task(
                "tests.ops.log_probe", kwargs={"commitment_id": 4711}, queue=queue_name
            )
        finally:
            request_id_var.reset(token)
        probe_line = None
        # A hang guard: a worker that never runs the task fails the test instead of blocking it.
        deadline = time.monotonic() + 90
        while probe_line is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if "正在处理承诺事项" in line:
                probe_line = json.loads(line)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert probe_line is not None, "".join(seen[-30:])
    assert probe_line["commitment_id"] == "4711"
    assert probe_line["task_id"] == result.id
    assert probe_line["logger"] == "tests.ops.celery_probe"
    assert probe_line["request_id"] == "req-from-web-7"
