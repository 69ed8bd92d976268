"""What one speaker asked: their turns that ask, in order, each cited; no search, no model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES

from assistant import Assistant
from assistant.chat.asked import asker

from .library import OVENS_DETAILS, offline_library

UNLABELLED = OVENS_DETAILS + (
    "1\nWelcome to the show. Where did the ovens come from?\n"
    "2\nThe ovens came from Italy by ship.\n3\nWhy by ship?\n4\nIt was cheaper than by road.\n"
)


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    return offline_library(tmp_path, {"ovens": UNLABELLED}, SAMPLES / "harbour-bridge.txt")


def test_what_a_speaker_asked_lists_their_questions_in_order_each_cited(library: Assistant) -> None:
    answer = library.ask("What did Nadia ask?")
    asked = [u for u in library.transcript("harbour-bridge") if u.speaker == "Nadia Brooks" and "?" in u.text]
    assert answer.text.startswith(f"Nadia Brooks asked {len(asked)} questions in “Why the Harbour Bridge")
    assert [u.number for u in answer.cited_utterances] == [u.number for u in asked]
    assert all(u.speaker == "Nadia Brooks" for u in answer.cited_utterances)
    assert re.search(r"^5\. #13: “What about the steel\?", answer.text, re.M)
    assert not answer.refused and answer.mode == "offline"


def test_a_question_about_what_they_asked_on_a_subject_is_a_search(library: Assistant) -> None:
    answer = library.ask("What did Nadia Brooks ask about the lighting?")
    assert "questions in" not in answer.text
    assert 30 in [u.number for u in answer.cited_utterances], answer.text


def test_without_speaker_labels_every_question_asked_is_listed_and_said_so(library: Assistant) -> None:
    answer = library.ask("What did Ana Lima ask?")
    assert answer.text.startswith(
        "The transcript of “The Ovens” does not label its speakers, so these are all"
    )
    assert [u.number for u in answer.cited_utterances] == [1, 3]


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("What did Nadia ask?", "Nadia"),
        ("What questions did the host ask in this episode?", "the host"),
        ("List Nadia's questions", "Nadia"),
        ("What did Nadia ask about the lighting?", None),
        ("Who asked about the lighting?", None),
        ("What did Nadia say?", None),
    ],
)
def test_asker(question: str, who: str | None) -> None:
    assert asker(question) == who
