"""An embedder measured to rank best with weights of its own gets them; explicit weights stay as given."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant, HashingEmbedder, RetrievalConfig
from assistant.models.catalog import CATALOG


class TunedHashing(HashingEmbedder):
    fusion = {"weight_dense": 3.0, "own_weight": 1.0}


def test_an_embedders_own_fusion_weights_replace_the_defaults(store_dir: Path) -> None:
    default = Assistant.from_settings().session.retriever.config
    tuned = Assistant.from_settings(embedder=TunedHashing()).session.retriever.config
    assert (default.weight_dense, default.own_weight) == (0.75, 0.7)
    assert (tuned.weight_dense, tuned.own_weight) == (3.0, 1.0)
    assert tuned.context_window == default.context_window  # nothing else moves


def test_weights_given_with_tuned_off_are_kept(store_dir: Path) -> None:
    given = RetrievalConfig(weight_dense=0.5, tuned=False)
    config = Assistant.from_settings(embedder=TunedHashing(), retrieval=given).session.retriever.config
    assert (config.weight_dense, config.own_weight) == (0.5, 0.7)


def test_only_models_measured_better_on_both_dev_sets_carry_weights() -> None:
    tuned = {key for key, spec in CATALOG.items() if spec.fusion}
    assert tuned == {"embeddinggemma-300m", "nomic-embed-text-v1.5-Q", "nomic-embed-text-v1.5"}
    assert "all-MiniLM-L6-v2" not in tuned  # best at the defaults, which were tuned with it
    named = {key for key, spec in CATALOG.items() if spec.speaker_documents}
    assert named == tuned  # the weights were measured on vectors holding the speakers' names
