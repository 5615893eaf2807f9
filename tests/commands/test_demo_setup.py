import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from commitments.selectors.access import user_is_supervisor

pytestmark = pytest.mark.django_db


def test_demo_setup_prints_a_password_that_logs_in(capsys):
    call_command("demo_setup")
    password = capsys.readouterr().out.strip().rsplit(" / ", 1)[1]
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser
    assert user_is_supervisor(user)


def test_demo_setup_run_twice_resets_the_password(capsys):
    call_command("demo_setup")
    first = capsys.readouterr().out.strip().rsplit(" / ", 1)[1]
    call_command("demo_setup")
    second = capsys.readouterr().out.strip().rsplit(" / ", 1)[1]
    assert first != second
    assert authenticate(username="admin", password=first) is None
    assert authenticate(username="admin", password=second) is not None
