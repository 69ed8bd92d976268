"""SubRip subtitles (`.srt`), read with the `srt` package; speakers from `NAME: ` labels inside cues.

    1
    00:00:01,000 --> 00:00:04,200
    PRIYA NAIR: The quote came in
    at twelve thousand.

`srt` parses the blocks and timestamps and reports the character offset of anything it cannot read; this
module turns offsets into line numbers and checks what `srt` does not (a cue ending before it starts, an end
time that runs on into other characters: `srt` reads `00:00:0X,000` as `00:00:0` and keeps the rest).
"""

from __future__ import annotations

import re
from pathlib import Path

import srt

from ..errors import ParseError
from ..types import Transcript
from .cues import build_transcript, split_labels, strip_tags, unroll
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .speakers import Piece

FORMAT = "srt"
_BAD_TIMING = "cue timing line is not `start --> end` with `hh:mm:ss,mmm` times: {!r}"
_TIMING_HINT = "write it like `00:01:02,500 --> 00:01:05,000`"

_STAMP = r"\d+[:,.]\d+[:,.]\d+[,.:]?\d*"
_TIMING = re.compile(rf"^\s*({_STAMP})\s*-[ -]\s*>\s*({_STAMP})")
_WHOLE_END = re.compile(rf"^\s*{_STAMP}\s*-[ -]\s*>\s*{_STAMP}(?:\s|$)")
_INDEX = re.compile(r"^\s*-?\d+\s*$")
_SNIFF_TIMING = re.compile(r"^\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}")


def looks_srt(text: str) -> bool:
    """Sniffer:
    the first cue is an index line then an `hh:mm:ss,mmm --> hh:mm:ss,mmm` line (or the timing first)."""
    head = [line for line in text.lstrip("\ufeff").split("\n", 50)[:50] if line.strip()][:2]
    if not head:
        return False
    if _SNIFF_TIMING.match(head[0]):
        return True
    return len(head) == 2 and bool(_INDEX.match(head[0]) and _SNIFF_TIMING.match(head[1]))


def parse_srt(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as e:
        raise _unreadable(text, e, path) from e
    except (ValueError, OverflowError) as e:  # srt.TimestampParseError is a ValueError
        raise ParseError(path, None, f"cannot be read as SRT: {e}") from e
    if not subtitles:
        raise ParseError(
            path,
            None,
            "no cues found",
            "an SRT cue is a number, `00:00:01,000 --> 00:00:04,000`, then its text",
        )
    lines = text.split("\n")
    timing_lines = [i for i, line in enumerate(lines) if _TIMING.match(line)]
    cues = []
    k = 0
    for n, sub in enumerate(subtitles, start=1):
        start, end = sub.start.total_seconds(), sub.end.total_seconds()
        line = None
        while k < len(timing_lines):
            i = timing_lines[k]
            k += 1
            if _times(lines[i]) == (start, end):
                line = i + 1
                break
        where = f"cue {sub.index}" if sub.index is not None else f"cue {n}"
        if line is not None and not _WHOLE_END.match(lines[line - 1]):
            raise ParseError(path, line, _BAD_TIMING.format(lines[line - 1].strip()[:80]), _TIMING_HINT)
        text_lines = [strip_tags(x) for x in sub.content.split("\n")]
        cues.append((Piece("", where, line, None, start, end), text_lines))
    return build_transcript(
        split_labels(unroll(cues)),
        path=path,
        episode_id=episode_id,
        fmt=FORMAT,
        meta={},
        max_chars=max_utterance_chars,
    )


def _times(line: str) -> tuple[float, float] | None:
    match = _TIMING.match(line)
    if not match:
        return None
    try:
        start, end = (srt.srt_timestamp_to_timedelta(g).total_seconds() for g in match.groups())
    except (ValueError, OverflowError):
        return None
    return start, end


def _unreadable(text: str, e: srt.SRTParseError, path: Path) -> ParseError:
    """Point at the first non-blank line that `srt` could not match, and say what looks wrong with it."""
    skipped = len(e.unmatched_content) - len(e.unmatched_content.lstrip())
    offset = e.expected_start + skipped
    line_no = text.count("\n", 0, offset) + 1
    bad = text[offset:].split("\n", 2)[:2]
    if _INDEX.match(bad[0]) and len(bad) > 1:
        line_no += 1
        bad = bad[1:]
    if "->" in bad[0] or _INDEX.match(text[offset:].split("\n", 1)[0]):
        problem = _BAD_TIMING.format(bad[0].strip()[:80])
        hint = _TIMING_HINT
    else:
        problem = f"cannot read this as an SRT cue: {bad[0].strip()[:80]!r}"
        hint = "each cue is its number, a `00:00:01,000 --> 00:00:04,000` line, its text, then a blank line"
    return ParseError(path, line_no, problem, hint)
