"""Memory budgets for untrusted files: what a zip or a PDF may unpack to before it is refused.

A 1.5 MB .docx can unpack to gigabytes, a 2 MB PDF stream can inflate to gigabytes; the
libraries that read them (python-docx, openpyxl, pdfminer) hold what they unpack in memory.
Every size is checked against a budget before or while it is unpacked, so that the memory for
any file, accepted or refused, stays under a fixed ceiling (about 300 MB for the whole process,
shown by tests/importer/test_bombs.py), and a file over budget gets one clear ``SeedError``.

* A zip (.docx, .xlsx): the sizes its central directory declares, for *every* part, then
  each part inflated a megabyte at a time to prove them (see ``check_zip``). XML that a
  library parses whole into a tree costs up to ~30 times its size: it has a smaller budget.
* A PDF: every stream's decoded bytes, counted as they are inflated, for the whole document.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from commitments.importer.errors import SeedError

MB = 1024 * 1024
# Everything a .docx/.xlsx unpacks to, pictures included (they hardly compress, so a 20 MB
# file of photos unpacks to little more).
MAX_UNPACKED_BYTES = 100 * MB
# XML parsed whole into a tree (all of a .docx, a workbook's strings and styles): a speech is a
# few hundred kilobytes of it, a task table of a few hundred rows a few megabytes.
MAX_PARSED_XML_BYTES = 5 * MB
# Worksheets are read row by row, in constant memory, but a sheet without a declared size is
# read through once more just to find it: this bounds the time. A 10,000-row 台账 is ~10 MB.
MAX_STREAMED_XML_BYTES = 32 * MB
# A zip's directory is read whole too: an office file has tens of parts, not hundreds of
# thousands.
MAX_ZIP_PARTS = 2000
# What all streams of a PDF may decode to: content streams are kilobytes a page; embedded
# Chinese fonts are the big ones (a full font is 10-20 MB).
MAX_PDF_DECODED_BYTES = 64 * MB


def _too_big(limit: int) -> SeedError:
    return SeedError(f"文件解压后过大(超过 {limit // MB} MB)")


def check_zip(data: bytes, *, streamed: tuple[str, ...] = ()) -> None:
    """Refuse a zip whose parts unpack beyond the budgets; parts under ``streamed`` are read
    row by row, so they count towards the total only, not towards the parsed-XML budget.

    The sizes a zip declares are checked first, then every part is inflated a megabyte at a
    time and thrown away: zipfile stops a part at its declared size and fails its CRC when it
    holds more, so a part that lies about its size is refused here. Libraries must not meet
    it: reading a whole part, zipfile inflates up to 2 GB in one step before cutting it down.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            _check_declared(parts, streamed)
            for part in parts:
                with archive.open(part) as stream:
                    while stream.read(MB):
                        pass
    except SeedError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, RuntimeError, NotImplementedError):
        # RuntimeError: an encrypted part; NotImplementedError: a compression Office never uses
        raise SeedError("压缩文件已损坏,无法读取(.docx/.xlsx 文件不完整?)") from None


def _check_declared(parts: list[zipfile.ZipInfo], streamed: tuple[str, ...]) -> None:
    if len(parts) > MAX_ZIP_PARTS:
        raise SeedError(f"压缩文件中的部件过多({len(parts)} 个,上限 {MAX_ZIP_PARTS} 个)")
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise _too_big(MAX_UNPACKED_BYTES)
    xml = [part for part in parts if part.filename.endswith((".xml", ".rels"))]
    rows = sum(part.file_size for part in xml if part.filename.startswith(streamed))
    if rows > MAX_STREAMED_XML_BYTES:
        raise SeedError(
            f"工作表数据过多(解压后 {rows // MB} MB,上限 {MAX_STREAMED_XML_BYTES // MB} MB)"
        )
    parsed = sum(part.file_size for part in xml) - rows
    if parsed > MAX_PARSED_XML_BYTES:
        raise SeedError(
            f"文件中的文字和格式数据过多(解压后 {parsed // MB} MB,上限 "
            f"{MAX_PARSED_XML_BYTES // MB} MB)"
        )


