"""Whisper / faster-whisper JSON output: `segments` of `start`, `end`, `text` in seconds, usually no speaker.

    {"text": " The quote came in at twelve thousand.", "language": "en",
     "segments": [{"id": 0, "start": 1.0, "end": 4.2, "text": " The quote came in at twelve thousand."}]}

OpenAI's `json` response, `{"text": "..."}` alone, is read as plain text (no speakers or times). A top-level
list of such segments (as faster-whisper scripts often dump them) is read too, and a
`speaker` per segment (WhisperX after diarisation) is kept as written, e.g. `SPEAKER_00`. Segments without
a speaker stay unattributed and are never merged: nothing says they are one person's sentence.
"""

from __future__ import annotations

from pathlib import Path

from ..types import Transcript
from .cues import build_transcript, json_segments, load_json, segment_pieces
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .plain import parse_plain
from .podcast_json import looks_json

FORMAT = "whisper-json"


def looks_whisper_json(text: str) -> bool:
    """Sniffer:
    any other JSON, so that broken JSON gets a JSON error (line, column) rather than a layout error."""
    return looks_json(text)


def parse_whisper_json(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    data = load_json(text, path)
    said = data.get("text") if isinstance(data, dict) and "segments" not in data else None
    if isinstance(said, str) and said.strip():  # OpenAI's `json` response: the words alone
        return parse_plain(said, path, episode_id, max_utterance_chars=max_utterance_chars)
    segments, meta = json_segments(data, path, "Whisper")
    pieces = segment_pieces(
        segments, path, "text", "start", "end", ("body", "Podcasting 2.0 JSON", "podcast-json")
    )
    return build_transcript(
        pieces, path=path, episode_id=episode_id, fmt=FORMAT, meta=meta, max_chars=max_utterance_chars
    )
