"""Hybrid retrieval: dense vectors from Chroma and BM25 over utterance windows, fused, then optionally reranked."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..generation.base import Reranker
from ..index.chroma_store import ChromaStore, where_clause
from ..index.embedders import Embedder
from ..index.lexical import SHORT_TURN_WORDS
from ..index.lexical_cache import LexicalCache
from ..types import Hit, Utterance, utterance_id
from .fusion import reciprocal_rank_fusion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalConfig:
    """The knobs the eval harness compares; defaults are the best configuration measured."""

    use_dense: bool = True
    use_lexical: bool = True
    candidates: int = 60
    own_weight: float = 0.6
    context_window: int = 1
    rerank_depth: int = 30
    rrf_k: int = 60


class HybridRetriever:
    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalCache,
        reranker: Reranker | None = None,
        config: RetrievalConfig = RetrievalConfig(),
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.reranker = reranker
        self.config = config

    def search(
        self,
        query: str,
        k: int = 10,
        episodes: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
    ) -> list[Hit]:
        cfg = self.config
        index = self.lexical.current()
        if len(index) == 0:
            return []
        keep = index.mask(episodes, speakers)

        lexical_scores = index.scores(query) if cfg.use_lexical else np.zeros(len(index), dtype=np.float32)
        if keep is not None:
            lexical_scores = np.where(keep, lexical_scores, 0.0)
        lexical_rank = _top_rows(lexical_scores, cfg.candidates)
        candidate_ids = [index.records[i].id for i in lexical_rank]

        qv: np.ndarray | None = None
        if cfg.use_dense:
            qv = self.embedder.embed_query(query)
            dense = self.store.query(qv, cfg.candidates, where_clause(episodes, speakers))
            candidate_ids += [u.id for u, _ in dense if u.id in index.row_of]
        candidate_ids = list(dict.fromkeys(candidate_ids))
        if not candidate_ids:
            return []

        neighbour_ids = {
            utterance_id(rec.episode_id, rec.number + d)
            for cid in candidate_ids
            for rec in [index.records[index.row_of[cid]]]
            for d in range(-cfg.context_window, cfg.context_window + 1)
        }
        fetched = self.store.get(sorted(neighbour_ids), with_vectors=qv is not None)

        own: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        if qv is not None:
            sims = {rid: float(vec @ qv) for rid, (_, vec) in fetched.items() if vec is not None}
            for cid in candidate_ids:
                if cid not in sims:
                    continue
                rec = index.records[index.row_of[cid]]
                short = len(rec.text.split()) < SHORT_TURN_WORDS
                window = [
                    sims[n]
                    for d in range(-cfg.context_window, 1 if short else cfg.context_window + 1)
                    if (n := utterance_id(rec.episode_id, rec.number + d)) in sims
                ]
                own[cid] = sims[cid]
                own_weight = 0.0 if short else cfg.own_weight
                dense_score[cid] = own_weight * sims[cid] + (1 - own_weight) * (sum(window) / len(window))

        rankings: list[list[str]] = []
        if dense_score:
            rankings.append(sorted(dense_score, key=dense_score.__getitem__, reverse=True))
        lexical_of = {cid: float(lexical_scores[index.row_of[cid]]) for cid in candidate_ids}
        lexical_ranking = [cid for cid in sorted(lexical_of, key=lexical_of.__getitem__, reverse=True) if lexical_of[cid] > 0]
        if lexical_ranking:
            rankings.append(lexical_ranking)
        fused = reciprocal_rank_fusion(rankings, k=cfg.rrf_k)
        ordered = sorted(fused, key=fused.__getitem__, reverse=True)

        depth = max(k, cfg.rerank_depth) if self.reranker else k
        titles = {e.id: e.title for e in self.store.episodes()} if ordered else {}
        hits = []
        for cid in ordered[:depth]:
            if cid not in fetched:
                continue
            utterance = fetched[cid][0]
            hits.append(
                Hit(
                    utterance=utterance,
                    score=fused[cid],
                    episode_title=titles.get(utterance.episode_id, utterance.episode_id),
                    context=_context(utterance, fetched, cfg.context_window),
                    scores={"lexical": lexical_of.get(cid, 0.0), "dense": dense_score.get(cid, 0.0),
                            "own": own.get(cid, 0.0)},
                )
            )
        if self.reranker and hits:
            hits = self.reranker.rerank(query, hits, top_n=k)
        return hits[:k]


def _top_rows(scores: np.ndarray, n: int) -> list[int]:
    positive = int(np.count_nonzero(scores > 0))
    n = min(n, positive)
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]


def _context(u: Utterance, fetched: dict[str, tuple[Utterance, np.ndarray | None]], window: int) -> tuple[Utterance, ...]:
    around = []
    for d in range(-window, window + 1):
        rid = utterance_id(u.episode_id, u.number + d)
        if d != 0 and rid in fetched:
            around.append(fetched[rid][0])
    return tuple(around)


def with_score(hit: Hit, score: float, key: str) -> Hit:
    return replace(hit, score=score, scores={**hit.scores, key: score})
