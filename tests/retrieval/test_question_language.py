"""A question asked in another language than the transcript's is found by meaning, not by the name it shares.

Needs the seed transcript and the all-MiniLM-L6-v2 files from ../shared (skips without them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_or_skip

from assistant import Assistant, RetrievalConfig, Settings

QUESTION_ES = "¿Con qué socios trabaja Cohere para los modelos en japonés y coreano?"
GOLD = {531, 532, 537, 538, 539, 540}  # eval/fixtures/seed-multilingual, the question's evidence


def _seed(tmp_path: Path, retrieval: RetrievalConfig) -> Assistant:
    model = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    seed = shared_or_skip("data", "seed")
    settings = Settings(store=tmp_path / "s", embedder="onnx", onnx_model=model, mode="offline")
    a = Assistant.from_settings(settings=settings, retrieval=retrieval)
    if not a.episodes():
        assert a.ingest([seed]).ok
    return a


def test_a_spanish_question_about_an_english_episode_finds_the_answer_by_meaning(tmp_path: Path) -> None:
    found = _seed(tmp_path, RetrievalConfig())
    top = found.search(QUESTION_ES, k=1)[0].utterance
    assert top.number in GOLD, top
    keyword_led = _seed(tmp_path, RetrievalConfig(lexical_by_known_words=False))
    assert keyword_led.search(QUESTION_ES, k=1)[0].utterance.number not in GOLD, (
        "precondition: at full weight, the few words the question shares with the transcript lead"
    )


def test_an_english_question_keeps_the_keyword_signals_at_full_weight(tmp_path: Path) -> None:
    english = "Which partners does Cohere work with for Japanese and Korean models?"
    scaled = _seed(tmp_path, RetrievalConfig()).search(english, k=5)
    full = _seed(tmp_path, RetrievalConfig(lexical_by_known_words=False)).search(english, k=5)
    assert [h.utterance.id for h in scaled] == [h.utterance.id for h in full]
    assert [h.score for h in scaled] == pytest.approx([h.score for h in full])
