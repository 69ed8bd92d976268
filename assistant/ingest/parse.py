"""Turn a transcript file into a Transcript: read, hash, pick the layout, parse.

Layouts are tried in order by a cheap content sniffer; the first match parses. The numbered layout is
both the first entry and the fallback, because its errors say best what a transcript should look like.
Other layouts (WebVTT, SRT, JSON, Otter text) register by appending to FORMATS.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..errors import ParseError
from ..types import Transcript
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS, looks_numbered, parse_numbered
from .reader import decode_bytes, read_bytes

DEFAULT_MAX_BYTES = 50 * 2**20


class Parser(Protocol):
    def __call__(self, text: str, path: Path, episode_id: str, *, max_utterance_chars: int) -> Transcript: ...


class Sniffer(Protocol):
    def __call__(self, text: str) -> bool: ...


@dataclass(frozen=True)
class Format:
    """A transcript layout: `sniff` says from the decoded text whether `parse` should handle it."""

    name: str
    sniff: Sniffer
    parse: Parser


FORMATS: list[Format] = [Format("numbered", looks_numbered, parse_numbered)]
FALLBACK = "numbered"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_REPEATS = re.compile(r"([._-])[._-]+")


def episode_id_for(path: Path) -> str:
    """A stable id from the file name (`Bed002.txt` -> `Bed002`), safe for store keys and URLs."""
    stem = Path(path).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = _REPEATS.sub(r"\1", _UNSAFE.sub("-", ascii_stem)).strip("._-")
    return safe or "ep-" + hashlib.sha256(Path(path).name.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def parse_text(
    text: str,
    path: Path,
    episode_id: str,
    fmt: str | None = None,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    """Parse decoded text with the named layout, or the first whose sniffer accepts it."""
    path = Path(path)
    chosen = _choose(text, path, fmt)
    return chosen.parse(text, path, episode_id, max_utterance_chars=max_utterance_chars)


def parse_file(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
    episode_id: str | None = None,
    fmt: str | None = None,
) -> Transcript:
    """Read, decode and parse one file; Episode.content_hash is the sha256 of its raw bytes."""
    path = Path(path)
    data = read_bytes(path, max_bytes=max_bytes)
    text, _encoding = decode_bytes(data, path)
    transcript = parse_text(
        text, path, episode_id or episode_id_for(path), fmt, max_utterance_chars=max_utterance_chars
    )
    episode = replace(transcript.episode, content_hash=hashlib.sha256(data).hexdigest())
    return replace(transcript, episode=episode)


def _choose(text: str, path: Path, fmt: str | None) -> Format:
    by_name = {f.name: f for f in FORMATS}
    if fmt is not None:
        if fmt not in by_name:
            raise ParseError(path, None, f"unknown transcript format {fmt!r}", "known: " + ", ".join(by_name))
        return by_name[fmt]
    return next((f for f in FORMATS if f.sniff(text)), by_name[FALLBACK])
