"""Answer quality per token: QMSum gold evidence that reaches the model under a token budget, ours against
1,000-character chunks."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    CachedEmbedder,
    load_average,
    make_onnx,
    offline_settings,
    read_meetings,
    read_questions,
)

SWEEP_BUDGETS = (500, 1000, 3000)
"""Quality is also reported at these budgets (same searches, packed again), in `quality.by_budget`."""


def transcript_document(lines: Sequence[tuple[int, str]]) -> tuple[str, dict[int, tuple[int, int]]]:
    """The whole transcript as one text (one utterance per line) and each utterance's [start, end) in it."""
    parts: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    offset = 0
    for number, line in lines:
        if parts:
            offset += 1  # the newline
        spans[number] = (offset, offset + len(line))
        parts.append(line)
        offset += len(line)
    return "\n".join(parts), spans


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of [start, end) intervals, as sorted disjoint intervals (touching ones joined)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def covers(intervals: Sequence[tuple[int, int]], span: tuple[int, int]) -> bool:
    """Whether one of the disjoint `intervals` holds all of `span` (an utterance counts only when whole)."""
    return any(start <= span[0] and span[1] <= end for start, end in intervals)


def pack_by_cost(costs: Sequence[int], budget: int) -> list[int]:
    """Indexes taken best first until the budget is spent;
    one that does not fit is skipped (as `pack` does)."""
    taken: list[int] = []
    used = 0
    for i, cost in enumerate(costs):
        if used + cost > budget:
            continue
        taken.append(i)
        used += cost
    return taken


