"""PDF transcripts (earnings calls, hearings, interviews published as documents): read as the text of their
paragraphs, each followed by a blank line, and then parsed as a text file would be, as Word documents are.

A PDF holds positioned lines, not paragraphs: `pdfminer.six` gives each page's text lines with their place.
A paragraph ends with a line that stops short of the text's right edge (wrapped lines fill the width), where
the space above the next line is half a line's height wider than the document's usual space between lines
(the narrowest fifth of its gaps), and before a line that opens an utterance as the text layouts read them
(`Name:`, a time, an utterance's number alone or, in a numbered transcript, before its text); a paragraph
that runs on over a page break continues unless its last line ended a sentence. What a layout repeats on
every page is left out: of the (at most two) lines a wide gap sets apart at a page's top or bottom, those
standing at the same height on at least half the pages with the same words once digits are ignored ("Acme
Corp Q3 2026 call") and a page number standing alone there ("Page 3 of 12"; a bare "3" when such numbers keep
step with the pages, so a numbered transcript's `351` at a page's foot stays). A ParseError names the page.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from ..errors import ParseError
from .extracted import ExtractedText
from .numbered import _BARE_NUMBER, _NUMBER_AND_TEXT
from .otter import speaker_marks
from .speakers import ends_sentence

_PDF = re.compile(rb"^\s{0,64}%PDF-")
_PAGE_NUMBER = re.compile(r"(?i)^[\W_]*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[\W_]*$")
_DIGITS = re.compile(r"\d+")
_EXPORT = "export the transcript as text, or save it as a Word document (.docx)"
FULL_LINE_SLACK = 0.15
"""A line that stops more than this share of the text's width short of its right edge ends its paragraph:
wrapped lines fill the width (a ragged right leaves a word at most)."""
MARGIN_LINES = 2
"""Lines at the top and at the bottom of a page that may be a running header or footer."""


@dataclass(frozen=True)
class _Line:
    top: float
    bottom: float
    left: float
    right: float
    text: str


def is_pdf(data: bytes) -> bool:
    return bool(_PDF.match(data[:128]))


def pdf_text(data: bytes, path: Path) -> ExtractedText:
    """The document's paragraphs, or a ParseError saying why it holds none (a scan, a password)."""
    pages = _pages(data, path)
    gaps = sorted(a.bottom - b.top for page in pages for a, b in zip(page, page[1:], strict=False))
    heights = [line.top - line.bottom for page in pages for line in page]
    usual = gaps[len(gaps) // 5] if gaps else 0.0
    wide = usual + (median(heights) if heights else 0.0) / 2
    kept = _without_running_lines(pages, wide)
    edges = [line for page in kept for line in page]
    left = min((line.left for line in edges), default=0.0)
    right = max((line.right for line in edges), default=0.0)
    full = right - FULL_LINE_SLACK * (right - left)
    numbered_layout = sum(1 for line in edges if _BARE_NUMBER.match(line.text)) >= 3
    lines: list[str] = []
    starts: list[int] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            number = [paragraph.pop(0)] if len(paragraph) > 1 and _BARE_NUMBER.match(paragraph[0]) else []
            lines.extend([*number, " ".join(paragraph), ""])  # the numbered layout: `12`, then its text
            paragraph.clear()

    for page in kept:
        starts.append(len(lines) + 1)
        if paragraph and ends_sentence(paragraph[-1]):
            close()
        for before, line in zip([None, *page], page, strict=False):
            numbered = len(paragraph) == 1 and _BARE_NUMBER.match(paragraph[0])
            ended = before is not None and (before.right < full or before.bottom - line.top >= wide)
            opens = (
                _BARE_NUMBER.match(line.text)
                or (numbered_layout and _NUMBER_AND_TEXT.match(line.text))
                or speaker_marks([line.text])
            )
            if not numbered and (ended or opens):
                close()
            if paragraph and paragraph[-1].endswith("-") and line.text[:1].islower():
                paragraph[-1] += line.text  # a word hyphenated at the line's end, kept as one
            else:
                paragraph.append(line.text)
    close()
    text = "\n".join(lines)
    if not text.strip():
        raise ParseError(
            path,
            None,
            "the PDF holds no text (a scanned document, or text drawn as shapes)",
            "run text recognition (OCR) on it first, or " + _EXPORT,
        )
    return ExtractedText(text, tuple(starts), "page")


def _pages(data: bytes, path: Path) -> list[list[_Line]]:
    """Each page's text lines from top to bottom (left to right on one height)."""
    from pdfminer.high_level import extract_pages  # only for PDFs
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    pages = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            found = [
                _Line(
                    round(line.y1, 1),
                    round(line.y0, 1),
                    round(line.x0, 1),
                    round(line.x1, 1),
                    " ".join(line.get_text().split()),
                )
                for box in page
                if isinstance(box, LTTextContainer)
                for line in box
                if isinstance(line, LTTextLine) and line.get_text().strip()
            ]
            pages.append(sorted(found, key=lambda line: -line.top))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ParseError(
            path, None, "the PDF is protected by a password", "remove the password, or " + _EXPORT
        ) from exc
    except Exception as exc:  # pdfminer raises its own syntax errors, and others, on a damaged file
        raise ParseError(path, None, f"the PDF cannot be read: {exc or type(exc).__name__}", _EXPORT) from exc
    return pages


def _shape(line: _Line) -> tuple[int, str]:
    return round(line.top), _DIGITS.sub("#", line.text)


def _without_running_lines(pages: list[list[_Line]], wide: float) -> list[list[_Line]]:
    """The pages without their running headers and footers and the page numbers among them: lines above
    the first or below the last `wide` gap of a page, within `MARGIN_LINES` of its edge, that recur there or
    count the pages (a numbered transcript's `1` sits right above its text, and its `351` at a page's foot
    does not keep step with the pages)."""

    def margins(page: list[_Line]) -> list[_Line]:
        top = [
            page[: i + 1]
            for i in range(min(MARGIN_LINES, len(page) - 1))
            if page[i].bottom - page[i + 1].top >= wide
        ]
        bottom = [
            page[-i:]
            for i in range(1, min(MARGIN_LINES, len(page) - 1) + 1)
            if page[-i - 1].bottom - page[-i].top >= wide
        ]
        return (top[-1] if top else []) + (bottom[-1] if bottom else [])

    edges = [margins(page) for page in pages]
    shape = Counter(key for edge in edges for key in {_shape(line) for line in edge})
    repeated = {key for key, count in shape.items() if count >= 2 and count * 2 >= len(pages)}
    numbers = [
        [line for line in edge if _apart(line, page, wide)] for page, edge in zip(pages, edges, strict=True)
    ]
    offset = _page_number_offset(numbers)
    kept = []
    for ordinal, (page, edge, alone) in enumerate(zip(pages, edges, numbers, strict=True), 1):
        running = [
            line
            for line in edge
            if _shape(line) in repeated
            or (line in alone and _PAGE_NUMBER.match(line.text) and not line.text.isdigit())
            or (line in alone and line.text.isdigit() and int(line.text) - ordinal == offset)
        ]
        kept.append([line for line in page if line not in running])
    return kept


def _apart(line: _Line, page: list[_Line], wide: float) -> bool:
    """Whether a wide gap parts `line` from the page's next line toward its middle (a page number stands
    alone in the margin; an utterance's number sits on its text)."""
    i = page.index(line)
    if len(page) == 1:
        return True
    if i < len(page) / 2:
        return line.bottom - page[i + 1].top >= wide
    return page[i - 1].bottom - line.top >= wide


def _page_number_offset(edges: list[list[_Line]]) -> int | None:
    """How far the bare numbers at the pages' edges run ahead of the pages' order (0 when page 1 says "1"),
    when they keep step with it on at least half the pages (the first page alone: when it says "1"); None
    otherwise: a numbered transcript's utterance numbers that fall at a page's edge are no page numbers."""
    steps = Counter(
        int(line.text) - ordinal
        for ordinal, edge in enumerate(edges, 1)
        for line in edge
        if line.text.isdigit()
    )
    if not steps:
        return None
    step, count = steps.most_common(1)[0]
    if len(edges) == 1:
        return 0 if step == 0 else None
    return step if count >= 2 and count * 2 >= len(edges) else None
