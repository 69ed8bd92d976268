"""Plain-text exports of transcription apps (Otter and the like), in either of two shapes:

    Priya Nair  0:07                         [00:00:07] Priya Nair: The quote came in at twelve thousand.
    The quote came in at twelve thousand.    [00:00:12] Tom Reed: Sorry, that was mine.
                                             Tom Reed: (a line without a time works too)
    Tom Reed  0:12
    Sorry, that was mine.

The header may hold its time in brackets, as Rev's text export writes it: `Speaker 1 (00:00:07):`. Between
`Name: text` lines a time may stand alone on its line (Google Meet's transcripts): it is the start of the
utterance that follows, not a word of the one before. So it is above unlabelled text, as a transcript copied
from YouTube's transcript panel reads (`0:04` on one line, what was said on the next). When most lines open
with a bare time (`0:04 what was said`), each is read as `[0:04] what was said`.

Teams' and Google Meet's exports put a heading above the first utterance (the meeting's name, its date, the
attendees): up to `MAX_HEADING_LINES` lines there are read as the file's heading, its first line the title
when the file gives none, and kept with the episode (`Episode.heading`), neither dropped nor quoted as speech.

A header line (`Name  m:ss`, after a blank line) starts a speaker block whose lines follow; otherwise each
`Name: text` or `[hh:mm:ss] Name: text` line starts an utterance and unlabelled lines continue it. The
project's `--- METADATA START ---` block may come first. Only start times exist, so `end` stays None, but
for whisper.cpp's `[00:00:00.000 --> 00:00:04.200]   text` lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..errors import ParseError
from ..types import Transcript
from .cues import Meta, add_meta, build_transcript, clock_seconds
from .numbered import (
    _BARE_NUMBER,
    _END,
    _NUMBER_AND_TEXT,
    _START,
    DEFAULT_MAX_UTTERANCE_CHARS,
    _split_metadata,
    body_start,
)
from .speakers import Piece, is_label

FORMAT = "otter"

_TIME = r"(?:\d{1,6}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
_HEADER = re.compile(rf"^\s*(?P<name>\S.*?)[ \t]+(?P<open>[(\[])?(?P<time>{_TIME})(?(open)[)\]]):?\s*$")
_STAMPED = re.compile(
    rf"^\s*(?:\[(?P<t1>{_TIME})(?:\s*-->\s*(?P<end>{_TIME}))?\]|\((?P<t2>{_TIME})\)|(?P<t3>{_TIME})(?=\s))"
    rf"\s*(?P<rest>.*?)\s*$"
)
"""`[00:01:02] …`, `(01:02) …`, `00:01:02 …`, or whisper.cpp's `[00:01:02.000 --> 00:01:05.500]   …`."""
_TIME_ALONE = re.compile(rf"^\s*[\[(]?(?P<time>{_TIME})[\])]?\s*$")
"""A time on a line of its own between `Name: text` lines (Google Meet's transcripts, every few minutes)."""
_LABEL = re.compile(r"^\s*(?P<name>[^:\s][^:]{0,39}?)\s*:(?:\s+(?P<text>.*?)\s*|\s*)$")
_SNIFF_LINES = 20
_NUMBERED_LINE = re.compile(f"{_BARE_NUMBER.pattern}|{_NUMBER_AND_TEXT.pattern}")


def _header(line: str, after_blank: bool) -> re.Match[str] | None:
    """`Name  0:07` after a blank line, or Zoom's `[Name] 10:01:23` on any line (the brackets mark a name)."""
    match = _HEADER.match(line)
    if match is None or not (after_blank or _bracketed(match.group("name"))):
        return None
    return match if is_label(_header_name(match)) else None


def _bracketed(name: str) -> bool:
    name = name.strip()
    return name.startswith("[") and name.endswith("]")


def _header_name(match: re.Match[str]) -> str:
    name = match.group("name").strip()
    return name[1:-1].strip() if _bracketed(name) else name


def _stamped(line: str) -> re.Match[str] | None:
    """`[00:01:02] ...` or `(01:02) ...`; a bare `00:01:02 ...` only when a speaker label follows."""
    match = _STAMPED.match(line)
    if match and match.group("t3") and not _label(match.group("rest")):
        return None
    return match


