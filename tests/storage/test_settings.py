"""Which file storage the environment chooses, and the start-up warning about a local broker
next to a shared database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import FILESYSTEM_BACKEND, S3_BACKEND, file_storage

ROOT = Path(__file__).resolve().parents[2]


def test_nothing_set_keeps_the_local_media_folder():
    assert file_storage(url="") == {"BACKEND": FILESYSTEM_BACKEND}


def test_a_file_url_names_the_folder():
    assert file_storage(url="file:///srv/ledger/files") == {
        "BACKEND": FILESYSTEM_BACKEND,
        "OPTIONS": {"location": "/srv/ledger/files"},
    }


def test_an_s3_url_names_bucket_prefix_endpoint_and_addressing():
    chosen = file_storage(
        url="s3://ledger-files/prod?endpoint_url=http://minio:9000&region_name=cn-north-1"
        "&addressing_style=path",
        access_key="key",
        secret_key="secret",
    )
    assert chosen == {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": "ledger-files",
            "location": "prod",
            "endpoint_url": "http://minio:9000",
            "region_name": "cn-north-1",
            "addressing_style": "path",
            "access_key": "key",
            "secret_key": "secret",
            "querystring_expire": 60,
        },
    }


def test_the_django_storages_names_choose_a_bucket_without_a_url():
    chosen = file_storage(
        url="",
        bucket="ledger-files",
        endpoint_url="https://oss-cn-hangzhou.aliyuncs.com",
        region_name="oss-cn-hangzhou",
        signed_url_seconds=30,
    )
    assert chosen["BACKEND"] == S3_BACKEND
    # No keys given: boto3 finds them itself (environment, instance role).
    assert chosen["OPTIONS"] == {
        "bucket_name": "ledger-files",
        "endpoint_url": "https://oss-cn-hangzhou.aliyuncs.com",
        "region_name": "oss-cn-hangzhou",
        "querystring_expire": 30,
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://key:secret@ledger-files", "must not carry credentials"),
        ("s3://ledger-files?endpoint=http://minio:9000", "unknown option 'endpoint'"),
        ("s3://ledger-files?addressing_style=subdomain", "addressing_style"),
        ("s3:///prefix-only", "needs a bucket name"),
        ("gs://ledger-files", "must be s3://"),
    ],
)
def test_a_wrong_storage_url_stops_the_start_with_the_reason(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        file_storage(url=url)


_PROBE = """
import io, json, logging, django
from django.core.management import call_command
django.setup()
from celery.signals import worker_init
from django.core.files.storage import storages
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
logging.getLogger("config.celery").addHandler(Keep())
worker_init.send(sender=None)
out = io.StringIO()
call_command("check", stdout=out, stderr=out)
print(json.dumps({
    "storage": type(storages["default"]).__name__,
    "bucket": getattr(storages["default"], "bucket_name", None),
    "check": out.getvalue(),
    "worker_log": records,
}))
"""


def _probe(**environment: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "STORAGE_", "AWS_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", LOG_LEVEL="WARNING")
    env.update(SECRET_KEY="x" * 50, ALLOWED_HOSTS="ledger.example.org", **environment)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_production_settings_take_the_bucket_from_the_environment():
    seen = _probe(
        STORAGE_URL="s3://ledger-files?endpoint_url=http://minio:9000&addressing_style=path",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert (seen["storage"], seen["bucket"]) == ("LedgerS3Storage", "ledger-files")
    assert "ledger.W001" not in seen["check"] and seen["worker_log"] == []


@pytest.mark.slow
def test_postgresql_with_the_filesystem_broker_is_warned_about_at_start_up():
    seen = _probe(DATABASE_URL="postgres://ledger@127.0.0.1:5432/ledger")
    assert "ledger.W001" in seen["check"]
    assert "filesystem broker" in seen["check"]
    [line] = seen["worker_log"]
    assert "CELERY_BROKER_URL" in line


@pytest.mark.slow
def test_the_embedded_mode_keeps_local_files_and_no_warning():
    seen = _probe()
    assert seen["storage"] == "FileSystemStorage"
    assert "ledger.W001" not in seen["check"] and seen["worker_log"] == []
