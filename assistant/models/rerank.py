"""Offline second stages behind the Reranker contract: they read the question and each candidate again.

A cross-encoder reads question and utterance together (fastembed's TextCrossEncoder). Without one, a
stronger embedder re-scores the fast first stage's top candidates; its document vectors are cached by
utterance, so asking again about the same passages costs one query embedding. Late interaction matches the
question's words to each candidate's, token by token, with the search model's own token vectors.
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
from .tokens import TokenEncoder


def _passage(hit: Hit) -> str:
    return document_text(hit.utterance, SPEAKER_DOCUMENTS)


def _minmax(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min())
    return (values - values.min()) / span if span > 0 else np.ones_like(values)


def _blend(
    hits: Sequence[Hit], second: np.ndarray, weight: float, label: str, top_n: int, first_scale: bool = False
) -> list[Hit]:
    """Second-stage score blended with the first stage's, each min-max scaled over the candidates: the
    second stage reads meaning better, the first keeps the exact-word evidence the dense models miss.
    `first_scale`: the blend is given back on the first stage's scale (its lowest to its highest score), so
    what reads a hit's score (how far below the best a quote may be, the refusal model) reads one unit."""
    first = np.array([h.score for h in hits], dtype=np.float64)
    final = weight * _minmax(second.astype(np.float64)) + (1 - weight) * _minmax(first)
    if first_scale:
        final = first.min() + final * (first.max() - first.min())
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


LATE_WEIGHT = 0.5
"""The late-interaction score's share against the first stage's (each min-max scaled over the candidates):
FriendsQA dev hit@1 / 5 / 10 at 0.33 / 0.5 / 0.67, 0.413 / 0.633 / 0.719, 0.425 / 0.636 / 0.716, 0.438 / 0.633
/ 0.714 (30 candidates, the experiment before the product's stop words, eval/RETRIEVAL.md); the middle one, as
`EmbeddingReranker` blends."""


class LateInteraction:
    """Late interaction (ColBERT's MaxSim, Khattab and Zaharia 2020) over the search model's token vectors:
    each content word of the question takes its best match among the candidate's words, and the matches are
    averaged. A pooled vector blurs a turn into one point; this keeps who speaks and what is said apart but
    together: a candidate is read as "Speaker: words", so "What did Ross tell Rachel?" prefers Ross's turn
    about Rachel to a turn by anyone about either.

    Used only where most candidates name their speaker: without labels it measured worse than the first
    stage alone (FriendsQA with its labels left out hit@5 0.602 -> 0.600, hit@10 0.700 -> 0.685; the seed's
    unlabelled podcast hit@5 0.867 -> 0.800), so there the first stage's order stands.
    """

    def __init__(self, encoder: TokenEncoder, *, weight: float = LATE_WEIGHT, cache_size: int = 4096) -> None:
        self.encoder = encoder
        self.name = f"late:{encoder.model.key}"
        self.weight = weight
        self._tokens = _PassageCache(cache_size)

    def prepare(self) -> None:
        """Load the model now (a warm-up in the background), not at the first question."""
        self.encoder.load()

    def _documents(self, hits: Sequence[Hit]) -> list[np.ndarray]:
        return self._tokens.get([(h.utterance.id, _passage(h)) for h in hits], self.encoder.encode)

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        labelled = sum(1 for h in hits if h.utterance.speaker)
        if not hits or 2 * labelled < len(hits):
            return list(hits[:top_n])
        question = self.encoder.encode([query])[0].astype(np.float32)
        scores = np.array(
            [float((question @ d.astype(np.float32).T).max(axis=1).mean()) for d in self._documents(hits)]
        )
        return _blend(hits, scores, self.weight, "late", top_n, first_scale=True)
