"""A word spelt the British or the American way finds the turns that spell it the other way."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

from .library import keyword_library

LINES = [
    "Young people like bright colours on a remote.",
    "The new program starts in the fall.",
    "We analyzed the survey results last week.",
    "The budget was set in January.",
]


@pytest.fixture
def keywords_only(tmp_path: Path) -> Assistant:
    return keyword_library(tmp_path, "spelling", LINES)


@pytest.mark.parametrize(
    ("question", "number"),
    [("Which colors do they like?", 1), ("When does the programme start?", 2), ("Who analysed it?", 3)],
)
def test_either_spelling_finds_the_other(keywords_only: Assistant, question: str, number: int) -> None:
    hits = [h for h in keywords_only.search(question, k=4) if h.scores.get("turn", 0.0) > 0]
    assert [h.utterance.number for h in hits] == [number], question
    answer = keywords_only.ask(question)
    assert not answer.notice or "never use" not in answer.notice, answer.notice