def bench_quality(
    quick: bool, budget: int, cache: Path, threads: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Share of QMSum val `specific` questions whose gold evidence reaches the model under a token budget.

    Ours: `Assistant.search` hits scoped to the question's meeting (best first, each with its neighbours),
    packed into `budget` tokens with `generation.context.pack` (`hit_at_budget`); also as `Assistant.stream`
    packs them by default, only the best `top_k` hits, which leaves part of the budget unused
    (`hit_at_budget_top_k`). Baseline: the meeting as one text (one `Speaker: text` line per utterance, the
    same text we index), split by LangChain's RecursiveCharacterTextSplitter (1,000 characters, 200 overlap),
    chunks embedded with the same ONNX model, ranked by cosine, packed best first into the same budget (each
    chunk costs its tokens + 4, as a hit does). Both sides count tokens with `assistant.tokens.count_tokens`.
    A question is a hit when the context holds the whole text of at least one gold utterance: ours, as a
    packed hit or one of its neighbours; the baseline, when the packed chunks together cover that utterance's
    line from its first to its last character.
    """
    from assistant import Assistant

    limit = 8 if quick else None
    meetings = {m.transcript.episode.id: m for m in read_meetings("val", limit)}
    questions = [
        q
        for q in read_questions("val")
        if q.get("kind") == "specific" and q.get("evidence") and q["episode"] in meetings
    ]
    embedder = CachedEmbedder(make_onnx(threads), cache)
    load = [load_average()]
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        store = Path(tmp) / "store"
        a = Assistant.from_settings(
            store=store, settings=offline_settings(store, context_tokens=budget), embedder=embedder
        )
        start = time.perf_counter()
        report = a.ingest([m.path for m in meetings.values()])
        embedder.save()
        log(
            f"  quality: ingested {len(report.added)} meetings ({report.utterances_written} utterances) "
            f"in {time.perf_counter() - start:.0f} s"
        )
        baseline = _Chunks.of(meetings, embedder, log)
        tally = _Tally()
        for q in questions:
            tally.add(_Question(a, q, baseline, embedder, budget))
        result = tally.figures(len(questions), budget, a.settings.top_k)
        result.update(
            meetings=len(meetings),
            chunks=sum(len(c) for c in baseline.chunks.values()),
            load_average_1min=load + [load_average()],
        )
        a.close()
    return _ordered(result)


_ORDER = (
    "hit_at_budget",
    "naive_chunks_hit_at_budget",
    "ratio_vs_naive_chunks",
    "hit_at_budget_top_k",
    "ratio_top_k_vs_naive_chunks",
    "budget_tokens",
    "top_k",
    "questions",
    "meetings",
    "mean_tokens_used",
    "agreement",
    "by_budget",
    "chunks",
    "token_counter",
    "load_average_1min",
)


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    return {key: result[key] for key in _ORDER}


@dataclass
class _Chunks:
    """The baseline: each meeting as one text in 1,000-character chunks, embedded, with token costs."""

    chunks: dict[str, list[tuple[str, int, int]]]
    spans: dict[str, dict[int, tuple[int, int]]]
    vectors: dict[str, Any]
    costs: dict[str, list[int]]

    @classmethod
    def of(cls, meetings: dict[str, Any], embedder: CachedEmbedder, log: Callable[[str], None]) -> _Chunks:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant import count_tokens

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        chunks: dict[str, list[tuple[str, int, int]]] = {}
        spans: dict[str, dict[int, tuple[int, int]]] = {}
        for episode_id, m in meetings.items():
            lines = [(u.number, f"{u.speaker}: {u.text}" if u.speaker else u.text) for u in m.utterances]
            text, spans[episode_id] = transcript_document(lines)
            docs = splitter.create_documents([text])
            chunks[episode_id] = [
                (d.page_content, d.metadata["start_index"], d.metadata["start_index"] + len(d.page_content))
                for d in docs
            ]
        start = time.perf_counter()
        vectors = {e: embedder.embed_documents([c[0] for c in cs]) for e, cs in chunks.items()}
        embedder.save()
        costs = {e: [count_tokens(c[0]) + 4 for c in cs] for e, cs in chunks.items()}
        log(
            f"  quality: {sum(len(c) for c in chunks.values())} baseline chunks embedded "
            f"in {time.perf_counter() - start:.0f} s"
        )
        return cls(chunks, spans, vectors, costs)

    def pick(self, episode_id: str, order: Any, budget: int) -> list[int]:
        """Chunks taken best first (`order`) into `budget` tokens."""
        costs = self.costs[episode_id]
        return [int(order[i]) for i in pack_by_cost([costs[i] for i in order], budget)]

    def holds(self, episode_id: str, taken: Sequence[int], gold: set[int]) -> bool:
        chunks, spans = self.chunks[episode_id], self.spans[episode_id]
        intervals = merged((chunks[i][1], chunks[i][2]) for i in taken)
        return any(covers(intervals, spans[n]) for n in gold if n in spans)


class _Question:
    """One question both ways: our packed hits (all, and the best top_k) and the baseline's packed chunks."""

    def __init__(self, a: Any, q: dict[str, Any], baseline: _Chunks, embedder: Any, budget: int) -> None:
        from assistant import pack
        from assistant.generation.context import documents_tokens

        episode_id = q["episode"]
        top_k = a.settings.top_k
        self.gold = {int(n) for n in q["evidence"]}
        self.hits = a.search(q["question"], k=max(40, top_k * 2), episode=episode_id)
        filled = pack(self.hits, budget)
        context = pack(self.hits[:top_k], budget)
        self.top_k_ok, self.fill_ok = _holds(context, self.gold), _holds(filled, self.gold)
        self.top_k_tokens, self.fill_tokens = documents_tokens(context), documents_tokens(filled)
        qv = embedder.embed_query(q["question"])
        self.order = np.argsort(-(baseline.vectors[episode_id] @ qv), kind="stable")
        self.episode_id, self.baseline = episode_id, baseline
        taken = baseline.pick(episode_id, self.order, budget)
        self.base_tokens = sum(baseline.costs[episode_id][i] for i in taken)
        self.base_ok = baseline.holds(episode_id, taken, self.gold)

    def at(self, budget: int) -> tuple[bool, bool]:
        """(ours, baseline) with the same rankings packed into another budget."""
        from assistant import pack

        picked = self.baseline.pick(self.episode_id, self.order, budget)
        return _holds(pack(self.hits, budget), self.gold), self.baseline.holds(
            self.episode_id, picked, self.gold
        )


@dataclass
class _Tally:
    top_k_hits: int = 0
    fill_hits: int = 0
    base_hits: int = 0
    top_k_tokens: list[int] = field(default_factory=list)
    fill_tokens: list[int] = field(default_factory=list)
    base_tokens: list[int] = field(default_factory=list)
    both: int = 0
    only_ours: int = 0
    only_base: int = 0
    sweep: dict[int, dict[str, int]] = field(
        default_factory=lambda: {b: {"ours": 0, "naive_chunks": 0} for b in SWEEP_BUDGETS}
    )

    def add(self, q: _Question) -> None:
        self.top_k_hits += q.top_k_ok
        self.fill_hits += q.fill_ok
        self.base_hits += q.base_ok
        self.top_k_tokens.append(q.top_k_tokens)
        self.fill_tokens.append(q.fill_tokens)
        self.base_tokens.append(q.base_tokens)
        self.both += q.fill_ok and q.base_ok
        self.only_ours += q.fill_ok and not q.base_ok
        self.only_base += q.base_ok and not q.fill_ok
        for other, counts in self.sweep.items():
            ours, base = q.at(other)
            counts["ours"] += ours
            counts["naive_chunks"] += base

    def figures(self, n: int, budget: int, top_k: int) -> dict[str, Any]:
        from assistant.tokens import tokenizer_name

        top_k_rate, base_rate, fill_rate = self.top_k_hits / n, self.base_hits / n, self.fill_hits / n
        return {
            "hit_at_budget": round(fill_rate, 4),
            "naive_chunks_hit_at_budget": round(base_rate, 4),
            "ratio_vs_naive_chunks": round(fill_rate / base_rate, 3) if base_rate else None,
            "hit_at_budget_top_k": round(top_k_rate, 4),
            "ratio_top_k_vs_naive_chunks": round(top_k_rate / base_rate, 3) if base_rate else None,
            "budget_tokens": budget,
            "top_k": top_k,
            "questions": n,
            "mean_tokens_used": {
                "ours": round(statistics.fmean(self.fill_tokens), 1),
                "ours_top_k": round(statistics.fmean(self.top_k_tokens), 1),
                "naive_chunks": round(statistics.fmean(self.base_tokens), 1),
            },
            "agreement": {
                "both": self.both,
                "only_ours": self.only_ours,
                "only_naive_chunks": self.only_base,
                "neither": n - self.both - self.only_ours - self.only_base,
            },
            "by_budget": {
                str(b): {
                    "ours": round(c["ours"] / n, 4),
                    "naive_chunks": round(c["naive_chunks"] / n, 4),
                    "ratio": round(c["ours"] / c["naive_chunks"], 3) if c["naive_chunks"] else None,
                }
                for b, c in self.sweep.items()
            },
            "token_counter": tokenizer_name(),
        }


def _holds(packed: Sequence[Any], gold: set[int]) -> bool:
    """Whether the documents of packed hits
    (the hits and the neighbours they send) hold a gold utterance number."""
    from assistant import sent_ids

    ids = sent_ids(packed)
    return any(u.id in ids for h in packed for u in (h.utterance, *h.context) if u.number in gold)
