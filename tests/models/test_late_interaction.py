"""Late interaction over the search model's token vectors, with the real MiniLM from ../shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, shared_or_skip

from assistant import Assistant, RetrievalConfig
from assistant.models.catalog import spec
from assistant.models.embedder import LocalEmbedder
from assistant.models.rerank import LateInteraction
from assistant.types import Hit, Utterance


@pytest.fixture
def minilm(tmp_path: Path) -> LocalEmbedder:
    folder = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    return LocalEmbedder(spec("all-MiniLM-L6-v2"), folder, cache=tmp_path / "cache", threads=1)


def hits(*turns: tuple[str | None, str]) -> list[Hit]:
    return [
        Hit(Utterance("ep", n, text, speaker), score=1.0 - n / 10)
        for n, (speaker, text) in enumerate(turns, 1)
    ]


def test_content_tokens_only(minilm: LocalEmbedder) -> None:
    encoder = minilm.token_encoder()
    assert encoder is not None
    pizza, stop_words_only = encoder.encode(["Ross Geller: the pizza is cold.", "What did the"])
    assert pizza.shape == (5, 384), "ross, gel, ##ler, pizza, cold: 'the', 'is', ':' and '.' left out"
    assert stop_words_only.shape == (1, 384), "a text with no content word keeps one row"
    assert np.allclose(np.linalg.norm(pizza.astype(np.float32), axis=1), 1.0, atol=1e-3)


def test_the_turn_of_the_speaker_a_question_names_comes_first(minilm: LocalEmbedder) -> None:
    encoder = minilm.token_encoder()
    assert encoder is not None
    first_stage = [
        ("Monica Geller", "The pizza is here, everyone!", 1.0),
        ("Chandler Bing", "Could this pizza be any colder?", 0.95),
        ("Ross Geller", "This pizza is cold.", 0.9),
        ("Joey Tribbiani", "I want a sandwich.", 0.0),
    ]
    candidates = [
        Hit(Utterance("ep", n, text, who), score) for n, (who, text, score) in enumerate(first_stage, 1)
    ]
    ranked = LateInteraction(encoder).rerank("What did Ross say about the pizza?", candidates, top_n=4)
    assert [h.utterance.number for h in ranked][0] == 3
    assert all("late" in h.scores for h in ranked)
    unlabelled = [Hit(Utterance("ep", n, text), score) for n, (_, text, score) in enumerate(first_stage, 1)]
    kept = LateInteraction(encoder).rerank("What did Ross say about the pizza?", unlabelled, top_n=4)
    assert kept == unlabelled, "without speakers the first stage's order stands"


def test_searches_use_it_where_the_model_supports_it_and_not_when_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(model))
    a = Assistant.from_settings()
    a.ingest(SAMPLES / "harbour-bridge.txt")
    found = a.search("What did Tomás say about the steel?", k=5)
    assert found and all("late" in h.scores for h in found)
    off = Assistant.from_settings(retrieval=RetrievalConfig(late_interaction=False))
    assert not any("late" in h.scores for h in off.search("What did Tomás say about the steel?", k=5))
    monkeypatch.delenv("ASSISTANT_ONNX_MODEL")
    hashing = Assistant.from_settings(store=a.settings.store_dir.parent / "hashing")
    hashing.ingest(SAMPLES / "harbour-bridge.txt")
    assert not any("late" in h.scores for h in hashing.search("What did Tomás say about the steel?", k=5))
