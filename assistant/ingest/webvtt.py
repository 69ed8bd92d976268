"""WebVTT captions (`.vtt`), read with webvtt-py; speakers from `<v Name>` voice tags or `NAME: ` labels.

    WEBVTT

    NOTE
    Title: The Roof Question
    Show: Riverside Library Board

    intro-1
    00:00:01.000 --> 00:00:04.200 align:start
    <v Priya Nair>The quote came in
    at twelve thousand.</v>

webvtt-py parses cues, ids, settings, timestamps and NOTE blocks, but it drops a malformed cue silently
and knows no line numbers. So this module walks the blocks itself, only to say *where* a problem is: a
cue the library dropped, a timing line it could not read, text stranded outside any cue.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ..errors import ParseError
from ..types import Transcript
from .cues import (
    Meta,
    add_meta,
    build_transcript,
    clock_seconds,
    meta_from_lines,
    split_labels,
    strip_tags,
    unroll,
)
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .speakers import Piece

FORMAT = "webvtt"

_HEADER = re.compile(r"^\ufeff?WEBVTT(?:[ \t]|$)")
_TIMING = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>")
_SPACES = re.compile(r"\s+")
# "NOTE Title: x" right under WEBVTT, with no blank line, is a header line to webvtt-py, not a comment.
_NOTE_PREFIX = re.compile(r"^NOTE[ \t]+")
_LIBRARY_ERRORS = (
    MalformedFileError,
    MalformedCaptionError,
    ValueError,
    TypeError,
    OverflowError,
    IndexError,
)


def looks_webvtt(text: str) -> bool:
    """Sniffer: the first non-blank line starts with `WEBVTT`."""
    for line in text.split("\n", 50)[:50]:
        if line.strip():
            return bool(_HEADER.match(line.lstrip(" \t")))
    return False


def parse_webvtt(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ParseError(path, None, "no cues found: the file holds no text")
    lines[first] = lines[first].lstrip(" \t")
    if not _HEADER.match(lines[first]):
        raise ParseError(
            path,
            first + 1,
            "not a WebVTT file: the first line must be `WEBVTT`",
            "or choose another --format",
        )
    try:
        vtt = webvtt.from_string("\n".join(lines[first:]))
    except _LIBRARY_ERRORS as e:
        raise ParseError(path, None, f"cannot be read as WebVTT: {e}") from e

    cue_lines = _cue_lines(lines, first, path)
    captions = list(vtt.captions)
    if not cue_lines:
        raise ParseError(
            path,
            None,
            "no cues found",
            "after `WEBVTT`, each cue is `00:00:01.000 --> 00:00:04.000` and its text",
        )
    located = _locate(captions, cue_lines, lines, path)

    meta: Meta = {}
    for line in vtt.metadata:
        key, sep, value = _NOTE_PREFIX.sub("", line).partition(":")
        if sep:
            add_meta(meta, key, value.strip())
    comments = [*vtt.header_comments, *(c for cap in captions for c in cap.comments), *vtt.footer_comments]
    for comment in comments:
        for field, values in (meta_from_lines(comment.split("\n")) or {}).items():
            for value in values:
                add_meta(meta, field, value)

    voiced = any(_VOICE.search(line) for cap in captions for line in cap.lines)
    cues = []
    pieces: list[Piece] = []
    for n, (cap, line_no) in enumerate(zip(captions, located, strict=True), start=1):
        ident = (cap.identifier or "").strip()
        where = f"cue {n}" + (f" (id `{ident}`)" if ident and ident != str(n) else "")
        start = cap.start_time.in_milliseconds() / 1000
        end = cap.end_time.in_milliseconds() / 1000
        cue = Piece("", where, line_no, None, start, end)
        if voiced:
            pieces.extend(_voices(cap.lines, cue))
        else:
            cues.append((cue, [_plain(raw) for raw in cap.lines]))
    if not voiced:
        pieces = split_labels(unroll(cues))
    return build_transcript(
        pieces, path=path, episode_id=episode_id, fmt=FORMAT, meta=meta, max_chars=max_utterance_chars
    )


def _plain(raw: str) -> str:
    return html.unescape(strip_tags(raw))


def _voices(raw_lines: list[str], cue: Piece) -> list[Piece]:
    """One piece per voice span; text before the first `<v>` tag has no speaker."""
    raw = "\n".join(raw_lines)
    spans: list[tuple[str | None, str]] = []
    pos = 0
    speaker: str | None = None
    for match in _VOICE.finditer(raw):
        spans.append((speaker, raw[pos : match.start()]))
        speaker = (match.group(1) or "").strip() or None
        pos = match.end()
    spans.append((speaker, raw[pos:]))
    out = []
    for who, chunk in spans:
        said = _SPACES.sub(" ", _plain(chunk)).strip()
        if said:
            out.append(Piece(said, cue.where, cue.line, who, cue.start, cue.end))
    return out


def _blocks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """(index of first line, lines) for each block after the header, split as WebVTT (and webvtt-py) do.

    A block ends at an empty line; a line holding `-->` also starts a new block unless it can be the
    current block's timing line (its first line, or its second after a cue id).
    """
    blocks: list[tuple[int, list[str]]] = []
    block: list[str] = [lines[first]]
    start = first
    in_header = True
    for i in range(first + 1, len(lines)):
        line = lines[i]
        if not line or (block and "-->" in line and (in_header or len(block) > 1 or "-->" in block[0])):
            if block and not in_header:
                blocks.append((start, block))
            if block:
                in_header = False
            block = []
        if line:
            if not block:
                start = i
            block.append(line)
    if block and not in_header:
        blocks.append((start, block))
    return blocks


def _cue_lines(lines: list[str], first: int, path: Path) -> list[int]:
    """Index of the timing line of every block that is meant as a cue; text outside any cue is refused."""
    out = []
    for start, block in _blocks(lines, first):
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and not any("-->" in b for b in block):
            continue
        arrow = next((k for k, b in enumerate(block) if "-->" in b), None)
        if arrow is None:
            raise ParseError(
                path,
                start + 1,
                f"text outside any cue: {block[0].strip()[:60]!r}",
                (
                    "a blank line ends a cue in WebVTT; remove the blank line inside the cue, "
                    "or give the text its own timing line"
                ),
            )
        out.append(start + arrow)
    return out


def _locate(captions: list[webvtt.Caption], cue_lines: list[int], lines: list[str], path: Path) -> list[int]:
    """The file line of each caption, matching the library's cues to the timing lines in order.

    A timing line whose times match no next caption is a cue the library dropped: say why, at that line.
    """
    located: list[int] = []
    k = 0
    for cap in captions:
        if k >= len(cue_lines):
            raise ParseError(
                path, None, "cannot be read as WebVTT: the cues do not match the file's timing lines"
            )
        i = cue_lines[k]
        k += 1
        if not _same_times(lines[i], cap):
            raise _bad_cue(lines, i, len(located) + 1, path)
        located.append(i + 1)
    if k < len(cue_lines):
        raise _bad_cue(lines, cue_lines[k], len(located) + 1, path)
    return located


def _same_times(line: str, cap: webvtt.Caption) -> bool:
    match = _TIMING.match(line)
    if not match:
        return False
    start, end = _vtt_seconds(match.group(1)), _vtt_seconds(match.group(2))
    return (
        start is not None
        and end is not None
        and round(start * 1000) == cap.start_time.in_milliseconds()
        and round(end * 1000) == cap.end_time.in_milliseconds()
    )


def _vtt_seconds(stamp: str) -> float | None:
    return clock_seconds(stamp) if "." in stamp and "," not in stamp else None


def _bad_cue(lines: list[str], i: int, number: int, path: Path) -> ParseError:
    line = lines[i]
    match = _TIMING.match(line)
    if not match:
        return ParseError(
            path,
            i + 1,
            f"cue {number}: the timing line is not `start --> end`: {line.strip()[:80]!r}",
            "write it like `00:01:02.500 --> 00:01:05.000`",
        )
    for stamp in match.groups():
        if "," in stamp:
            return ParseError(
                path,
                i + 1,
                f"cue {number}: bad timestamp {stamp!r}",
                (
                    "WebVTT puts a dot before the milliseconds, as in `00:00:01.000`; "
                    "a comma is SRT, so is this an .srt file?"
                ),
            )
        if _vtt_seconds(stamp) is None:
            return ParseError(
                path,
                i + 1,
                f"cue {number}: bad timestamp {stamp!r}",
                "write times like `01:02.500` or `1:01:02.500`",
            )
    return ParseError(
        path,
        i + 1,
        f"cue {number} is malformed: {line.strip()[:80]!r}",
        "a cue is an optional id line, the timing line, then its text; check its settings after the end time",
    )
