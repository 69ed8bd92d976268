"""Text too long to cite as one utterance, cut into passages of whole sentences.

A transcript pasted as one block (a YouTube transcript copied from a site, an article's run of prose) or a
speaker turn that runs for many minutes (a lecture diarised as one voice) would otherwise be one
utterance a reader cannot check at a glance, and one the search model reads only the start of
(all-MiniLM-L6-v2 stops after 256 word pieces). Sentences come from `sentencex` (Wikimedia's rule-based
segmenter: abbreviations such as "Dr." and "U.S." do not end one); text without punctuation, as automatic
captions are, is cut into near-equal runs of words.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sentencex import segment

from .speakers import Piece

PASSAGE_CHARS = 600
"""Longest passage cut from a long text: about 100 words, the passage length of dense retrieval's
benchmarks (DPR's Wikipedia passages), well within what the default model reads."""


def passages(text: str, max_chars: int = PASSAGE_CHARS) -> list[str]:
    """`text` as the fewest near-equal runs of whole sentences of at most `max_chars` each (a sentence
    longer than that is cut between words); `text` itself when it fits."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text] if text else []
    units = [part for sentence in _sentences(text) for part in _cut(sentence, max_chars)]
    target = len(text) / math.ceil(len(text) / max_chars)
    out: list[str] = []
    current = ""
    for unit in units:
        joined = f"{current} {unit}" if current else unit
        if current and (len(joined) > max_chars or len(joined) - target > target - len(current)):
            out.append(current)
            joined = unit
        current = joined
    if current:
        out.append(current)
    return out


def split_piece(piece: Piece, max_chars: int = PASSAGE_CHARS) -> list[Piece]:
    """`piece` as passages (`passages`), each named "part i of n" in errors; with a start and an end, each
    passage's times are estimated from where its characters fall between them (a speaker speaks at a
    steady pace, closely enough to open the recording near the passage)."""
    parts = passages(piece.text, max_chars)
    if len(parts) < 2:
        return [piece]
    timed = piece.start is not None and piece.end is not None and piece.end >= piece.start
    total = sum(len(p) for p in parts) or 1
    out: list[Piece] = []
    offset = 0
    for i, part in enumerate(parts, 1):
        start = end = None
        if timed:
            assert piece.start is not None and piece.end is not None
            span = piece.end - piece.start
            start = round(piece.start + span * offset / total, 2)
            end = round(piece.start + span * (offset + len(part)) / total, 2)
        out.append(
            replace(piece, text=part, where=f"{piece.where} (part {i} of {len(parts)})", start=start, end=end)
        )
        offset += len(part)
    return out


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in segment("en", text) if s.strip()]


def _cut(sentence: str, max_chars: int) -> list[str]:
    """A sentence that fits as it is; a longer one as near-equal runs of words, each within `max_chars`
    (a single word longer than that stands alone)."""
    if len(sentence) <= max_chars:
        return [sentence]
    words = sentence.split()
    count = math.ceil(len(sentence) / max_chars)
    while True:
        edges = [round(len(words) * i / count) for i in range(count + 1)]
        runs = [" ".join(words[a:b]) for a, b in zip(edges, edges[1:], strict=False) if b > a]
        if all(len(r) <= max_chars for r in runs) or count >= len(words):
            return runs
        count += 1
