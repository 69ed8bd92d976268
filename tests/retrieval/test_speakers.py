"""speaker_mentioned: which known speaker a question names, or None when none or several fit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieval.speakers import Saying, speaker_mentioned, speaker_saying

LIBRARY = [
    "Priya Nair",
    "Tom Reed",
    "Dr. Lena Ortiz",
    "Speaker 1",
    "Priya Nair & Tom Reed",
    "May Chen",
    "Zoë Adler",
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what did Priya say about the roof?", "Priya Nair"),
        ("What did PRIYA NAIR say about the quote", "Priya Nair"),
        ("what did nair say", "Priya Nair"),
        ("Why did Nair's team push back?", "Priya Nair"),
        ("Tom’s view on the budget?", "Tom Reed"),
        ("What did Lena Ortiz decide?", "Dr. Lena Ortiz"),
        ("what did dr. ortiz decide", "Dr. Lena Ortiz"),
        ("what did lena say", "Dr. Lena Ortiz"),
        ("what did speaker 1 say", "Speaker 1"),
        ("What did May say about parking?", "May Chen"),
        ("may chen on the parking plan", "May Chen"),
        ("What did zoe adler think?", "Zoë Adler"),
        ("Zoë's take on it", "Zoë Adler"),
        ("what did Priya Nair & Tom Reed say together?", "Priya Nair & Tom Reed"),
        # None: nobody named, or more than one person fits.
        ("what was said about the roof?", None),
        ("what did the speaker say", None),
        ("what did the host say", None),
        ("did Priya agree with Tom?", None),
        ("what did Priya Nair and Tom Reed say?", None),
        ("what may happen to the roof?", None),
        ("May we talk about parking?", None),
        ("", None),
        ("   ?!", None),
        ("Priyanka said what?", None),
    ],
)
def test_speaker_mentioned(question: str, expected: str | None) -> None:
    assert speaker_mentioned(question, LIBRARY) == expected


def test_ambiguous_first_name_is_none_but_full_name_decides() -> None:
    speakers = ["Priya Nair", "Priya Shah"]
    assert speaker_mentioned("what did Priya say?", speakers) is None
    assert speaker_mentioned("what did Priya Shah say?", speakers) == "Priya Shah"
    assert speaker_mentioned("and what about shah", speakers) == "Priya Shah"


def test_one_word_name_against_a_longer_one() -> None:
    speakers = ["Priya", "Priya Nair", "Greta"]
    assert speaker_mentioned("what did priya say", speakers) is None  # could be either
    assert speaker_mentioned("what did Priya Nair say", speakers) == "Priya Nair"
    assert speaker_mentioned("Greta's plan?", speakers) == "Greta"


def test_the_role_names_the_one_speaker_labelled_with_it() -> None:
    meeting = ["Professor B", "PhD A", "Grad E"]
    assert speaker_mentioned("What did the professor think about the results?", meeting) == "Professor B"
    assert speaker_mentioned("Why did the professor agree with Grad E?", meeting) is None  # two people
    assert speaker_mentioned("what did a professor say", meeting) is None  # "a" names nobody, not "PhD A"
    assert speaker_mentioned("what did Grad E say", meeting) == "Grad E"
    assert speaker_mentioned("what did the professor say", [*meeting, "Professor D"]) is None
    assert (
        speaker_mentioned("what did the host say", ["Nadia Brooks (host)", "Tom Reed"])
        == "Nadia Brooks (host)"
    )
    assert speaker_mentioned("what did the host say", LIBRARY) is None  # no label holds the role


def test_no_speakers_and_duplicates() -> None:
    assert speaker_mentioned("what did Priya say", []) is None
    assert speaker_mentioned("what did Priya say", ["Priya Nair", "Priya Nair", ""]) == "Priya Nair"


@given(st.text(max_size=80), st.lists(st.text(max_size=20), max_size=6))
@settings(max_examples=150, deadline=None)
def test_returns_a_given_speaker_or_none(question: str, speakers: list[str]) -> None:
    found = speaker_mentioned(question, speakers)
    assert found is None or found in speakers


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Where does Priya say she and Tom should go?", Saying("Priya Nair", "she and Tom should go")),
        ("Summarize what Tom said about the roof.", Saying("Tom Reed", "the roof")),
        ("Summarize Tom's views on the roof", Saying("Tom Reed", "the roof")),
        ("What were Priya's main points?", Saying("Priya Nair", "")),
        ("What did Dr. Ortiz think of the quote?", Saying("Dr. Lena Ortiz", "the quote")),
        ("What was the professor's opinion?", None),  # no label holds the role here
        ("Summarize the discussion of Tom's ideas", None),  # his ideas are the subject
        ("What did the team say about Priya's proposal?", None),
        ("Where did Priya go?", None),
        ("By whom was Tom told to count faster?", None),  # passive: he is spoken to
        ("What is Priya's opinion of the roof?", Saying("Priya Nair", "the roof")),
        ("What does Tom tell Priya about the roof?", Saying("Tom Reed", "Priya about the roof")),
    ],
)
def test_speaker_saying(question: str, expected: Saying | None) -> None:
    """Whose words a question asks for: the name before a verb of saying or a noun of opinion, even when the
    question names someone else too; not a name inside the subject."""
    assert speaker_saying(question, LIBRARY) == expected
