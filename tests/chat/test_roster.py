"""Who speaks in an episode and how much: counted from the speaker labels, each speaker cited to a turn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES

from assistant import Assistant
from assistant.chat.roster import asks_roster

from .library import OVENS_DETAILS, offline_library

BOARD = (
    "--- METADATA START ---\nShow: Board\nEpisode: Roof budget\nHost: Lena Ortiz\n--- METADATA END ---\n\n"
    "1\nLena Ortiz: Let's start with the roof.\n"
    "2\nPriya Nair: The quote came in at twelve thousand, which is more than the whole repair fund we "
    "set aside last spring for the roof and the gutters together.\n"
    "3\nTom Reed: Too much.\n"
    "4\nPriya Nair: We could split it over two years.\n"
    "5\nLena Ortiz: Noted.\n"
    "6\n\n"
)
UNLABELLED = OVENS_DETAILS + "1\nWelcome to the show.\n2\nThe ovens came from Italy by ship.\n"


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    return offline_library(tmp_path, {"board": BOARD, "ovens": UNLABELLED})


def test_who_talked_the_most_lists_the_speakers_by_words_each_cited_to_their_longest_turn(
    library: Assistant,
) -> None:
    answer = library.ask("Who talked the most in this meeting?", episode="board")
    lines = answer.text.splitlines()
    assert (
        lines[0]
        == "3 speakers in “Roof budget”, by the transcript's labels, most words first (5 turns, 42 words):"
    )
    assert [re.sub(r":.*", "", line) for line in lines[1:]] == [
        "1. Priya Nair",
        "2. Lena Ortiz",
        "3. Tom Reed",
    ]
    assert "1. Priya Nair: 2 turns, 34 words (81%); longest turn #2:" in answer.text
    assert [u.number for u in answer.cited_utterances] == [2, 1, 3]
    for citation in answer.citations:
        (u,) = citation.utterances
        assert citation.text.startswith(f"{lines.index(citation.text)}. {u.speaker}:"), citation.text
    assert not answer.refused and answer.mode == "offline"


def test_a_transcript_without_labels_says_so_and_names_the_people_in_its_details(library: Assistant) -> None:
    answer = library.ask("Who are the speakers?", episode="ovens")
    assert answer.text.startswith("The transcript of “The Ovens” does not label its speakers")
    assert answer.text.endswith("Its details name the host, Ana Lima, and the guest, Tomás Reyes.")
    assert [u.is_details for u in answer.cited_utterances] == [True]


def test_who_spoke_about_a_topic_is_still_a_search(library: Assistant) -> None:
    answer = library.ask("Who talked about the repair fund?", episode="board")
    assert "speakers in" not in answer.text and answer.cited_utterances
    assert answer.cited_utterances[0].number == 2


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who talked the most?", True),
        ("Who spoke the least in the Bro005 meeting?", True),
        ("Who spoke in this episode?", True),
        ("Who are the participants?", True),
        ("How many speakers are there?", True),
        ("List the speakers", True),
        ("Who was in the meeting?", True),
        ("Who talked about the budget?", False),
        ("Who is in the bar?", False),
        ("Who said that?", False),
        ("What did the speakers say about cost?", False),
    ],
)
def test_asks_roster(question: str, asks: bool) -> None:
    assert asks_roster(question) is asks


def test_a_question_that_names_an_episode_by_id_or_title_searches_only_that_episode(
    library: Assistant, tmp_path: Path
) -> None:
    assert library.ingest(SAMPLES / "harbour-bridge.txt").ok
    question = "Who paid for the delay in harbour-bridge?"
    answer = library.ask(question)
    assert answer.cited_utterances and {u.episode_id for u in answer.cited_utterances} == {"harbour-bridge"}
    assert answer.notice and "named in the question" in answer.notice
    by_title = library.ask("Who talked the most in “Roof budget”?")
    assert by_title.text.startswith("3 speakers in “Roof budget”")
    plain = library.ask("What did the board say about the ovens?")  # "board" is a file's name, and a word
    assert not plain.notice or "named in the question" not in plain.notice
