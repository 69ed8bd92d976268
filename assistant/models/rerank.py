"""Offline second stages behind the Reranker contract: they read the question and each candidate again.

A cross-encoder reads question and utterance together (fastembed's TextCrossEncoder). Without one, a
stronger embedder re-scores the fast first stage's top candidates; its document vectors are cached by
utterance, so asking again about the same passages costs one query embedding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
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


class _PassageCache:
    """What a second stage computed per candidate passage (keyed by utterance id and text), least recently
    used first out. A call's own passages are returned from its lookup, never from the shared cache after
    eviction, so a call needing more than the cache holds still gets all of them."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(
        self, keys: Sequence[tuple[str, str]], compute: Callable[[list[str]], Sequence[Any]]
    ) -> list[Any]:
        with self._lock:
            found = {k: self._items[k] for k in dict.fromkeys(keys) if k in self._items}
            for key in found:
                self._items.move_to_end(key)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            found.update(zip(missing, compute([text for _, text in missing]), strict=True))
            with self._lock:
                for key in missing:
                    self._items[key] = found[key]
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return [found[k] for k in keys]


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
        self._vectors = _PassageCache(cache_size)

    def _documents(self, hits: Sequence[Hit]) -> np.ndarray:
        keys = [(h.utterance.id, _passage(h)) for h in hits]
        return np.stack(self._vectors.get(keys, lambda texts: list(self.embedder.embed_documents(texts))))

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        if not hits:
            return []
        cosine = self._documents(hits) @ self.embedder.embed_query(query)
        return _blend(hits, cosine, self.weight, "rescore", top_n)
