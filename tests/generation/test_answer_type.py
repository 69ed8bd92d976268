"""Which questions ask for a number or a time, and which passages can answer them."""

from __future__ import annotations

import pytest

from assistant.generation.answer_type import (
    asks_quantity,
    asks_time,
    counted_noun,
    counts_of,
    named_terms,
    states_quantity,
    states_time,
)


@pytest.mark.parametrize(
    "question",
    [
        "How many staff does the bakery employ?",
        "how much did the building cost?",
        "How long does the oven take to get hot?",
        "How old was Ryan when he had chicken pox?",
        "What year did the Berlin Wall fall?",
        "And what percentage of the data is synthetic?",
        "And how many?",
        "How much money did Joey make in two weeks?",
        "How much of Command A's training data is synthetic?",
        "How much deeper did the piles have to go?",
        "How much is a plain country loaf?",
        "How much did Chandler tell Joey he owed him?",
        "How much do you think a call to the API costs?",
        "What did they sell? And how many?",
    ],
)
def test_questions_that_ask_for_a_number(question: str) -> None:
    assert asks_quantity(question)


@pytest.mark.parametrize(
    "question",
    [
        "How did he get the internship?",
        "What did Aidan say about cost?",
        "Why is it so long?",
        "Who is the host?",
        "How often does she visit her grandmother?",
        "How far can synthetic data take us?",
        "How much does Aidan worry about AI risk?",
        "And how much has the field changed since the paper?",
        "How much of the data is synthetic? And why do they rewrite human answers?",
    ],
)
def test_questions_that_do_not(question: str) -> None:
    assert not asks_quantity(question)


@pytest.mark.parametrize(
    "passage",
    [
        "Our oven takes forty minutes to heat.",
        "The oven heats in 40 minutes.",
        "It takes about half an hour.",
        "A couple of hours on cold days.",
        "A week to cure, an hour to heat.",
        "The majority of it.",
        "Seven hundred bucks.",
    ],
)
def test_passages_that_state_an_amount(passage: str) -> None:
    assert states_quantity(passage)


@pytest.mark.parametrize(
    "passage",
    [
        "The oven is wood-fired and we built it ourselves.",
        "No one knows how it works, and this one is the best.",
        "Once the floor was strong enough, and a third-year student helped.",
        "It took a long time, and a lot of people helped.",
    ],
)
def test_passages_that_do_not(passage: str) -> None:
    assert not states_quantity(passage)


def test_what_a_question_asks_a_number_of_leaves_out_its_own_numbers_and_its_how_many() -> None:
    named = named_terms("How much does a call to the API cost per million tokens?")
    assert "million" not in named and "much" not in named
    assert {"call", "api", "cost", "token"} <= named


@pytest.mark.parametrize(
    ("passage", "counts"),
    [
        ("Cohere, a 500-person enterprise AI company", True),
        ("We're now approaching 500 people, offices in SF and Toronto.", True),
        ("we have five hundred people in three offices", True),
        ("There are twelve full-time people there.", True),  # one word between
        ("It raised over $1 billion.", False),  # an amount, of something else
        ("People told me 3 things.", False),
        ("the people at the bakery", False),
        ("A few people said so, and several people disagreed.", False),  # vague, not a count
        ("two people left", True),
    ],
)
def test_a_passage_that_puts_a_number_on_what_how_many_counts(passage: str, counts: bool) -> None:
    noun = counted_noun("How many people work at Cohere?")
    assert noun is not None and counts_of(passage, noun) is counts


def test_only_how_many_names_what_it_counts() -> None:
    employees = counted_noun("How many employees does it have?")
    assert employees is not None and counts_of("It has 200 employees.", employees)
    assert counts_of("a team of 1 employee", employees)  # singular or plural
    assert counted_noun("How much does it cost?") is None and counted_noun("What year was it?") is None


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        ("When did Aidan join Google Brain?", True),
        ("And when was that?", True),
        ("What time does the baker start work?", True),
        ("when does lydia first talk to joey ?", True),
        ("Why was the steel late? When did it arrive?", True),  # the last sentence is typed
        ("When discussing the outer design of the remote, how did User Interface advise against it?", False),
        ("When brainstorming, what was the team's opinion on a novel shape?", False),
        ("When it comes to data, what does Cohere do?", False),
        ("Why did the bakery close?", False),
    ],
)
def test_questions_that_ask_when(question: str, typed: bool) -> None:
    assert asks_time(question) is typed


@pytest.mark.parametrize(
    ("passage", "timed"),
    [
        ("In 2017, Aiden was a third-year undergrad student.", True),
        ("Half past three. The oven needs three hours to heat up.", True),
        ("I was driving between the two shops at four in the morning.", True),
        ("I'd say the seventeenth.", True),
        ("Crash fix Thursday, then font sizes.", True),
        ("We launched it last summer.", True),
        ("Six. Two bakers, three in the shop.", False),
        ("At one point I may march on the capital.", False),
        ("That was the second thing we tried.", False),
    ],
)
def test_passages_that_name_a_time(passage: str, timed: bool) -> None:
    assert states_time(passage) is timed
