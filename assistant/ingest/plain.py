"""Plain text: no numbers, speaker labels or times, as Whisper's `.txt` output or a transcript copied from a
web page. Each paragraph (lines between blank lines) is an utterance when the file has blank lines between
its text, else each line is (Whisper writes one segment per line). The project's `--- METADATA START ---`
block may come first. Nothing says who speaks or when, so speakers and times stay None.

A file whose body holds a line with only a number is the numbered layout gone wrong, not plain text: it
goes to that layout, whose errors say which utterance is missing.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..types import Transcript
from .cues import build_transcript
from .numbered import (
    _BARE_NUMBER,
    _END,
    _NUMBER_AND_TEXT,
    _START,
    DEFAULT_MAX_UTTERANCE_CHARS,
    _split_metadata,
    body_start,
)
from .otter import speaker_marks
from .speakers import Piece

FORMAT = "plain"
_TIMED = re.compile(r"^\s*(?:WEBVTT|[{\[])", re.IGNORECASE)


PROSE_AT_LEAST = 0.98
"""Share of a plain transcript's characters (its first 200 lines) that are letters, digits, spaces or the
punctuation of speech (any outside ASCII, and `.,?!'"-;:%$…`): at least 0.992 in each of the 206 QMSum and
FriendsQA transcripts and the seed podcast with their numbers taken out, 0.908-0.964 in this project's
`pyproject.toml`, Python modules, `.env.example` and README: a file of code or settings passed by mistake is
refused, not stored as a transcript of its lines."""
SPEAKER_MARKS = 2
"""Lines that name a speaker or a time (`Alice Smith  0:03`, `[00:01:02] …`, `Alice Smith: …`) from which a
file the speaker-block layout did not take (a title line above its first block) is refused rather than read
as plain text: its speakers and times would be lost into the text."""
_SPEECH_PUNCTUATION = frozenset(".,?!'\"-;:%$…")


def looks_plain(text: str) -> bool:
    """Sniffer: prose (`PROSE_AT_LEAST`) after an optional metadata block, with no line that numbers an
    utterance (nor opens with a number), no further metadata marker, and no mark of a timed layout that
    failed its own sniffer (a `-->` timing line, a `WEBVTT` header, JSON): a broken subtitle file gets its
    layout's error, not a transcript of its timing lines."""
    lines = text.split("\n")
    body = body_start(lines)
    if body is None:
        return False
    said = [line for line in lines[body:] if line.strip()]
    if not said or _NUMBER_AND_TEXT.match(said[0]) or _TIMED.match(said[0]):
        return False
    if any(
        _BARE_NUMBER.match(line) or _START.match(line) or _END.match(line) or "-->" in line for line in said
    ):
        return False
    if speaker_marks(said[:200]) >= SPEAKER_MARKS:  # speaker blocks under a title line: not plain, an error
        return False
    sample = "\n".join(said[:200])
    return sum(map(_prose, sample)) >= PROSE_AT_LEAST * len(sample)


def _prose(c: str) -> bool:
    if c.isalnum() or c.isspace() or c in _SPEECH_PUNCTUATION:
        return True
    return not c.isascii() and unicodedata.category(c).startswith("P")  # "，", "。", "«", "—"


def parse_plain(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    opens = next((line for line in lines if line.strip()), "")
    meta, body = _split_metadata(lines, path) if _START.match(opens) else ({}, 0)
    blocks: list[tuple[int, list[str]]] = []  # first line number, its lines
    blank = True
    for i in range(body, len(lines)):
        line = lines[i].strip()
        if not line:
            blank = True
            continue
        if blank or not blocks:
            blocks.append((i + 1, []))
        blocks[-1][1].append(line)
        blank = False
    if len(blocks) == 1:
        blocks = [(first + k, [line]) for first, said in blocks for k, line in enumerate(said)]
    pieces = [Piece(" ".join(said), f"utterance at line {first}", first) for first, said in blocks]
    return build_transcript(
        pieces, path=path, episode_id=episode_id, fmt=FORMAT, meta=meta, max_chars=max_utterance_chars
    )
