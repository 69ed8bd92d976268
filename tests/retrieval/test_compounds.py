"""Words a transcript spells with a hyphen are found when a question joins them, and the other way round."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

from .library import keyword_library

LINES = [
    "We spent the spring on the pre-training run for the new model.",
    "The re-ranker then sorts what search found, best first.",
    "Our office moved twice in two years.",
    "She sent a follow-up e-mail the next morning.",
    "I-I-I don't know what happened to the budget.",
    "Cuts of 2-3 percent each year.",
    "That one is a don't-care for us.",
]


@pytest.fixture
def keywords_only(tmp_path: Path) -> Assistant:
    return keyword_library(tmp_path, "compounds", LINES)


@pytest.mark.parametrize(
    ("query", "number"),
    [("pretraining", 1), ("reranker", 2), ("email", 4), ("followup", 4), ("re-ranker", 2)],
)
def test_a_compound_is_found_joined_or_hyphenated(keywords_only: Assistant, query: str, number: int) -> None:
    hits = keywords_only.search(query, k=3)
    assert hits and hits[0].utterance.number == number, [h.utterance.number for h in hits]
    assert hits[0].scores.get("turn", 0.0) > 0


@pytest.mark.parametrize("query", ["iii", "23", "tcare"])
def test_stutters_and_number_ranges_are_not_joined_into_words(keywords_only: Assistant, query: str) -> None:
    assert all(h.scores.get("turn", 0.0) == 0 for h in keywords_only.search(query, k=7))
