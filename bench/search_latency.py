"""Hybrid search latency and memory at 10k / 100k / 1M utterances, each store searched in a fresh process.

Scale stores are QMSum train+val transcripts replicated under new episode ids, written through
`ChromaStore.write_episode` with precomputed vectors, and kept in --cache so later runs only time the
searches.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    EMBEDDER_NAME,
    ROOT,
    STORE_BUILD_VERSION,
    CachedEmbedder,
    Meeting,
    load_average,
    make_onnx,
    offline_settings,
    peak_rss_mb,
    read_meetings,
    read_questions,
    summary_ms,
)


def replica_id(episode_id: str, copy: int) -> str:
    """The id of the `copy`-th replica of an episode; copy 0 is the episode itself."""
    return episode_id if copy == 0 else f"{episode_id}-r{copy}"


def replica_plan(sizes: Sequence[int], total: int) -> list[tuple[int, int]]:
    """(episode index, utterances to take) for a store of `total` utterances built from episodes of `sizes`,
    cycling through the episodes (copy after copy) and cutting the last one short."""
    plan: list[tuple[int, int]] = []
    left = total
    if not sizes or max(sizes) <= 0:
        return plan
    while left > 0:
        for i, n in enumerate(sizes):
            if left <= 0:
                break
            take = min(n, left)
            if take > 0:
                plan.append((i, take))
                left -= take
    return plan


def scale_vectors(
    kind: str, meetings: Sequence[Meeting], cache: Path, threads: int, log: Callable[[str], None]
) -> list[np.ndarray]:
    """One vector matrix per meeting: ONNX vectors of its utterances (computed once, cached), or random unit
    vectors (seeded). Replicas of a meeting reuse its vectors."""
    if kind == "random":
        rng = np.random.default_rng(20261125)
        out = []
        for m in meetings:
            v = rng.standard_normal((len(m.utterances), 384)).astype(np.float32)
            out.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        return out
    embedder = CachedEmbedder(make_onnx(threads), cache)
    out = []
    for number, m in enumerate(meetings):
        out.append(embedder.embed_documents([u.text for u in m.utterances]))
        if number % 10 == 9:
            embedder.save()
            log(f"  embedded {number + 1}/{len(meetings)} meetings for the scale stores")
    embedder.save()
    return out


def onnx_vectors_cached(meetings: Sequence[Meeting], cache: Path) -> bool:
    embedder = CachedEmbedder(type("Named", (), {"name": make_onnx().name, "dimension": 384})(), cache)
    return all(embedder.key(u.text) in embedder._vectors for m in meetings for u in m.utterances)


def build_scale_store(
    size: int, kind: str, cache: Path, threads: int, log: Callable[[str], None]
) -> tuple[Path, float]:
    """The cached store of `size` utterances (built on first use);
    returns its folder and build seconds (0 if cached)."""
    folder = cache / f"store-{size}-{kind}-v{STORE_BUILD_VERSION}"
    if (folder / "BUILT").exists():
        return folder, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    meetings = read_meetings("train") + read_meetings("val")
    vectors = scale_vectors(kind, meetings, cache, threads, log)
    from assistant.index.chroma_store import ChromaStore

    store = ChromaStore(folder, embedder_name=EMBEDDER_NAME, dimension=384)
    copies: dict[int, int] = {}
    written = 0
    for i, take in replica_plan([len(m.utterances) for m in meetings], size):
        copy = copies.get(i, 0)
        copies[i] = copy + 1
        m = meetings[i]
        episode_id = replica_id(m.transcript.episode.id, copy)
        episode = replace(
            m.transcript.episode,
            id=episode_id,
            utterance_count=take,
            title=m.transcript.episode.title + (f" (copy {copy})" if copy else ""),
        )
        utterances = [replace(u, episode_id=episode_id) for u in m.utterances[:take]]
        store.write_episode(episode, utterances, vectors[i][:take])
        written += take
        if written // 20000 != (written - take) // 20000:
            log(f"  store {size}: {written} utterances written ({time.perf_counter() - start:.0f} s)")
    # Build and save the keyword index (with its vector snapshot) now, so the search process only loads it.
    from assistant.index.lexical_cache import LexicalCache

    LexicalCache(store, folder / "lexical").current()
    (folder / "BUILT").write_text(
        json.dumps({"size": size, "vectors": kind, "written": written}), encoding="utf-8"
    )
    return folder, time.perf_counter() - start


def search_queries(n: int) -> list[str]:
    """Distinct questions from QMSum val and train (so the query-embedding cache never answers)."""
    seen: dict[str, None] = {}
    for split in ("val", "train"):
        for q in read_questions(split):
            seen.setdefault(q["question"].strip(), None)
            if len(seen) >= n:
                return list(seen)
    return list(seen)


EMBED_PROBES = 20


def search_worker(store: Path, queries_file: Path, out: Path, threads: int, scoped: int) -> None:
    """Runs in its own process: open the store as the CLI would, then time `Assistant.search` per query.

    Every timed search uses a question not asked before in the process, so the query embedding is computed
    (not taken from the embedder's cache): the file holds the unscoped questions, then EMBED_PROBES questions
    for timing the query embedding alone, then `scoped` questions searched within one meeting each.
    """
    from assistant import Assistant

    started = time.perf_counter()
    everything = json.loads(queries_file.read_text(encoding="utf-8"))
    n = len(everything) - EMBED_PROBES - scoped
    queries, probes, scoped_queries = (
        everything[:n],
        everything[n : n + EMBED_PROBES],
        everything[n + EMBED_PROBES :],
    )
    a = Assistant.from_settings(store=store, settings=offline_settings(store), embedder=make_onnx(threads))
    opened = time.perf_counter() - started
    start = time.perf_counter()
    snapshot = a.lexical.snapshot()
    index = snapshot.keywords
    loaded = time.perf_counter() - start
    for q in ("warm up", "the model and the index"):
        a.search(q)
        a.search(q, episode=index.records[0].episode_id)
    # The first stage alone (hybrid fusion; what the p50 goal is for) and the product's search with its
    # offline second stage (late interaction, when the model and the transcripts' labels allow it),
    # alternating question by question, each question asked once.
    from dataclasses import replace as with_changes

    default = a.retriever.config
    first_only = with_changes(default, late_interaction=False)
    latencies, full = [], []
    for number, q in enumerate(queries):
        a.retriever.config = first_only if number % 2 == 0 else default
        start = time.perf_counter()
        a.search(q, k=10)
        (latencies if number % 2 == 0 else full).append((time.perf_counter() - start) * 1000)
    a.retriever.config = default
    embed = []
    for q in probes:
        start = time.perf_counter()
        a.embedder.embed_query(q)
        embed.append((time.perf_counter() - start) * 1000)
    scoped_latencies: list[float] = []
    scoped_pairs: dict[str, list[float]] = {"chroma": [], "exact": []}
    if scoped:
        episodes = sorted({r.episode_id for r in index.records[:: max(1, len(index) // 50)]})
        for number, q in enumerate(scoped_queries):
            start = time.perf_counter()
            a.search(q, k=10, episode=episodes[number % len(episodes)])
            scoped_latencies.append((time.perf_counter() - start) * 1000)
        # Chroma's filtered HNSW query against the exact search over the snapshot's vectors (the default),
        # interleaved; the query vectors are cached by now, so both time retrieval alone.
        chroma = with_changes(default, exact_filtered_dense=False)
        exact = with_changes(default, exact_filtered_dense=True)
        for number, q in enumerate(scoped_queries):
            for label, config in (("chroma", chroma), ("exact", exact))[:: 1 if number % 2 else -1]:
                a.retriever.config = config
                start = time.perf_counter()
                a.search(q, k=10, episode=episodes[number % len(episodes)])
                scoped_pairs[label].append((time.perf_counter() - start) * 1000)
        a.retriever.config = default
    out.write_text(
        json.dumps(
            {
                "utterances": len(index),
                "open_seconds": round(opened, 2),
                "index_load_seconds": round(loaded, 2),
                "latencies_ms": latencies,
                "with_second_stage_ms": full,
                "query_embedding_ms": embed,
                "scoped_latencies_ms": scoped_latencies,
                "scoped_retrieval_ms": scoped_pairs,
                "peak_rss_mb": peak_rss_mb(),
                "vectors_in_index": snapshot.vectors is not None,
            }
        ),
        encoding="utf-8",
    )


def bench_search(
    sizes: Sequence[int], kind: str, cache: Path, queries: int, threads: int, log: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    meetings = read_meetings("train") + read_meetings("val")
    if kind == "auto":
        kind = "onnx" if onnx_vectors_cached(meetings, cache) else "random"
    result: dict[str, Any] = {
        "vectors": kind,
        "vectors_note": (
            "store vectors: ONNX all-MiniLM-L6-v2 vectors of the 102,865 unique QMSum utterances, reused for "
            "replicas"
            if kind == "onnx"
            else (
                "store vectors: seeded random unit vectors (384-d); queries are embedded with the real ONNX "
                "model"
            )
        ),
        "queries": queries,
        "k": 10,
    }
    memory: dict[str, Any] = {}
    scoped = 20
    qfile = cache / f"queries-{queries}.json"
    cache.mkdir(parents=True, exist_ok=True)
    qfile.write_text(json.dumps(search_queries(queries + EMBED_PROBES + scoped)), encoding="utf-8")
    for size in sizes:
        label = _size_label(size)
        folder, built = build_scale_store(size, kind, cache, threads, log)
        if built:
            log(f"  built the {label} store in {built:.0f} s (cached in {folder})")
        out = cache / f"search-{label}.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        command = [
            sys.executable,
            "-m",
            "bench.run",
            "--search-worker",
            str(folder),
            "--queries-file",
            str(qfile),
            "--worker-out",
            str(out),
            "--threads",
            str(threads),
            "--scoped",
            str(scoped),
        ]
        if (
            built
        ):  # Chroma's first open of a freshly written store does one-off work (and memory): not measured
            subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        load_before = load_average()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        if done.returncode != 0:
            result[f"error_{label}"] = done.stderr[-2000:]
            log(f"  search at {label} failed:\n{done.stderr[-2000:]}")
            continue
        got = json.loads(out.read_text(encoding="utf-8"))
        stats = summary_ms(got["latencies_ms"])
        result[f"p50_ms_{label}"] = stats["p50"]
        result[f"p95_ms_{label}"] = stats["p95"]
        result[f"mean_ms_{label}"] = stats["mean"]
        second = summary_ms(got["with_second_stage_ms"])
        result[f"with_second_stage_p50_ms_{label}"] = second["p50"]
        result[f"with_second_stage_p95_ms_{label}"] = second["p95"]
        result[f"scoped_p50_ms_{label}"] = summary_ms(got["scoped_latencies_ms"])["p50"]
        result[f"scoped_hnsw_p50_ms_{label}"] = summary_ms(got["scoped_retrieval_ms"]["chroma"])["p50"]
        result[f"scoped_exact_p50_ms_{label}"] = summary_ms(got["scoped_retrieval_ms"]["exact"])["p50"]
        result[f"query_embedding_p50_ms_{label}"] = summary_ms(got["query_embedding_ms"])["p50"]
        result[f"utterances_{label}"] = got["utterances"]
        result[f"open_seconds_{label}"] = got["open_seconds"]
        result[f"index_load_seconds_{label}"] = got["index_load_seconds"]
        result[f"build_seconds_{label}"] = round(built, 1)
        result[f"load_average_{label}"] = [load_before, load_average()]
        memory[f"peak_rss_mb_{label}"] = got["peak_rss_mb"]
        log(
            f"  search {label}: p50 {stats['p50']} ms, p95 {stats['p95']} ms (first stage); with the second "
            f"stage p50 {second['p50']} ms, p95 {second['p95']} ms; peak RSS {got['peak_rss_mb']} MB"
        )
    return result, memory


def _size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"
