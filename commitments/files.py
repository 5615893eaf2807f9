"""Stored files read the same way on every storage: local folder, memory (tests) or a bucket.

The bucket backend (config.s3) streams objects and signs download URLs; the others open the
file. Callers ask here instead of testing which storage is configured.
"""

from __future__ import annotations

from typing import IO

from django.core.files.storage import default_storage

_CHUNK = 1024 * 1024


def open_stream(name: str) -> IO[bytes]:
    """The stored file for reading from the start; FileNotFoundError if it is gone."""
    opener = getattr(default_storage, "open_stream", None)
    return opener(name) if opener is not None else default_storage.open(name, "rb")


def read_bytes(name: str, *, limit: int) -> bytes | None:
    """The whole file, or None if it is larger than ``limit`` bytes (read no further)."""
    chunks: list[bytes] = []
    size = 0
    with open_stream(name) as stream:
        # A network stream may return less than asked: read until the end or past the limit.
        while size <= limit:
            chunk = stream.read(min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks) if size <= limit else None


def signed_download_url(
    name: str, *, filename: str, content_type: str, as_attachment: bool
) -> str | None:
    """A short-lived signed URL of the file in the bucket, or None for storages without one."""
    signer = getattr(default_storage, "signed_download_url", None)
    if signer is None:
        return None
    return signer(name, filename=filename, content_type=content_type, as_attachment=as_attachment)
