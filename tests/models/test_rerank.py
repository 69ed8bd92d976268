"""Offline second stages: a tiny cross-encoder built here, fetched from a stand-in hub; and re-scoring."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastembed", reason="fastembed is a project dependency; install the project to run these")
pytest.importorskip("onnx", reason="the tiny test models are built with onnx (the dev extra)")

from assistant.index.embedders import HashingEmbedder, Progress  # noqa: E402
from assistant.models.catalog import ModelSpec  # noqa: E402
from assistant.models.fetch import fetch  # noqa: E402
from assistant.models.rerank import CrossEncoderReranker, EmbeddingReranker  # noqa: E402
from assistant.types import Hit, Utterance  # noqa: E402

from .hub import FakeHub, cross_encoder_onnx, repo_files, serve  # noqa: E402

REPO = "test-org/tiny-cross"
CROSS = ModelSpec("tiny-cross", "rerank", REPO, 0.0, "MIT", "test", max_tokens=64)


def hits(*texts: str) -> list[Hit]:
    return [Hit(Utterance("ep", n, text), score=1.0 - n / 10) for n, text in enumerate(texts, 1)]


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    from fastembed.common.model_description import ModelSource
    from fastembed.rerank.cross_encoder import TextCrossEncoder

    if not any(m["model"] == REPO for m in TextCrossEncoder.list_supported_models()):
        TextCrossEncoder.add_custom_model(REPO, ModelSource(hf=REPO), model_file="onnx/model.onnx")


def test_cross_encoder_fetched_from_the_hub_reorders_by_what_it_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with serve(FakeHub({REPO: repo_files(cross_encoder_onnx("apple"))})) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        folder = fetch(CROSS, tmp_path / "cache", progress=False)
    reranker = CrossEncoderReranker(CROSS, folder)
    found = reranker.rerank("tea", hits("river bank", "apple tea", "apple apple apple", "coffee"), top_n=3)
    assert [h.utterance.number for h in found] == [3, 2, 1]
    assert [h.scores["rerank"] for h in found] == [3.0, 1.0, 0.0]
    assert reranker.name == "fastembed-rerank:tiny-cross"


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.documents = 0

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.documents += len(texts)
        return super().embed_documents(texts, progress)


def test_rescoring_blends_both_stages_and_caches_candidate_vectors() -> None:
    second = CountingEmbedder()
    candidates = hits("the harbour bridge opened late", "steel arrived late for the bridge", "a cup of tea")
    only_second = EmbeddingReranker(second, weight=1.0).rerank("when did the steel arrive", candidates, 3)
    assert only_second[0].utterance.number == 2
    only_first = EmbeddingReranker(second, weight=0.0).rerank("when did the steel arrive", candidates, 3)
    assert [h.utterance.number for h in only_first] == [1, 2, 3]

    reranker = EmbeddingReranker(second)
    second.documents = 0
    reranker.rerank("when did the steel arrive", candidates, 2)
    reranker.rerank("who opened the bridge", candidates, 2)
    assert second.documents == 3, "each candidate is embedded once, then served from the cache"
    assert len(reranker.rerank("anything", candidates, 2)) == 2 and reranker.rerank("x", [], 2) == []


def test_a_call_with_more_candidates_than_the_cache_holds_gets_them_all() -> None:
    second = CountingEmbedder()
    candidates = hits("harbour bridge", "steel arrived", "a cup of tea", "the mill had a fire")
    reranker = EmbeddingReranker(second, weight=1.0, cache_size=2)
    first = reranker.rerank("steel", candidates, 4)
    again = reranker.rerank("steel", candidates, 4)
    assert [h.utterance.number for h in first] == [h.utterance.number for h in again] and len(first) == 4
    assert second.documents == 4 + 2, "two of the four stay cached; the other two are embedded again"


def test_the_catalog_cross_encoder_setting_is_fetched_once_and_reorders_search(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ASSISTANT_LOCAL_RERANK names a catalog cross-encoder: fetched on first use (the tiny one served as its
    repository), then every search is re-ordered by what it reads; `@W` blends it with the first stage."""
    from huggingface_hub import constants

    from assistant import Assistant
    from assistant.models.catalog import spec
    from assistant.models.fetch import hub_files

    transcript = tmp_path / "orchard.txt"
    transcript.write_text(
        "1\nAna: tea tea tea with coffee.\n2\nBo: apple apple tea.\n3\nAna: the river bank.\n",
        encoding="utf-8",
    )
    Assistant.from_settings().ingest(transcript)
    repo = hub_files(spec("ms-marco-MiniLM-L-6-v2"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    first_stage = [h.utterance.number for h in Assistant.from_settings().search("tea", k=2)]
    assert first_stage == [1, 2]
    with serve(
        FakeHub({repo.repo: repo_files(cross_encoder_onnx("apple"), model_file=repo.model_file)})
    ) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("ASSISTANT_LOCAL_RERANK", "ms-marco-MiniLM-L-6-v2")
        found = Assistant.from_settings().search("tea", k=2)
        assert [h.utterance.number for h in found] == [2, 1] and "rerank" in found[0].scores
        monkeypatch.setenv("ASSISTANT_LOCAL_RERANK", "ms-marco-MiniLM-L-6-v2@0.0")
        assert [h.utterance.number for h in Assistant.from_settings().search("tea", k=2)] == first_stage
    assert hub.downloads.count(repo.model_file) == 1, "fetched once, then read from the cache"