def _label(line: str) -> re.Match[str] | None:
    """`Name: text`, or `Name [00:00:03]: text` (the time of the utterance between the name and its colon,
    as transcripts published on web pages write it), the name read as a speaker label."""
    match = _TIMED_LABEL.match(line) or _LABEL.match(line)
    return match if match and is_label(match.group("name")) else None


_TIMED_LABEL = re.compile(
    rf"^\s*(?P<name>[^:\s\[\]()][^:\[\]()]{{0,39}}?)\s*[\[(](?P<time>{_TIME})[\])]\s*:(?:\s+(?P<text>.*?)\s*|\s*)$"
)


def speaker_marks(lines: list[str]) -> int:
    """How many of `lines` open an utterance the way this layout does: `Name  0:07`, a timestamp, `Name:`."""
    return sum(1 for line in lines if _header(line, after_blank=True) or _stamped(line) or _label(line))


MAX_HEADING_LINES = 8
"""Lines with text a file may hold above its first utterance as its heading (name, date, length, attendees, a
note, as Teams and Google Meet write them); more are not a heading, and the layout's error names the first."""


def heading_end(lines: list[str], start: int) -> int:
    """Where the utterances begin past a heading: the first line from `start` that opens one (or is a time
    alone on its line) when 1 to `MAX_HEADING_LINES` lines with text stand above it, none of them a mark of
    the numbered layout; else `start`."""
    opening = _opening(lines, start)
    if opening is None:
        return start
    above = [line for line in lines[start:opening] if line.strip()]
    if len(above) > MAX_HEADING_LINES or any(_numbered_mark(line) for line in above):
        return start
    return opening


def _numbered_mark(line: str) -> bool:
    return bool(_NUMBERED_LINE.match(line) or _START.match(line) or _END.match(line))


def _opening(lines: list[str], start: int) -> int | None:
    """The first line from `start` that opens an utterance or is a time alone on its line."""
    blank = True
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip():
            blank = True
            continue
        if _header(line, blank) or _stamped(line) or _label(line) or _TIME_ALONE.match(line):
            return i
        blank = False
    return None


_BARE_TIME_TEXT = re.compile(rf"^\s*(?P<time>{_TIME})\s+(?P<rest>\S.*)$")
_BARE_SHARE = 0.5


def bracket_bare_times(lines: list[str]) -> list[str]:
    """`0:04 what was said` read as `[0:04] what was said` when at least three lines and half the lines with
    text open so: a transcript copied from a tool that writes each time at the start of its line. A single
    line opening with a time ("10:30 is when we met") stays text."""
    said = [line for line in lines if line.strip()]
    bare = [_BARE_TIME_TEXT.match(line) for line in lines]
    count = sum(1 for m in bare if m)
    if count < 3 or count < _BARE_SHARE * len(said):
        return lines
    return [f"[{m['time']}] {m['rest']}" if m else line for m, line in zip(bare, lines, strict=True)]


def looks_otter(text: str) -> bool:
    """Sniffer: the body opens with a speaker header, a timestamped line or `Name: text` lines.

    `Name: text` alone is common in prose ("Chapter One: ..."), so without times it takes two such lines
    among the first twenty. A body whose first line is not one of these still counts when most of its
    first lines are, or two of them are speaker headers (so a stray first line, a title, gets an Otter
    error, not a numbered-layout one), unless it has the numbered layout's marks: metadata markers after
    the start, or a line holding only a number.
    """
    lines = text.split("\n", 2000)[:2000]
    start = body_start(lines)
    if start is None:
        return False
    lines = lines[:start] + bracket_bare_times(lines[start:])
    if _looks_from(lines, start):
        return True
    # Text above the utterances: a heading, or more text than one (then this layout's error says so). Either
    # way two utterances must be plain to see after it, and nothing above it may be the numbered layout's.
    opening = _opening(lines, start)
    if opening is None or any(_numbered_mark(line) for line in lines[start:opening]):
        return False
    window = lines[opening:][:_SNIFF_LINES]
    return _looks_from(lines, opening) and speaker_marks(window) + sum(map(_is_time_alone, window)) >= 2


