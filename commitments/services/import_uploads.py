"""A file uploaded in the admin, kept between its preview and the office's confirmation.

The bytes wait under ``var/imports/`` with a random name; the page carries only a signed token
(file id, SHA-256, uploader, original name, reference date), so the browser does not send the
file twice and nobody can confirm a file they did not upload, a file that changed on disk, or
one older than ``STAGING_MAX_AGE``. Confirming claims the file by renaming it (a second click
finds nothing to claim), imports it with ``document_import`` and deletes it; cancelling deletes
it; files nobody came back for are removed by the next upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from .errors import InvalidInput
from .imports import ImportResult, document_import

STAGING_MAX_AGE = 60 * 60  # seconds: a preview is read and confirmed within minutes
_SALT = "commitments.document-import"
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StagedUpload:
    file_id: str
    sha256: str
    name: str
    reference_date: date | None


def staging_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def import_upload_stage(
    *, data: bytes, name: str, user_id: int | None, reference_date: date | None = None
) -> str:
    """Keep ``data`` for a later ``import_upload_confirm``; return the token that names it."""
    import_uploads_purge(older_than=STAGING_MAX_AGE)
    folder = staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    file_id = secrets.token_hex(16)
    path = folder / f"{file_id}.upload"
    # Written under a temporary name and renamed: a half-written file is never claimable.
    partial = folder / f"{file_id}.partial"
    with partial.open("xb") as handle:
        handle.write(data)
    os.replace(partial, path)
    return signing.dumps(
        {
            "f": file_id,
            "s": hashlib.sha256(data).hexdigest(),
            "u": user_id,
            "n": name,
            "r": reference_date.isoformat() if reference_date else None,
        },
        salt=_SALT,
        compress=True,
    )


def import_upload_read(*, token: str, user_id: int | None) -> StagedUpload:
    """The staged upload the token names, if it is this user's and still valid."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=STAGING_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(_("预览已超过 1 小时失效,请重新上传文件。")) from None
    except signing.BadSignature:
        raise InvalidInput(_("导入请求无效,请重新上传文件。")) from None
    if not isinstance(payload, dict) or not _FILE_ID.match(str(payload.get("f", ""))):
        raise InvalidInput(_("导入请求无效,请重新上传文件。"))
    if user_id is None or payload.get("u") != user_id:
        raise InvalidInput(_("只能确认本人上传的文件,请重新上传。"))
    reference = payload.get("r")
    return StagedUpload(
        file_id=payload["f"],
        sha256=str(payload.get("s", "")),
        name=str(payload.get("n", "")),
        reference_date=date.fromisoformat(reference) if reference else None,
    )


def import_upload_confirm(*, token: str, user_id: int | None) -> ImportResult:
    """Import the staged file exactly as ``import_seed`` would (``document_import``, in one
    transaction), then delete it. Raises ``InvalidInput`` when there is nothing (any more) to
    import, ``SeedError`` when the file cannot be imported; nothing is written then."""
    staged = import_upload_read(token=token, user_id=user_id)
    path = staging_dir() / f"{staged.file_id}.upload"
    claimed = staging_dir() / f"{staged.file_id}.{os.getpid()}-{secrets.token_hex(4)}.claimed"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        raise InvalidInput(_("该文件已经确认导入、已取消或已过期,请重新上传。")) from None
    data = claimed.read_bytes()
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        claimed.unlink(missing_ok=True)
        raise InvalidInput(_("暂存的文件已被改动,请重新上传。"))
    try:
        result = document_import(data=data, name=staged.name, reference_date=staged.reference_date)
    except BaseException:
        # Not imported: give the file back so the same preview can be confirmed again.
        with contextlib.suppress(OSError):
            os.rename(claimed, path)
        raise
    claimed.unlink(missing_ok=True)
    return result


def import_upload_discard(*, token: str, user_id: int | None) -> None:
    """Forget a staged upload (the office cancelled the preview)."""
    staged = import_upload_read(token=token, user_id=user_id)
    (staging_dir() / f"{staged.file_id}.upload").unlink(missing_ok=True)


def import_uploads_purge(*, older_than: int) -> int:
    """Delete staged files older than ``older_than`` seconds; return how many."""
    folder = staging_dir()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
