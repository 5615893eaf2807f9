"""Brute-force protection: repeated wrong passwords lock the login, on the admin and the API."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-123"  # the factories' password
COOLOFF_SECONDS = int(settings.AXES_COOLOFF_TIME.total_seconds())


def _admin_login(client: Client, username: str, password: str, **headers: str):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password}, headers=headers or None
    )


def _fail_until_locked(client: Client, username: str, **headers: str):
    responses = [
        _admin_login(client, username, "wrong-password", **headers)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return responses


def test_admin_login_locks_after_repeated_failures_even_with_the_right_password(supervisor):
    client = Client()

    responses = _fail_until_locked(client, supervisor.username)

    # Before the limit the login form simply says the password is wrong ...
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    # ... at the limit the client is locked out, with a Chinese explanation.
    assert responses[-1].status_code == 429
    assert "登录失败次数过多" in responses[-1].content.decode()
    assert f"请在 {COOLOFF_SECONDS // 60} 分钟后再试" in responses[-1].content.decode()
    assert responses[-1]["Retry-After"] == str(COOLOFF_SECONDS)
    locked = _admin_login(client, supervisor.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_before_the_limit_still_works_and_resets_the_count(supervisor):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _admin_login(client, supervisor.username, "wrong-password")

    response = _admin_login(client, supervisor.username, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supervisor.pk)


def test_lockout_of_one_user_leaves_a_colleague_behind_the_same_address_alone(supervisor):
    colleague = UserFactory(username="colleague", is_staff=True)
    _fail_until_locked(Client(), supervisor.username)

    response = _admin_login(Client(), colleague.username, PASSWORD)

    assert response.status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_forwarded_client_address_is_what_gets_locked(supervisor):
    # given: an attacker behind the proxy (which appends 203.0.113.7) locks the account
    _fail_until_locked(
        Client(REMOTE_ADDR="10.0.0.2"), supervisor.username, x_forwarded_for="203.0.113.7"
    )

    # then: the real user, reaching the same proxy from another address, can still log in
    from_elsewhere = _admin_login(
        Client(REMOTE_ADDR="10.0.0.2"),
        supervisor.username,
        PASSWORD,
        x_forwarded_for="198.51.100.9",
    )
    assert from_elsewhere.status_code == 302
    # and: the attacker cannot escape by prepending a forged address of its own
    forged = _admin_login(
        Client(REMOTE_ADDR="10.0.0.2"),
        supervisor.username,
        PASSWORD,
        x_forwarded_for="192.0.2.1, 203.0.113.7",
    )
    assert forged.status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_lockout(
    supervisor,
):
    _fail_until_locked(Client(), supervisor.username, x_forwarded_for="192.0.2.1")

    response = _admin_login(Client(), supervisor.username, PASSWORD, x_forwarded_for="192.0.2.2")

    assert response.status_code == 429


def test_api_token_login_locks_after_repeated_failures(supervisor):
    url = reverse("api:token")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": supervisor.username, "password": "wrong-password"})

    response = client.post(url, {"username": supervisor.username, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json() == {
        "detail": "登录失败次数过多,账户已暂时锁定,请稍后再试。",
        "retry_after_seconds": COOLOFF_SECONDS,
    }
    assert response["Retry-After"] == str(COOLOFF_SECONDS)


def test_api_token_login_works_with_the_right_password(supervisor):
    response = Client().post(
        reverse("api:token"), {"username": supervisor.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_admin_lockout_also_closes_the_api_token_login_for_that_client(supervisor):
    _fail_until_locked(Client(), supervisor.username)

    response = Client().post(
        reverse("api:token"), {"username": supervisor.username, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "token" not in response.content.decode()


def test_test_client_login_without_a_request_still_authenticates(supervisor):
    # Django's test client authenticates without an HTTP request; axes must not break that.
    client = Client()

    assert client.login(username=supervisor.username, password=PASSWORD)
    assert client.get("/admin/").status_code == 200
