"""Markdown transcripts (`.md`, as note apps, transcription apps and podcast sites write them): read as the
text layouts read plain text, once the markup is gone, line for line, so errors still name the file's line.

    # Bridge sync
    **Alice Smith:** Let us review the budget.      ->  Alice Smith: Let us review the budget.
    1. **Bob Jones** [00:01:02]: It is over.        ->  1. Bob Jones [00:01:02]: It is over.

`markdown-it-py` (CommonMark) finds the blocks; each block's inline text (emphasis, links and inline code
reduced to their words, HTML left out) is written back on the lines the block came from. An ordered list
item keeps its number (the numbered layout's `1. text`), a bullet loses its mark, a fenced or indented code
block is kept as written (a transcript pasted into a code block), a rule or an HTML block is a blank line.
YAML front matter (`---`, `title: …`, `date: …`, `---`, as note apps write it) becomes the metadata block the
text layouts read (title, show, host, guests, date, url; its other lines, lists among them, are left out).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .numbered import _META_KEYS

SUFFIXES = frozenset({".md", ".markdown"})
_FENCE = re.compile(r"^(?:---|\.\.\.)\s*$")
_KEY = re.compile(r"^([A-Za-z][\w -]{0,30}):(?:\s|$)")
_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w -]{0,30}):[ \t]+(?P<value>\S.*?)\s*$")


def _front_matter(lines: list[str]) -> tuple[int, int] | None:
    """The first and last line of a YAML front matter block (`---` … `---`) opening the file, if any."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        return None
    end = next((i for i in range(first + 1, min(len(lines), first + 60)) if _FENCE.match(lines[i])), None)
    if end is None or not all(_yaml_line(line) for line in lines[first + 1 : end] if line.strip()):
        return None  # a rule above the talk ("Alice Smith: hi" is no YAML key), not front matter
    return first, end


def _yaml_line(line: str) -> bool:
    """A line of YAML front matter: `key: value` with a lower-case key (or a metadata field's name), a list
    item or an indented continuation."""
    if line[:1].isspace() or line.startswith("- "):
        return True
    key = _KEY.match(line)
    return key is not None and (key[1] == key[1].lower() or key[1].lower() in _META_KEYS)


def markdown_text(text: str) -> str:
    """`text` without its Markdown, each remaining line where it stood."""
    source = text.split("\n")
    lines = [""] * len(source)
    front = _front_matter(source)
    if front:
        start, end = front
        lines[start], lines[end] = "--- METADATA START ---", "--- METADATA END ---"
        for i in range(start + 1, end):
            field = _FIELD.match(source[i])
            lines[i] = f"{field['key']}: {field['value'].strip(chr(34) + chr(39))}" if field else ""
        source[start : end + 1] = [""] * (end + 1 - start)
    number = ""
    for token in MarkdownIt("commonmark").parse("\n".join(source)):
        if token.type == "list_item_open":
            number = f"{token.info}{token.markup} " if token.info else ""
        elif token.type == "inline" and token.map:
            for offset, line in enumerate(_plain(token.children or []).split("\n")):
                row = token.map[0] + offset
                if row < len(lines):
                    lines[row] = (number + line).strip() if offset == 0 else line.strip()
            number = ""
        elif token.type in ("fence", "code_block") and token.map:
            first = token.map[0] + (1 if token.type == "fence" else 0)
            for offset, line in enumerate(token.content.rstrip("\n").split("\n")):
                if first + offset < len(lines):
                    lines[first + offset] = line
    return "\n".join(lines)


def _plain(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_plain(child.children or []))
    return "".join(parts)
