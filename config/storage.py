"""Where uploaded files live: the local filesystem by default, an S3-compatible bucket if asked.

Read by the settings, so nothing here imports boto3: the embedded mode does not pay for it.
``STORAGE_URL=s3://BUCKET[/PREFIX]?endpoint_url=…&region_name=…&addressing_style=path`` or the
django-storages names (``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL``, …) choose a bucket;
AWS S3, MinIO, Aliyun OSS and Tencent COS all speak that API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "config.s3.LedgerS3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
# What STORAGE_URL's query may set, as django-storages' option names.
_S3_QUERY_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version"}


def file_storage(
    *,
    url: str,
    bucket: str = "",
    location: str = "",
    endpoint_url: str = "",
    region_name: str = "",
    addressing_style: str = "",
    access_key: str = "",
    secret_key: str = "",
    signed_url_seconds: int = 60,
) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for these settings. The URL wins over the separate
    names; credentials left empty come from boto3's own chain (environment, instance role)."""
    options: dict[str, Any] = {}
    parts = urlsplit(url)
    if parts.scheme == "file":
        return {"BACKEND": FILESYSTEM_BACKEND, "OPTIONS": {"location": unquote(parts.path)}}
    if parts.scheme == "s3":
        if parts.username or parts.password:
            # A secret in a URL ends up in logs and process lists; boto3 reads the variables.
            raise ImproperlyConfigured(
                "STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY instead"
            )
        bucket = parts.hostname or ""
        location = parts.path.strip("/") or location
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in _S3_QUERY_OPTIONS:
                raise ImproperlyConfigured(
                    f"STORAGE_URL: unknown option {key!r}; use {sorted(_S3_QUERY_OPTIONS)}"
                )
            options[key] = value
    elif url:
        raise ImproperlyConfigured(
            f"STORAGE_URL must be s3://bucket[/prefix] or file:///path, not {url.split(':')[0]}:"
        )
    elif not bucket:
        # MEDIA_ROOT, read when the storage is first used (as Django's default does).
        return {"BACKEND": FILESYSTEM_BACKEND}
    if not bucket:
        raise ImproperlyConfigured("STORAGE_URL s3:// needs a bucket name: s3://bucket/prefix")
    options.setdefault("endpoint_url", endpoint_url)
    options.setdefault("region_name", region_name)
    options.setdefault("addressing_style", addressing_style)
    if options["addressing_style"] not in ("", "auto", "path", "virtual"):
        raise ImproperlyConfigured("addressing_style must be path, virtual or auto")
    options.update(
        bucket_name=bucket,
        location=location.strip("/"),
        access_key=access_key,
        secret_key=secret_key,
        querystring_expire=signed_url_seconds,
    )
    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {key: value for key, value in options.items() if value not in ("", None)},
    }
