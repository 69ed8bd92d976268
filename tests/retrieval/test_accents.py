"""Keyword search reads accented words whole and finds them typed without accents, as Lucene folds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

from .library import keyword_library

LINES = [
    "I worked on Łukasz Kaiser's team that summer.",
    "We met at the café by the station every morning.",
    "Tomás drew the first sketch of the bridge.",
    "The steel came from a mill in Finland.",
]


@pytest.fixture
def keywords_only(tmp_path: Path) -> Assistant:
    return keyword_library(tmp_path, "accents", LINES)


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("Whose team was Lukasz on?", 1),
        ("Whose team was Łukasz on?", 1),
        ("Where was the cafe?", 2),
        ("Who is Tomas?", 3),
    ],
)
def test_a_word_is_found_with_or_without_its_accents(
    keywords_only: Assistant, question: str, number: int
) -> None:
    hits = [h for h in keywords_only.search(question, k=4) if h.scores.get("turn", 0.0) > 0]
    assert [h.utterance.number for h in hits] == [number], question


def test_an_accented_word_is_not_cut_into_pieces(keywords_only: Assistant) -> None:
    """ "Tomás" had been read as "tom" + "s": a question about Tom found him."""
    hits = [h for h in keywords_only.search("Who is Tom?", k=4) if h.scores.get("turn", 0.0) > 0]
    assert hits == []
