"""The embedder contract and the zero-download fallback that keeps the offline default running."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..types import Utterance

import numpy as np

Progress = Callable[[int], None]


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors; documents and queries may be embedded differently."""

    name: str

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


SPEAKER_DOCUMENTS = "speaker: text"
"""Utterances embedded with the speaker's name before the words, where the transcript labels speakers.
Questions name people ("What did Susan want?"), and a vector of the words alone cannot tell whose they are:
on FriendsQA dev, MiniLM's plain cosine over each episode ranks the gold utterance first for .159 of the
questions from the words alone, .215 with the name. Whether the whole search gains depends on the model
(eval/MODELS.md): an embedder says it wants this with `speaker_documents = True`."""
WORDS_ONLY = "text"
"""Utterances embedded as their words alone: what every store held before 2026-11-30, and what embedders
without `speaker_documents` keep (MiniLM: its QMSum hit@10 fell .840 -> .814 with the names)."""


def preferred_documents(embedder: object) -> str:
    """The format a new store for this embedder records (and `assistant reindex` rebuilds into)."""
    return SPEAKER_DOCUMENTS if getattr(embedder, "speaker_documents", False) else WORDS_ONLY


def document_text(u: Utterance, documents: str) -> str:
    """The text embedded for one utterance in a store's `documents` format; an episode's details record is
    embedded as it reads."""
    if documents == SPEAKER_DOCUMENTS and u.speaker and not u.is_details:
        return f"{u.speaker}: {u.text}"
    return u.text


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: np.ndarray = (matrix / norms).astype(np.float32)
    return normalised


class HashingEmbedder:
    """Feature hashing of words and character trigrams: lexical, no model, no download, deterministic.

    Weaker than a sentence model, but it tolerates ASR misspellings through the trigrams, and it is what a
    fresh machine with no key and no model cache can always run.
    """

    dimension = 512
    speaker_documents = True
    """Measured on the project suite: dense hit@1 / @5 .286 / .694 -> .347 / .673, hybrid MRR .604 -> .610."""

    def __init__(self, dimension: int = 512) -> None:
        self.dimension = dimension
        self.name = f"hashing:v1:{dimension}"

    def _features(self, text: str) -> dict[int, float]:
        features: dict[int, float] = {}
        for word in _WORD.findall(text.lower()):
            grams = [word] + [f"#{word}#"[i : i + 3] for i in range(len(word))]
            for j, gram in enumerate(grams):
                digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                features[bucket] = features.get(bucket, 0.0) + sign * (1.0 if j == 0 else 0.35)
        return features

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for bucket, weight in self._features(text).items():
                matrix[row, bucket] = weight
        return normalise_rows(matrix)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = self._embed(texts)
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._embed([text])[0]
        return vector
