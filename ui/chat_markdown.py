"""Streamlit Markdown for answers and transcript lines: library text escaped, citation markers as badges.

Pure functions (no Streamlit calls), so they are easy to test. Answer and transcript text is data, not
Markdown: a `$` would start LaTeX, a `*` emphasis, a line starting `1.` a list, so everything is escaped.
"""

from __future__ import annotations

import re

from assistant import Answer, Citation, marked_text

_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~$:^=+!])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])", re.MULTILINE)
_LEADING_DASH = re.compile(r"^(\s*)([-])", re.MULTILINE)
QUOTE_LIMIT = 600
_NBSP = "\u00a0"
_SENTINEL = "\ue000"  # private-use character: stands for a citation marker while the text is escaped


def escape(text: str) -> str:
    """Text shown literally by st.markdown, with each line break kept as a line break."""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\2\\\3", text)
    text = _LEADING_DASH.sub(r"\1\\\2", text)
    # Leading spaces could start a code block: an indent (a quote under its chapter or episode) is kept as
    # no-break spaces, which Markdown shows and does not read.
    lines = [_NBSP * (len(line) - len(line.lstrip(" "))) + line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if out and out[-1] and line:
            out[-1] += "  "  # a hard line break inside a paragraph
        out.append(line)
    return "\n".join(out)


_COMMAND = re.compile(r"`([^`\n]+)`")


def notice(text: str) -> str:
    """A notice escaped as `escape` does, except the commands it gives between backticks, shown as code so
    they read (and copy) as typed: `assistant models fetch …`. A file's title in it stays literal text."""
    out, cursor = [], 0
    for match in _COMMAND.finditer(text):
        out += [_literal(text[cursor : match.start()]), f"`{match.group(1)}`"]
        cursor = match.end()
    out.append(_literal(text[cursor:]))
    return "".join(out)


def _literal(part: str) -> str:
    """`escape` of a piece of a line, keeping the spaces at its ends (which `escape` trims off a line)."""
    core = part.strip()
    if not core:
        return part
    return part[: len(part) - len(part.lstrip())] + escape(core) + part[len(part.rstrip()) :]


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """`escape(text)` with the character spans given in bold: the quoted words within a long cited turn."""
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue
        out += [_literal(text[cursor:start]), f"**{escape(text[start:end].strip())}**"]
        cursor = end
    out.append(_literal(text[cursor:]))
    return "".join(out)


def marker(n: int) -> str:
    return f":blue-badge[{n}]"


def answer_markdown(answer: Answer) -> tuple[str, list[tuple[int, Citation]]]:
    """The answer escaped, with a badge after each cited span,
    numbered exactly as `marked_text` numbers them."""
    _, numbered = marked_text(answer)
    text = answer.text.replace(_SENTINEL, "\ufffd")  # same length: offsets stay right
    out: list[str] = []
    cursor = 0
    for n, citation in numbered:
        end = max(cursor, min(citation.end, len(text)))
        out.append(text[cursor:end])
        out.append(f"{_SENTINEL}{n}{_SENTINEL}")
        cursor = end
    out.append(text[cursor:])
    rendered = re.sub(
        f"{_SENTINEL}(\\d+){_SENTINEL}", lambda m: " " + marker(int(m.group(1))), escape("".join(out))
    )
    return rendered, numbered


def escape_chunk(text: str) -> str:
    """`escape` for a piece of streamed text: characters only, as lines may span pieces."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """An utterance as a Markdown block quote, shortened past `limit` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + " …"
    return "> " + escape(text)
