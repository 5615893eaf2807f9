"""导入讲话/通知 staged in the bucket: keyed by the signed token, deleted on confirm or cancel,
expired by the periodic purge, and a refused file is never stored."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commitments.models import Commitment, SourceDocument
from commitments.services.import_uploads import STAGING_MAX_AGE, import_uploads_purge
from commitments.tasks import import_uploads_purge_task

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_d59561c663881efd.txt"
IMPORT = "/admin/commitments/sourcedocument/import/"
CONFIRM = IMPORT + "confirm/"
TOKEN = re.compile(r'name="token" value="([^"]+)"')
GONE = "已经确认导入、已取消或已过期"


def preview(client, data: bytes = b"", name: str = "讲话.txt") -> str:
    """Upload a file for its preview; the token of the confirm form (empty if refused)."""
    response = client.post(IMPORT, {"file": SimpleUploadedFile(name, data or SEED.read_bytes())})
    assert response.status_code == 200
    match = TOKEN.search(response.content.decode())
    return match.group(1) if match else ""


def test_the_preview_keeps_the_upload_in_the_bucket_and_confirming_imports_and_deletes_it(
    client, bucket, office
):
    client.force_login(office)
    token = preview(client)
    [staged] = bucket.objects()
    assert staged.startswith("imports/") and bucket.read(staged) == SEED.read_bytes()
    assert not SourceDocument.objects.exists()

    response = client.post(CONFIRM, {"token": token})

    assert response.status_code == 302
    assert Commitment.objects.count() == 35
    assert bucket.objects() == []
    assert GONE in client.post(CONFIRM, {"token": token}).content.decode()


def test_cancelling_deletes_the_staged_upload(client, bucket, office):
    client.force_login(office)
    token = preview(client)
    client.post(CONFIRM, {"token": token, "cancel": "1"})
    assert bucket.objects() == []
    assert not SourceDocument.objects.exists()


def test_a_refused_file_leaves_nothing_in_the_bucket(client, bucket, office):
    client.force_login(office)
    assert preview(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 512, name="图片.txt") == ""
    assert bucket.objects() == []


def test_a_staged_upload_changed_in_the_bucket_is_refused_and_removed(client, bucket, office):
    client.force_login(office)
    token = preview(client)
    [staged] = bucket.objects()
    bucket.client.put_object(Bucket=bucket.name, Key=staged, Body=b"1. something else")
    assert "暂存的文件已被改动" in client.post(CONFIRM, {"token": token}).content.decode()
    assert bucket.objects() == [] and not SourceDocument.objects.exists()


def test_the_purge_removes_an_upload_nobody_confirmed_within_the_hour(client, bucket, office):
    # given: a preview nobody confirmed
    client.force_login(office)
    token = preview(client)
    # when: the purge runs before the hour is over, nothing goes
    assert import_uploads_purge(now=timezone.now() + timedelta(minutes=59)) == 0
    assert len(bucket.objects()) == 1
    # when: it runs after the hour (and the clock slack between machines)
    later = timezone.now() + timedelta(seconds=STAGING_MAX_AGE, minutes=6)
    assert import_uploads_purge(now=later) == 1
    # then: the bucket is empty and the preview can no longer be confirmed
    assert bucket.objects() == []
    assert GONE in client.post(CONFIRM, {"token": token}).content.decode()
    assert not SourceDocument.objects.exists()


def test_beat_runs_the_purge_task_every_quarter_hour(bucket):
    entry = settings.CELERY_BEAT_SCHEDULE["import-uploads-purge"]
    assert entry["task"] == import_uploads_purge_task.name
    assert entry["schedule"] == timedelta(minutes=15)
    # and: the task itself runs the purge on the bucket (nothing to do here)
    assert import_uploads_purge_task.apply().get() == 0


def test_a_new_upload_does_not_clean_up_after_others(client, bucket, office, monkeypatch):
    # Expiry is the periodic task's job, not a cost paid by whoever uploads next.
    from commitments.services import import_uploads

    calls: list[object] = []
    monkeypatch.setattr(import_uploads, "import_uploads_purge", lambda **kw: calls.append(kw))
    client.force_login(office)
    preview(client)
    assert calls == []


def test_the_purge_works_on_the_local_folder_of_the_embedded_mode_too(
    client, office, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    # given: no upload yet, so no folder either
    assert import_uploads_purge() == 0
    client.force_login(office)
    token = preview(client)
    [staged] = list((tmp_path / "imports").iterdir())
    # when / then: kept within the hour, removed after it
    assert import_uploads_purge() == 0 and staged.exists()
    assert import_uploads_purge(now=timezone.now() + timedelta(hours=2)) == 1
    assert not staged.exists()
    assert GONE in client.post(CONFIRM, {"token": token}).content.decode()
