"""CACHE_URL: the API's rate-limit counters shared by every web process, or refused clearly."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/14"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_is_running(), reason="needs the Redis server on 127.0.0.1:6379")
def test_processes_given_the_same_cache_url_see_each_others_counters():
    key = f"ledger-test-{secrets.token_hex(8)}"

    written = _manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; cache.set({key!r}, 'seen', 60)",
        CACHE_URL=REDIS,
    )
    read = _manage(
        "shell",
        "-c",
        f"from django.core.cache import cache; print(cache.get({key!r}))",
        CACHE_URL=REDIS,
    )
    alone = _manage(
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
    result = _manage("check", CACHE_URL="memcached://127.0.0.1:11211")

    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// address" in result.stderr
