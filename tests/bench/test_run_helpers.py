"""The bench's own logic: summaries, replica plans, chunk coverage, packing, the vector cache."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embedders import HashingEmbedder
from bench.common import CachedEmbedder, summary_ms
from bench.quality import covers, merged, pack_by_cost, transcript_document
from bench.run import main, rows
from bench.search_latency import replica_id, replica_plan


def test_summary_ms_matches_numpy_percentiles() -> None:
    got = summary_ms([10, 20, 30, 40, 1000])
    assert got["p50"] == 30
    assert got["p95"] == pytest.approx(np.percentile([10, 20, 30, 40, 1000], 95), abs=0.01)
    assert got["n"] == 5
    assert math.isnan(summary_ms([])["p50"])


def test_replica_plan_cycles_through_episodes_and_cuts_the_last_one() -> None:
    assert replica_plan([3, 2], 7) == [(0, 3), (1, 2), (0, 2)]
    assert sum(n for _, n in replica_plan([500, 700, 300], 10_000)) == 10_000
    assert replica_plan([], 5) == []
    assert replica_plan([0, 0], 5) == []


def test_replica_ids_keep_the_original_and_differ_per_copy() -> None:
    assert replica_id("Bed002", 0) == "Bed002"
    assert len({replica_id("Bed002", c) for c in range(5)}) == 5


def test_transcript_document_spans_point_at_each_line() -> None:
    text, spans = transcript_document([(1, "A: hello"), (3, "B: yes"), (4, "A: and more")])
    assert text == "A: hello\nB: yes\nA: and more"
    for number, line in [(1, "A: hello"), (3, "B: yes"), (4, "A: and more")]:
        start, end = spans[number]
        assert text[start:end] == line


def test_coverage_needs_the_whole_utterance_but_joins_overlapping_chunks() -> None:
    _, spans = transcript_document([(1, "x" * 10), (2, "y" * 30), (3, "z" * 5)])
    whole = spans[2]
    assert not covers(merged([(0, whole[0] + 10)]), whole)  # only part of the line
    assert covers(merged([(0, whole[0] + 10), (whole[0] + 5, whole[1])]), whole)  # two chunks together
    assert covers(merged([(whole[0], whole[1])]), whole)
    assert merged([(5, 8), (0, 3), (3, 4)]) == [(0, 4), (5, 8)]


def test_pack_by_cost_skips_what_does_not_fit_and_keeps_going() -> None:
    assert pack_by_cost([600, 1000, 500, 400], 1500) == [0, 2, 3]
    assert pack_by_cost([2000], 1500) == []


def test_cached_embedder_returns_the_inner_vectors_and_reuses_them(tmp_path: Path) -> None:
    inner = HashingEmbedder(64)
    calls: list[int] = []
    original = inner.embed_documents

    def counting(texts, progress=None):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts)

    inner.embed_documents = counting  # type: ignore[method-assign]
    cached = CachedEmbedder(inner, tmp_path)
    texts = ["the roof leaked", "budget meeting", "the roof leaked"]
    first = cached.embed_documents(texts)
    assert np.allclose(first, original(texts))
    assert calls == [2]  # duplicates embedded once
    cached.save()
    again = CachedEmbedder(inner, tmp_path)
    assert np.allclose(again.embed_documents(texts), first)
    assert calls == [2]  # read back from disk
    assert again.name == inner.name and again.dimension == 64
    assert again.embed_documents([]).shape == (0, 64)


def test_rows_mark_goals() -> None:
    table = rows(
        {
            "ingest": {"speedup_vs_chroma_default": 12.0},
            "search": {"p50_ms_100k": 80.0},
            "quality": {"skipped": "no data"},
        }
    )
    verdicts = {metric: verdict for metric, _, _, verdict in table}
    assert verdicts["ingest.speedup_vs_chroma_default"] == "met"
    assert verdicts["search.p50_ms_100k"] == "NOT met"
    assert verdicts["quality"] == "no data"


def test_missing_shared_data_skips_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import run

    monkeypatch.setattr(run, "SEED", tmp_path / "absent.txt")
    out = tmp_path / "out.json"
    assert main(["--sections", "ingest,quality", "--out", str(out)]) == 0
    import json

    result = json.loads(out.read_text())
    assert "../shared" in result["ingest"]["skipped"] and "skipped" in result["quality"]
