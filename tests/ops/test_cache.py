"""CACHE_URL: the API's rate-limit counters shared by every web process, or refused clearly."""

from __future__ import annotations

import secrets

import pytest

from tests.processes import manage, redis_is_running

REDIS = "redis://127.0.0.1:6379/14"


@pytest.mark.skipif(not redis_is_running(), reason="needs the Redis server on 127.0.0.1:6379")
def test_processes_given_the_same_cache_url_see_each_others_counters():
    key = f"ledger-test-{secrets.token_hex(8)}"

    written = manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; cache.set({key!r}, 'seen', 60)",
        CACHE_URL=REDIS,
    )
    read = manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; print(cache.get({key!r}))",
        CACHE_URL=REDIS,
    )
    alone = manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; print(cache.get({key!r}))",
        CACHE_URL="",
    )

    assert written.returncode == 0, written.stderr
    # The last line: `shell` may first report its automatic imports.
    assert read.stdout.splitlines()[-1] == "seen"
    assert alone.stdout.splitlines()[-1] == "None"


def test_a_cache_url_that_is_not_redis_is_refused_with_its_reason():
    result = manage("check", CACHE_URL="memcached://127.0.0.1:11211")

    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// address" in result.stderr
