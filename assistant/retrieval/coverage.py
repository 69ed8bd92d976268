"""Which words of a question the searched transcripts never use: an honest hint for extractive answers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..index.lexical import LexicalIndex
from ..text import tokenize

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def absent_words(
    index: LexicalIndex,
    question: str,
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> list[str]:
    """Content words of `question` that occur in no utterance
    of the searched episodes (as typed, in order)."""
    keep = index.mask(episodes, speakers)
    absent: dict[str, None] = {}
    for word in _WORD.findall(question):
        if not tokenize(word) or word.lower() in absent:
            continue
        turn, _ = index.scores(word, keep)
        if not turn.any():
            absent[word.lower()] = None
    return list(absent)
