"""Offline second stages behind the Reranker contract: they read the question and each candidate again.

A cross-encoder reads question and utterance together (fastembed's TextCrossEncoder). Without one, a
stronger embedder re-scores the fast first stage's top candidates; its document vectors are cached by
utterance, so asking again about the same passages costs one query embedding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..index.embedders import SPEAKER_DOCUMENTS, Embedder, document_text
from ..types import Hit
from .catalog import ModelSpec


def _passage(hit: Hit) -> str:
    return document_text(hit.utterance, SPEAKER_DOCUMENTS)


def _minmax(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min())
    return (values - values.min()) / span if span > 0 else np.ones_like(values)


def _blend(hits: Sequence[Hit], second: np.ndarray, weight: float, label: str, top_n: int) -> list[Hit]:
    """Second-stage score blended with the first stage's, each min-max scaled over the candidates: the
    second stage reads meaning better, the first keeps the exact-word evidence the dense models miss."""
    first = np.array([h.score for h in hits], dtype=np.float64)
    final = weight * _minmax(second.astype(np.float64)) + (1 - weight) * _minmax(first)
    order = np.argsort(-final, kind="stable")[:top_n]
    return [
        replace(hits[i], score=float(final[i]), scores={**hits[i].scores, label: float(second[i])})
        for i in order
    ]


class CrossEncoderReranker:
    """A cross-encoder from the catalog, loaded by fastembed from a verified snapshot or a local folder."""

    def __init__(self, model: ModelSpec, folder: Path, *, weight: float = 1.0, batch_size: int = 32) -> None:
        if model.kind != "rerank":
            raise ConfigError(f"{model.key} is an embedder, not a cross-encoder")
        self.model = model
        self.folder = folder
        self.name = f"fastembed-rerank:{model.key}"
        self.weight = weight
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._engine: Any = None

    def _load(self) -> Any:
        with self._lock:
            if self._engine is None:
                from fastembed.rerank.cross_encoder import TextCrossEncoder

                try:
                    self._engine = TextCrossEncoder(
                        self.model.library, specific_model_path=str(self.folder), cuda=False
                    )
                except Exception as exc:
                    raise ConfigError(f"cannot load {self.model.key} from {self.folder} ({exc})") from exc
                self._engine.model.tokenizer.enable_truncation(max_length=self.model.max_tokens)
        return self._engine

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        if not hits:
            return []
        engine = self._load()
        scores = np.fromiter(
            engine.rerank(query, [_passage(h) for h in hits], batch_size=self.batch_size),
            dtype=np.float64,
            count=len(hits),
        )
        return _blend(hits, scores, self.weight, "rerank", top_n)


class EmbeddingReranker:
    """Re-scores candidates by cosine under a second, stronger embedder, blended with the first stage."""

    def __init__(self, embedder: Embedder, *, weight: float = 0.5, cache_size: int = 20000) -> None:
        self.embedder = embedder
        self.name = f"rescore:{embedder.name}"
        self.weight = weight
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _documents(self, hits: Sequence[Hit]) -> np.ndarray:
        keys = [(h.utterance.id, _passage(h)) for h in hits]
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if missing:
            fresh = self.embedder.embed_documents([text for _, text in missing])
            with self._lock:
                for key, vector in zip(missing, fresh, strict=True):
                    self._vectors[key] = vector
                while len(self._vectors) > self._cache_size:
                    self._vectors.popitem(last=False)
        with self._lock:
            for key in keys:
                if key in self._vectors:
                    self._vectors.move_to_end(key)
            return np.stack([self._vectors[k] for k in keys])

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        if not hits:
            return []
        cosine = self._documents(hits) @ self.embedder.embed_query(query)
        return _blend(hits, cosine, self.weight, "rescore", top_n)
