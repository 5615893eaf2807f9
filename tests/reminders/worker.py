"""A real Celery worker in a subprocess, on the test database and a queue of its own."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

REPO = Path(settings.BASE_DIR)


def database_url() -> str:
    """The URL of the test database this process is using, for the worker's settings."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll until `predicate()` holds; a bounded wait, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what} after {timeout:.0f}s")


class Workers:
    """Starts workers (and `celery call`s) sharing one environment; kills them all at the end."""

    def __init__(self, tmp_path: Path, smtp_port: int, **ledger: object) -> None:
        self.tmp_path = tmp_path
        self.queue = f"test-reminders-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "10",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "LOG_LEVEL": "INFO",
            **{f"LEDGER_{k.upper()}": str(v) for k, v in ledger.items()},
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.queue}-{len(self.processes)}@%h",
                *(args or ("--pool=solo",)),
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def call(self, task: str, *args: object) -> None:
        """Publish a task the way an operator would, through the same broker and queue."""
        subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "call",
                task,
                "--args",
                json.dumps(args),
            ],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def logs(self, tail: int | None = 4000) -> str:
        texts = [p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("worker-*.log"))]
        return "\n".join(t[-tail:] if tail else t for t in texts)

    def stop_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                self.kill(process)
