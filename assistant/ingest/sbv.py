"""YouTube's SubViewer captions (`.sbv`, YouTube Studio's caption download), speakers from `>> NAME:` labels.

    0:00:01.000,0:00:04.200
    >> PRIYA NAIR: The quote came in
    at twelve thousand.

A cue is its timing line (start and end, comma between) and the text lines under it, cues parted by blank
lines. Read here rather than with webvtt-py's SBV reader, which passes over a block it cannot read without a
word: a timing line that is not one is an error naming its line. Captions are then read as subtitles are
(`split_labels`, and roll-up captions each line once, `unroll`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ParseError
from ..types import Transcript
from .cues import build_transcript, clock_seconds, split_labels, strip_tags, unroll
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .speakers import Piece

FORMAT = "sbv"
_TIMING = re.compile(r"^\s*(\d{1,3}:\d{1,2}:\d{1,2}\.\d{1,3})\s*,\s*(\d{1,3}:\d{1,2}:\d{1,2}\.\d{1,3})\s*$")


def looks_sbv(text: str) -> bool:
    """Sniffer: the first line with text is an SBV timing line, `0:00:01.000,0:00:04.200`."""
    first = next((line for line in text.lstrip("\ufeff").split("\n", 50)[:50] if line.strip()), "")
    return bool(_TIMING.match(first))


def parse_sbv(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[tuple[Piece, list[str]]] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        timing = _TIMING.match(lines[i])
        if timing is None:
            raise ParseError(
                path,
                i + 1,
                f"expected a cue's timing line, found {lines[i].strip()[:60]!r}",
                "each cue starts with `0:00:01.000,0:00:04.200`, its text below, a blank line after it",
            )
        start, end = (_time(stamp, i + 1, path) for stamp in timing.groups())
        said = []
        j = i + 1
        while j < len(lines) and lines[j].strip():
            said.append(strip_tags(lines[j].strip()))
            j += 1
        cues.append((Piece("", f"cue {len(cues) + 1}", i + 1, None, start, end), said))
        i = j
    if not cues:
        raise ParseError(path, None, "no cues found", "each cue is `0:00:01.000,0:00:04.200` and its text")
    return build_transcript(
        split_labels(unroll(cues)),
        path=path,
        episode_id=episode_id,
        fmt=FORMAT,
        meta={},
        max_chars=max_utterance_chars,
    )


def _time(stamp: str, line: int, path: Path) -> float:
    value = clock_seconds(stamp)
    if value is None:
        raise ParseError(path, line, f"bad time {stamp!r}", "minutes and seconds run from 00 to 59")
    return value
