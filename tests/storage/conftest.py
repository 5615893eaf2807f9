"""A real S3 server on loopback (moto in server mode), started once per test run, and a fresh
private bucket per test that the ledger's default storage points at."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.storage import file_storage

# moto accepts any key pair; real ones are never needed (or looked for) by the suite.
ACCESS_KEY = "ledger-test"
SECRET_KEY = "ledger-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class Bucket:
    name: str
    endpoint: str
    client: Any  # a boto3 S3 client outside the ledger, to see what is really stored

    @property
    def url(self) -> str:
        """STORAGE_URL naming this bucket, as an operator would write it."""
        return (
            f"s3://{self.name}?endpoint_url={self.endpoint}"
            f"&region_name={REGION}&addressing_style=path"
        )

    @property
    def environment(self) -> dict[str, str]:
        """What a web or worker process needs to use this bucket."""
        return {
            "STORAGE_URL": self.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def objects(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    # One line per request at INFO would bury a failing test's own log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> Bucket:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    made = Bucket(name=f"ledger-{secrets.token_hex(6)}", endpoint=endpoint, client=client)
    client.create_bucket(Bucket=made.name)
    return made


def store_files_in(settings: Any, bucket: Bucket) -> None:
    """Point this process's default file storage at ``bucket`` (undone after the test)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": file_storage(url=bucket.url, access_key=ACCESS_KEY, secret_key=SECRET_KEY),
    }


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Bucket:
    """A new empty bucket, and the ledger's files stored in it for this test."""
    made = new_bucket(s3_endpoint)
    store_files_in(settings, made)
    return made
