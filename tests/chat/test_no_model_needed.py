"""Questions the library's and the transcripts' own structure answer cost no hosted call, even with a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES

from .library import hosted_library


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("How many episodes are there?", "The library holds 1 episode:"),
        ("Which episodes mention steel?", "1 of the 1 episode uses the words “steel”"),
        ("Who talked the most?", "2 speakers in “Why the Harbour Bridge"),
        ("What did Nadia ask?", "Nadia Brooks asked"),
        ("Who is Nadia?", "Nadia Brooks in “Why the Harbour Bridge"),
    ],
)
def test_a_question_the_structure_answers_calls_no_model(tmp_path: Path, question: str, opening: str) -> None:
    a, fake = hosted_library(tmp_path, SAMPLES)
    before = len(fake.calls())
    answer = a.ask(question)
    assert len(fake.calls()) == before, "no embedding, rerank or chat for what the library and labels say"
    assert answer.text.startswith(opening), answer.text
