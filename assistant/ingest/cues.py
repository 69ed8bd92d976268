"""What the timed formats share:
checking cues, subtitle speaker labels, metadata, and building the Transcript.

Each format module reads its file into `Piece`s (one per cue, or per voice within a cue) plus the metadata
it found; `build_transcript` then checks times, normalises speakers, merges split sentences and numbers the
utterances 1, 2, 3, ... in file order, which is the numbering answers cite.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import NotATranscriptError, ParseError
from ..types import Episode, Transcript, Utterance, format_time
from .numbered import _GUEST_SEPARATOR, _META_KEYS, fix_text
from .passages import FRAGMENT_PASSAGE_CHARS, PASSAGE_CHARS, join_fragments, split_piece
from .speakers import Piece, diarised_name, display_names, is_label, merge_pieces, speaker_key

Meta = dict[str, list[str]]

# `PRIYA NAIR: text`, `- Tom: text`, `>> HOST: text`, `[SPEAKER_00]: text` (WhisperX's diarised subtitles);
# the name is checked by `is_label`.
_LABEL = re.compile(
    r"^\s*(?:(?:-|–|—|>>)\s*)?(?:\[(?P<bracketed>[^\[\]:]{1,40})\]|(?P<plain>[^:\s][^:]{0,39}?))\s*:"
    r"(?:\s+(?P<text>.*)|$)",
    re.DOTALL,
)


def _label(line: str) -> tuple[str, str] | None:
    """(speaker, text) when the line opens with a speaker label, else None."""
    match = _LABEL.match(line)
    if match is None:
        return None
    name = match["bracketed"] or match["plain"]
    return (name, match["text"] or "") if is_label(name) else None


# A dash or `>>` at the start of a caption line marks a change of speaker without naming them.
_TURN_MARK = re.compile(r"^\s*(?:[-–—](?=\s*[^\W\d_])|>>(?=\s*\S))\s*")  # not "-5 degrees"
_TAG = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")  # <i>, </font>, {\an8}


def strip_tags(text: str) -> str:
    return _TAG.sub("", text)


# --- metadata ------------------------------------------------------------------------------------


def add_meta(meta: Meta, key: str, value: Any) -> None:
    """Record `key:
    value` if the key is one the numbered layout knows (show, title, host, guests, url, date)."""
    field = _META_KEYS.get(" ".join(re.split(r"[\s_-]+", str(key).strip().lower())))
    if field is None:
        return
    values = value if isinstance(value, (list, tuple)) else [value]
    found = meta.setdefault(field, [])
    seen = {v.casefold() for v in found}
    for item in values:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            continue
        text = fix_text(str(item))
        parts = [g for g in _GUEST_SEPARATOR.split(text) if g] if field == "guests" else [text]
        for part in parts:
            if part and part.casefold() not in seen:
                found.append(part)
                seen.add(part.casefold())
    if not found:
        del meta[field]


def meta_from_lines(lines: Iterable[str]) -> Meta | None:
    """Metadata from a block of `Key: value` lines (a WebVTT NOTE), or None if the block is not one."""
    meta: Meta = {}
    any_line = False
    for line in lines:
        if not line.strip():
            continue
        any_line = True
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or len(key) > 60:
            return None
        add_meta(meta, key, value.strip())
    return meta if any_line and meta else None


def meta_from_json(data: Mapping[str, Any]) -> Meta:
    meta: Meta = {}
    for key, value in data.items():
        if key != "segments":
            add_meta(meta, key, value)
    return meta


# --- times ---------------------------------------------------------------------------------------


def seconds(value: Any) -> float | None:
    """A JSON time as seconds: a number or a numeric string; None if it is neither or not finite."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


_CLOCK = re.compile(r"^(?:(\d{1,6}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def clock_seconds(text: str) -> float | None:
    """`1:02:03`, `02:03`, `0:07`, `00:01:02.500` -> seconds; None when minutes or seconds exceed 59."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    hours, minutes, secs, frac = match.groups()
    if int(secs) > 59 or (hours is not None and int(minutes) > 59):
        return None
    fraction = int(frac.ljust(3, "0")) / 1000 if frac else 0.0
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + fraction


# --- JSON ----------------------------------------------------------------------------------------


def load_json(text: str, path: Path) -> Any:
    """Parse JSON, turning every failure into a ParseError with the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(
            path,
            e.lineno,
            f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}",
            "fix the JSON syntax",
        ) from e
    except RecursionError as e:
        raise ParseError(path, None, "JSON is nested too deeply to be a transcript") from e


JSON_SHAPES = (
    'a JSON transcript is Whisper output, {"segments": [{start, end, text}, ...]} or {"text": "..."}, '
    'or Podcasting 2.0, {"segments": [{startTime, endTime, body}, ...]}, '
    "or a bare list of either's segments, "
    "or the response of AssemblyAI, Deepgram, Rev.ai, ElevenLabs or Amazon Transcribe"
)


