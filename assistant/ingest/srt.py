"""SubRip subtitles (`.srt`), read with the `srt` package; speakers from `NAME: ` labels inside cues.

    1
    00:00:01,000 --> 00:00:04,200
    PRIYA NAIR: The quote came in
    at twelve thousand.

`srt` parses the blocks and timestamps and reports the character offset of anything it cannot read; this
module turns offsets into line numbers and checks what `srt` does not (a cue ending before it starts, an end
time that runs on into other characters: `srt` reads `00:00:0X,000` as `00:00:0` and keeps the rest).

Teams' older transcripts (its Word and text exports before 2022) are the same cues without numbers, with
short times and each speaker's name on a line of its own above the words, often without blank lines between:

    0:0:0.0 --> 0:0:5.120
    Alice Smith
    Hello everyone, let us start.

They are read with the name as the speaker (`_names_above`), and a fraction of a second written with fewer
than three digits is read as such (`srt` reads `9.5` as 9.005 s).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import srt

from ..errors import ParseError
from ..types import Transcript
from .cues import build_transcript, split_labels, strip_tags, unroll
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .speakers import Piece, is_label, speaker_key

FORMAT = "srt"
_BAD_TIMING = "cue timing line is not `start --> end` with `hh:mm:ss,mmm` times: {!r}"
_TIMING_HINT = "write it like `00:01:02,500 --> 00:01:05,000`"

_STAMP = r"\d+[:,.]\d+[:,.]\d+[,.:]?\d*"
_TIMING = re.compile(rf"^\s*({_STAMP})\s*-[ -]\s*>\s*({_STAMP})")
_WHOLE_END = re.compile(rf"^\s*{_STAMP}\s*-[ -]\s*>\s*{_STAMP}(?:\s|$)")
_INDEX = re.compile(r"^\s*-?\d+\s*$")
_SNIFF_TIMING = re.compile(
    r"^\s*\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}"
)
_SHORT_FRACTION = re.compile(r"(?<=\d:\d)(\d?)([,.])(\d{1,2})(?!\d)")


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
    text, origin = _separated(text.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as e:
        raise _unreadable(text, e, path, origin) from e
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
        found = None
        while k < len(timing_lines):
            i = timing_lines[k]
            k += 1
            if _times(lines[i]) == (start, end):
                found = i
                break
        where = f"cue {sub.index}" if sub.index is not None else f"cue {n}"
        line = origin[found] if found is not None else None
        if found is not None and not _WHOLE_END.match(lines[found]):
            raise ParseError(path, line, _BAD_TIMING.format(lines[found].strip()[:80]), _TIMING_HINT)
        text_lines = [strip_tags(x) for x in sub.content.split("\n")]
        cues.append((Piece("", where, line, None, start, end), text_lines))
    return build_transcript(
        _names_above(cues) or split_labels(unroll(cues)),
        path=path,
        episode_id=episode_id,
        fmt=FORMAT,
        meta={},
        max_chars=max_utterance_chars,
    )


def _separated(text: str) -> tuple[str, list[int]]:
    """The text with a blank line before each cue that has none above it, and fractions of a second of one
    or two digits written as three (`9.5` -> `9.500`); with each line's number in the file as given."""
    out: list[str] = []
    origin: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if _TIMING.match(line):
            line = _SHORT_FRACTION.sub(lambda m: f"{m[1]}{m[2]}{m[3]:0<3}", line)
            opens = len(out) - 1 if out and _INDEX.match(out[-1]) else len(out)  # at its index line, if any
            if opens and out[opens - 1].strip():
                out.insert(opens, "")
                origin.insert(opens, origin[opens] if opens < len(origin) else number)
        out.append(line)
        origin.append(number)
    return "\n".join(out), origin


def _names_above(cues: list[tuple[Piece, list[str]]]) -> list[Piece] | None:
    """Pieces for cues that each hold a speaker's name on a line above the words (Teams' older transcripts):
    every cue with text has two lines or more, its first reads as a name (`is_label`), and a name recurs.
    None for any other file, whose first lines are words."""
    texts = [[line.strip() for line in lines if line.strip()] for _, lines in cues]
    spoken = [t for t in texts if t]
    if not spoken or any(len(t) < 2 or not is_label(t[0]) for t in spoken):
        return None
    if Counter(speaker_key(t[0]) for t in spoken).most_common(1)[0][1] < 2:
        return None
    return [
        Piece(" ".join(t[1:]), cue.where, cue.line, t[0], cue.start, cue.end)
        for (cue, _), t in zip(cues, texts, strict=True)
        if t
    ]


def _times(line: str) -> tuple[float, float] | None:
    match = _TIMING.match(line)
    if not match:
        return None
    try:
        start, end = (srt.srt_timestamp_to_timedelta(g).total_seconds() for g in match.groups())
    except (ValueError, OverflowError):
        return None
    return start, end


def _unreadable(text: str, e: srt.SRTParseError, path: Path, origin: list[int]) -> ParseError:
    """Point at the first non-blank line that `srt` could not match, and say what looks wrong with it."""
    skipped = len(e.unmatched_content) - len(e.unmatched_content.lstrip())
    offset = e.expected_start + skipped
    line_no = text.count("\n", 0, offset)
    bad = text[offset:].split("\n", 2)[:2]
    if _INDEX.match(bad[0]) and len(bad) > 1:
        line_no += 1
        bad = bad[1:]
    line_no = origin[line_no]
    if "->" in bad[0] or _INDEX.match(text[offset:].split("\n", 1)[0]):
        problem = _BAD_TIMING.format(bad[0].strip()[:80])
        hint = _TIMING_HINT
    else:
        problem = f"cannot read this as an SRT cue: {bad[0].strip()[:80]!r}"
        hint = "each cue is its number, a `00:00:01,000 --> 00:00:04,000` line, its text, then a blank line"
    return ParseError(path, line_no, problem, hint)
