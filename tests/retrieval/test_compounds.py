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


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("What do they think of open-source models?", True),  # "open" and "sources" apart do not say it
        ("What does the follow-up say?", False),  # hyphenated in the transcript
        ("When was the pre-training run?", False),
        ("Who sent the e-mails?", False),  # another form of the last part
    ],
)
def test_a_hyphenated_word_is_said_only_where_its_parts_stand_together(
    tmp_path: Path, question: str, absent: bool
) -> None:
    a = keyword_library(tmp_path, "compounds", [*LINES, "The sources are open to anyone who asks."])
    answer = a.ask(question)
    hyphenated = next(w for w in question.rstrip("?").split() if "-" in w)
    assert (f"never use “{hyphenated}”" in (answer.notice or "")) is absent, answer.notice


def test_a_compound_said_as_two_words_is_not_called_absent(tmp_path: Path) -> None:
    lines = ["We release our models as open source, weights and all.", "It was all self-study, at night."]
    a = keyword_library(tmp_path, "spaced", lines)
    assert "open-source" not in (a.ask("Are the models open-source?").notice or "")
    assert "self-study" not in (a.ask("Was it self-study?").notice or ""), "Snowball stems study as studi"
