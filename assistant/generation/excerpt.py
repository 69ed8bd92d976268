"""Quoting the part of a long utterance that answers: its matching sentences, the cuts marked with "…".

No sentence splitter is among the dependencies (nltk's Punkt comes only through rouge-score, needs data it
cannot download, and untrained it splits after "Dr." and "U.S."), so a careful regex splits: after ".", "!",
"?" or "…" followed by a space and a capital, digit or quote, never after a known abbreviation or an initial.
"""

from __future__ import annotations

import re

from ..text import even_runs, tokenize

LONG_WORDS = 45
"""An utterance longer than this is cut to the sentences that match the question."""
MAX_SENTENCES = 3
RUN_ON_WORDS = 80
PIECE_WORDS = 30
ELLIPSIS = "…"

_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "eg", "ie", "e.g", "i.e", "u.s", "u.k"}
    | {"a.m", "p.m", "inc", "ltd", "co", "corp", "approx", "fig", "dept"}
)
_BOUNDARY = re.compile(r"(?<=[.!?…])(?P<close>[\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"(\S+)[.!?…]+[\"”’)\]]*$")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each as it stands (no character of the text lost but the spaces between)."""
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.end("close")].strip()
        last = _LAST_WORD.search(piece)
        word = last.group(1).lower().rstrip(".") if last else ""
        if last and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def excerpt(text: str, question: str, long_words: int = LONG_WORDS) -> str:
    """`text` itself when short; else its sentences sharing the most question words, cuts marked with "…".

    A sentence of more than `RUN_ON_WORDS` words (speech recognition that never ends one: the seed podcast's
    #567 is one 370-word "sentence") counts as pieces of about `PIECE_WORDS` words. A long utterance none of
    whose pieces shares a word (a match by meaning alone) is kept whole, unless it runs past `RUN_ON_WORDS`:
    then its opening pieces, the rest marked cut."""
    words = len(text.split())
    if words <= long_words:
        return text
    parts = [piece for sentence in sentences(text) for piece in _pieces(sentence)]
    if len(parts) < 2:
        return text
    terms = set(tokenize(question))
    overlap = [len(terms & set(tokenize(p))) for p in parts]
    best = max(overlap)
    if best == 0:
        return text if words <= RUN_ON_WORDS else " ".join([*parts[:MAX_SENTENCES], ELLIPSIS])
    ranked = sorted(range(len(parts)), key=lambda i: (-overlap[i], i))
    keep = sorted(i for i in ranked[:MAX_SENTENCES] if overlap[i] == best or overlap[i] >= 2)
    pieces: list[str] = []
    previous = -1
    for i in keep:
        if i != previous + 1:
            pieces.append(ELLIPSIS)
        pieces.append(parts[i])
        previous = i
    if previous != len(parts) - 1:
        pieces.append(ELLIPSIS)
    return " ".join(pieces)


def _pieces(sentence: str) -> list[str]:
    """`sentence` itself, or cut into near-equal runs of about `PIECE_WORDS` words when it is a run-on."""
    words = sentence.split()
    if len(words) <= RUN_ON_WORDS:
        return [sentence]
    return even_runs(words, round(len(words) / PIECE_WORDS))
