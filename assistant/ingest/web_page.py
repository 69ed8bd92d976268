"""Web pages a transcript was published on, saved from the browser (.html): the page's main text, as
trafilatura extracts it (menus, sidebars, related links, footers and comments left out), then parsed as a
text file would be. The page's title, canonical address, date and site name become the episode's, through
the metadata block the text layouts read, so citations link back to the page. A ParseError names the line
of the page's text, since the file's own lines are markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError

_PAGE_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S,
)
_NO_TEXT_HINT = (
    "the page may build its text with JavaScript: copy the transcript from the browser into a .txt file"
)


@dataclass(frozen=True)
class PageText:
    text: str
    """The metadata block (when the page gives any), then the page's main text, a line per paragraph."""
    first_line: int
    """The line of `text` the page's own text starts on."""


def is_web_page(data: bytes) -> bool:
    """Whether the bytes open as an HTML document (a doctype, or an `html`, `head` or `body` tag)."""
    return bool(_PAGE_START.match(data[:4096]))


def page_text(data: bytes, path: Path) -> PageText:
    """The page's main text with its metadata; a ParseError when the page holds none."""
    import trafilatura  # lxml and its extractors: only for web pages

    try:
        document = trafilatura.bare_extraction(
            data,
            favor_recall=True,  # a transcript's short turns ("Yeah.") are text, not boilerplate
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=True,
        )
    except Exception as exc:  # lxml's parser errors on a page it cannot read at all
        raise ParseError(path, None, f"the web page cannot be read: {exc}", _NO_TEXT_HINT) from exc
    lines = (getattr(document, "text", None) or "").split("\n") if document is not None else []
    if not any(line.strip() for line in lines):
        raise ParseError(path, None, "the web page holds no text that reads as its content", _NO_TEXT_HINT)
    title = _field(document, "title")
    if title and lines[0].strip() == title:
        lines = lines[1:]  # the page's heading repeats its title
    site = _field(document, "sitename")
    meta = [
        f"{key}: {value}"
        for key, value in (
            ("Title", title),
            ("Show", site if site and "." not in site else None),
            ("Source URL", _field(document, "url")),
            ("Date", _field(document, "date")),
        )
        if value
    ]
    block = ["--- METADATA START ---", *meta, "--- METADATA END ---"] if meta else []
    return PageText("\n".join([*block, *lines]), len(block) + 1)


def _field(document: object, name: str) -> str | None:
    value = getattr(document, name, None)
    return value.strip() or None if isinstance(value, str) else None


def at_page_line(error: ParseError, page: PageText) -> ParseError:
    """The same error, placed by line of the page's text instead of by line of the file."""
    if error.line is None:
        return error
    line = max(1, error.line - page.first_line + 1)
    return ParseError(error.path, None, f"line {line} of the page's text: {error.problem}", error.hint)
