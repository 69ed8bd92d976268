"""Reading utterances back: nearest neighbours, records by id, a transcript, the keyword index's rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...types import Utterance
from ..lexical import LexicalRecord
from ..store_guard import guarded
from ..store_records import read_records, utterance_from


class StoreReads:
    """The read side of `ChromaStore`, which provides the collections, the record count and the refresh
    that `guarded` calls."""

    _utterances: Any
    _episodes: Any
    dimension: int

    def _count(self) -> int:
        raise NotImplementedError

    @guarded("searching")
    def nearest(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest utterances as (id, cosine similarity: 1 - Chroma's cosine distance), best first;
        no documents or metadata are read."""
        if n <= 0 or self._count() == 0:
            return []
        got = self._utterances.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["distances"],
        )
        return [
            (rid, 1.0 - float(dist)) for rid, dist in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    @guarded("reading utterances")
    def get(
        self, ids: Sequence[str], with_vectors: bool = False
    ) -> dict[str, tuple[Utterance, np.ndarray | None]]:
        if not ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        got = self._utterances.get(ids=list(ids), include=include)
        vectors = got.get("embeddings") if with_vectors else None
        out: dict[str, tuple[Utterance, np.ndarray | None]] = {}
        for i, rid in enumerate(got["ids"]):
            vector = np.asarray(vectors[i], dtype=np.float32) if vectors is not None else None
            out[rid] = (utterance_from(got["metadatas"][i], got["documents"][i]), vector)
        return out

    @guarded("reading a transcript")
    def utterances_of(self, episode_id: str, with_details: bool = False) -> list[Utterance]:
        """What was said in an episode, in order; its details record (number 0) first when asked for."""
        got = self._utterances.get(where={"episode": episode_id}, include=["documents", "metadatas"])
        items = [utterance_from(m, d) for m, d in zip(got["metadatas"], got["documents"], strict=True)]
        return sorted((u for u in items if with_details or not u.is_details), key=lambda u: u.number)

    @guarded("reading utterances for the keyword index")
    def lexical_records(self) -> list[LexicalRecord]:
        """Every committed utterance in transcript order, for building the BM25 index."""
        return self._snapshot(with_vectors=False)[0]

    @guarded("reading utterances for the keyword index")
    def lexical_snapshot(self) -> tuple[list[LexicalRecord], np.ndarray]:
        """`lexical_records` and, row for row, their stored vectors (float32), read in the same pass."""
        records, vectors = self._snapshot(with_vectors=True)
        assert vectors is not None
        return records, vectors

    def _snapshot(self, with_vectors: bool) -> tuple[list[LexicalRecord], np.ndarray | None]:
        committed = set(self._episodes.get(include=[])["ids"])
        return read_records(self._utterances, committed, with_vectors, self.dimension)
