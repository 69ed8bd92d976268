"""Hybrid retrieval:
BM25 (turn alone and turn in context) and dense vectors from Chroma, fused, optionally reranked.

Candidates come from each signal's top list; every candidate is then scored on all signals, each signal
min-max normalised over the candidates, and the weighted sum decides. Scoring the turn alone pin-points the
exact utterance; scoring it within its neighbours keeps topic context, so a lone "Totally." is still found.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ProviderError
from ..index.chroma_store import ChromaStore
from ..index.embedders import Embedder
from ..index.lexical import LexicalIndex, LexicalRecord, top_rows
from ..index.lexical_cache import LexicalCache
from ..index.store_records import where_clause
from ..index.vectors import VectorSnapshot
from ..text import question_words
from ..turns import CARRY_REACH, REPLY_REACH, asks, carried_on, reply_after
from ..types import DETAILS, Hit, Utterance, utterance_id
from .contracts import Reranker
from .fusion import reciprocal_rank_fusion
from .query import FOLLOW_UP_WEIGHT
from .speakers import speaker_mentioned, speaker_saying

log = logging.getLogger(__name__)

KNOWN_FOR_FULL_WEIGHT = 0.5
"""The share of a question's words the library must use for the keyword signals to count fully; below it they
count in proportion. A question asked in another language than the transcripts' shares a name or two; an
English one with a misspelt name keeps its full weight (eval/MODELS.md, "Multilingual")."""


@dataclass(frozen=True)
class RetrievalConfig:
    """The knobs the eval harness compares;
    defaults are the best configuration measured (see eval/README.md)."""

    use_dense: bool = True
    use_lexical: bool = True
    fusion: str = "weighted"
    candidates: int = 60
    own_weight: float = 0.7
    context_window: int = 1
    weight_turn: float = 0.5
    weight_window: float = 0.5
    weight_dense: float = 0.75
    weight_speaker: float = 0.3
    weight_sayer: float = 1.0
    """The speaker signal's weight when the question asks what that speaker said or thinks ("Where does
    Monica say they should go?", `speaker_saying`), not only names them."""
    rerank_depth: int = 30
    late_interaction: bool = True
    """Offline, without another second stage: re-order the first `late_depth` candidates by late interaction
    over the search model's token vectors, where the model supports it and the candidates name their
    speakers (`models.rerank.LateInteraction`; eval/RETRIEVAL.md)."""
    late_depth: int = 20
    """FriendsQA dev hit@1 / 5 / 10 0.426 / 0.640 / 0.719 over 20 candidates, 0.425 / 0.636 / 0.716 over 30
    (the experiment before the product's stop words, eval/RETRIEVAL.md), each new candidate a forward pass of
    the model at question time."""
    rrf_k: int = 60
    exact_filtered_dense: bool = True
    """With an episode or speaker filter, take the dense candidates by exact cosine over the filtered rows'
    vectors (the cache's vector snapshot) instead of Chroma's filtered HNSW query, which is approximate and
    slower at every filter size measured on a 1M-utterance store: one episode, 17 ms against 750 ms (dense
    retrieval alone); one speaker with 34k to 170k turns, 47-122 ms against 0.5-1.4 s (the whole search).
    See bench/README.md."""
    short_reply_context: bool = True
    """Score a reply of under SHORT_TURN_WORDS words by its cosine blended with the turn before's."""
    exact_dense_rows: int = 100_000
    """Without a filter, a library of up to this many utterances also takes exact cosine over the snapshot:
    the true nearest rows, and no Chroma query, so a warm command never has to open the store to answer."""
    lexical_by_known_words: bool = True
    """Scale the BM25 signals' weights down when the library uses under `KNOWN_FOR_FULL_WEIGHT` of the
    question's words (`known_share`): a question asked in another language than the transcripts' matches a
    name or two by keyword, and that match, normalised to the full range, outweighed the meaning."""
    tuned: bool = True
    """Let an embedder whose catalog entry names fusion weights of its own (`ModelSpec.fusion`) replace
    `weight_dense` and `own_weight`; False keeps the fields as given (what a sweep of them needs)."""

    def for_embedder(self, embedder: object) -> RetrievalConfig:
        """This configuration with the embedder's own fusion weights, where it has any and `tuned` is on."""
        own = getattr(embedder, "fusion", None) or {}
        return replace(self, **own) if self.tuned and own else self


