"""Any web process serves any step: two gunicorn processes, each in a working directory (and
var/) of its own, sharing only the database and the bucket, as two hosts behind a balancer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client

from commitments.models import Commitment, SourceDocument
from commitments.services.evidence import evidence_add
from tests.reminders.worker import database_url
from tests.storage.conftest import Bucket, new_bucket, store_files_in
from tests.workflow.conftest import PDF_BYTES, S, make_commitment, pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(settings.BASE_DIR)
SEED = REPO / "seeds" / "000_d59561c663881efd.txt"
IMPORT = "/admin/commitments/sourcedocument/import/"
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


def _start(home: Path, environment: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    home.mkdir()
    log = home / "gunicorn.log"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind=127.0.0.1:0",
            "--workers=1",
            f"--error-logfile={log}",
        ],
        cwd=home,
        env={**environment, "LEDGER_VAR_DIR": str(home / "var")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, log


def _address(process: subprocess.Popen, log: Path) -> str:
    # A hang guard while gunicorn boots, not a speed check.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if (found := LISTENING.search(text)) and "Booting worker" in text:
            return found.group(1)
        assert process.poll() is None, f"gunicorn exited:\n{text}"
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def shared_bucket(s3_endpoint: str) -> Bucket:
    return new_bucket(s3_endpoint)


@pytest.fixture
def bucket(shared_bucket: Bucket, settings: Any) -> Iterator[Bucket]:
    """The bucket the web processes use, empty at the start of each test."""
    store_files_in(settings, shared_bucket)
    yield shared_bucket
    for key in shared_bucket.objects():
        shared_bucket.client.delete_object(Bucket=shared_bucket.name, Key=key)


@pytest.fixture(scope="module")
def two_web_processes(
    tmp_path_factory, shared_bucket, django_db_setup, django_db_blocker
) -> Iterator[tuple[str, str, Path, Path]]:
    """(address of A, address of B, A's working directory, B's), started once for the module:
    each test's data is committed to the shared database, as the processes see it."""
    with django_db_blocker.unblock():
        database = database_url()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEDGER_"))},
        **shared_bucket.environment,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database,
        "DB_CONN_MAX_AGE": "0",
        # One key for every host of an installation (and this test process, which signs the
        # sessions): a token signed by A is checked by B.
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }
    root = tmp_path_factory.mktemp("hosts")
    started = [_start(root / name, environment) for name in ("a", "b")]
    try:
        addresses = [_address(process, log) for process, log in started]
        yield addresses[0], addresses[1], root / "a", root / "b"
    finally:
        for process, _log in started:
            process.terminate()
        for process, _log in started:
            process.wait(timeout=30)


def _browser(user) -> requests.Session:
    """An HTTP client signed in as `user` (the session lives in the shared database)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def _csrf(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def test_the_preview_served_by_one_process_is_confirmed_by_another(
    two_web_processes, bucket, office
):
    a, b, home_a, home_b = two_web_processes
    browser = _browser(office)
    # given: process A shows the preview of an uploaded speech
    form = browser.get(a + IMPORT, timeout=60)
    assert form.status_code == 200
    shown = browser.post(
        a + IMPORT,
        data={"csrfmiddlewaretoken": _csrf(form.text)},
        files={"file": ("讲话.txt", SEED.read_bytes())},
        timeout=60,
    )
    assert shown.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', shown.text)
    assert token, shown.text[:2000]
    assert len(bucket.objects("imports/")) == 1
    # when: the office's next click reaches process B
    confirmed = browser.post(
        b + IMPORT + "confirm/",
        data={"csrfmiddlewaretoken": _csrf(shown.text), "token": token.group(1)},
        allow_redirects=False,
        timeout=60,
    )
    # then: B imports what A staged, and the staged file is gone from the bucket
    assert confirmed.status_code == 302, confirmed.text[:2000]
    assert SourceDocument.objects.count() == 1
    assert Commitment.objects.count() == 35
    assert bucket.objects() == []
    # and: neither process kept anything of it on its own disk
    for home in (home_a, home_b):
        kept = [p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()]
        assert not [name for name in kept if "imports" in name or "media" in name], kept


def test_evidence_stored_through_one_process_is_served_by_another(
    two_web_processes, bucket, unit, member, supervisor
):
    a, b, _home_a, _home_b = two_web_processes
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    browser = _browser(member)
    # given: a unit member attaches a file through process A
    form = browser.get(f"{a}/admin/commitments/commitment/{commitment.pk}/move/add_evidence/")
    posted = browser.post(
        f"{a}/admin/commitments/commitment/{commitment.pk}/move/add_evidence/",
        data={"csrfmiddlewaretoken": _csrf(form.text)},
        files={"file": ("验收报告.pdf", PDF_BYTES, "application/pdf")},
        allow_redirects=False,
        timeout=60,
    )
    assert posted.status_code == 302, posted.text[:2000]
    uploaded = commitment.evidence.get()
    # and: one stored in this process (a third "host")
    here = evidence_add(commitment=commitment, actor=member, file=pdf("照片.pdf"))
    # when / then: process B serves both, to who may see them only
    for evidence in (uploaded, here):
        answer = browser.get(f"{b}/evidence/{evidence.pk}/", timeout=60)
        assert answer.status_code == 200 and answer.content == PDF_BYTES
    office_browser = _browser(supervisor)
    assert office_browser.get(f"{b}/evidence/{uploaded.pk}/", timeout=60).status_code == 200
    assert requests.get(f"{b}/evidence/{uploaded.pk}/", timeout=60).status_code == 404
