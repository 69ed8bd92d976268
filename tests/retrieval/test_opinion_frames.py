"""How a question asks for an opinion ("his view on", "her perspective on") is not what it asks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

from .library import keyword_library

LINES = [
    "People are viewing synthetic data as ready for prime time in everything they build.",
    "The long-tail risks are important and worthy of academic inquiry.",
    "I feel the office is too small for the team now.",
    "Honestly the budget risks worry me more than the schedule.",
]


@pytest.fixture
def keywords_only(tmp_path: Path) -> Assistant:
    return keyword_library(tmp_path, "views", LINES)


@pytest.mark.parametrize(
    "question",
    [
        "What is his view on long-tail risks?",
        "What are her views about long-tail risks?",
        "What was the professor's opinion on long-tail risks?",
        "What is their perspective on long-tail risks?",
    ],
)
def test_an_opinion_frame_does_not_match_a_passage(keywords_only: Assistant, question: str) -> None:
    hits = keywords_only.search(question, k=4)
    assert [h.utterance.number for h in hits if h.scores.get("turn", 0.0) > 0] == [2, 4]
