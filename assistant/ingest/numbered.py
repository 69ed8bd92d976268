"""The project's base layout: an optional metadata block, then numbered utterances.

    --- METADATA START ---
    Show: ...
    Episode: ...
    --- METADATA END ---

    1
    [Speaker: ]text of utterance 1
    2
    ...

Utterance numbers are what answers cite, so they are taken from the file and must run 1, 2, 3, ...;
anything that would make them ambiguous is refused with the line to fix rather than guessed around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import ftfy

from ..errors import ParseError
from ..types import Episode, Transcript, Utterance

FORMAT = "numbered"
DEFAULT_MAX_UTTERANCE_CHARS = 20000

_START = re.compile(r"^\s*-{2,}\s*metadata\s+start\s*-{2,}\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*-{2,}\s*metadata\s+end\s*-{2,}\s*$", re.IGNORECASE)
_META_LINE = re.compile(r"^\s*([^:]{1,60}?)\s*:\s*(.*?)\s*$")
_BARE_NUMBER = re.compile(r"^\s*([0-9]{1,9})\s*$")
# "51, we don't ...", "72 Noam ...", "3) ..." -- but not "3.5 percent" or "10:30".
_NUMBER_AND_TEXT = re.compile(r"^\s*([0-9]{1,9})(?:[,.:)](?![0-9])\s*|\s+)(\S.*?)\s*$")
_GUEST_SEPARATOR = re.compile(r"\s*(?:[,;&]|\band\b)\s*")

# "Grad E: ...", "#NOTE#: ...", "Ross Geller & Monica Geller: ...", "Hon. Anita Anand (Oakville, Lib.): ..."
_SPEAKER_PREFIX = re.compile(r"^([^:]{1,160}?)\s*:(?:\s+|$)(.*)$", re.DOTALL)
_AFFILIATION = re.compile(r"\s*\((?:[^()]|\([^()]{0,80}\)){1,120}\)$")  # one nesting level
_NOT_IN_NAME = re.compile(r"[,;?!\"“”()\[\]{}<>/\\|=*]")
_MAX_NAME_WORDS = 5
_MAX_NAME_CHARS = 40

_FIX_CONFIG = ftfy.TextFixerConfig(
    # Repair mojibake and strip control characters; leave typography (curly quotes, ligatures,
    # full-width forms) as written so cited quotes stay verbatim.
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    explain=False,
)

_META_KEYS: dict[str, str] = {
    "show": "show",
    "podcast": "show",
    "series": "show",
    "episode": "title",
    "title": "title",
    "episode title": "title",
    "host": "host",
    "hosts": "host",
    "guests": "guests",
    "guest": "guests",
    "source url": "source_url",
    "url": "source_url",
    "link": "source_url",
    "source": "source_url",
    "date": "date",
}


def fix_text(text: str) -> str:
    """ftfy's mojibake repair (e.g. `â€¦` -> `…`), stripped.

    Printable ASCII without `&` is left as is: ftfy could not change it, and skipping it makes large
    files several times faster.
    """
    if text.isascii() and text.isprintable() and "&" not in text:
        return text.strip()
    return ftfy.fix_text(text, _FIX_CONFIG).strip()


def body_start(lines: list[str]) -> int | None:
    """Index of the first non-blank line after an optional metadata block (None if the block is never
    closed)."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _START.match(lines[first]):
        end = next((i for i in range(first + 1, len(lines)) if _END.match(lines[i])), None)
        return None if end is None else end + 1
    return first


def looks_numbered(text: str) -> bool:
    """Sniffer for the dispatcher: a metadata START marker or `1` as the first non-blank line."""
    for line in text.split("\n", 200)[:200]:
        if line.strip():
            return bool(_START.match(line) or _BARE_NUMBER.match(line) or _NUMBER_AND_TEXT.match(line))
    return False


@dataclass
class _Raw:
    number: int
    line: int
    parts: list[str] = field(default_factory=list)


