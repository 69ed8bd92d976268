"""Text too long to cite as one utterance, cut into passages of whole sentences; caption lines too short
to read alone, joined into passages.

A transcript pasted as one block (a YouTube transcript copied from a site, an article's run of prose) or a
speaker turn that runs for many minutes (a lecture diarised as one voice) would otherwise be one
utterance a reader cannot check at a glance, and one the search model reads only the start of
(all-MiniLM-L6-v2 stops after 256 word pieces). Sentences come from `sentencex` (Wikimedia's rule-based
segmenter: abbreviations such as "Dr." and "U.S." do not end one); text without punctuation, as automatic
captions are, is cut into near-equal runs of words.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from sentencex import segment

from ..text import even_runs
from .speakers import MERGE_MAX_PAUSE, Piece

_SENTENCE_MARK = re.compile(r"[.!?…。！？]")

PASSAGE_CHARS = 600
"""Longest passage cut from a long text: about 100 words, the passage length of dense retrieval's
benchmarks (DPR's Wikipedia passages), well within what the default model reads."""
FRAGMENT_PASSAGE_CHARS = 300
"""Longest passage joined from caption lines: about 55 words, 20 seconds of speech, so that a citation
still opens the recording near what it quotes (measured in eval/README.md, "Automatic captions")."""
FRAGMENTS_AT_LEAST = 20
SPEECH_CHARS_PER_SECOND = 15.0
"""About 150 spoken words a minute."""


def passages(text: str, max_chars: int = PASSAGE_CHARS) -> list[str]:
    """`text` as the fewest near-equal runs of whole sentences of at most `max_chars` each (a sentence
    longer than that is cut between words); `text` itself when it fits. Each run ends at the sentence end
    nearest to its share of the text (the i-th of n ends near i/n of it), so no short run is left over."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text] if text else []
    units = [part for sentence in _sentences(text) for part in _cut(sentence, max_chars)]
    count = math.ceil(len(text) / max_chars)
    out: list[str] = []
    current = ""
    done = 0
    for unit in units:
        joined = f"{current} {unit}" if current else unit
        share = len(text) * (len(out) + 1) / count
        overshoot, undershoot = done + len(joined) - share, share - done - len(current)
        if current and (len(joined) > max_chars or (len(out) + 1 < count and overshoot > undershoot)):
            out.append(current)
            done += len(current) + 1
            joined = unit
        current = joined
    if current:
        out.append(current)
    return out


def split_piece(piece: Piece, max_chars: int = PASSAGE_CHARS) -> list[Piece]:
    """`piece` as passages (`passages`). Where the piece's timed parts are known (`Piece.marks`), a passage
    starts when the part holding its first word starts and ends when the part after its last word starts;
    otherwise, with a start, its times are estimated from where its characters fall between the start and
    the end (a speaker speaks at a steady pace, closely enough to open the recording near the passage); where
    the file gives no end, the starts are estimated at `SPEECH_CHARS_PER_SECOND` and no end is given."""
    parts = passages(piece.text, max_chars)
    if len(parts) < 2:
        return [piece]
    total = sum(len(p) for p in parts)
    until = piece.end if piece.end is not None else _spoken_until(piece.start, total)
    timed = piece.start is not None and until is not None and until >= piece.start
    marks = ((0, piece.start), *piece.marks) if piece.marks and piece.start is not None else ()
    out: list[Piece] = []
    offset = words = 0
    for part in parts:
        start = end = None
        count = len(part.split())
        if marks:
            start = max(t for w, t in marks if w <= words)
            end = min((t for w, t in marks if w >= words + count), default=piece.end)
            end = max(end, start) if end is not None and start is not None else end
        elif timed:
            assert piece.start is not None and until is not None
            span = until - piece.start
            start = round(piece.start + span * offset / total, 2)
            if piece.end is not None:  # no end is made up where the file gives none
                end = round(piece.start + span * (offset + len(part)) / total, 2)
        inside = tuple((w - words, t) for w, t in piece.marks if words < w < words + count)
        out.append(replace(piece, text=part, start=start, end=end, marks=inside))
        offset += len(part)
        words += count
    return out


def _spoken_until(start: float | None, chars: int) -> float | None:
    return None if start is None else start + chars / SPEECH_CHARS_PER_SECOND


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
        runs = even_runs(words, count)
        if all(len(r) <= max_chars for r in runs) or count >= len(words):
            return runs
        count += 1


def join_fragments(pieces: list[Piece], max_chars: int = FRAGMENT_PASSAGE_CHARS) -> list[Piece]:
    """The lines of a transcript that never ends a sentence and names no speaker (automatic captions: about
    eight words a line), joined in order into passages of at most `max_chars`, a new one after a pause of
    more than `MERGE_MAX_PAUSE` seconds; any other transcript as it is. Read alone, such a line is a cut
    phrase ("synthetic data is incredibly effective it's now the"), and twelve of them hand an answer less
    than a hundred words. Whether a transcript ends sentences is judged from `FRAGMENTS_AT_LEAST` lines up."""
    if (
        len(pieces) < FRAGMENTS_AT_LEAST
        or any(p.speaker for p in pieces)
        or sum(1 for p in pieces if _SENTENCE_MARK.search(p.text)) * 20 > len(pieces)
    ):
        return pieces
    out: list[Piece] = []
    last: Piece | None = None
    for piece in pieces:
        prev = out[-1] if out else None
        if (
            prev is not None
            and not _paused(last, piece)
            and len(prev.text) + 1 + len(piece.text) <= max_chars
        ):
            out[-1] = replace(prev.joined(piece), end=piece.end if piece.end is not None else prev.end)
        else:
            out.append(piece)
        last = piece
    return out


def _paused(last: Piece | None, piece: Piece) -> bool:
    """Whether `piece` starts more than `MERGE_MAX_PAUSE` seconds after `last` ended; where the file gives
    only starts (a transcript copied from YouTube's panel), `last` is taken to end as speech of its length
    would (`SPEECH_CHARS_PER_SECOND`)."""
    if last is None or last.start is None or piece.start is None:
        return False
    end = last.end if last.end is not None else last.start + len(last.text) / SPEECH_CHARS_PER_SECOND
    return piece.start - end > MERGE_MAX_PAUSE or piece.start < last.start
