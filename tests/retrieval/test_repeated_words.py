"""A word a question says twice counts once: repeating it is phrasing, not emphasis."""

from __future__ import annotations

from pathlib import Path

from .library import keyword_library

LINES = [
    "I was still working at Google then.",
    "Was that how Google Brain operated?",
    "I think I got in through an administrative mistake, because my manager thought I was a PhD student.",
    "So I bounced around Google for a while.",
    "And that happened about a month into my internship at Google.",
    *["Yeah.", "Right.", "Okay.", "Sure."] * 3,
]


def test_a_rarer_word_is_not_outweighed_by_one_said_twice(tmp_path: Path) -> None:
    a = keyword_library(tmp_path, "internship", LINES)
    hits = a.search("Why was his hiring at Google a mistake on Google's side?", k=5)
    assert hits[0].utterance.number == 3, [(h.utterance.number, h.scores) for h in hits]


def test_saying_a_word_again_leaves_the_keyword_scores_as_they_were(tmp_path: Path) -> None:
    a = keyword_library(tmp_path, "internship", LINES)
    once = {h.utterance.number: h.scores["turn"] for h in a.search("Google mistake", k=5)}
    twice = {h.utterance.number: h.scores["turn"] for h in a.search("Google mistake, Google's", k=5)}
    assert once == twice
