"""Answer quality per token: QMSum gold evidence reaching the model under a budget, ours against 1,000-character
chunks."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
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
    """Indexes taken best first until the budget is spent; one that does not fit is skipped (as `pack` does)."""
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

    Ours: `Assistant.search` hits scoped to the question's meeting (best first, each with its neighbours), packed
    into `budget` tokens with `generation.context.pack` (`hit_at_budget`); also as `Assistant.stream` packs them by
    default, only the best `top_k` hits, which leaves part of the budget unused (`hit_at_budget_top_k`). Baseline: the
    meeting as one text (one `Speaker: text` line per utterance, the same text we index), split by LangChain's
    RecursiveCharacterTextSplitter (1,000 characters, 200 overlap), chunks embedded with the same ONNX model,
    ranked by cosine, packed best first into the same budget (each chunk costs its tokens + 4, as a hit does).
    Both sides count tokens with `assistant.tokens.count_tokens`. A question is a hit when the context holds the
    whole text of at least one gold utterance: ours, as a packed hit or one of its neighbours; the baseline, when
    the packed chunks together cover that utterance's line from its first to its last character.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant import Assistant, count_tokens, pack
    from assistant.generation.context import documents_tokens
    from assistant.tokens import tokenizer_name

    limit = 8 if quick else None
    meetings = {m.transcript.episode.id: m for m in read_meetings("val", limit)}
    questions = [
        q
        for q in read_questions("val")
        if q.get("kind") == "specific" and q.get("evidence") and q["episode"] in meetings
    ]
    onnx = make_onnx(threads)
    embedder = CachedEmbedder(onnx, cache)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    load = [load_average()]
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        store = Path(tmp) / "store"
        a = Assistant(store=store, settings=offline_settings(store, context_tokens=budget), embedder=embedder)
        start = time.perf_counter()
        report = a.ingest([m.path for m in meetings.values()])
        embedder.save()
        log(
            f"  quality: ingested {len(report.added)} meetings ({report.utterances_written} utterances) "
            f"in {time.perf_counter() - start:.0f} s"
        )
        top_k = a.settings.top_k

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
        chunk_vectors = {e: embedder.embed_documents([c[0] for c in cs]) for e, cs in chunks.items()}
        embedder.save()
        chunk_costs = {e: [count_tokens(c[0]) + 4 for c in cs] for e, cs in chunks.items()}
        log(
            f"  quality: {sum(len(c) for c in chunks.values())} baseline chunks embedded "
            f"in {time.perf_counter() - start:.0f} s"
        )

        ours_hits = ours_fill_hits = base_hits = 0
        ours_tokens: list[int] = []
        fill_tokens: list[int] = []
        base_tokens: list[int] = []
        both = only_ours = only_base = 0
        sweep = {b: {"ours": 0, "naive_chunks": 0} for b in SWEEP_BUDGETS}
        for q in questions:
            episode_id = q["episode"]
            gold = {int(n) for n in q["evidence"]}
            hits = a.search(q["question"], k=max(40, top_k * 2), episode=episode_id)
            filled = pack(hits, budget)
            context = pack(hits[:top_k], budget)

            ours_ok, fill_ok = _holds(context, gold), _holds(filled, gold)
            ours_tokens.append(documents_tokens(context))
            fill_tokens.append(documents_tokens(filled))
            qv = embedder.embed_query(q["question"])
            order = np.argsort(-(chunk_vectors[episode_id] @ qv), kind="stable")
            costs = chunk_costs[episode_id]
            taken = [int(order[i]) for i in pack_by_cost([costs[i] for i in order], budget)]
            base_tokens.append(sum(costs[i] for i in taken))
            intervals = merged((chunks[episode_id][i][1], chunks[episode_id][i][2]) for i in taken)
            base_ok = any(covers(intervals, spans[episode_id][n]) for n in gold if n in spans[episode_id])
            ours_hits += ours_ok
            ours_fill_hits += fill_ok
            base_hits += base_ok
            both += fill_ok and base_ok
            only_ours += fill_ok and not base_ok
            only_base += base_ok and not fill_ok
            for other, counts in sweep.items():  # the same rankings packed into other budgets
                counts["ours"] += _holds(pack(hits, other), gold)
                picked = [int(order[i]) for i in pack_by_cost([costs[i] for i in order], other)]
                spread = merged((chunks[episode_id][i][1], chunks[episode_id][i][2]) for i in picked)
                counts["naive_chunks"] += any(
                    covers(spread, spans[episode_id][g]) for g in gold if g in spans[episode_id]
                )
        n = len(questions)
        ours_rate, base_rate = ours_hits / n, base_hits / n
        fill_rate = ours_fill_hits / n
        result = {
            "hit_at_budget": round(fill_rate, 4),
            "naive_chunks_hit_at_budget": round(base_rate, 4),
            "ratio_vs_naive_chunks": round(fill_rate / base_rate, 3) if base_rate else None,
            "hit_at_budget_top_k": round(ours_rate, 4),
            "ratio_top_k_vs_naive_chunks": round(ours_rate / base_rate, 3) if base_rate else None,
            "budget_tokens": budget,
            "top_k": top_k,
            "questions": n,
            "meetings": len(meetings),
            "mean_tokens_used": {
                "ours": round(statistics.fmean(fill_tokens), 1),
                "ours_top_k": round(statistics.fmean(ours_tokens), 1),
                "naive_chunks": round(statistics.fmean(base_tokens), 1),
            },
            "agreement": {
                "both": both,
                "only_ours": only_ours,
                "only_naive_chunks": only_base,
                "neither": n - both - only_ours - only_base,
            },
            "by_budget": {
                str(b): {
                    "ours": round(c["ours"] / n, 4),
                    "naive_chunks": round(c["naive_chunks"] / n, 4),
                    "ratio": round(c["ours"] / c["naive_chunks"], 3) if c["naive_chunks"] else None,
                }
                for b, c in sweep.items()
            },
            "chunks": sum(len(c) for c in chunks.values()),
            "token_counter": tokenizer_name(),
            "load_average_1min": load + [load_average()],
        }
        a.close()
    return result


def _holds(packed: Sequence[Any], gold: set[int]) -> bool:
    """Whether the documents of packed hits (the hits and the neighbours they send) hold a gold utterance number."""
    from assistant import sent_ids

    ids = sent_ids(packed)
    return any(u.id in ids for h in packed for u in (h.utterance, *h.context) if u.number in gold)
