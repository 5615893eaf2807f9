"""A file uploaded in the admin, kept between its preview and the office's confirmation.

The bytes wait in the file storage (``imports/`` under MEDIA_ROOT, or in the bucket: any web
process can confirm what another one previewed) under a random name; the page carries only a
signed token (file id, size, SHA-256, uploader, original name, reference date), so the browser
does not send the file twice and nobody can confirm a file they did not upload, a file that
changed in storage, or one older than ``STAGING_MAX_AGE``. Confirming imports it with
``document_import`` and deletes it; cancelling deletes it; files nobody came back for are
removed by ``import_uploads_purge``, a periodic task. Two confirmations of one preview at the
same moment cannot import twice: the database refuses the second (the same document).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from ..files import read_bytes
from ..importer.parse import ParsedDocument, parse_document
from .errors import InvalidInput
from .imports import ImportOverrides, ImportResult, document_import

STAGING_MAX_AGE = 60 * 60  # seconds: a preview is read and confirmed within minutes
# The purge runs on another machine than the preview: a little slack for their clocks.
_PURGE_SLACK = timedelta(minutes=5)
_FOLDER = "imports"
_SALT = "commitments.document-import"
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StagedUpload:
    file_id: str
    size: int
    sha256: str
    name: str
    reference_date: date | None


def _stored_name(file_id: str) -> str:
    return f"{_FOLDER}/{file_id}.upload"


def import_upload_stage(
    *, data: bytes, name: str, user_id: int | None, reference_date: date | None = None
) -> str:
    """Keep ``data`` for a later ``import_upload_confirm``; return the token that names it."""
    file_id = secrets.token_hex(16)
    # One PUT (or a file written before the token exists): nobody can confirm a half-written file.
    default_storage.save(_stored_name(file_id), ContentFile(data))
    return signing.dumps(
        {
            "f": file_id,
            "z": len(data),
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
        size=int(payload.get("z") or 0),
        sha256=str(payload.get("s", "")),
        name=str(payload.get("n", "")),
        reference_date=date.fromisoformat(reference) if reference else None,
    )


def import_upload_confirm(
    *, token: str, user_id: int | None, overrides: ImportOverrides | None = None
) -> ImportResult:
    """Import the staged file exactly as ``import_seed`` would (``document_import``, in one
    transaction), then delete it. Raises ``InvalidInput`` when there is nothing (any more) to
    import, ``SeedError`` when the file cannot be imported; nothing is written then, and the
    file stays for another try."""
    staged = import_upload_read(token=token, user_id=user_id)
    stored = _stored_name(staged.file_id)
    try:
        # Read no more than was staged: the storage is trusted, its size is not assumed.
        data = read_bytes(stored, limit=staged.size)
    except FileNotFoundError:
        raise InvalidInput(_("该文件已经确认导入、已取消或已过期,请重新上传。")) from None
    if data is None or hashlib.sha256(data).hexdigest() != staged.sha256:
        default_storage.delete(stored)
        raise InvalidInput(_("暂存的文件已被改动,请重新上传。"))
    result = document_import(
        data=data,
        name=staged.name,
        reference_date=staged.reference_date,
        overrides=overrides,
        user_id=user_id,
    )
    default_storage.delete(stored)
    return result


def import_upload_parsed(*, token: str, user_id: int | None) -> tuple[ParsedDocument, str]:
    """The staged file read again as the preview read it, with its name: the review page is
    shown again (after a refused decision) without the office uploading the file twice."""
    staged = import_upload_read(token=token, user_id=user_id)
    try:
        data = read_bytes(_stored_name(staged.file_id), limit=staged.size)
    except FileNotFoundError:
        raise InvalidInput(_("该文件已经确认导入、已取消或已过期,请重新上传。")) from None
    if data is None or hashlib.sha256(data).hexdigest() != staged.sha256:
        raise InvalidInput(_("暂存的文件已被改动,请重新上传。"))
    parsed = parse_document(data, reference_date=staged.reference_date, name=staged.name)
    return parsed, staged.name


def import_upload_discard(*, token: str, user_id: int | None) -> None:
    """Forget a staged upload (the office cancelled the preview)."""
    staged = import_upload_read(token=token, user_id=user_id)
    default_storage.delete(_stored_name(staged.file_id))


def import_uploads_purge(*, now: datetime | None = None) -> int:
    """Delete staged files whose token has expired (a periodic task); return how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=STAGING_MAX_AGE) - _PURGE_SLACK
    try:
        _folders, names = default_storage.listdir(_FOLDER)
    except FileNotFoundError:  # the local folder before the first upload
        return 0
    removed = 0
    for name in names:
        stored = f"{_FOLDER}/{name}"
        # Confirmed or cancelled between the listing and now: nothing left to do.
        with contextlib.suppress(FileNotFoundError):
            if default_storage.get_modified_time(stored) < cutoff:
                default_storage.delete(stored)
                removed += 1
    return removed