def _exact_dense(
    cfg: RetrievalConfig, keep: np.ndarray | None, vectors: VectorSnapshot | None, width: int
) -> bool:
    """Whether dense candidates come from exact cosine over the snapshot rather than Chroma's HNSW index."""
    if vectors is None or vectors.dimension != width:
        return False
    if keep is not None:
        return cfg.exact_filtered_dense
    return len(vectors) <= cfg.exact_dense_rows


class HybridRetriever:
    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        lexical: LexicalCache,
        reranker: Reranker | None = None,
        config: RetrievalConfig = RetrievalConfig(),
        late: Reranker | None = None,
    ) -> None:
        """`reranker`: the second stage (Cohere's rerank, a cross-encoder or a stronger embedder); without
        one, `late` (late interaction over the search model's token vectors) re-orders the candidates when
        `config.late_interaction` says so."""
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.reranker = reranker
        self.late = late
        self.config = config.for_embedder(embedder)
        self._title_cache: tuple[str, dict[str, str]] = ("", {})
        self._query_embedding = ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-embedding")

    def _titles(self, signature: str) -> dict[str, str]:
        if self._title_cache[0] != signature:
            self._title_cache = (signature, {e.id: e.title for e in self.store.episodes()})
        return self._title_cache[1]

    def warm_up(self) -> None:
        """Start loading the question model in the background (embedders that load one say how)."""
        prepare = getattr(self.embedder, "prepare_queries", None)
        if self.config.use_dense and prepare is not None:
            self._query_embedding.submit(prepare)
        late = getattr(self.late, "prepare", None) if self.config.late_interaction else None
        if late is not None and not self.reranker:
            self._query_embedding.submit(late)

    def search(
        self,
        query: str,
        k: int = 10,
        episodes: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
        follow_up_of: str = "",
    ) -> list[Hit]:
        """The best `k` utterances for `query`. `follow_up_of` is the earlier question a follow-up leans on:
        its words and meaning count `FOLLOW_UP_WEIGHT` as much as the follow-up's own (`retrieval.query`)."""
        cfg = self.config
        # The question's vector is computed while the keyword index loads and scores: loading the model on a
        # cold start and the hosted call both wait outside the GIL, so the two overlap.
        query_vector: Future[np.ndarray] | None = (
            self._query_embedding.submit(self._query_vector, query, follow_up_of) if cfg.use_dense else None
        )
        snapshot = self.lexical.snapshot()
        index, vectors = snapshot.keywords, snapshot.vectors
        if len(index) == 0:
            return []
        keep = index.mask(episodes, speakers)

        signals: dict[str, dict[str, float]] = {}
        candidate_ids: list[str] = []
        if cfg.use_lexical:
            turn, window = index.scores(query, keep)
            if follow_up_of:
                earlier_turn, earlier_window = index.scores(follow_up_of, keep)
                turn = turn + FOLLOW_UP_WEIGHT * earlier_turn
                window = window + FOLLOW_UP_WEIGHT * earlier_window
            for name, scores in (("turn", turn), ("window", window)):
                rows = top_rows(scores, cfg.candidates)
                candidate_ids += [index.records[i].id for i in rows]
                signals[name] = {index.records[i].id: float(scores[i]) for i in rows}

        qv: np.ndarray | None = None
        if query_vector is not None:
            qv = query_vector.result()
            if _exact_dense(cfg, keep, vectors, len(qv)):
                assert vectors is not None
                everything = np.ones(len(vectors), dtype=bool) if keep is None else keep
                candidate_ids += [
                    index.records[row].id for row in vectors.nearest(everything, qv, cfg.candidates)
                ]
            else:
                dense = self.store.nearest(qv, cfg.candidates, where_clause(episodes, speakers))
                candidate_ids += [rid for rid, _ in dense if rid in index.row_of]
        candidate_ids = list(dict.fromkeys(candidate_ids))
        if not candidate_ids:
            return []
        if cfg.use_lexical:
            for name, scores in (("turn", turn), ("window", window)):
                signals[name] = {cid: float(scores[index.row_of[cid]]) for cid in candidate_ids}

        fetched = self._fetch(
            index, vectors, sorted(self._neighbourhood(index, candidate_ids)), with_vectors=qv is not None
        )
        own: dict[str, float] = {}
        if qv is not None:
            own, signals["dense"] = self._dense_scores(index, candidate_ids, fetched, qv)
        in_full = f"{follow_up_of} {query}".strip()
        named_in = self._speakers_in(index, in_full, episodes) if not speakers else []
        saying = speaker_saying(query, named_in) if named_in else None  # whose words, though two are named
        named = saying.name if saying else speaker_mentioned(in_full, named_in) if named_in else None
        if named:
            key = named.casefold()
            signals["speaker"] = {
                cid: float((index.records[index.row_of[cid]].speaker or "").casefold() == key)
                for cid in candidate_ids
            }

        known = index.known_share(query) if cfg.use_lexical and cfg.lexical_by_known_words else 1.0
        fused = self._fuse(
            signals,
            lexical_scale=min(1.0, known / KNOWN_FOR_FULL_WEIGHT),
            speaker=cfg.weight_sayer if saying else cfg.weight_speaker,
        )
        ordered = sorted(fused, key=fused.__getitem__, reverse=True)
        second = self.reranker or (self.late if cfg.late_interaction else None)
        depth = k if not second else max(k, cfg.rerank_depth if self.reranker else cfg.late_depth)
        titles = self._titles(index.signature) if ordered else {}
        hits: list[Hit] = []
        for cid in ordered:
            if cid not in fetched or len(hits) >= depth:
                continue
            utterance = _utterance(fetched[cid][0])
            context = _with_reply(index, utterance, _context(utterance, fetched, cfg.context_window))
            reply = reply_after(utterance, context)
            hits.append(
                Hit(
                    utterance=utterance,
                    score=fused[cid],
                    episode_title=titles.get(utterance.episode_id, utterance.episode_id),
                    context=context,
                    scores={
                        **{name: values.get(cid, 0.0) for name, values in signals.items()},
                        "own": own.get(cid, 0.0),
                    },
                    carried_on=_carried_on(index, reply) if reply is not None else (),
                )
            )
        if second and hits:
            try:
                hits = second.rerank(in_full, hits, top_n=k)
            except ProviderError as exc:
                log.warning("reranking failed, keeping the fused order: %s", exc)
        return hits[:k]

    def _query_vector(self, query: str, follow_up_of: str) -> np.ndarray:
        vector = self.embedder.embed_query(query)
        if not follow_up_of:
            return vector
        blended = vector + FOLLOW_UP_WEIGHT * self.embedder.embed_query(follow_up_of)
        norm = float(np.linalg.norm(blended))
        return blended / norm if norm else vector

    def _fetch(
        self, index: LexicalIndex, vectors: VectorSnapshot | None, ids: Sequence[str], with_vectors: bool
    ) -> dict[str, _Fetched]:
        """Utterances (and vectors) by id: from the snapshot of the store when it holds vectors of the right
        width, otherwise from the store. Ids the snapshot lacks are left out, as the store would. From the
        snapshot, records stand in for utterances until a hit needs one (see `_utterance`)."""
        if vectors is None or (with_vectors and vectors.dimension != self.store.dimension):
            return dict(self.store.get(ids, with_vectors=with_vectors))
        row_of = index.row_of
        rows = [row_of[i] for i in ids if i in row_of]
        records = index.records
        if not (with_vectors and rows):
            return {records[row].id: (records[row], None) for row in rows}
        block = vectors.gather(rows)
        return {records[row].id: (records[row], block[n]) for n, row in enumerate(rows)}

    @staticmethod
    def _speakers_in(index: LexicalIndex, query: str, episodes: Sequence[str] | None) -> list[str]:
        """The speaker names `speaker_mentioned` could match: those sharing a word with the query.

        A name none of whose words is in the query yields no match in either of its passes, so leaving it
        out changes nothing, and saves folding hundreds of names per search in a large library.
        """
        words = {w for w, _, _ in question_words(query)}
        if not words:
            return []
        return [name for name in index.speakers(episodes) if index.name_tokens(name) & words]

    def _neighbourhood(self, index: LexicalIndex, ids: Sequence[str]) -> set[str]:
        w = self.config.context_window
        out = set()
        for cid in ids:
            out.update(_around(index, index.row_of[cid], -w, w))
        return out

    def _dense_scores(
        self,
        index: LexicalIndex,
        ids: Sequence[str],
        fetched: dict[str, _Fetched],
        qv: np.ndarray,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Cosine of the turn itself, blended with its neighbours'
        (a short reply leans on the turn before)."""
        cfg = self.config
        sims = {rid: float(vec @ qv) for rid, (_, vec) in fetched.items() if vec is not None}
        own: dict[str, float] = {}
        blended: dict[str, float] = {}
        for cid in ids:
            if cid not in sims:
                continue
            row = index.row_of[cid]
            short = cfg.short_reply_context and index.is_short(row)
            around = [
                sims[n]
                for n in _around(index, row, -cfg.context_window, 0 if short else cfg.context_window)
                if n in sims
            ]
            weight = 0.0 if short else cfg.own_weight
            own[cid] = sims[cid]
            blended[cid] = weight * sims[cid] + (1 - weight) * sum(around) / len(around)
        return own, blended

    def _fuse(
        self, signals: dict[str, dict[str, float]], lexical_scale: float = 1.0, speaker: float | None = None
    ) -> dict[str, float]:
        cfg = self.config
        weights = {
            "turn": cfg.weight_turn * lexical_scale,
            "window": cfg.weight_window * lexical_scale,
            "dense": cfg.weight_dense,
            "speaker": cfg.weight_speaker if speaker is None else speaker,
        }
        if cfg.fusion == "rrf":
            names = [n for n in signals if n != "speaker"]
            rankings = [
                [
                    c
                    for c in sorted(signals[n], key=signals[n].__getitem__, reverse=True)
                    if signals[n][c] > 0 or n == "dense"
                ]
                for n in names
            ]
            return reciprocal_rank_fusion(rankings, k=cfg.rrf_k, weights=[weights[n] for n in names])
        fused: dict[str, float] = {}
        for name, values in signals.items():
            if not values:
                continue
            low, high = min(values.values()), max(values.values())
            span = high - low
            for cid, value in values.items():
                fused[cid] = fused.get(cid, 0.0) + weights[name] * ((value - low) / span if span > 0 else 0.0)
        return fused


_Fetched = tuple[Utterance | LexicalRecord, np.ndarray | None]


def _utterance(item: Utterance | LexicalRecord) -> Utterance:
    return item.utterance() if isinstance(item, LexicalRecord) else item


def _around(index: LexicalIndex, row: int, low: int, high: int) -> list[str]:
    """Ids of utterances number+low .. number+high of the row's episode, in order, whether stored or not.

    Rows are in transcript order, so the neighbour is usually the adjacent row; its id is taken from there
    instead of being formatted again (a search asks for hundreds)."""
    records = index.records
    rec = records[row]
    out = []
    for d in range(low, high + 1):
        if d and DETAILS in (rec.number, rec.number + d):
            continue  # an episode's details record has no neighbours, and is no turn's neighbour
        j = row + d
        if (
            0 <= j < len(records)
            and records[j].number == rec.number + d
            and records[j].episode_id == rec.episode_id
        ):
            out.append(records[j].id)
        else:
            out.append(utterance_id(rec.episode_id, rec.number + d))
    return out


def _with_reply(index: LexicalIndex, u: Utterance, context: tuple[Utterance, ...]) -> tuple[Utterance, ...]:
    """A hit that asks keeps the turns after it up to its reply (`turns.reply_after`) in its context, where a
    run of questions puts the reply beyond the context window."""
    row = index.row_of.get(u.id)
    if row is None or not asks(u) or reply_after(u, context) is not None:
        return context
    run = [
        index.records[index.row_of[i]].utterance()
        for i in _around(index, row, 1, REPLY_REACH)
        if i in index.row_of
    ]
    reply = reply_after(u, run)
    if reply is None:
        return context
    have = {c.number for c in context}
    return context + tuple(t for t in run if t.number <= reply.number and t.number not in have)


def _carried_on(index: LexicalIndex, answer: Utterance) -> tuple[Utterance, ...]:
    row = index.row_of.get(answer.id)
    if row is None:
        return ()
    after = [
        index.records[index.row_of[i]].utterance()
        for i in _around(index, row, 1, CARRY_REACH)
        if i in index.row_of
    ]
    return carried_on(answer, after)


def _context(u: Utterance, fetched: dict[str, _Fetched], window: int) -> tuple[Utterance, ...]:
    around = []
    for d in range(-window, window + 1):
        rid = utterance_id(u.episode_id, u.number + d)
        if d != 0 and rid in fetched and DETAILS not in (u.number, u.number + d):
            around.append(_utterance(fetched[rid][0]))
    return tuple(around)
