"""Hybrid retrieval and the offline answer, through the public API."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA

from assistant import Assistant, InputError, Turn


@pytest.fixture
def library(sample_copy: Path) -> Assistant:
    a = Assistant.from_settings()
    a.ingest([sample_copy, DATA / "meeting_speakers.txt"])
    return a


def numbers(hits) -> list[int]:
    return [h.utterance.number for h in hits]


def test_paraphrase_finds_the_right_utterance(library: Assistant) -> None:
    hits = library.search("How much did the footbridge cost in the end?", k=5, episode="harbour-bridge")
    assert 22 in numbers(hits)


def test_lone_reply_is_findable_through_its_context(library: Assistant) -> None:
    hits = library.search("did the delay make the work quieter", k=5, episode="harbour-bridge")
    assert 20 in numbers(hits)
    totally = next(h for h in hits if h.utterance.number == 20)
    assert totally.utterance.text == "Totally." and 19 in [c.number for c in totally.context]


def test_episode_and_speaker_filters(library: Assistant) -> None:
    everywhere = {h.utterance.episode_id for h in library.search("the", k=50)} | {
        h.utterance.episode_id for h in library.search("bridge budget", k=50)
    }
    assert "harbour-bridge" in everywhere
    only = library.search("bridge budget", k=10, episode="harbour-bridge")
    assert only and {h.utterance.episode_id for h in only} == {"harbour-bridge"}
    by_speaker = library.search("bridge", k=10, speaker="tomás reyes")
    assert by_speaker and {h.utterance.speaker for h in by_speaker} == {"Tomás Reyes"}
    with pytest.raises(InputError, match="unknown episode"):
        library.search("bridge", episode="no-such-episode")


def test_offline_answer_quotes_and_cites_retrieved_utterances(library: Assistant) -> None:
    answer = library.ask("Who pays for the cost overrun?", episode="harbour-bridge")
    assert answer.mode == "offline" and answer.text.startswith("Offline answer")
    assert answer.citations and not answer.refused
    retrieved = {h.utterance.id for h in answer.hits}
    for citation in answer.citations:
        assert answer.text[citation.start : citation.end] == citation.text
        for u in citation.utterances:
            assert u.id in retrieved and u.text in citation.text
    assert any(u.number == 24 for u in answer.cited_utterances)
    assert {"retrieve_ms", "generate_ms", "total_ms"} <= set(answer.timings)


def test_offline_answer_says_when_nothing_matches(library: Assistant) -> None:
    answer = library.ask("What is the capital of Mongolia?")
    assert answer.citations == () and "nothing" in answer.text and answer.refused


def test_stream_yields_text_then_citations_then_done(library: Assistant) -> None:
    kinds = [e.kind for e in library.stream("Why did the bridge open late?")]
    assert kinds[0] == "text" and kinds[-1] == "done"
    assert kinds.index("citation") > max(i for i, k in enumerate(kinds) if k == "text")


def test_follow_up_uses_history(library: Assistant) -> None:
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    answer = library.ask("Where was it from?", history=history, episode="harbour-bridge")
    assert "steel" in answer.query
    assert 13 in [u.number for u in answer.cited_utterances] or 14 in [
        u.number for u in answer.cited_utterances
    ]


def test_question_limits(library: Assistant) -> None:
    with pytest.raises(InputError, match="empty"):
        library.ask("   ")
    with pytest.raises(InputError, match="ASSISTANT_MAX_QUESTION_CHARS"):
        library.ask("why " * 1000)


def test_offline_answer_names_question_words_the_transcripts_never_use(library: Assistant) -> None:
    answer = library.ask("What was the name and salary of the bridge's architect?", episode="harbour-bridge")
    assert answer.citations or answer.refused
    assert answer.notice and "“salary”" in answer.notice and "architect" not in answer.notice
    assert "“name”" not in answer.notice, "a common word says nothing about what the question is about"
    plain = library.ask("Who pays for the cost overrun?", episode="harbour-bridge")
    assert not plain.notice