def _is_time_alone(line: str) -> bool:
    return _TIME_ALONE.match(line) is not None


def _looks_from(lines: list[str], start: int) -> bool:
    body = [line for line in lines[start:] if line.strip()][:_SNIFF_LINES]
    if not body or _NUMBERED_LINE.match(body[0]):
        return False
    stamped = sum(1 for line in body if _stamped(line))
    labelled = sum(1 for line in body if _label(line))
    if _header(body[0], after_blank=True) or _stamped(body[0]):
        return True
    if _label(body[0]):
        return len(body) == 1 or labelled >= 2
    if _is_time_alone(body[0]) and sum(map(_is_time_alone, body)) >= 2:
        return True  # a time on a line of its own before each passage (a transcript copied from YouTube)
    if _is_time_alone(body[0]) and len(body) > 1 and (_label(body[1]) or _stamped(body[1])):
        return True  # Google Meet: a time alone, then `Name: text` lines (however few the meeting had)
    if any(_START.match(line) or _END.match(line) or _BARE_NUMBER.match(line) for line in body):
        return False
    return stamped >= 2 or _headers(lines[start:]) >= 2 or (labelled >= 3 and 2 * labelled >= len(body))


def _headers(lines: list[str]) -> int:
    """`Name  0:07` headers (each after a blank line) among the first `_SNIFF_LINES` lines with text."""
    count, said, blank = 0, 0, True
    for line in lines:
        if not line.strip():
            blank = True
            continue
        count += _header(line, blank) is not None
        said += 1
        blank = False
        if said >= _SNIFF_LINES:
            break
    return count