def parse_numbered(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    """Parse the numbered layout into a Transcript; ParseError (with the line) on anything ambiguous."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it is not an empty line of its own
    meta, body_start = _split_metadata(lines, path)
    raws = _read_utterances(lines, body_start, path, max_utterance_chars)
    utterances = _with_speakers(episode_id, raws)
    speakers = tuple(dict.fromkeys(u.speaker for u in utterances if u.speaker))
    guests = tuple(meta.get("guests", ()))
    episode = Episode(
        id=episode_id,
        title=_first(meta, "title") or Path(path).stem,
        show=_first(meta, "show"),
        source_url=_first(meta, "source_url"),
        utterance_count=len(utterances),
        host=_first(meta, "host"),
        guests=guests,
        speakers=speakers,
        date=_first(meta, "date"),
        source_path=str(path),
        format=FORMAT,
    )
    return Transcript(episode=episode, utterances=tuple(utterances))


def _first(meta: dict[str, list[str]], key: str) -> str | None:
    values = meta.get(key)
    return values[0] if values else None


def _split_metadata(lines: list[str], path: Path) -> tuple[dict[str, list[str]], int]:
    """Metadata values by field (first value first) and the index of the first line after the block."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ParseError(path, None, "no utterances found: the file holds no text")
    if _END.match(lines[first]):
        raise ParseError(
            path, first + 1, "`--- METADATA END ---` without a `--- METADATA START ---` before it"
        )
    if not _START.match(lines[first]):
        start = next((i for i, line in enumerate(lines) if _START.match(line)), None)
        if start is not None and not _starts_utterance(lines[first], 1):
            raise ParseError(
                path,
                first + 1,
                "text before the metadata block",
                f"the `--- METADATA START ---` marker (line {start + 1}) must come first",
            )
        return {}, first
    end = next((i for i in range(first + 1, len(lines)) if _END.match(lines[i])), None)
    if end is None:
        raise ParseError(
            path,
            first + 1,
            "metadata block is never closed: `--- METADATA START ---` has no `--- METADATA END ---`",
            "add the END marker after the `Key: value` lines",
        )
    meta: dict[str, list[str]] = {}
    for i in range(first + 1, end):
        if not lines[i].strip():
            continue
        match = _META_LINE.match(lines[i])
        if not match:
            raise ParseError(
                path,
                i + 1,
                "metadata line is not `Key: value`",
                "fix the line or move it below the END marker",
            )
        key = _META_KEYS.get(" ".join(re.split(r"[\s_-]+", match.group(1).lower())))
        value = fix_text(match.group(2))
        if not key or not value:
            continue
        found = meta.setdefault(key, [])
        new = [g for g in _GUEST_SEPARATOR.split(value) if g] if key == "guests" else [value]
        seen = {v.casefold() for v in found}
        found.extend(v for v in new if v.casefold() not in seen)
    return meta, end + 1


def _starts_utterance(line: str, expected: int) -> bool:
    match = _BARE_NUMBER.match(line) or _NUMBER_AND_TEXT.match(line)
    return match is not None and int(match.group(1)) == expected


def _read_utterances(lines: list[str], start: int, path: Path, max_chars: int) -> list[_Raw]:
    raws: list[_Raw] = []
    expected = 1
    i = start
    n = len(lines)
    while i < n:
        line = lines[i]
        bare = _BARE_NUMBER.match(line)
        if bare:
            number = int(bare.group(1))
            if number != expected:
                raise ParseError(
                    path,
                    i + 1,
                    f"numbering out of order: expected {expected}, found {number}",
                    "utterances must be numbered 1, 2, 3, ... without gaps or repeats",
                )
            if i + 1 >= n:
                raise ParseError(
                    path,
                    i + 1,
                    f"truncated: utterance {number} has no text line",
                    "the file ends after its number",
                )
            _close(raws, path, max_chars)
            raws.append(_Raw(number, i + 1, [lines[i + 1].strip()]))
            expected += 1
            i += 2
            continue
        inline = _NUMBER_AND_TEXT.match(line)
        if inline and int(inline.group(1)) == expected and not _bare_number_follows(lines, i + 1, expected):
            _close(raws, path, max_chars)
            raws.append(_Raw(expected, i + 1, [inline.group(2)]))
            expected += 1
        elif raws:
            if line.strip():
                raws[-1].parts.append(line.strip())
        elif line.strip():
            raise ParseError(
                path,
                i + 1,
                "expected utterance 1 (a line holding `1`, then its text), found text",
                "number the utterances from 1",
            )
        i += 1
    if not raws:
        raise ParseError(
            path, None, "no utterances found", "after the metadata, write `1`, then its text, ..."
        )
    _close(raws, path, max_chars)
    return raws


def _bare_number_follows(lines: list[str], i: int, number: int) -> bool:
    """`13 people came` followed by a bare `13` line is text, not utterance 13 written inline."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    bare = _BARE_NUMBER.match(lines[i]) if i < len(lines) else None
    return bare is not None and int(bare.group(1)) == number


def _close(raws: list[_Raw], path: Path, max_chars: int) -> None:
    """Join the last utterance's lines into one and enforce the length limit."""
    if not raws:
        return
    raw = raws[-1]
    text = " ".join(p for p in raw.parts if p)
    if len(text) > max_chars:
        raise ParseError(
            path,
            raw.line,
            f"utterance {raw.number} is {len(text):,} characters, over the {max_chars:,} limit",
            "split it into several numbered utterances",
        )
    raw.parts = [fix_text(text)]


def _with_speakers(episode_id: str, raws: list[_Raw]) -> list[Utterance]:
    """Split `Speaker: ` prefixes only if at least half the non-empty turns carry one.

    Decided per file, because in a file without speaker labels a line like `The point is: ...` is
    prose, and labelling it would invent a speaker.
    """
    texts = [raw.parts[0] for raw in raws]
    splits = [_speaker_prefix(t) for t in texts]
    non_empty = sum(1 for t in texts if t)
    labelled = sum(1 for s in splits if s)
    use = non_empty > 0 and 2 * labelled >= non_empty
    out = []
    for raw, text, split in zip(raws, texts, splits, strict=True):
        speaker, said = split if (use and split) else (None, text)
        out.append(Utterance(episode_id=episode_id, number=raw.number, text=said, speaker=speaker))
    return out


def _speaker_prefix(text: str) -> tuple[str, str] | None:
    match = _SPEAKER_PREFIX.match(text)
    if not match:
        return None
    name, said = match.group(1).strip(), match.group(2).strip()
    names = _AFFILIATION.sub("", name)
    people = [p.strip() for p in names.split("&")]
    if names and all(_plausible_name(p) for p in people):
        return name, said
    return None


def _plausible_name(name: str) -> bool:
    words = name.split()
    return (
        0 < len(words) <= _MAX_NAME_WORDS
        and len(name) <= _MAX_NAME_CHARS
        and (name[0].isupper() or name[0] == "#")
        and not _NOT_IN_NAME.search(name)
    )
