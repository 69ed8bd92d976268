"""How a question points at talk ("Summarize the discussion about X") is not what it asks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from .library import keyword_library

LINES = [
    "Let's discuss the agenda first, and then the rest.",
    "The budget grew by a third because the piles went deeper.",
    "We discussed it at length last week, then again with the board.",
    "The steel came late from the mill.",
]


@pytest.mark.parametrize(
    "query",
    [
        "Summarize the discussion about the budget.",
        "What did they say when discussing the budget?",
        "What was discussed on the budget?",
    ],
)
def test_the_frame_of_a_summary_matches_no_turn(tmp_path: Path, query: str) -> None:
    a = keyword_library(tmp_path, "frames", LINES)
    hits = a.search(query, k=4)
    assert hits and hits[0].utterance.number == 2, [h.utterance.number for h in hits]
    assert all(h.scores.get("turn", 0.0) == 0 for h in hits if h.utterance.number in (1, 3))
