"""Who said what an answer quoted: the quoted turns' speakers, or an honest note where there are no labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES

from assistant import Assistant
from assistant.chat.attribution import asks_who_said

from .library import OVENS_DETAILS, hosted_library, offline_library

UNLABELLED = OVENS_DETAILS + (
    "1\nWelcome to the show.\n2\nThe ovens came from Italy by ship.\n3\nThey took three weeks to arrive.\n"
)


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    return offline_library(tmp_path, {"ovens": UNLABELLED}, SAMPLES / "harbour-bridge.txt")


def test_who_said_that_names_the_speaker_of_each_quoted_turn(library: Assistant) -> None:
    chat = library.chat()
    first = chat.ask("Why was the soil on the north bank a problem?", episode="harbour-bridge")
    quoted = [u for u in first.cited_utterances if not u.is_details]
    assert quoted
    answer = chat.ask("Who said that?")
    assert not answer.refused and answer.model is None
    assert [c.utterances for c in answer.citations] == [(u,) for u in quoted]
    for citation, u in zip(answer.citations, quoted, strict=True):
        assert citation.text.startswith(f"#{u.number} (") and f"): {u.speaker}, “" in citation.text
        assert answer.text[citation.start : citation.end] == citation.text
    assert [h.episode_title for h in answer.hits][0].startswith("Why the Harbour Bridge")


def test_who_said_that_in_a_transcript_without_labels_says_so_and_cites_the_details(
    library: Assistant,
) -> None:
    chat = library.chat()
    first = chat.ask("Where did the ovens come from?", episode="ovens")
    numbers = [u.number for u in first.cited_utterances]
    assert 2 in numbers
    answer = chat.ask("Which speaker said this?")
    assert "“The Ovens” does not label its speakers" in answer.text
    assert f"#{numbers[0]}" in answer.text
    assert "Its details name the host, Ana Lima, and the guest, Tomás Reyes." in answer.text
    [citation] = answer.citations
    assert [u.is_details for u in citation.utterances] == [True]
    assert citation.utterances[0].episode_id == "ovens"


def test_who_said_that_first_is_an_ordinary_question_and_after_a_refusal_names_nobody(
    library: Assistant,
) -> None:
    chat = library.chat()
    assert "speaker labels" not in chat.ask("Who said that?").text
    assert chat.ask("What is the capital of France?").refused
    after = chat.ask("Who said that?")
    assert after.refused and after.text.startswith("The last answer quoted no passage")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who said that?", True),
        ("who said it", True),
        ("Which speaker said this?", True),
        ("Who was talking?", True),
        ("And who's speaking there?", True),
        ("Who said the ovens came from Italy?", False),
        ("Who was talking about agents?", False),
        ("Who is the host?", False),
    ],
)
def test_asks_who_said(question: str, asks: bool) -> None:
    assert asks_who_said(question) is asks


def test_who_said_that_costs_no_hosted_call(tmp_path: Path) -> None:
    a, fake = hosted_library(tmp_path, SAMPLES)
    chat = a.chat()
    first = chat.ask("Why was the soil on the north bank a problem?")
    assert first.mode == "hosted" and first.cited_utterances
    before = len(fake.calls())
    answer = chat.ask("Who said that?")
    assert len(fake.calls()) == before, "no rewrite, embedding, rerank or chat for what the labels say"
    assert {u for c in answer.citations for u in c.utterances} == set(first.cited_utterances)