# --- PDF streams ------------------------------------------------------------------------------

# What is left of the current document's budget; None outside pdf_stream_budget() (pdfminer
# used elsewhere keeps its own behaviour).
_remaining: ContextVar[list[int] | None] = ContextVar("pdf_stream_budget", default=None)
_INFLATE_STEP = MB


def _spend(size: int) -> None:
    remaining = _remaining.get()
    if remaining is None:
        return
    remaining[0] -= size
    if remaining[0] < 0:  # stays below zero: a caller in pdfminer that swallows it is told again
        raise _too_big(MAX_PDF_DECODED_BYTES)


def _inflate(data: bytes, *, tolerate_truncation: bool) -> bytes:
    """zlib.decompress a megabyte at a time, charging each one to the budget.

    pdfminer calls ``zlib.decompress`` (all at once, no limit) and, when that fails,
    ``decompress_corrupted`` (byte by byte, quadratic); this replaces both."""
    inflater = zlib.decompressobj()
    out: list[bytes] = []
    pending = data
    try:
        while pending:
            chunk = inflater.decompress(pending, _INFLATE_STEP)
            _spend(len(chunk))
            out.append(chunk)
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        if not tolerate_truncation:
            raise
    if not inflater.eof and not tolerate_truncation:
        raise zlib.error("incomplete or truncated stream")
    return b"".join(out)


def _lzw(data: bytes) -> bytes:
    """pdfminer's lzwdecode, a code at a time against the budget (LZW expands up to a few
    thousand times; pdfminer's own loop also formats its whole table for a debug log line on
    every code)."""
    from pdfminer.lzw import CorruptDataError, LZWDecoder

    decoder = LZWDecoder(io.BytesIO(data))
    out: list[bytes] = []
    while True:
        try:
            piece = decoder.feed(decoder.readbits(decoder.nbits))
        except (EOFError, CorruptDataError):
            break
        _spend(len(piece))
        out.append(piece)
    return b"".join(out)


def _run_length(data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.7, 7.4.5) against the budget: two bytes expand to 128, and
    pdfminer builds its output as a list of ints (8 bytes each)."""
    out = bytearray()
    i = 0
    while i < len(data) and data[i] != 128:
        length = data[i]
        piece = (
            data[i + 1 : i + 2 + length] if length < 128 else data[i + 1 : i + 2] * (257 - length)
        )
        i += length + 2 if length < 128 else 2
        _spend(len(piece))
        out += piece
    return bytes(out)


class _BudgetedZlib:
    """What pdfminer.pdftypes uses of the zlib module, with the budget."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    @staticmethod
    def decompress(data: bytes) -> bytes:
        return _inflate(data, tolerate_truncation=False)


def _install() -> None:
    """Route pdfminer's stream decoding through the budget, once per process.

    pdfminer decodes a stream in PDFStream.decode with module-level helpers; each one that
    expands (Flate up to 1,000 times, LZW, RunLength; chained filters multiply) is replaced by
    a twin that charges what it produces as it goes, and stops at the budget.
    """
    from pdfminer import pdftypes

    if getattr(pdftypes, "_ledger_budget", False):
        return
    pdftypes.zlib = _BudgetedZlib  # type: ignore[assignment]
    pdftypes.decompress_corrupted = lambda data: _inflate(data, tolerate_truncation=True)
    pdftypes.lzwdecode = _lzw
    pdftypes.rldecode = _run_length
    pdftypes._ledger_budget = True  # type: ignore[attr-defined]


@contextmanager
def pdf_stream_budget() -> Iterator[None]:
    """Within this block, every PDF stream pdfminer decodes is charged to one document budget
    of ``MAX_PDF_DECODED_BYTES``; going over raises ``SeedError``."""
    _install()
    remaining = [MAX_PDF_DECODED_BYTES]
    token = _remaining.set(remaining)
    try:
        yield
    finally:
        _remaining.reset(token)
    if remaining[0] < 0:  # pdfminer caught the refusal somewhere and went on
        raise _too_big(MAX_PDF_DECODED_BYTES)