def parse_otter(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    lines, ended_after = _without_closing(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    meta: Meta = {}
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ParseError(path, None, "no utterances found: the file holds no text")
    body = first
    if _START.match(lines[first]):
        meta, body = _split_metadata(lines, path)
    lines = lines[:body] + bracket_bare_times(lines[body:])
    past = heading_end(lines, body)
    heading = tuple(line.strip() for line in lines[body:past] if line.strip())
    if heading and "title" not in meta:
        add_meta(meta, "title", heading[0])
    body = past
    headers = _header_mode(lines, body)

    # line, speaker, start, end, text lines
    pieces: list[tuple[int, str | None, float | None, float | None, list[str]]] = []
    after_blank = True
    clock: float | None = None  # a time alone on its line, for the utterance that follows it
    for i in range(body, len(lines)):
        line = lines[i]
        if not line.strip():
            after_blank = True
            continue
        if not headers and (alone := _TIME_ALONE.match(line)):
            clock = _time(alone.group("time"), i, path)
            continue
        started = _starts(line, after_blank, headers, i, path)
        after_blank = False
        if started is not None:
            speaker, start, end, said = started
            start, clock = (clock if start is None else start), None
            pieces.append((i + 1, speaker, start, end, [said] if said else []))
        elif clock is not None:  # no speaker named: the time alone above starts this utterance all the same
            pieces.append((i + 1, None, clock, None, [line.strip()]))
            clock = None
        elif pieces:
            pieces[-1][4].append(line.strip())
        else:
            raise ParseError(
                path,
                i + 1,
                "expected a speaker line ("
                + ("`Name  0:07`, then the text" if headers else "`Name: text` or `[00:01:02] Name: text`")
                + f"), found text: {line.strip()[:60]!r}",
                _text_first_hint(lines, body),
            )
    if not pieces:
        raise ParseError(
            path, None, "no utterances found", "write `Name: text` lines, or `Name  0:07` then the text"
        )
    first_header = _HEADER.match(lines[pieces[0][0] - 1]) if headers else None
    if first_header and _bracketed(first_header.group("name")):
        pieces = _from_first(pieces)
    transcript = build_transcript(
        [
            Piece(" ".join(parts), f"utterance at line {line}", line, speaker, start, end)
            for line, speaker, start, end, parts in pieces
        ],
        path=path,
        episode_id=episode_id,
        fmt=FORMAT,
        meta=meta,
        max_chars=max_utterance_chars,
    )
    episode = replace(transcript.episode, heading=heading)
    if ended_after is not None and transcript.episode.duration is None:
        episode = replace(episode, duration=ended_after)
    return replace(transcript, episode=episode)


_CLOSING = re.compile(
    rf"^\s*(?:Transcribed by https?://otter\.ai/?|Meeting ended after (?P<length>{_TIME})\b.*)\s*$", re.I
)
"""The line an app writes under the transcript: Otter's signature, Google Meet's "Meeting ended after
00:06:12 👋". Read as words, it had been quoted as the end of the last utterance."""


def _without_closing(lines: list[str]) -> tuple[list[str], float | None]:
    """The lines without the app's closing lines at the end, and the meeting's length when one says it."""
    length = None
    end = len(lines)
    while end:
        closing = _CLOSING.match(lines[end - 1])
        if lines[end - 1].strip() and closing is None:
            break
        if closing is not None and closing["length"]:
            length = clock_seconds(closing["length"])
        end -= 1
    return lines[:end], length


def _from_first(
    pieces: list[tuple[int, str | None, float | None, float | None, list[str]]],
) -> list[tuple[int, str | None, float | None, float | None, list[str]]]:
    """Zoom's saved captions give the time of day (`[Name] 10:01:23`): times from the first caption, as
    a recording's are, a day added where the clock passes midnight."""
    out = []
    first = pieces[0][2] or 0.0
    day, last = 0.0, first
    for line, speaker, start, end, parts in pieces:
        if start is not None:
            if start + day < last - 12 * 3600:
                day += 24 * 3600
            last = start + day
            start = last - first
        out.append((line, speaker, start, end, parts))
    return out


def _text_first_hint(lines: list[str], body: int) -> str:
    """What to do about text above the first speaker line: how much there is, when a speaker line follows."""
    opening = _opening(lines, body)
    if opening is None:
        return "every utterance starts with who speaks"
    above = sum(1 for line in lines[body:opening] if line.strip())
    return (
        f"every utterance starts with who speaks; the first speaker line comes after {above} lines of text, "
        f"more than a heading holds ({MAX_HEADING_LINES}): delete the lines above it, or all but the title"
    )


def _header_mode(lines: list[str], body: int) -> bool:
    """Speaker blocks if the first line of the body that opens an utterance is a `Name  0:07` header (a later
    one may be a line of text); a title line above it then gets this layout's error."""
    first = next((line for line in lines[body:] if line.strip() and speaker_marks([line])), "")
    return _header(first, after_blank=True) is not None


def _starts(
    line: str, after_blank: bool, headers: bool, i: int, path: Path
) -> tuple[str | None, float | None, float | None, str] | None:
    """(speaker, start and end seconds, text) if `line` starts an utterance, else None."""
    if headers:
        match = _header(line, after_blank)
        if not match:
            return None
        return _header_name(match), _time(match.group("time"), i, path), None, ""
    stamped = _stamped(line)
    if stamped:
        start = _time(stamped.group("t1") or stamped.group("t2") or stamped.group("t3"), i, path)
        end = _time(stamped.group("end"), i, path) if stamped.group("end") else None
        rest = stamped.group("rest")
        label = _label(rest)
        if label:
            return label.group("name").strip(), start, end, label.group("text") or ""
        return None, start, end, rest
    label = _label(line)
    if label:
        said = label.group("text") or ""
        if "time" in label.groupdict():  # `Name [00:00:03]: text`
            return label.group("name").strip(), _time(label.group("time"), i, path), None, said
        timed = _TIME_FIRST.match(said)  # `Name: [00:00:03] text`: the time is the utterance's start
        if timed:
            return label.group("name").strip(), _time(timed.group("time"), i, path), None, timed.group("rest")
        return label.group("name").strip(), None, None, said
    return None


_TIME_FIRST = re.compile(rf"^[\[(](?P<time>{_TIME})[\])]\s*(?P<rest>.*)$")


def _time(stamp: str, i: int, path: Path) -> float:
    value = clock_seconds(stamp)
    if value is None:
        raise ParseError(path, i + 1, f"bad timestamp {stamp!r}", "minutes and seconds run from 00 to 59")
    return value
