"""Decompression bombs built in the tests: a few megabytes on disk, gigabytes unpacked.

Deflate output is produced once per chunk and repeated: after a full flush a compressor starts
afresh, so every further chunk of the same bytes compresses to the same bytes. A gigabyte is
thus written in well under a second, and nothing big is committed.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
_CHUNK = b" " * MB


@dataclass(frozen=True)
class Deflated:
    raw: bytes  # raw deflate data (no zlib header)
    size: int  # unpacked size
    crc: int
    adler: int


def deflate_repeated(chunk: bytes, times: int, *, head: bytes = b"", tail: bytes = b"") -> Deflated:
    """``head``, ``chunk`` ``times`` over, then ``tail``, as raw deflate data."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == again, "a full flush did not restart the compressor"
    raw = start + first * times + compressor.compress(tail) + compressor.flush()
    crc, adler = zlib.crc32(head), zlib.adler32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
        adler = zlib.adler32(chunk, adler)
    crc, adler = zlib.crc32(tail, crc), zlib.adler32(tail, adler)
    size = len(head) + len(chunk) * times + len(tail)
    return Deflated(raw=raw, size=size, crc=crc, adler=adler)


def _zip(entries: list[tuple[str, Deflated, int]]) -> bytes:
    """A zip of pre-deflated entries; the int is the size declared in the headers."""
    out = io.BytesIO()
    central = []
    for name, data, declared in entries:
        offset = out.tell()
        encoded = name.encode()
        # flags, method (deflate), time, date, CRC, packed size, declared size, name length:
        # the same in the local header and in the central directory
        common = struct.pack(
            "<HHHHIIIH", 0, 8, 0, 0x21, data.crc, len(data.raw), declared, len(encoded)
        )
        out.write(b"PK\x03\x04" + struct.pack("<H", 20) + common + b"\0\0" + encoded + data.raw)
        central.append(
            b"PK\x01\x02"
            + struct.pack("<HH", 20, 20)
            + common
            + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            0,
            0,
            len(entries),
            len(entries),
            len(directory),
            start,
            0,
        )
    )
    return out.getvalue()


def office_with_big_part(
    office_file: bytes, part: str, unpacked_mb: int, *, declared_mb: int | None = None
) -> bytes:
    """``office_file`` (a .docx or .xlsx) with ``unpacked_mb`` of blanks after the XML of
    ``part`` (still well-formed: blanks may follow the root element), or as a new part;
    ``declared_mb`` makes its headers lie about that size."""
    entries = []
    head = b""
    with zipfile.ZipFile(io.BytesIO(office_file)) as archive:
        for info in archive.infolist():
            if info.filename == part:
                head = archive.read(info)
                continue
            entries.append(_deflated_part(info.filename, archive.read(info)))
    big = deflate_repeated(_CHUNK, unpacked_mb, head=head)
    declared = big.size if declared_mb is None else declared_mb * MB
    entries.append((part, big, declared))
    return _zip(entries)


def pdf_with_big_stream(
    unpacked_mb: int, *, tail: bytes = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
) -> bytes:
    """A one-page PDF whose content stream (FlateDecode) inflates to ``unpacked_mb`` of blanks
    followed by ``tail`` (a line of text)."""
    big = deflate_repeated(_CHUNK, unpacked_mb, tail=b"\n" + tail + b"\n")
    stream = b"\x78\xda" + big.raw + struct.pack(">I", big.adler)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _inline_row(*texts: str) -> bytes:
    # No r= attributes: a reader numbers rows and cells in order, so one row repeats as is.
    cells = "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in texts)
    return f"<row>{cells}</row>".encode()


def workbook_with_rows(header: tuple[str, ...], row: tuple[str, ...], rows_k: int) -> bytes:
    """A workbook whose first sheet is ``header`` then ``rows_k`` thousand copies of ``row``
    (half a million rows of two cells is about 75 MB of XML, under 100 kB packed)."""
    import openpyxl

    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    sheet_xml = deflate_repeated(
        _inline_row(*row) * 1000,
        rows_k,
        head=b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + _inline_row(*header),
        tail=b"</sheetData></worksheet>",
    )
    entries = []
    with zipfile.ZipFile(book) as archive:
        for info in archive.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                entries.append((info.filename, sheet_xml, sheet_xml.size))
                continue
            entries.append(_deflated_part(info.filename, archive.read(info)))
    return _zip(entries)


def _deflated_part(name: str, content: bytes) -> tuple[str, Deflated, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = compressor.compress(content) + compressor.flush()
    return (
        name,
        Deflated(raw=raw, size=len(content), crc=zlib.crc32(content), adler=0),
        len(content),
    )
