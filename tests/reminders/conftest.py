from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from commitments.models import Commitment
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.notices import notice_digests_send
from commitments.services.reminders.sweep import reminder_sweep_run
from tests.factories import CommitmentFactory, SupervisorUnitFactory, UnitFactory
from tests.reminders.smtp_sink import SmtpSink


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def office(db):
    return SupervisorUnitFactory(contact_emails="office@example.org")


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) in this process, as the mail backend."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink


@pytest.fixture
def run_sweep(django_capture_on_commit_callbacks):
    """A sweep that sends in-process (as `send_reminders` does), on-commit hooks executed."""

    def run(day: date, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return reminder_sweep_run(today=day, dispatch=INLINE, **kwargs)

    return run


@pytest.fixture
def send_notices(django_capture_on_commit_callbacks):
    """The notice beat task, in-process (as `send_notices` does), on-commit hooks executed."""

    def send() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return notice_digests_send(dispatch=INLINE)

    return send


def make_commitment(*, unit=None, deadline=None, status=Commitment.Status.ASSIGNED, **kwargs):
    unit = unit or UnitFactory()
    return CommitmentFactory(
        lead_unit=unit, deadline=deadline, original_deadline=deadline, status=status, **kwargs
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def sink():
    from .smtp_sink import SmtpSink

    with SmtpSink() as server:
        yield server


@pytest.fixture
def workers(transactional_db, tmp_path, sink):
    """Real Celery workers: call with LEDGER overrides; every worker started is killed at
    teardown, pass or fail."""
    from .worker import Workers

    made: list[Workers] = []

    def make(**ledger: object) -> Workers:
        w = Workers(tmp_path, sink.port, **ledger)
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop_all()
        print(w.logs())  # pytest shows it only when the test failed


@pytest.fixture
def robots():
    """The local 钉钉 / 企业微信 / 飞书 robots (robot_server.py)."""
    from .robot_server import RobotServer

    with RobotServer() as server:
        yield server
