"""Performance benchmark: ingest speed, hybrid search latency at scale, memory, answer quality per token, ask latency.

    python bench/run.py --quick --out bench/out/quick.json     # under 10 minutes on 2 cores (scale stores cached)
    python bench/run.py --out bench/out/full.json              # full run: 1M utterances, all of QMSum val

Reads ../shared (data and the all-MiniLM-L6-v2 ONNX model); every section whose inputs are missing is skipped
with a reason in the JSON. Ratios are measured in one process, interleaved, against a baseline run alongside:
Chroma's DefaultEmbeddingFunction (ingest) and the 1,000-character-chunk recipe (quality). The machine's load
average is recorded next to every section, because the development machines are shared.

Scale stores (10k / 100k / 1M utterances) are QMSum train+val transcripts (102,865 non-empty turns), replicated
under new episode ids, written through `ChromaStore.write_episode` with precomputed vectors (see --vectors), and
kept in --cache so later runs only time the searches. Search latency is measured in a fresh process per store
that loads the saved keyword index, so the peak RSS is that of a process serving searches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
SEED = SHARED / "data/seed/000_081a4311286ebea2.txt"
QMSUM = SHARED / "data/qmsum"
MODEL = SHARED / "models/all-MiniLM-L6-v2"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "transcript-assistant-bench"
STORE_BUILD_VERSION = 1
"""Bump when the way scale stores are built changes, so cached ones are rebuilt."""
EMBEDDER_NAME = "onnx:all-MiniLM-L6-v2"
SWEEP_BUDGETS = (500, 1000, 3000)
"""Quality is also reported at these budgets (same searches, packed again), in `quality.by_budget`."""

SEED_QUESTIONS = (
    "Why did Aidan leave Google to start Cohere?",
    "What did Aidan say about hiring undergrad students?",
    "How was the transformer paper written?",
    "Was it clear that the transformer was going to be a big deal?",
    "Why did Cohere focus on the enterprise instead of consumers?",
    "What does Aidan think about synthetic data?",
    "Who runs Cohere for AI?",
    "What is special about agents compared to other SaaS?",
    "How do they train their models, SFT and RLHF?",
    "Can customers air gap the deployment?",
    "What did he say about scaling up large language models?",
    "What does Aidan think about AGI?",
    "How did Noam contribute to the paper?",
    "What are the risks of AI according to Aidan?",
    "What did they say about open source models?",
    "How does Cohere make money?",
    "What was the group of researchers at Google Brain like?",
    "What did Aidan say about reasoning models?",
    "What does productivity mean for the economy?",
    "What advice would he give to founders?",
)


# ---- small helpers (unit-tested in tests/bench) -------------------------------------------------------------


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean of latencies in milliseconds (linear interpolation, like numpy's default)."""
    if not samples:
        return {"p50": float("nan"), "p95": float("nan"), "mean": float("nan"), "n": 0}
    values = np.asarray(samples, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "mean": round(float(values.mean()), 2),
        "n": len(values),
    }


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


def load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"load average: {os.getloadavg() if hasattr(os, 'getloadavg') else 'unknown'}"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError):
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gb": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process.

    Linux: VmHWM of /proc/self/status, the high-water mark of this program's own memory (getrusage's ru_maxrss
    would also count the parent's size at fork, which survives exec). Elsewhere ru_maxrss (macOS: bytes).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


# ---- data -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meeting:
    transcript: Any  # assistant.types.Transcript
    utterances: tuple[Any, ...]  # non-empty Utterances, as ingest stores them
    path: Path


def read_meetings(split: str, limit: int | None = None) -> list[Meeting]:
    from assistant.ingest.parse import parse_file

    meetings = []
    for path in sorted((QMSUM / split / "transcripts").glob("*.txt"))[: limit or None]:
        transcript = parse_file(path)
        meetings.append(Meeting(transcript, tuple(u for u in transcript.utterances if u.text.strip()), path))
    return meetings


