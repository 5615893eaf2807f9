"""佐证材料: files a unit attaches to a commitment, checked by size and by their content.

The allow-list is judged on the bytes, not the name: a file must both look like one of the
allowed types and carry that type's extension, so an executable renamed to .pdf is refused and
the type we store (and later serve) is one we checked.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..choices import Move
from ..models import Commitment, Evidence
from ..selectors.office import office_language
from .errors import InvalidInput
from .workflow.transitions import check_move, lock_commitment

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"

ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".txt": TEXT,
}

_HEAD = 8192


def _zip_kind(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    # Chinese offices still write GB18030 text files; a cut multi-byte character at the end
    # of the sample is not a reason to refuse.
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return True
    return False


def sniff_content_type(stream: IO[bytes]) -> str | None:
    """The allowed type these bytes are, or None. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    kind: str | None = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        kind = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(stream)
    elif head and _looks_like_text(head):
        kind = TEXT
    stream.seek(0)
    return kind


def evidence_validate(*, file: UploadedFile) -> tuple[str, str, int]:
    """(original name, content type, size) of an acceptable file, else InvalidInput."""
    name = PurePath((file.name or "").replace("\\", "/")).name
    size = file.size or 0
    if size <= 0:
        raise InvalidInput(str(_("文件为空")), field="file")
    limit = settings.LEDGER["ATTACHMENT_MAX_BYTES"]
    if size > limit:
        raise InvalidInput(
            str(_("文件过大:%(size)s,上限为 %(limit)s"))
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            field="file",
        )
    expected = ALLOWED_EXTENSIONS.get(PurePath(name).suffix.lower())
    if expected is None:
        raise InvalidInput(
            str(_("不支持的文件类型,仅限 PDF、图片、Word(docx)、Excel(xlsx)和文本文件")),
            field="file",
        )
    actual = sniff_content_type(file)
    if actual != expected:
        raise InvalidInput(str(_("文件内容与扩展名不符")), field="file")
    return name, actual, size


@transaction.atomic
def evidence_add(
    *,
    commitment: Commitment,
    actor: User,
    file: UploadedFile,
    note: str = "",
) -> Evidence:
    """Attach a checked file to the commitment, recording who uploaded it."""
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=Move.ADD_EVIDENCE)
    name, content_type, size = evidence_validate(file=file)
    evidence = Evidence(
        commitment=current,
        original_name=name[:255],
        content_type=content_type,
        size=size,
        uploaded_by=actor,
        note=(note or "").strip(),
    )
    evidence._history_user = actor  # type: ignore[attr-defined]
    with office_language():
        evidence._change_reason = str(Move.ADD_EVIDENCE.label)  # type: ignore[attr-defined]
    evidence.file.save(name, file, save=False)
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        # The row was not written: do not leave an orphan file behind.
        evidence.file.delete(save=False)
        raise
    return evidence
