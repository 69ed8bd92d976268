"""Who a labelled speaker is: the details, their share of the talk, the turns that name them, each cited."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SAMPLES

from assistant import Assistant
from assistant.chat.identity import identity_asked

from .library import OVENS_DETAILS, offline_library

UNLABELLED = OVENS_DETAILS + (
    "1\nWelcome to the show. My guest today is Tomás Reyes, who built the ovens.\n"
    "2\nThe ovens came from Italy by ship.\n"
)


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    return offline_library(tmp_path, {"ovens": UNLABELLED}, SAMPLES, DATA / "kickoff_meeting.txt")


def test_who_a_guest_is_comes_from_the_details_and_the_turns_that_name_them(library: Assistant) -> None:
    answer = library.ask("Who is Tomás Reyes?", episode="harbour-bridge")
    assert answer.text.startswith("Tomás Reyes in “Why the Harbour Bridge Opened Eight Months Late”")
    assert "details name them as its guest" in answer.text
    assert "One of 2 labelled speakers: 20 turns" in answer.text
    cited = [u.number for u in answer.cited_utterances]
    assert cited[0] == 0, "the details record (number 0) first"
    first = next(u for u in library.transcript("harbour-bridge") if u.speaker == "Tomás Reyes")
    assert cited[1:] == [first.number, 1, 39], (
        answer.text
    )  # #1: "today I'm talking to Tomás Reyes, the chief…"
    assert not answer.refused


def test_a_first_name_and_a_first_turn_that_names_them_are_quoted_once(library: Assistant) -> None:
    answer = library.ask("Who's Nadia?")
    assert "details name them as its host" in answer.text
    assert "their first turn is #1, below." in answer.text
    assert [u.number for u in answer.cited_utterances] == [0, 1, 2]  # #2: "Thanks for having me, Nadia."


def test_a_role_label_is_a_speaker_too(library: Assistant) -> None:
    answer = library.ask("Who is the project manager?")
    assert answer.text.startswith("Project Manager in “kickoff_meeting”"), answer.text
    assert "details" not in answer.text
    assert [u.number for u in answer.cited_utterances] == [1]


@pytest.mark.parametrize(
    "question",
    [
        "Who is Rachel talking to?",  # no such speaker, and not only a name
        "Who is Tomás Reyes's engineer?",  # about someone else
        "Who was the first person to walk on the Moon?",
    ],
)
def test_anything_but_a_labelled_speakers_name_is_searched(library: Assistant, question: str) -> None:
    assert library.ask(question, episode="harbour-bridge").text.startswith("Offline answer:")


def test_a_word_of_a_role_label_is_not_the_speaker(library: Assistant) -> None:
    answer = library.ask("Tell me about the project", episode="kickoff_meeting")
    assert not answer.text.startswith("Project Manager in"), answer.text
    assert library.ask("Tell me about the project manager").text.startswith("Project Manager in")
    said = library.ask("What did the project say?", episode="kickoff_meeting")  # the same check, every route
    assert "What Project Manager said" not in said.text, said.text
    assert library.ask("what did nadia ask?").text.startswith("Nadia Brooks asked")  # a name, in lower case
    assert library.ask("who is nadia").text.startswith("Nadia Brooks in")


def test_a_person_in_a_transcript_without_labels_is_searched_for(library: Assistant) -> None:
    answer = library.ask("Who is Tomás Reyes?", episode="ovens")
    assert "labelled speakers" not in answer.text
    assert 1 in [u.number for u in answer.cited_utterances], answer.text


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("Who is Nadia Brooks?", "Nadia Brooks"),
        ("who's the project manager", "the project manager"),
        ("And who was Tomás exactly?", "Tomás"),
        ("Tell me about Nadia", "Nadia"),
        ("What do we know about the project manager?", "the project manager"),
        ("Who said that?", None),
        ("What did Nadia say?", None),
        ("Who asked about the steel?", None),
    ],
)
def test_the_person_asked_about(question: str, who: str | None) -> None:
    assert identity_asked(question) == who


def test_a_speaker_in_several_episodes_is_described_from_the_one_where_they_say_most(tmp_path: Path) -> None:
    cameo = (
        "1\nAna Lima: Today a short visit from the bridge.\n"
        "2\nTomás Reyes: Who is Tomás Reyes? Just an engineer passing by.\n"
        "3\nAna Lima: Thanks, Tomás.\n"
    )
    library = offline_library(tmp_path, {"cameo": cameo}, SAMPLES)
    answer = library.ask("Who is Tomás Reyes?")
    assert answer.text.startswith("Tomás Reyes in “Why the Harbour Bridge Opened Eight Months Late”")
    assert "where Tomás Reyes says the most" in (answer.notice or "")
