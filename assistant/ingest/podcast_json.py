"""Podcasting 2.0 JSON transcripts
(`<podcast:transcript type="application/json">`), as podcast hosts publish them.

    {"version": "1.0.0",
     "segments": [{"speaker": "Priya Nair", "startTime": 1.0, "endTime": 4.2, "body": "The quote came in"}]}

Hosts often write one segment per word or phrase; consecutive segments of one speaker are merged into
sentences (see `speakers.merge_pieces`). Top-level `title`, `show`/`podcast`, `url`, `host`, `guests` and
`date` fields, which some tools add, become the episode's metadata.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..types import Transcript
from .cues import build_transcript, json_segments, load_json, segment_pieces
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS

FORMAT = "podcast-json"

_JSON_START = re.compile(r"^\s*(?:\{|\[\s*[{\]])")
_PODCAST_KEY = re.compile(r'"(?:startTime|endTime|body)"\s*:')


def looks_json(text: str) -> bool:
    """Any JSON object or list of objects (not `[00:01] Name: text`, which starts with `[` too)."""
    return bool(_JSON_START.match(text[:4096]))


def looks_podcast_json(text: str) -> bool:
    """Sniffer: JSON whose segments use the Podcasting 2.0 keys (`startTime`, `endTime`, `body`)."""
    return looks_json(text) and bool(_PODCAST_KEY.search(text[: 1 << 16]))


def parse_podcast_json(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    segments, meta = json_segments(load_json(text, path), path, "Podcasting 2.0")
    pieces = segment_pieces(
        segments, path, "body", "startTime", "endTime", ("text", "Whisper JSON", "whisper-json")
    )
    return build_transcript(
        pieces, path=path, episode_id=episode_id, fmt=FORMAT, meta=meta, max_chars=max_utterance_chars
    )