def json_segments(data: Any, path: Path, kind: str) -> tuple[list[Any], Meta]:
    """The `segments` list (or a top-level list of segments) and the file's top-level metadata."""
    if isinstance(data, list):
        return data, {}
    if not isinstance(data, dict):
        raise NotATranscriptError(
            path, None, f"JSON holds a {type(data).__name__}, not a {kind} transcript object", JSON_SHAPES
        )
    segments = data.get("segments")
    if segments is None:
        raise NotATranscriptError(path, None, "JSON has no `segments` list", JSON_SHAPES)
    if not isinstance(segments, list):
        raise ParseError(path, None, f"`segments` is a {type(segments).__name__}, not a list", JSON_SHAPES)
    return segments, meta_from_json(data)


def segment_pieces(
    segments: Sequence[Any], path: Path, text: str, start: str, end: str, other: tuple[str, str, str]
) -> list[Piece]:
    """One piece per JSON segment, read with this format's keys; `other` is (its text key, its name, its
    --format) for the sibling JSON format, named in the error when a segment uses that format's text key."""
    if not segments:
        raise ParseError(path, None, "no cues found: `segments` is empty")
    other_key, other_name, other_format = other
    pieces = []
    for n, segment in enumerate(segments, start=1):
        if not isinstance(segment, dict):
            raise ParseError(path, None, f"segment {n} is a {type(segment).__name__}, not an object")
        if text not in segment and other_key in segment:
            raise ParseError(
                path,
                None,
                f"segment {n} has `{other_key}`, not `{text}`",
                f"this looks like {other_name}: use --format {other_format}",
            )
        pieces.append(
            Piece(
                segment_text(segment, text, n, path),
                f"segment {n}",
                None,
                segment_speaker(segment, n, path),
                segment_time(segment, start, n, path),
                segment_time(segment, end, n, path),
            )
        )
    return pieces


def segment_time(segment: Mapping[str, Any], key: str, n: int, path: Path) -> float:
    if key not in segment:
        raise ParseError(
            path, None, f"segment {n} has no `{key}`", "every segment needs its start and end time in seconds"
        )
    value = seconds(segment[key])
    if value is None:
        raise ParseError(path, None, f"segment {n}: `{key}` is {segment[key]!r}, not a time in seconds")
    return value


def segment_text(segment: Mapping[str, Any], key: str, n: int, path: Path) -> str:
    if key not in segment:
        raise ParseError(path, None, f"segment {n} has no `{key}` text")
    value = segment[key]
    if not isinstance(value, str):
        raise ParseError(path, None, f"segment {n}: `{key}` is a {type(value).__name__}, not text")
    return value


def segment_speaker(segment: Mapping[str, Any], n: int, path: Path) -> str | None:
    value = segment.get("speaker")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return diarised_name(str(value))
    if not isinstance(value, str):
        raise ParseError(path, None, f"segment {n}: `speaker` is a {type(value).__name__}, not a name")
    return diarised_name(value) or None


# --- rolling captions ----------------------------------------------------------------------------


def unroll(cues: Sequence[tuple[Piece, Sequence[str]]]) -> list[tuple[Piece, list[str]]]:
    """Each line of roll-up captions once. YouTube's automatic captions (and broadcast roll-up) repeat the
    last line of a cue at the top of the next, and hold each line alone for 10 ms between: read as they
    are, every sentence became three utterances, cited three times. When most cues open with the line the
    cue before ended on, and many add a line under it, that line is dropped from them, and a cue left with
    nothing is dropped; a file that does not roll is returned as it is ("No." said twice in a row stays
    twice)."""
    texts = [[line.strip() for line in lines if line.strip()] for _, lines in cues]
    repeats = [
        now for before, now in zip(texts, texts[1:], strict=False) if before and now and now[0] == before[-1]
    ]
    rolling = sum(1 for now in repeats if len(now) > 1)  # the repeated line, then a new one under it
    if rolling < 2 or 2 * len(repeats) < len(cues) - 1 or 4 * rolling < len(cues) - 1:
        return [(cue, list(lines)) for cue, lines in cues]
    out: list[tuple[Piece, list[str]]] = []
    shown: list[str] = []
    for (cue, _), now in zip(cues, texts, strict=True):
        new = now[1:] if shown and now and now[0] == shown[-1] else now
        shown = now or shown
        if new:
            out.append((cue, new))
    return out


# --- subtitle speaker labels ---------------------------------------------------------------------


