"""Bytes to text for office documents: UTF-8, UTF-16 (with or without BOM) and GB18030."""

from __future__ import annotations

import codecs
import re
import unicodedata

from commitments.importer.errors import SeedError

# A speech is a few dozen kilobytes (the seed: 14 KB).  4 MB is already ~1.4 million characters,
# parsed in about 10 s; anything larger is not a speech, so it is refused with a clear message
# instead of tying up a worker and bloating the database.  Shown in the command's help.
MAX_BYTES = 4 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Characters a Chinese office document is made of.  Text decoded with the wrong codec shows up
# as control characters, private-use code points or rare ideographs outside this set.
_CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】—…·「」『』〔〕％＋－／～　"


def _is_plausible_char(ch: str) -> bool:
    if ch in "\n\r\t" or " " <= ch <= "~":
        return True
    if "\u4e00" <= ch <= "\u9fff" or ch in _CJK_PUNCT:
        return True
    if "\uff01" <= ch <= "\uff5e":  # full-width ASCII variants: ，（）０-９ Ａ-Ｚ
        return True
    cat = unicodedata.category(ch)
    if cat.startswith("C"):  # control, format, private use, unassigned, surrogate
        return False
    # Other letters (Latin-1 accents, kana, Hangul...) are legal but unusual; count them as
    # half-plausible so a wrong codec that yields them loses to the right one.
    return cat[0] in "LNPSZ"


# Runs of everyday characters: removed in one replacement each, the rest are the rare ones.
_COMMON_RUN = re.compile("[\n\r\t -~\u4e00-\u9fff\uff01-\uff5e" + re.escape(_CJK_PUNCT) + "]+")


def plausibility(text: str) -> float:
    """Share of characters that belong in a Chinese office document (0.0 - 1.0)."""
    if not text:
        return 0.0
    sample = text if len(text) <= 200_000 else text[:100_000] + text[-100_000:]
    # Only the rare characters need the slow, per-character look.
    rare = _COMMON_RUN.sub("", sample)
    common = len(sample) - len(rare)
    good = common + sum(1 for ch in rare if _is_plausible_char(ch))
    # Weighted so that "legal but exotic" characters count less than the everyday ones.
    return (good + common) / (2 * len(sample))


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode an office text file; return ``(text, encoding)``.

    Raises :class:`SeedError` for empty, oversized or binary input.
    """
    if len(data) > MAX_BYTES:
        raise SeedError(
            f"文件过大({len(data) // (1024 * 1024)} MB),上限 {MAX_BYTES // (1024 * 1024)} MB"
        )
    if not data.strip():
        raise SeedError("文件为空")

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _try(data[len(bom) :], encoding)
            if text is None:
                raise SeedError(f"文件以 {encoding} 字节序标记开头,但内容无法按 {encoding} 解码")
            return _checked(text, encoding)

    candidates: list[tuple[str, str]] = []
    if b"\x00" in data[:65536]:
        # Text never contains NUL, except UTF-16 without BOM (ASCII and some ideographs
        # such as 一 U+4E00 have a zero byte); binary decodes to implausible characters.
        if len(data) % 2 == 0:
            decoded = [
                (text, enc)
                for enc in ("utf-16-le", "utf-16-be")
                if (text := _try(data, enc)) is not None
            ]
            if decoded:
                text, encoding = max(decoded, key=lambda c: plausibility(c[0]))
                if plausibility(text) >= 0.9:
                    return _checked(text, encoding)
        raise SeedError("不是文本文件(含有二进制数据)")

    for encoding in ("utf-8", "gb18030"):
        text = _try(data, encoding)
        if text is not None:
            candidates.append((text, encoding))
            if encoding == "utf-8":
                # Valid UTF-8 with multibyte sequences is practically never another encoding
                # (UTF-16 without BOM reads as UTF-8 only where it is all ASCII bytes).
                if not text.isascii():
                    return _checked(text, encoding)
                break
    if len(data) % 2 == 0 and not any(enc.startswith("utf-16") for _, enc in candidates):
        # UTF-16 without BOM and without any ASCII has no NUL bytes; let the score decide.
        for encoding in ("utf-16-le", "utf-16-be"):
            text = _try(data, encoding)
            if text is not None:
                candidates.append((text, encoding))

    if not candidates:
        raise SeedError("无法识别文件编码(支持 UTF-8、UTF-16、GB18030/GBK)")
    text, encoding = max(candidates, key=lambda c: plausibility(c[0]))
    return _checked(text, encoding)


def _checked(text: str, encoding: str) -> tuple[str, str]:
    if not text.strip():
        raise SeedError("文件为空")
    if plausibility(text) < 0.9:
        raise SeedError("不是文本文件(内容无法识别为中文或西文文本)")
    return text, encoding
