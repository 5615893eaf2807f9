from __future__ import annotations

from pathlib import Path

import pytest

from commitments.importer.parse import ParsedDocument, parse_document

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_d59561c663881efd.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def seed(seed_bytes: bytes) -> ParsedDocument:
    return parse_document(seed_bytes, name=SEED.name)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