def read_questions(split: str) -> list[dict[str, Any]]:
    with (QMSUM / split / "questions.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def onnx_dir() -> Path:
    return MODEL / "onnx"


class CachedEmbedder:
    """Wraps an embedder: document vectors are kept on disk by text, so reruns do not embed the same text again.

    Same name and dimension as the wrapped embedder (its vectors are the ones stored); queries pass through.
    """

    def __init__(self, inner: Any, folder: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.folder = folder
        self._path = folder / f"vectors-{hashlib.sha256(inner.name.encode()).hexdigest()[:10]}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self._path.exists():
            try:
                with np.load(self._path, allow_pickle=False) as data:
                    keys, matrix = data["keys"], data["vectors"]
                self._vectors = {str(k): matrix[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}

    @property
    def dimension(self) -> int:
        return int(self.inner.dimension)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors))
        if missing:
            by_key = {k: t for k, t in zip(keys, texts)}
            fresh = self.inner.embed_documents([by_key[k] for k in missing])
            self._vectors.update({k: fresh[i] for i, k in enumerate(missing)})
            self._dirty = True
        if progress:
            progress(len(texts))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def save(self) -> None:
        if not self._dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U40")
        matrix = np.stack(list(self._vectors.values())).astype(np.float32)
        tmp = self._path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vectors=matrix)
        os.replace(tmp, self._path)
        self._dirty = False


def make_onnx(threads: int | None = None) -> Any:
    from assistant.models.catalog import spec
    from assistant.models.embedder import LocalEmbedder

    cache = Path(tempfile.gettempdir()) / "assistant-bench-models"
    return LocalEmbedder(
        spec("all-MiniLM-L6-v2"), onnx_dir(), cache=cache, threads=threads, name="onnx:all-MiniLM-L6-v2"
    )


def offline_settings(store: Path, **overrides: Any) -> Any:
    from assistant.config import Settings

    return Settings(store=store, mode="offline", embedder="onnx", onnx_model=onnx_dir(), **overrides)


# ---- sections ---------------------------------------------------------------------------------------------------


def bench_cli(runs: int = 5) -> dict[str, Any]:
    """Wall time of `assistant --help` in a fresh interpreter (what a user waits for)."""
    times = []
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "--help"], capture_output=True, env=env, cwd=ROOT, check=False
        )
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            return {"error": done.stderr.decode(errors="replace")[-500:]}
    return {
        "help_seconds": round(statistics.median(times), 3),
        "help_seconds_runs": [round(t, 3) for t in times],
    }


