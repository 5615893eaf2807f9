from __future__ import annotations

import os

import pytest

from commitments.importer.decode import MAX_BYTES, decode_bytes
from commitments.importer.errors import SeedError

TEXT = "同志们:\n各县区要在6月30日前完成排查。Section 2 of the plan.\n"


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be", "utf-32"],
)
def test_office_encodings_decode_to_the_same_text(encoding: str) -> None:
    text, _ = decode_bytes(TEXT.encode(encoding))
    assert text == TEXT


def test_seed_in_gb18030_is_recognised_as_gb18030(seed_bytes: bytes) -> None:
    text, encoding = decode_bytes(seed_bytes.decode("utf-8").encode("gb18030"))
    assert encoding == "gb18030"
    assert text == seed_bytes.decode("utf-8")


def test_utf16_without_bom_and_without_ascii_is_recognised() -> None:
    pure = "各级各部门要认真贯彻落实会议精神切实抓好各项工作"
    for encoding in ("utf-16-le", "utf-16-be"):
        assert decode_bytes(pure.encode(encoding)) == (pure, encoding)


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", "\ufeff".encode("utf-8") + b"  "])
def test_empty_input_is_rejected(data: bytes) -> None:
    with pytest.raises(SeedError, match="空"):
        decode_bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        b"PK\x03\x04" + b"\x00\x14\x00\x06\x00" * 200,
        b"\x01\x02\x03abc" * 300,
    ],
)
def test_binary_input_is_rejected_with_a_one_line_message(data: bytes) -> None:
    with pytest.raises(SeedError) as info:
        decode_bytes(data)
    assert "\n" not in str(info.value)
    assert "文本" in str(info.value)


def test_oversized_input_is_rejected_before_decoding() -> None:
    with pytest.raises(SeedError, match="过大"):
        decode_bytes(b"a" * (MAX_BYTES + 1))
