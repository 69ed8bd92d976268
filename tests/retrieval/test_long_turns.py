"""A long turn is found by the passage that matches, not held back by all the words around it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, RetrievalConfig
from assistant.index import lexical
from assistant.index.embedders import HashingEmbedder

from .library import keyword_library

MONOLOGUE = (
    "As opposed to some direct or indirect competitors to Cohere who would say we can connect to all "
    "your sources but ultimately we are powered by another vendor and that runs on their cloud, here "
    "you control the whole thing. Are you seeing a lot of demand for private deployments versus "
    "cloud, is the overlap complete with the regulated industries or do you see some nuances there? I"
    " would say the most interesting work we do requires a private deployment because it touches the "
    "most critical data of the business, and so we have the most significant impact there, regardless"
    " of whether the industry is regulated or not, and startups that use us care about it when they "
    "serve regulated customers themselves, for security reasons."
)
LINES = [
    "Cohere collaborates with Cohere Labs very closely.",
    "And that used to be called Cohere for Good.",
    MONOLOGUE,
    "Is that the research part of Cohere?",
    "So everyone does research at Cohere.",
    *["Yeah.", "Right.", "Okay.", "Interesting.", "Sure, sure."] * 4,
]


def test_a_long_turn_ranks_by_its_best_passage(tmp_path: Path) -> None:
    a = keyword_library(tmp_path, "long", LINES)
    hits = a.search("Who are Cohere's competitors?", k=5)
    assert [h.utterance.number for h in hits][:1] == [3], [(h.utterance.number, h.scores) for h in hits]
    assert hits[0].scores["turn"] == max(h.scores["turn"] for h in hits)


def test_a_reopened_library_reads_its_saved_passages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = keyword_library(tmp_path, "long", LINES)
    before = [(h.utterance.number, round(h.score, 6)) for h in first.search("private deployments", k=5)]
    first.close()

    def no_rebuild(*args: object) -> None:
        raise AssertionError("the saved keyword index was rebuilt instead of read")

    monkeypatch.setattr(lexical.PassageBM25, "build", no_rebuild)
    with Assistant.from_settings(
        embedder=HashingEmbedder(), retrieval=RetrievalConfig(use_dense=False)
    ) as again:
        after = [(h.utterance.number, round(h.score, 6)) for h in again.search("private deployments", k=5)]
    assert after == before and after[0][0] == 3


def test_each_long_turn_is_scored_by_its_own_passages(tmp_path: Path) -> None:
    """Two long turns among short ones: each is found by words only its own passages hold."""
    other = MONOLOGUE.replace("competitors to Cohere", "rivals of the bakery").replace("private", "hosted")
    lines = [*LINES[:3], *LINES[3:5], other, *LINES[5:]]
    a = keyword_library(tmp_path, "two", lines)
    for query, number in (("Who are the bakery's rivals?", 6), ("Who are Cohere's competitors?", 3)):
        assert [h.utterance.number for h in a.search(query, k=3)][:1] == [number], query
