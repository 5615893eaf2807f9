"""Text PDFs: lines regrouped into paragraphs; a PDF without a text layer is refused."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from commitments.importer.decode import plausibility
from commitments.importer.errors import SeedError
from commitments.importer.formats.budget import pdf_stream_budget
from commitments.importer.formats.detect import PDF
from commitments.importer.formats.extracted import MAX_CHARS, Extracted
from commitments.importer.patterns import heading_marker

SCANNED = "PDF 没有文本层(可能是扫描件),请先进行文字识别(OCR)后再导入"
_PAGE_NUMBER = re.compile(r"^[-—－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?[-—－\s]*$")
_PARAGRAPH_END = "。！？!?：:；;"
# A dense page of small type holds a few thousand characters.
MAX_PAGE_GLYPHS = 20_000


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    size: float
    right: float  # the page's right text margin


def read_pdf(data: bytes) -> Extracted:
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFSyntaxError

    lines: list[_Line] = []
    chars = 0
    try:
        # extract_pages() spelled out, to count glyphs as the page is drawn
        with pdf_stream_budget():
            resources = PDFResourceManager(caching=True)
            device = _glyph_counting_aggregator(resources, LAParams())
            interpreter = PDFPageInterpreter(resources, device)
            for pdf_page in PDFPage.get_pages(io.BytesIO(data)):
                interpreter.process_page(pdf_page)
                page = device.get_result()
                page_lines: list[tuple[str, float, float, float]] = []
                for element in page:
                    if not isinstance(element, LTTextContainer):
                        continue
                    for line in element:
                        if not isinstance(line, LTTextLine):
                            continue
                        text = line.get_text().strip()
                        if not text or _PAGE_NUMBER.match(text):
                            continue
                        page_lines.append((text, line.x0, line.x1, line.height))
                        chars += len(text)
                if chars > MAX_CHARS:
                    raise SeedError(f"PDF 文字过多(超过 {MAX_CHARS} 字)")
                right = max((x1 for _, _, x1, _ in page_lines), default=0.0)
                lines.extend(_Line(t, x0, x1, size, right) for t, x0, x1, size in page_lines)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise SeedError("PDF 已加密,请先解除密码保护后再导入") from None
    except PDFSyntaxError:
        raise SeedError("PDF 文件已损坏,无法读取") from None
    if not lines:
        raise SeedError(SCANNED)
    paragraphs = _paragraphs(lines)
    text = "\n".join(paragraphs)
    # Fonts without a Unicode map come out as "(cid:1234)" or private-use characters.
    if "(cid:" in text or plausibility(text) < 0.9:
        raise SeedError(
            "PDF 中的文字无法正确提取(字体缺少编码信息),请先转为文本或进行文字识别(OCR)"
        )
    return Extracted(format=PDF, blocks=tuple(paragraphs))


def _glyph_counting_aggregator(resources: Any, laparams: Any) -> Any:
    """pdfminer's page aggregator, refusing a page with more glyphs than any printed page.

    Every glyph becomes an object of about a kilobyte until the page is laid out, so a small
    content stream that draws millions of them would take gigabytes."""
    from pdfminer.converter import PDFPageAggregator

    class GlyphCountingAggregator(PDFPageAggregator):
        glyphs = 0

        def begin_page(self, page: Any, ctm: Any) -> None:
            self.glyphs = 0
            super().begin_page(page, ctm)

        def render_char(self, *args: Any, **kwargs: Any) -> float:
            self.glyphs += 1
            if self.glyphs > MAX_PAGE_GLYPHS:
                raise SeedError(f"PDF 单页字符过多(超过 {MAX_PAGE_GLYPHS} 个),无法读取")
            return super().render_char(*args, **kwargs)

    return GlyphCountingAggregator(resources, laparams=laparams)


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Join the lines a PDF wrapped: a paragraph ends at 。！？：；, at a short line, or before
    a numbered heading; page breaks are no paragraph breaks by themselves."""
    paragraphs: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        current += line.text
        following = lines[i + 1] if i + 1 < len(lines) else None
        short = line.x1 < line.right - 1.5 * max(line.size, 1.0)
        if (
            following is None
            or line.text[-1] in _PARAGRAPH_END
            or short
            or heading_marker(following.text) is not None
            or following.x0 > line.x0 + max(line.size, 1.0)  # an indented first line
        ):
            paragraphs.append(current)
            current = ""
    return paragraphs