def split_labels(cues: Sequence[tuple[Piece, Sequence[str]]]) -> list[Piece]:
    """Pieces for subtitle cues whose speakers are written into the text (`PRIYA: ...`, `- ...`, `>> ...`).

    `cues` pairs each cue (times, where, line; text unused) with its text lines. Labels count only if the
    file uses them: at least two labelled lines, and either a name that recurs or labels on at least half
    the cues; otherwise a colon is prose. Captioners label a speaker when the speaker changes, so in a
    labelled file an unlabelled cue continues the last named speaker, and a bare dash or `>>` starts an
    unnamed one. In any file a dash or `>>` line splits the cue, since it marks another voice.
    """
    labels: list[str] = []
    labelled_cues = 0
    for _, lines in cues:
        found = [label[0] for label in map(_label, lines) if label]
        labels.extend(found)
        labelled_cues += bool(found)
    counts: dict[str, int] = {}
    for name in labels:
        counts[speaker_key(name)] = counts.get(speaker_key(name), 0) + 1
    use = len(labels) >= 2 and (max(counts.values()) >= 2 or 2 * labelled_cues >= len(cues))

    out: list[Piece] = []
    current: str | None = None
    for cue, lines in cues:
        parts: list[tuple[str | None, list[str]]] = []
        for line in lines:
            label = _label(line) if use else None
            if label:
                current = label[0]
                parts.append((current, [label[1]]))
            elif _TURN_MARK.match(line):
                current = None
                parts.append((None, [_TURN_MARK.sub("", line, count=1)]))
            elif parts:
                parts[-1][1].append(line)
            else:
                parts.append((current if use else None, [line]))
        for speaker, texts in parts:
            out.append(
                Piece(
                    " ".join(t.strip() for t in texts if t.strip()),
                    cue.where,
                    cue.line,
                    speaker,
                    cue.start,
                    cue.end,
                )
            )
    return out


# --- the Transcript ------------------------------------------------------------------------------


def _too_long(piece: Piece, max_chars: int) -> bool:
    return len(piece.text) > max_chars or (piece.speaker is None and len(piece.text) > PASSAGE_CHARS)


def build_transcript(
    pieces: Sequence[Piece],
    *,
    path: Path,
    episode_id: str,
    fmt: str,
    meta: Meta,
    max_chars: int,
) -> Transcript:
    """Check, merge and number the pieces; fill the Episode from the file's metadata, else the file name.

    A piece longer than `max_chars` (a turn of many minutes, a cue holding a whole text), or one that names
    no speaker and runs past `PASSAGE_CHARS` (a paragraph of prose, a transcript pasted as one block), is cut
    into passages of whole sentences (`passages.split_piece`) rather than refused or cited whole: the numbers
    are ours, so nothing a reader checks against the file moves."""
    path = Path(path)
    kept: list[Piece] = []
    for piece in pieces:
        _check_times(piece, path)
        text = fix_text(piece.text)
        if text:
            kept.append(replace(piece, text=text))
    if not kept:
        raise ParseError(
            path, None, "no utterances found: every cue is empty", "a transcript needs cues with text"
        )

    host = _first(meta, "host")
    guests = tuple(meta.get("guests", ()))
    names = display_names(
        (p.speaker for p in kept if p.speaker), preferred=[*([host] if host else []), *guests]
    )
    kept = [p if p.speaker is None else replace(p, speaker=names[speaker_key(p.speaker)]) for p in kept]
    merged = [
        part
        for piece in join_fragments(
            merge_pieces(kept, max_chars=max_chars), min(FRAGMENT_PASSAGE_CHARS, max_chars)
        )
        for part in (
            split_piece(piece, min(PASSAGE_CHARS, max_chars)) if _too_long(piece, max_chars) else [piece]
        )
    ]
    utterances = tuple(
        Utterance(episode_id, n, p.text, p.speaker, p.start, p.end, marks=_within(p))
        for n, p in enumerate(merged, start=1)
    )
    ends = [u.end for u in utterances if u.end is not None]
    episode = Episode(
        id=episode_id,
        title=_first(meta, "title") or path.stem,
        show=_first(meta, "show"),
        source_url=_first(meta, "source_url"),
        utterance_count=len(utterances),
        host=host,
        guests=guests,
        speakers=tuple(dict.fromkeys(u.speaker for u in utterances if u.speaker)),
        duration=max(ends) if ends else None,
        date=_first(meta, "date"),
        source_path=str(path),
        format=fmt,
    )
    return Transcript(episode=episode, utterances=utterances)


def _within(piece: Piece) -> tuple[tuple[int, float], ...]:
    """The piece's marks that fall inside its text and after its start, so a citation's time is never one
    the file does not give for those words."""
    words = len(piece.text.split())
    return tuple(
        (w, t) for w, t in piece.marks if 0 < w < words and (piece.start is None or t >= piece.start)
    )


def _check_times(piece: Piece, path: Path) -> None:
    for name, value in (("start", piece.start), ("end", piece.end)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ParseError(
                path, piece.line, f"{piece.where}: {name} time {value} is not a time (negative or not finite)"
            )
    if piece.start is not None and piece.end is not None and piece.end < piece.start:
        raise ParseError(
            path,
            piece.line,
            f"{piece.where} ends ({_clock(piece.end)}) before it starts ({_clock(piece.start)})",
            "swap or fix the cue's times",
        )


def _clock(value: float) -> str:
    whole, milliseconds = divmod(round(value * 1000), 1000)  # 3.4 s is 3,400 ms, not 3.399
    return f"{format_time(whole)}.{milliseconds:03d}"


def _first(meta: Meta, key: str) -> str | None:
    values = meta.get(key)
    return values[0] if values else None
