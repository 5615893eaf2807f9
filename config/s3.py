"""The bucket backend: django-storages' S3Storage, kept private and read as a stream.

Evidence leaves the bucket only through the ledger's permission-checked view, so nothing here
makes a public URL: no ACL on upload (the bucket's own policy, private, applies), every URL is
signed and short-lived, and a custom (CDN) domain is refused because it would be unsigned.
"""

from __future__ import annotations

from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


def _is_missing(error: ClientError) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


class LedgerS3Storage(S3Storage):
    client_config: Config  # built by S3Storage from the options (addressing style, signature)

    def __init__(self, **options: Any) -> None:
        if options.get("custom_domain"):
            raise ImproperlyConfigured("evidence is never served from a public (custom) domain")
        options.update(default_acl=None, querystring_auth=True, custom_domain=None)
        # Signature V2 is gone from new AWS regions; V4 works on every S3-compatible store.
        options.setdefault("signature_version", "s3v4")
        super().__init__(**options)
        # botocore ≥ 1.36 adds CRC checksums (and chunked uploads) to every request; Aliyun
        # OSS, Tencent COS and older MinIO refuse those. Checksums only where S3 requires them.
        self.client_config = self.client_config.merge(
            Config(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
        )

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def open_stream(self, name: str) -> IO[bytes]:
        """The object's bytes as they arrive; S3Storage.open would first copy them to disk."""
        try:
            return self.bucket.Object(self._key(name)).get()["Body"]
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(name) from error
            raise

    def get_modified_time(self, name: str) -> Any:
        try:
            return super().get_modified_time(name)
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(name) from error
            raise

    def signed_download_url(
        self, name: str, *, filename: str, content_type: str, as_attachment: bool
    ) -> str:
        """A URL valid for ``querystring_expire`` seconds at which the bucket answers with the
        headers the ledger's own view would send (type, file name, no caching)."""
        return self.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
                "ResponseCacheControl": "private, no-store",
            },
        )
