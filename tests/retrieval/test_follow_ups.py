"""A follow-up with words of its own is searched by them, and by the question before at half their weight:
every signal (each keyword index and the meaning) leans toward what the conversation was about.

The meaning case needs the all-MiniLM-L6-v2 files from ../shared (skips without them): the hashing fallback
holds no meaning to lean with."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_or_skip

from assistant import Assistant, RetrievalConfig, Settings

LINES = [
    "Ada: The steel for the bridge arrived three weeks late.",
    "Ben: So we decided to delay the opening.",
    "Ada: The cyclists asked for a wider lane on the deck.",
    "Ben: So we decided to paint a new lane.",
]
STEEL, CYCLISTS = {1, 2}, {3, 4}

SIGNALS = {
    "one turn": RetrievalConfig(use_dense=False, weight_window=0.0, late_interaction=False),
    "turn with neighbours": RetrievalConfig(use_dense=False, weight_turn=0.0, late_interaction=False),
    "meaning": RetrievalConfig(use_lexical=False, late_interaction=False),
}


@pytest.mark.parametrize("config", SIGNALS.values(), ids=SIGNALS.keys())
def test_each_signal_leans_toward_the_question_before(tmp_path: Path, config: RetrievalConfig) -> None:
    path = tmp_path / "bridge.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    settings = Settings(store=tmp_path / "s", embedder="hashing", mode="offline")
    if config.use_dense:
        model = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
        settings = settings.with_(embedder="onnx", onnx_model=model)
    a = Assistant.from_settings(settings=settings, retrieval=config)
    assert a.ingest(path).ok

    def first_of(earlier: str) -> int:
        hits = a.search("What did they decide?", k=4, follow_up_of=earlier)
        return hits[0].utterance.number

    assert first_of("Why did the steel arrive late?") in STEEL
    assert first_of("What did the cyclists ask for?") in CYCLISTS


def test_a_speaker_the_question_before_named_is_still_the_one_asked_about(tmp_path: Path) -> None:
    path = tmp_path / "bridge.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    config = RetrievalConfig(use_dense=False, late_interaction=False)
    settings = Settings(store=tmp_path / "s", embedder="hashing", mode="offline")
    a = Assistant.from_settings(settings=settings, retrieval=config)
    assert a.ingest(path).ok
    for speaker in ("Ada", "Ben"):
        earlier = f"What did {speaker} say about the bridge?"
        hits = a.search("And about the lane?", k=4, follow_up_of=earlier)
        assert hits[0].utterance.speaker == speaker, [(h.utterance.number, h.score) for h in hits]
