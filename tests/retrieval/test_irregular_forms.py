"""An irregular form of a word finds the turns that use another form of it, which a stemmer cannot join."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

from .library import keyword_library

LINES = [
    "How long was that process of writing the paper?",
    "The children stayed with their grandmother all summer.",
    "We taught the new hires on the job.",
    "He left early, before the vote.",
    "The office moved twice in two years.",
    "Our budget went down by a third.",
]


@pytest.fixture
def keywords_only(tmp_path: Path) -> Assistant:
    return keyword_library(tmp_path, "forms", LINES)


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("How was it written?", 1),
        ("Who wrote it?", 1),
        ("What happened to the child?", 2),
        ("Who teaches?", 3),
        ("Where does it go?", 6),
    ],
)
def test_an_irregular_form_finds_the_others(keywords_only: Assistant, query: str, number: int) -> None:
    hits = keywords_only.search(query, k=3)
    assert hits and hits[0].utterance.number == number, [h.utterance.number for h in hits]
    assert hits[0].scores.get("turn", 0.0) > 0


@pytest.mark.parametrize("query", ["Which way is leave?", "Was anything good said?"])
def test_a_word_with_several_readings_is_left_as_written(keywords_only: Assistant, query: str) -> None:
    """ "left" may be a direction; "better" is not "good"; neither is read as another word."""
    assert all(h.scores.get("turn", 0.0) == 0 for h in keywords_only.search(query, k=6))
