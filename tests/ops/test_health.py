"""Probes: /healthz (alive) and /readyz (database and broker reachable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_says_the_process_is_alive():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_the_configured_database_and_broker_answer():
    response = Client().get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}


def test_readyz_shows_the_office_each_check(supervisor):
    office = Client()
    office.force_login(supervisor)

    response = office.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_tells_a_unit_member_or_a_forged_session_only_the_status(unit_member):
    member = Client()
    member.force_login(unit_member)
    forged = Client()
    forged.cookies["sessionid"] = "not-a-session"

    assert member.get("/readyz").json() == {"status": "ok"}
    assert forged.get("/readyz").json() == {"status": "ok"}


def test_readyz_fails_cleanly_and_promptly_when_the_broker_is_down(supervisor):
    result: dict[str, object] = {}
    broker_down = override_settings(
        CELERY_BROKER_URL=CLOSED_PORT_BROKER, CELERY_BROKER_TRANSPORT_OPTIONS={}
    )

    def probe() -> None:
        try:
            with broker_down:
                result["response"] = Client().get("/readyz")
        finally:
            connections.close_all()

    # A hang guard, not a speed measurement: the probe must give up on its own.
    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "/readyz hung on an unreachable broker"

    # then: anyone learns that it is unavailable, not where the broker is
    response = result["response"]
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable"}
    # and: the office sees what failed and why
    office = Client()
    office.force_login(supervisor)
    with broker_down:
        response = office.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert "Connection refused" in body["checks"]["broker"]
    assert "消息队列" in body["message"]


def test_readyz_never_shows_the_broker_password():
    with override_settings(
        CELERY_BROKER_URL="redis://:s3cret-broker-pw@127.0.0.1:1/0",
        CELERY_BROKER_TRANSPORT_OPTIONS={},
    ):
        response = Client().get("/readyz")

    assert response.status_code == 503
    assert "s3cret-broker-pw" not in response.content.decode()


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["ledger.example.org"])
def test_probes_answer_a_plain_http_internal_address_that_pages_would_refuse():
    client = Client()

    # given: a page behind HTTPS-only and host checking refuses the probe's address
    assert client.get("/admin/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/admin/", HTTP_HOST="ledger.example.org").status_code == 301
    # then: the probes still answer it
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.5:8000").status_code == 200


def test_readyz_fails_cleanly_when_the_database_is_down():
    # A separate process, so its settings can point at a database nobody listens for.
    code = (
        "from django.test import Client; r = Client().get('/readyz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://ledger:secret-db-pw@127.0.0.1:1/ledger",
        "LOG_LEVEL": "WARNING",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503", result.stdout + result.stderr
    assert json.loads(body) == {"status": "unavailable"}
    # what failed is in the log, without the password
    assert "not ready: database: OperationalError" in result.stderr
    assert "secret-db-pw" not in body + result.stderr