def bench_ingest(quick: bool, threads: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Our ingest (parse, ONNX embed, write to Chroma) against Chroma's default embedding of the same utterances.

    Files are timed one by one, each both ways back to back in alternating order; ours runs into a fresh store
    each time. The quick run ingests the seed transcript and times Chroma's function on a fixed random quarter
    of its utterances (Chroma's side pads to 256 tokens and takes minutes on all of them); the full run uses
    every utterance of the seed and of 6 QMSum val meetings.
    """
    from assistant import Assistant
    from assistant.ingest.parse import parse_file
    from bench.embedding_speed import chroma_default

    files = [SEED] if quick else [SEED, *sorted((QMSUM / "val" / "transcripts").glob("*.txt"))[:6]]
    ours = make_onnx(threads)
    chroma = chroma_default(MODEL, threads)
    ours.embed_documents(["warm up the session", "and the tokenizer"] * 8)
    chroma(["warm up the session", "and the tokenizer"] * 8)
    rng = np.random.default_rng(7)
    spent = {"ours": 0.0, "chroma": 0.0, "ours_embed_only": 0.0}
    counted = {"ours": 0, "chroma": 0}
    cosines: list[np.ndarray] = []
    load = [load_average()]
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for number, path in enumerate(files):
            texts = [u.text for u in parse_file(path).utterances if u.text.strip()]
            sample = texts
            if quick:
                picked = np.sort(rng.choice(len(texts), size=max(1, len(texts) // 4), replace=False))
                sample = [texts[i] for i in picked]

            def run_ours(number: int = number, path: Path = path) -> None:
                store = Path(tmp) / f"store-{number}-{time.perf_counter_ns()}"
                with Assistant(store=store, settings=offline_settings(store), embedder=ours) as a:
                    report = a.ingest(path)
                if report.failed:
                    raise RuntimeError(f"ingest failed: {report.failed}")
                spent["ours"] += report.seconds
                counted["ours"] += report.utterances_written

            def run_chroma(sample: list[str] = sample) -> None:
                start = time.perf_counter()
                theirs = chroma(sample)
                spent["chroma"] += time.perf_counter() - start
                counted["chroma"] += len(sample)
                start = time.perf_counter()
                mine = ours.embed_documents(sample)
                spent["ours_embed_only"] += time.perf_counter() - start
                cosines.append(np.sum(mine * theirs, axis=1))

            order = [run_ours, run_chroma] if number % 2 == 0 else [run_chroma, run_ours]
            if quick:
                order = [run_ours, run_chroma, run_ours]  # one file: ours on both sides of Chroma's run
            for step in order:
                step()
            log(
                f"  ingest {path.name}: ours {counted['ours']} utt in {spent['ours']:.1f} s, "
                f"chroma {counted['chroma']} utt in {spent['chroma']:.1f} s"
            )
    load.append(load_average())
    ours_rate = counted["ours"] / spent["ours"]
    chroma_rate = counted["chroma"] / spent["chroma"]
    cosine = np.concatenate(cosines)
    return {
        "utterances_per_s": round(ours_rate, 1),
        "chroma_default_utterances_per_s": round(chroma_rate, 1),
        "speedup_vs_chroma_default": round(ours_rate / chroma_rate, 2),
        "ours_embedding_only_utterances_per_s": round(counted["chroma"] / spent["ours_embed_only"], 1),
        "embedding_only_speedup": round(spent["chroma"] / spent["ours_embed_only"], 2),
        "utterances_ingested": counted["ours"],
        "utterances_chroma_default": counted["chroma"],
        "cosine_vs_chroma_default": {
            "mean": round(float(cosine.mean()), 6),
            "min": round(float(cosine.min()), 6),
        },
        "files": [p.name for p in files],
        "threads": threads,
        "load_average_1min": load,
    }


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
    """The cached store of `size` utterances (built on first use); returns its folder and build seconds (0 if cached)."""
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
    a = Assistant(store=store, settings=offline_settings(store), embedder=make_onnx(threads))
    opened = time.perf_counter() - started
    start = time.perf_counter()
    index = a.lexical.current()
    loaded = time.perf_counter() - start
    for q in ("warm up", "the model and the index"):
        a.search(q)
        a.search(q, episode=index.records[0].episode_id)
    latencies = []
    for q in queries:
        start = time.perf_counter()
        a.search(q, k=10)
        latencies.append((time.perf_counter() - start) * 1000)
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
        # Chroma's filtered HNSW query against the exact search over the index's vectors (the default), interleaved;
        # the query vectors are cached by now, so both time retrieval alone.
        from dataclasses import replace as with_changes

        default = a.retriever.config
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
                "query_embedding_ms": embed,
                "scoped_latencies_ms": scoped_latencies,
                "scoped_retrieval_ms": scoped_pairs,
                "peak_rss_mb": peak_rss_mb(),
                "vectors_in_index": index.vectors is not None,
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
            "store vectors: ONNX all-MiniLM-L6-v2 vectors of the 102,865 unique QMSum utterances, reused for replicas"
            if kind == "onnx"
            else "store vectors: seeded random unit vectors (384-d); queries are embedded with the real ONNX model"
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
            str(Path(__file__).resolve()),
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
            f"  search {label}: p50 {stats['p50']} ms, p95 {stats['p95']} ms, peak RSS {got['peak_rss_mb']} MB"
        )
    return result, memory


def _size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


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

    from assistant import Assistant
    from assistant.generation.context import documents_tokens, pack
    from assistant.tokens import count_tokens, tokenizer_name

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
    from assistant.generation.context import sent_ids

    ids = sent_ids(packed)
    return any(u.id in ids for h in packed for u in (h.utterance, *h.context) if u.number in gold)


def bench_ask(cache: Path, threads: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Offline ask end to end on the seed store, and the hosted path's own overhead against a zero-latency fake."""
    from assistant import Assistant

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        store = Path(tmp) / "offline"
        onnx = make_onnx(threads)
        embedder = CachedEmbedder(onnx, cache)
        with Assistant(store=store, settings=offline_settings(store), embedder=embedder) as a:
            a.ingest(SEED)
        embedder.save()
        # A new Assistant, as a user's process would have, with the plain embedder (queries are embedded live).
        with Assistant(store=store, settings=offline_settings(store), embedder=onnx) as a:
            a.ask("warm up the model and the index")
            times, parts = [], []
            for q in SEED_QUESTIONS:
                start = time.perf_counter()
                answer = a.ask(q)
                times.append((time.perf_counter() - start) * 1000)
                parts.append(answer.timings)
        stats = summary_ms(times)
        result["offline_p50_ms"] = stats["p50"]
        result["offline_p95_ms"] = stats["p95"]
        result["offline_retrieve_p50_ms"] = summary_ms([p.get("retrieve_ms", 0) for p in parts])["p50"]
        result["offline_generate_p50_ms"] = summary_ms([p.get("generate_ms", 0) for p in parts])["p50"]
        result["questions"] = len(SEED_QUESTIONS)
        log(f"  ask offline: p50 {stats['p50']} ms")
        try:
            result.update(_hosted_overhead(Path(tmp) / "hosted"))
            log(f"  ask hosted overhead: p50 {result['hosted_overhead_p50_ms']} ms")
        except ImportError as exc:
            result["hosted_skipped"] = f"tests/providers/cohere_fakes.py not importable: {exc}"
    result["load_average_1min"] = load_average()
    return result


def _hosted_overhead(store: Path) -> dict[str, Any]:
    """Total `ask` time minus the time spent inside the fake HTTP handler (embed, rerank, chat stream)."""
    import httpx

    from assistant import Assistant
    from tests.providers.cohere_fakes import FakeCohere

    fake = FakeCohere()
    inside = [0.0]
    handle = fake.handle

    def timed(request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        try:
            response = handle(request)
            response.read()  # the body is built here, not while the SDK reads it
            return response
        finally:
            inside[0] += time.perf_counter() - start

    fake.transport = httpx.MockTransport(timed)
    with Assistant(store=store, settings=fake.settings(), cohere_client=fake.client()) as a:
        a.ingest(SEED)
        a.ask("warm up")
        totals, overheads, calls = [], [], []
        for q in SEED_QUESTIONS:
            inside[0] = 0.0
            before = len(fake.requests)
            start = time.perf_counter()
            answer = a.ask(q)
            total = (time.perf_counter() - start) * 1000
            totals.append(total)
            overheads.append(total - inside[0] * 1000)
            calls.append(len(fake.requests) - before)
        assert answer.mode == "hosted", answer.mode
    return {
        "hosted_overhead_p50_ms": summary_ms(overheads)["p50"],
        "hosted_overhead_p95_ms": summary_ms(overheads)["p95"],
        "hosted_total_p50_ms": summary_ms(totals)["p50"],
        "hosted_http_calls_per_ask": statistics.median(calls),
    }


# ---- report -----------------------------------------------------------------------------------------------------

GOALS = {
    ("ingest", "speedup_vs_chroma_default"): (">=", 10),
    ("search", "p50_ms_100k"): ("<=", 50),
    ("quality", "ratio_vs_naive_chunks"): (">=", 1.2),
    ("ask", "offline_p50_ms"): ("<=", 300),
    ("ask", "hosted_overhead_p50_ms"): ("<=", 100),
    ("cli", "help_seconds"): ("<=", 1.0),
}


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, goal, verdict) for the table; every scalar of the required sections."""
    out = []
    for section in ("ingest", "search", "memory", "quality", "ask", "cli"):
        values = result.get(section) or {}
        if "skipped" in values:
            out.append((section, "skipped", "", values["skipped"]))
            continue
        for key, value in values.items():
            if isinstance(value, (dict, list)) or key.startswith(("error", "vectors_note")):
                continue
            goal = GOALS.get((section, key))
            verdict = ""
            if goal and isinstance(value, (int, float)):
                ok = value >= goal[1] if goal[0] == ">=" else value <= goal[1]
                verdict = "met" if ok else "NOT met"
            out.append((f"{section}.{key}", str(value), f"{goal[0]} {goal[1]}" if goal else "", verdict))
    return out


def print_table(result: dict[str, Any]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        for row in rows(result):
            print("  ".join(row))
        return
    table = Table(title=f"bench ({result['mode']}) — {result['uptime']}")
    for column in ("metric", "value", "goal", ""):
        table.add_column(column)
    for metric, value, goal, verdict in rows(result):
        style = "green" if verdict == "met" else ("red" if verdict == "NOT met" else None)
        table.add_row(metric, value, goal, verdict, style=style)
    Console().print(table)


def markdown_table(result: dict[str, Any]) -> str:
    lines = ["| metric | value | goal |", "| --- | --- | --- |"]
    for metric, value, goal, verdict in rows(result):
        lines.append(f"| {metric} | {value} | {goal} {('(' + verdict + ')') if verdict else ''} |")
    return "\n".join(lines)


# ---- main -------------------------------------------------------------------------------------------------------


def missing_inputs() -> list[Path]:
    return [
        p
        for p in (
            SEED,
            QMSUM / "val" / "transcripts",
            QMSUM / "train" / "transcripts",
            onnx_dir() / "model.onnx",
        )
        if not p.exists()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, help="where to write the JSON results")
    parser.add_argument(
        "--quick", action="store_true", help="10k and 100k stores, 8 val meetings, seed ingest"
    )
    parser.add_argument(
        "--sections",
        default="cli,ingest,search,quality,ask",
        help="comma-separated subset of cli,ingest,search,quality,ask",
    )
    parser.add_argument("--sizes", help="store sizes for search (default 10000,100000; full adds 1000000)")
    parser.add_argument(
        "--vectors",
        choices=("auto", "onnx", "random"),
        default=None,
        help="scale-store vectors (default auto: the cached ONNX vectors of every QMSum utterance "
        "if present, else seeded random ones)",
    )
    parser.add_argument(
        "--queries", type=int, default=None, help="search queries per store (quick 60, full 200)"
    )
    parser.add_argument("--budget", type=int, default=1500, help="token budget of the quality comparison")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"scale stores and vectors ({DEFAULT_CACHE})"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--search-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scoped", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.search_worker:
        search_worker(args.search_worker, args.queries_file, args.worker_out, args.threads, args.scoped)
        return 0
    if not args.out:
        parser.error("--out is required")

    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    )
    vectors = args.vectors or "auto"
    queries = args.queries or (60 if args.quick else 200)
    os.environ.setdefault("ASSISTANT_ONNX_MODEL", str(onnx_dir()))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    result: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(),
        "uptime": uptime(),
        "threads": args.threads,
    }
    missing = missing_inputs()
    if missing:
        reason = (
            f"benchmark inputs not found: {', '.join(map(str, missing))} (they live in ../shared, next to the "
            f"project root: {SHARED})"
        )
        log(f"skipping the data sections: {reason}")
    for section in sections:
        log(f"[{section}] load {load_average()}")
        try:
            if section == "cli":
                result["cli"] = bench_cli()
            elif missing:
                result[section] = {"skipped": reason}
            elif section == "ingest":
                result["ingest"] = bench_ingest(args.quick, args.threads, log)
            elif section == "search":
                result["search"], result["memory"] = bench_search(
                    sizes, vectors, args.cache, queries, args.threads, log
                )
            elif section == "quality":
                result["quality"] = bench_quality(args.quick, args.budget, args.cache, args.threads, log)
            elif section == "ask":
                result["ask"] = bench_ask(args.cache, args.threads, log)
            else:
                parser.error(f"unknown section {section!r}")
        except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others' figures
            import traceback

            log(traceback.format_exc())
            result[section] = {"error": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["uptime_after"] = uptime()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"wrote {args.out} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
