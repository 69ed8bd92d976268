"""What the library holds: the catalogue answers, each episode cited to its details record."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES

from assistant import Assistant
from assistant.chat.catalogue import asks_catalogue, mention_topic

from .library import OVENS_DETAILS, offline_library

OVENS = OVENS_DETAILS + (
    "1\nWelcome to the show, and to our episodes about bread.\n"
    "2\nThe ovens came from Italy by ship.\n3\nThe ship was late, and the ship's crew was tired.\n"
)


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    return offline_library(tmp_path, {"ovens": OVENS}, SAMPLES / "harbour-bridge.txt")


def test_how_many_episodes_lists_each_one_cited_to_its_details(library: Assistant) -> None:
    answer = library.ask("How many episodes are there?")
    assert answer.text.startswith("The library holds 2 episodes:")
    assert "“The Ovens” (Flour; host Ana Lima; guest Tomás Reyes)" in answer.text
    assert len(answer.citations) == 2
    assert all(u.is_details for u in answer.cited_utterances), "each line opens its transcript's top"
    assert {u.episode_id for u in answer.cited_utterances} == {e.id for e in library.episodes()}
    assert not answer.refused


def test_an_episode_filter_lists_only_the_chosen_episodes(library: Assistant) -> None:
    answer = library.ask("List the transcripts", episode="harbour-bridge")
    assert answer.text.startswith("The searched part of the library holds 1 episode:")
    assert [u.episode_id for u in answer.cited_utterances] == ["harbour-bridge"]


def test_a_question_about_what_episodes_say_is_still_searched(library: Assistant) -> None:
    answer = library.ask("How many episodes mention bread?")
    assert not answer.text.startswith("The library holds")
    assert any(not u.is_details for u in answer.cited_utterances) or answer.refused


def test_which_episodes_mention_x_cites_each_episodes_turn_that_uses_the_words(library: Assistant) -> None:
    answer = library.ask("Which episodes mention the ovens?")
    assert answer.text.startswith("1 of the 2 episodes uses the words “the ovens”, in 1 turn in all:")
    assert "“The Ovens” (1 turn; #2):" in answer.text
    assert [(u.episode_id, u.number) for u in answer.cited_utterances] == [("ovens", 2)]


def test_how_many_times_they_said_x_counts_the_turns_most_first(library: Assistant) -> None:
    steel = [u for u in library.transcript("harbour-bridge") if "steel" in u.text.lower()]
    answer = library.ask("How many times did they mention steel?")
    assert answer.text.startswith(
        f"1 of the 2 episodes uses the words “steel”, in {len(steel)} turns in all:"
    )
    answer = library.ask("Which episodes mention ships?")
    first, second = answer.text.splitlines()[1:]
    assert first.startswith("1. “The Ovens” (2 turns;"), "the episode that says it most leads"
    assert second.startswith(f"2. “{library.episode('harbour-bridge').title}” (1 turn;")


def test_an_episode_whose_details_name_x_is_cited_to_its_details(library: Assistant) -> None:
    answer = library.ask("How many episodes mention Tomás Reyes?")
    assert answer.text.startswith("2 of the 2 episodes use the words “Tomás Reyes”")
    assert "“The Ovens” (named in its details)" in answer.text
    only_details = library.ask("Which episodes mention Ana Lima?")
    assert only_details.text.startswith("1 of the 2 episodes uses the words “Ana Lima”:"), "no '0 turns'"
    cited = {u.episode_id: u for u in answer.cited_utterances}
    assert cited["ovens"].is_details, "the ovens transcript names him only in its details"
    assert not cited["harbour-bridge"].is_details
    said = [u for u in library.transcript("harbour-bridge") if "tomás" in u.text.lower()]
    assert f"({len(said)} turn" in answer.text, "turns that say his name, not every turn he speaks"


def test_no_episode_using_x_is_said_plainly_and_cites_nothing(library: Assistant) -> None:
    answer = library.ask("Which episodes discuss risotto?")
    assert answer.text.startswith("None of the 2 episodes uses the words “risotto”")
    assert answer.refused and answer.citations == ()


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Which episodes mention steel?", "steel"),
        ("How many episodes discuss synthetic data?", "synthetic data"),
        ("In which episodes do they talk about AGI?", "AGI"),
        ("Which meetings discussed the remote control?", "the remote control"),
        ("How many times did they mention AGI?", "AGI"),
        ("How often do they talk about synthetic data?", "synthetic data"),
        ("How many times did Aidan say AGI?", None),
        ("Which meetings discussed yeah?", None),
        ("Which episodes have Aidan Gomez?", None),
        ("What did they say about steel?", None),
    ],
)
def test_mention_topic(question: str, topic: str | None) -> None:
    assert mention_topic(question) == topic


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many episodes are there?", True),
        ("how many transcripts do you have", True),
        ("What episodes do you have?", True),
        ("Show me all the recordings", True),
        ("How many meetings are in the library?", True),
        ("How many episodes mention steel?", False),
        ("Which episodes discuss AGI?", False),
        ("List the episodes about bridges", False),
    ],
)
def test_asks_catalogue(question: str, asks: bool) -> None:
    assert asks_catalogue(question) is asks


def test_a_long_library_is_listed_up_to_a_limit_and_counted_beyond_it(
    library: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.chat.catalogue as catalogue

    monkeypatch.setattr(catalogue, "LISTED", 1)
    answer = library.ask("List the episodes")
    assert answer.text.startswith("The library holds 2 episodes:")
    assert answer.text.endswith("…and 1 more (`assistant episodes` lists them all).")
    assert len(answer.citations) == 1
