"""Which words of a question the searched transcripts never use: an honest hint for extractive answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..index.lexical import LexicalIndex
from ..text import tokenize

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True)
class WordCounts:
    """How many utterances use each content word of a question: in the searched scope and in the library.

    Keyed by the word as typed (lowercase), in question order. BM25 weighs words by library-wide counts, so
    `library` and `utterances` (the library's size) are what put a BM25 score on a scale."""

    scope: dict[str, int] = field(default_factory=dict)
    library: dict[str, int] = field(default_factory=dict)
    utterances: int = 0

    @property
    def absent(self) -> list[str]:
        return [w for w, n in self.scope.items() if n == 0]


def word_counts(
    index: LexicalIndex,
    question: str,
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> WordCounts:
    keep = index.mask(episodes, speakers)
    turns = index.turns  # what was said: an episode's details record is not a turn
    scope: dict[str, int] = {}
    library: dict[str, int] = {}
    for word in _WORD.findall(question):
        key = word.lower()
        if not tokenize(word) or key in scope:
            continue
        turn, _ = index.scores(word, None)
        used = (turn > 0) & turns
        library[key] = int(used.sum())
        scope[key] = int(used.sum() if keep is None else (used & keep).sum())
    return WordCounts(scope, library, int(turns.sum()))


def absent_words(
    index: LexicalIndex,
    question: str,
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> list[str]:
    """Content words of `question` that occur in no utterance of the searched episodes (as typed, in
    order)."""
    return word_counts(index, question, episodes, speakers).absent
