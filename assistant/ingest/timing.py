"""Where the timed parts of a long turn begin (`Utterance.marks`), from the times a file gives its words or
sentences: a citation of words far into a turn of several minutes then opens the recording where they are
said, not at the turn's start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .speakers import ends_sentence

MARK_WORDS = 20
"""A sentence longer than this (speech recognition that seldom ends one) is marked every this many words,
about 8 s of speech, so a quote from inside it still opens the recording near its words."""


def word_marks(text: str, words: Sequence[tuple[Any, float | None]]) -> tuple[tuple[int, float], ...]:
    """Where each sentence after the first begins in `text`, from its timed words (punctuation attached), and
    every `MARK_WORDS` words within a longer one: none when a word has no text or time, or the words do not
    spell the text word for word, so no mark is ever placed on the wrong word."""
    timed = [(said, start) for said, start in words if isinstance(said, str) and start is not None]
    if len(timed) < len(words) or [w for said, _ in timed for w in said.split()] != text.split():
        return ()
    parts: list[tuple[str, float]] = []
    for said, start in timed:
        last = parts[-1][0] if parts else ""
        if parts and not ends_sentence(last) and len(last.split()) < MARK_WORDS:
            parts[-1] = (f"{last} {said}", parts[-1][1])
        else:
            parts.append((said, start))
    return part_marks(parts)


def part_marks(parts: Sequence[tuple[str, float | None]]) -> tuple[tuple[int, float], ...]:
    """(words before, start) of each timed part after the first, the parts read on one from another; none
    when a part's time is missing."""
    marks, words = [], 0
    for said, start in parts:
        if start is None:
            return ()
        if words:
            marks.append((words, start))
        words += len(said.split())
    return tuple(marks)
