"""Which format a file is, from its first bytes and (for zip files) the names inside."""

from __future__ import annotations

import io
import zipfile

from commitments.importer.decode import MAX_BYTES as TEXT_MAX_BYTES
from commitments.importer.errors import SeedError

TEXT = "text"
DOCX = "docx"
XLSX = "xlsx"
PDF = "pdf"

ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
# Old binary Office files (.doc/.xls): an OLE2 compound document.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

OFFICE_MAX_BYTES = 20 * 1024 * 1024
PDF_MAX_BYTES = 30 * 1024 * 1024


def max_bytes(head: bytes) -> int:
    """The size limit for a file that starts with ``head`` (its first 8 bytes are enough)."""
    if head.startswith(ZIP_MAGIC):
        return OFFICE_MAX_BYTES
    if is_pdf(head):
        return PDF_MAX_BYTES
    return TEXT_MAX_BYTES


def is_pdf(head: bytes) -> bool:
    # Some writers put a byte-order mark or blank lines before the header; nothing else.
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(PDF_MAGIC)


# What a file's name promises, for a clear refusal when the content is something else.
_PROMISED = {".docx": "Word(.docx)", ".xlsx": "Excel(.xlsx)", ".pdf": "PDF"}


def detect_format(data: bytes, name: str = "") -> str:
    """``"docx"``, ``"xlsx"``, ``"pdf"`` or ``"text"``; refuses other binary containers, and
    a file whose name promises Word, Excel or PDF but whose content is none of them."""
    kind = _sniff(data)
    suffix = name.lower()[name.rfind(".") :] if "." in name else ""
    if kind == TEXT and suffix in _PROMISED:
        raise SeedError(
            f"文件名为 {suffix},但内容不是 {_PROMISED[suffix]} 文件:"
            "文件可能已损坏,或是改了扩展名的其他文件"
        )
    return kind


def _sniff(data: bytes) -> str:
    if len(data) > max_bytes(data[:1024]):
        limit = max_bytes(data[:1024]) // (1024 * 1024)
        raise SeedError(f"文件过大({len(data) // (1024 * 1024)} MB),上限 {limit} MB")
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise SeedError("压缩文件已损坏,无法读取(.docx/.xlsx 文件不完整?)") from None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        raise SeedError("不支持的压缩文件:只能导入 Word(.docx)、Excel(.xlsx)、PDF 或文本文件")
    if is_pdf(data[:1024]):
        return PDF
    if data.startswith(OLE_MAGIC):
        raise SeedError("不支持旧版 Word/Excel 格式(.doc/.xls),请另存为 .docx 或 .xlsx 后导入")
    return TEXT
