"""Word documents (.docx), as Teams, Otter, Rev and Google Docs export transcripts: read as the text of
their paragraphs, each followed by a blank line, and then parsed as a text file would be. A table is read
row by row: a row with a time, a speaker and the words (in any order) as `[0:03] Name: words`, as the
Otter-style layout reads it; any other row as its cells parted by two spaces. A ParseError names the
paragraph: a document has no lines."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import ParseError
from .cues import clock_seconds
from .extracted import ExtractedText
from .speakers import is_label

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 (.doc), and other Office files of that age
_BODY = "word/document.xml"
MAX_UNPACKED_BYTES = 256 * 2**20
"""A document that unpacks to more than this is refused before it is read (a zip bomb, not a transcript)."""


def is_word_document(data: bytes) -> bool:
    """Whether the bytes are a zip archive (a .docx is one) or an old binary Office file, not text."""
    return data.startswith(_ZIP) or data.startswith(_OLE)


def word_text(data: bytes, path: Path) -> ExtractedText:
    """The document's text, or a ParseError saying what the file is when it is no .docx."""
    if data.startswith(_OLE):
        raise ParseError(path, None, "a Word 97-2003 document (.doc) or another old Office file", _SAVE_AS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ParseError(path, None, f"a damaged zip archive or Word document: {exc}", _SAVE_AS) from exc
    if _BODY not in names:
        raise ParseError(
            path, None, "a zip archive, not a Word document (.docx)", "unpack it and ingest the files"
        )
    if unpacked > MAX_UNPACKED_BYTES:
        raise ParseError(
            path,
            None,
            f"the document unpacks to {unpacked / 2**20:,.0f} MB, "
            f"over the {MAX_UNPACKED_BYTES // 2**20} MB limit",
            "split the transcript",
        )
    import docx  # a few hundred milliseconds of lxml: only for Word documents
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError or lxml's errors on a broken part
        raise ParseError(path, None, f"the Word document cannot be read: {exc}", _SAVE_AS) from exc
    lines: list[str] = []
    starts: list[int] = []
    for block in document.iter_inner_content():
        rows = (
            [_row_line([cell.text.strip() for cell in row.cells]) for row in block.rows]
            if isinstance(block, Table)
            else [block.text]
        )
        for row in rows:
            starts.append(len(lines) + 1)
            lines += [*row.replace("\r\n", "\n").replace("\r", "\n").split("\n"), ""]
    text = "\n".join(lines)
    if not text.strip():
        raise ParseError(path, None, "the Word document holds no text", "a transcript needs utterances")
    return ExtractedText(text, tuple(starts), "paragraph")


def _row_line(cells: list[str]) -> str:
    cells = [c for c in dict.fromkeys(cells) if c]  # a merged cell repeats in each column it spans
    if len(cells) == 3:
        times = [c for c in cells if clock_seconds(c) is not None]
        names = [c for c in cells if c not in times and is_label(c)]
        if len(times) == 1 and names:
            words = next(c for c in cells if c not in times and c != names[0])
            return f"[{times[0]}] {names[0]}: {words}"
    return "  ".join(cells)


_SAVE_AS = "save it as a Word document (.docx) or export the transcript as plain UTF-8 text"
