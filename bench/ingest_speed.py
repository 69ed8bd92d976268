"""Ingest speed: ours (parse, ONNX embed, write to Chroma) against Chroma's default embedding function."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import MODEL, QMSUM, SEED, load_average, make_onnx, offline_settings


def bench_ingest(quick: bool, threads: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Our ingest
    (parse, ONNX embed, write to Chroma) against Chroma's default embedding of the same utterances.

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
                with Assistant.from_settings(
                    store=store, settings=offline_settings(store), embedder=ours
                ) as a:
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
