"""Requests an attacker shapes: deep JSON, forged X-Forwarded-For, and concurrent floods."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from commitments.api.throttling import TokenUserThrottle
from tests.api.conftest import World
from tests.processes import redis_is_running

REDIS_URL = "redis://127.0.0.1:6379/4"


def _rates(settings, **rates: str) -> dict:
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/minute", "token": "100000/minute", **rates}
    return rest


def test_json_nested_a_hundred_thousand_deep_is_a_400_not_a_crash(world: World):
    # given: a body that is nothing but opening brackets
    body = "[" * 100_000 + "]" * 100_000

    # when
    response = world.client("supervisor").post(
        f"/api/v1/commitments/{world.own['in_progress'].pk}/report-progress/",
        data=body,
        content_type="application/json",
    )

    # then
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_forged_first_forwarded_entry_does_not_escape_the_anonymous_limit(world: World, settings):
    # given: one proxy in front, which appends the address it saw (203.0.113.9)
    client = Client(REMOTE_ADDR="10.0.0.2")

    # when: 80 requests, each claiming another client address in front of the proxy's entry
    with override_settings(REST_FRAMEWORK=_rates(settings, anon="60/minute")):
        codes = [
            client.get(
                "/api/v1/public/commitments/",
                headers={"x-forwarded-for": f"198.51.100.{i}, 203.0.113.9"},
            ).status_code
            for i in range(80)
        ]

    # then: the proxy's entry is the caller; the forged part changes nothing
    assert codes.count(200) == 60
    assert codes[60:] == [429] * 20


def test_without_proxies_the_forwarded_header_is_ignored_by_the_limit(world: World, settings):
    with override_settings(REST_FRAMEWORK=_rates(settings, anon="3/minute")):
        codes = [
            Client()
            .get("/api/v1/public/commitments/", headers={"x-forwarded-for": f"198.51.100.{i}"})
            .status_code
            for i in range(4)
        ]

    assert codes == [200, 200, 200, 429]


def test_a_throttled_answer_says_when_to_come_back(world: World, settings):
    with override_settings(REST_FRAMEWORK=_rates(settings, anon="1/minute")):
        Client().get("/api/v1/public/commitments/")
        response = Client().get("/api/v1/public/commitments/")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


class _FrozenClockThrottle(TokenUserThrottle):
    # A window that cannot roll over mid-test: a real clock would let a run that straddles
    # the minute through twice.
    timer = staticmethod(lambda: 1_800_000_000.0)


@pytest.mark.skipif(not redis_is_running(), reason="needs the Redis server on 127.0.0.1:6379")
@pytest.mark.django_db
def test_concurrent_token_requests_on_redis_pass_exactly_the_limit(world: World, settings):
    # given: the counters in Redis, as with CACHE_URL, and a limit of 1,200 a minute
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": REDIS_URL}}  # fmt: skip
    token, _ = Token.objects.get_or_create(user=world.member)
    request = RequestFactory().get("/api/v1/units/")
    drf_request = SimpleNamespace(
        user=world.member, auth=token, META=request.META, _request=request
    )
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def caller() -> None:
        throttle = _FrozenClockThrottle()
        start.wait()
        for _ in range(1500 // 16 + 1):
            verdict = throttle.allow_request(drf_request, None)
            with lock:
                allowed.append(verdict)

    with override_settings(
        CACHES=redis_cache, REST_FRAMEWORK=_rates(settings, token="1200/minute")
    ):
        caches["default"].clear()
        try:
            # when: 16 threads (each its own Redis connection) send 1,504 requests at once
            threads = [threading.Thread(target=caller) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            caches["default"].clear()

    # then: not one more than the limit, and not one fewer
    assert len(allowed) == 1504
    assert allowed.count(True) == 1200
