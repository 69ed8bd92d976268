"""Turn a transcript file into a Transcript: read, hash, pick the layout, parse.

Layouts are tried in order by a cheap content sniffer; the first match parses. The sniffers look at the
content, never the file name, so a `.txt` holding WebVTT is read as WebVTT. Their order matters: an SRT file
starts with `1` like the numbered layout, and an Otter-style file may open with the numbered layout's
metadata block, so those sniffers run first and each checks what sets its layout apart. Plain prose with no
numbers, labels or times comes next to last; the numbered layout is the fallback, because its errors say best
what a transcript should look like. `fmt=` forces a layout.
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
from .markdown import SUFFIXES as MARKDOWN_SUFFIXES
from .markdown import markdown_text
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS, looks_numbered, parse_numbered
from .otter import looks_otter, parse_otter
from .pdf import is_pdf, pdf_text
from .plain import looks_plain, parse_plain
from .podcast_json import looks_podcast_json, parse_podcast_json
from .reader import decode_bytes, read_bytes
from .sbv import looks_sbv, parse_sbv
from .speech_apis import (
    looks_amazon,
    looks_assemblyai,
    looks_deepgram,
    looks_elevenlabs,
    looks_rev,
    parse_amazon,
    parse_assemblyai,
    parse_deepgram,
    parse_elevenlabs,
    parse_rev,
)
from .srt import looks_srt, parse_srt
from .ttml import looks_ttml, parse_ttml
from .web_page import at_page_line, is_web_page, page_text
from .webvtt import looks_webvtt, parse_webvtt
from .whisper_json import looks_whisper_json, parse_whisper_json
from .word import is_word_document, word_text

READER = 2
"""The version of what ingest keeps of a file, stored with each episode (`Episode.reader`), raised when a
newer reading keeps more of the same file so that a library can say which files to ingest again.
2 (2026-12-02): times within long turns (`Utterance.marks`)."""

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


FORMATS: list[Format] = [
    Format("ttml", looks_ttml, parse_ttml),
    Format("webvtt", looks_webvtt, parse_webvtt),
    Format("srt", looks_srt, parse_srt),
    Format("sbv", looks_sbv, parse_sbv),
    Format("amazon-transcribe-json", looks_amazon, parse_amazon),
    Format("deepgram-json", looks_deepgram, parse_deepgram),
    Format("rev-json", looks_rev, parse_rev),
    Format("elevenlabs-json", looks_elevenlabs, parse_elevenlabs),
    Format("assemblyai-json", looks_assemblyai, parse_assemblyai),
    Format("podcast-json", looks_podcast_json, parse_podcast_json),
    Format("whisper-json", looks_whisper_json, parse_whisper_json),
    Format("otter", looks_otter, parse_otter),
    Format("plain", looks_plain, parse_plain),
    Format("numbered", looks_numbered, parse_numbered),
]
FALLBACK = "numbered"
# Other names people use for the same layouts, accepted by `fmt=` / `--format`.
ALIASES = {
    "vtt": "webvtt",
    "subrip": "srt",
    "podcast": "podcast-json",
    "podcasting2": "podcast-json",
    "whisper": "whisper-json",
    "faster-whisper": "whisper-json",
    "otter-text": "otter",
    "assemblyai": "assemblyai-json",
    "deepgram": "deepgram-json",
    "rev": "rev-json",
    "revai": "rev-json",
    "elevenlabs": "elevenlabs-json",
    "amazon": "amazon-transcribe-json",
    "aws": "amazon-transcribe-json",
    "aws-transcribe": "amazon-transcribe-json",
    "rev.ai": "rev-json",
    "subviewer": "sbv",
    "dfxp": "ttml",
    "imsc": "ttml",
    "apple-podcasts": "ttml",
}

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
    """Read, decode and parse one file (a Word document, a PDF, a web page or Markdown as its text);
    Episode.content_hash is the sha256 of its raw bytes."""
    path = Path(path)
    data = read_bytes(path, max_bytes=max_bytes)
    word = word_text(data, path) if is_word_document(data) else None
    pdf = pdf_text(data, path) if word is None and is_pdf(data) else None
    page = page_text(data, path) if word is None and pdf is None and is_web_page(data) else None
    text = word.text if word else pdf.text if pdf else page.text if page else decode_bytes(data, path)[0]
    if word is None and pdf is None and page is None and path.suffix.lower() in MARKDOWN_SUFFIXES:
        text = markdown_text(text)
    try:
        transcript = parse_text(
            text, path, episode_id or episode_id_for(path), fmt, max_utterance_chars=max_utterance_chars
        )
    except ParseError as exc:
        extracted = word or pdf
        if extracted is not None:
            raise extracted.locate(exc) from None
        if page is not None:
            raise at_page_line(exc, page) from None
        raise
    episode = replace(transcript.episode, content_hash=hashlib.sha256(data).hexdigest())
    transcript = replace(transcript, episode=episode)
    return transcript if episode_id else readable_id(transcript)


_OPAQUE = re.compile(r"[0-9a-f]{8,}", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


def readable_id(transcript: Transcript) -> Transcript:
    """An id from the title when the file name is an opaque hash (`000_081a4311286ebea2` ->
    `inside-the-paper-that-changed`); ids from readable file names are kept as they are."""
    episode = transcript.episode
    run = _OPAQUE.search(episode.id)
    if not run or sum(ch.isdigit() for ch in run.group()) < 3:
        return transcript
    folded = unicodedata.normalize("NFKD", episode.title).encode("ascii", "ignore").decode("ascii").lower()
    words = _WORD.findall(folded)[:6]
    slug = "-".join(words)[:60].strip("-")
    if len(slug) < 3 or slug == episode.id:
        return transcript
    utterances = tuple(replace(u, episode_id=slug) for u in transcript.utterances)
    return Transcript(replace(episode, id=slug), utterances)


def format_names() -> list[str]:
    """The names `fmt=` accepts, in sniffing order (aliases aside)."""
    return [f.name for f in FORMATS]


def sniff_format(text: str) -> str:
    """The name of the layout `parse_text` would pick for this text without `fmt=`."""
    return _choose(text, Path("<text>"), None).name


def _choose(text: str, path: Path, fmt: str | None) -> Format:
    by_name = {f.name: f for f in FORMATS}
    if fmt is not None:
        name = fmt.strip().lower().replace("_", "-")
        name = ALIASES.get(name, name)
        if name not in by_name:
            raise ParseError(path, None, f"unknown transcript format {fmt!r}", "known: " + ", ".join(by_name))
        return by_name[name]
    return next((f for f in FORMATS if f.sniff(text)), by_name[FALLBACK])
