"""A real Celery worker delivers a webhook, retrying after a refusal, to a real local server.

The worker subprocess opens the very test database this process uses: PostgreSQL, or in the
embedded mode the test settings' SQLite file under var/ (never an in-memory database). The
broker is the suite's own: Redis when CELERY_BROKER_URL says so, else the filesystem broker
under var/broker/, on a queue of this test's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from commitments.models import WebhookDelivery, WebhookSubscription
from commitments.services.webhooks import commitment_payload
from commitments.tasks import deliver_webhook
from tests.factories import CommitmentFactory
from tests.outputs.conftest import SECRET
from tests.reminders.worker import database_url

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def worker_queue(transactional_db, tmp_path):
    queue = f"outputs-webhooks-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        # No connection kept open between tasks: SQLite then sees the test's writes at once.
        "DB_CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield queue
    worker.terminate()
    worker.wait(timeout=30)
    log.close()
    print((tmp_path / "worker.log").read_text(errors="replace")[-4000:])  # shown on failure


def test_a_real_worker_retries_and_delivers_a_signed_webhook(receiver, worker_queue):
    # given: a subscriber that refuses the first attempt
    receiver.fail_first = 1
    subscription = WebhookSubscription.objects.create(
        name="督查系统", url=receiver.url, secret=SECRET, events=["created"]
    )
    commitment = CommitmentFactory(title="新建三所幼儿园")
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        commitment=commitment,
        event="created",
        payload=commitment_payload(commitment=commitment, event="created"),
    )
    # when
    deliver_webhook.apply_async(args=[delivery.pk], queue=worker_queue)
    # then: a hang guard, not a speed check: the backoff before the retry is a few seconds
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == WebhookDelivery.Status.SUCCEEDED:
            break
        time.sleep(0.5)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED, delivery.last_error
    assert delivery.attempts == 2
    assert receiver.verdicts == [True, True]
    assert receiver.received[0]["commitment"]["title"] == "新建三所幼儿园"
