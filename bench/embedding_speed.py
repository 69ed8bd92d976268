"""Embedding throughput: the project's local embedder (fastembed) against Chroma's default ONNXMiniLM_L6_V2.

Both run the same model files, in the same process, on the same thread count, interleaved after a
warm-up, so the ratio measures only what each does around the model (padding, batching, pooling). The texts
are timed chunk by chunk, both embedders back to back on each chunk in alternating order, so a change
in machine load (the dev machines are shared) hits both sides alike; a whole-set call of ours is timed
too, before and after.

    python -m bench.embedding_speed --out results.json [--limit 3000] [--chunk 250] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine as common_machine
from bench.common import make_onnx

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared"
SEED = SHARED / "data/seed/000_081a4311286ebea2.txt"
QMSUM = SHARED / "data/qmsum/val/transcripts"
MODEL = SHARED / "models/all-MiniLM-L6-v2"

_NUMBER = re.compile(r"^\d+$")
_LEADING_NUMBER = re.compile(r"^\d+,?\s+")
_SPEAKER = re.compile(r"^[^:]{1,60}:\s*")


def _body(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "--- METADATA END ---":
            return lines[i + 1 :]
    return lines


def read_seed(path: Path) -> list[str]:
    """Every non-empty line that is not just an utterance number, minus a leading "N " or "N, "."""
    out = []
    for line in _body(path):
        line = line.strip()
        if line and not _NUMBER.match(line):
            out.append(_LEADING_NUMBER.sub("", line, count=1))
    return out


def read_qmsum(path: Path) -> list[str]:
    """The line after each number line, without its `Speaker:` prefix; empty turns are dropped."""
    lines = _body(path)
    out = []
    for i, line in enumerate(lines[:-1]):
        if _NUMBER.match(line.strip()):
            text = _SPEAKER.sub("", lines[i + 1].strip(), count=1).strip()
            if text and not _NUMBER.match(text):
                out.append(text)
    return out


def load_texts(limit: int) -> list[str]:
    texts = read_seed(SEED)
    for path in sorted(QMSUM.glob("*.txt")):
        if len(texts) >= limit:
            break
        texts.extend(read_qmsum(path))
    return texts[:limit]


def chroma_default(model_parent: Path, threads: int) -> Callable[[Sequence[str]], np.ndarray]:
    """Chroma's own embedding function, aimed at the local files and pinned to `threads`.

    DOWNLOAD_PATH makes it find the files (so it never downloads); the session is built exactly as
    Chroma builds it, plus intra_op_num_threads, so both sides use the same number of cores.
    """
    import onnxruntime as ort  # type: ignore[import-untyped]
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    ef = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    ef.DOWNLOAD_PATH = model_parent  # type: ignore[misc]

    def no_download(*_: Any, **__: Any) -> None:
        raise RuntimeError("Chroma tried to download its model; the bench must stay offline")

    ef._download = no_download  # type: ignore[method-assign,assignment]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    ef.__dict__["model"] = ort.InferenceSession(
        str(model_parent / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"], sess_options=options
    )
    return lambda texts: np.asarray(ef(list(texts)), dtype=np.float32)


def machine() -> dict[str, Any]:
    """The bench's machine facts, plus the onnxruntime both embedders run on."""
    import onnxruntime  # type: ignore[import-untyped]

    return {**common_machine(), "onnxruntime": onnxruntime.__version__}


def timed(fn: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str]) -> tuple[float, float, np.ndarray]:
    """Wall seconds, process CPU seconds, result. CPU time is the steadier figure on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = fn(texts)
    return time.perf_counter() - wall, time.process_time() - cpu, vectors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON results")
    parser.add_argument("--limit", type=int, default=3000, help="number of utterances (default 3000)")
    parser.add_argument("--rounds", type=int, default=1, help="timed passes over all texts (default 1)")
    parser.add_argument(
        "--chunk", type=int, default=250, help="texts per paired measurement, 0 = all at once (default 250)"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=32)
    return parser


def _load_1min() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


class _Pairs:
    """Both embedders on each chunk back to back, the order alternating, over `rounds` passes."""

    def __init__(self, runners: Sequence[tuple[str, Callable[[Sequence[str]], np.ndarray]]]) -> None:
        self.runners = list(runners)
        self.times: dict[str, list[float]] = {"ours": [], "chroma": []}
        self.cpu = {"ours": 0.0, "chroma": 0.0}
        self.chunk_ratios: list[float] = []
        self.pieces: dict[str, list[np.ndarray]] = {"ours": [], "chroma": []}

    def run(self, chunks: Sequence[Sequence[str]], rounds: int) -> None:
        for round_no in range(rounds):
            spent = {"ours": 0.0, "chroma": 0.0}
            for number, chunk in enumerate(chunks):
                self._pair(chunk, (round_no + number) % 2 == 0, spent, keep=round_no == rounds - 1)
            for label, seconds in spent.items():
                self.times[label].append(seconds)
            print(
                f"  round {round_no + 1}: ours {spent['ours']:.2f} s, chroma {spent['chroma']:.2f} s",
                flush=True,
            )

    def _pair(self, chunk: Sequence[str], forward: bool, spent: dict[str, float], keep: bool) -> None:
        pair: dict[str, float] = {}
        for label, fn in self.runners if forward else self.runners[::-1]:
            pair[label], cpu_seconds, chunk_vectors = timed(fn, chunk)
            spent[label] += pair[label]
            self.cpu[label] += cpu_seconds
            if keep:
                self.pieces[label].append(chunk_vectors)
        self.chunk_ratios.append(pair["chroma"] / pair["ours"])


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    missing = [p for p in (SEED, QMSUM, MODEL / "onnx" / "model.onnx") if not p.exists()]
    if missing:
        print(
            f"Benchmark data not found: {', '.join(map(str, missing))}.\n"
            f"It reads ../shared (the folder next to the project root, {SHARED}); run it where that exists.",
            file=sys.stderr,
        )
        return 2

    texts = load_texts(args.limit)
    ours = make_onnx(args.threads)
    chroma = chroma_default(MODEL, args.threads)
    warm = texts[:64]
    ours.embed_documents(warm)
    chroma(warm)

    size = args.chunk or len(texts)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    rounds = max(1, args.rounds)
    load_before = _load_1min()
    full_set = [timed(ours.embed_documents, texts)[0]]
    pairs = _Pairs([("ours", ours.embed_documents), ("chroma", chroma)])
    pairs.run(chunks, rounds)
    full_set.append(timed(ours.embed_documents, texts)[0])

    lengths = [sum(e.attention_mask) for e in ours._load().model.tokenizer.encode_batch(texts)]
    result = _figures(args, pairs, texts, size, rounds, full_set, lengths)
    result["load_average_1min"] = {"before": load_before, "after": _load_1min()}
    _print(result, pairs, len(texts), size, args.threads, rounds)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _figures(
    args: argparse.Namespace,
    pairs: _Pairs,
    texts: Sequence[str],
    size: int,
    rounds: int,
    full_set: Sequence[float],
    lengths: Sequence[int],
) -> dict[str, Any]:
    total = {label: sum(values) for label, values in pairs.times.items()}
    rate = {label: len(texts) * rounds / seconds for label, seconds in total.items()}
    vectors = {label: np.concatenate(parts) for label, parts in pairs.pieces.items()}
    cosine = np.sum(vectors["ours"] * vectors["chroma"], axis=1)
    ratios = pairs.chunk_ratios
    return {
        "ours_utterances_per_s": round(rate["ours"], 1),
        "chroma_default_utterances_per_s": round(rate["chroma"], 1),
        "speedup_vs_chroma_default": round(rate["ours"] / rate["chroma"], 2),
        "mean_cosine": round(float(cosine.mean()), 6),
        "min_cosine": round(float(cosine.min()), 6),
        "n_texts": len(texts),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "rounds": rounds,
        "chunk_size": size,
        "seconds_per_round": {label: [round(s, 3) for s in values] for label, values in pairs.times.items()},
        "speedup_per_chunk": {
            "median": round(statistics.median(ratios), 2),
            "min": round(min(ratios), 2),
            "max": round(max(ratios), 2),
        },
        "ours_full_set_utterances_per_s": round(len(texts) / min(full_set), 1),
        "speedup_cpu_time": round(pairs.cpu["chroma"] / pairs.cpu["ours"], 2),
        "tokens": {
            "mean": round(statistics.fmean(lengths), 1),
            "median": statistics.median(lengths),
            "max": max(lengths),
            "truncated_at_256": sum(n >= 256 for n in lengths),
        },
        "machine": machine(),
    }


def _print(result: dict[str, Any], pairs: _Pairs, n: int, size: int, threads: int, rounds: int) -> None:
    total = {label: sum(values) for label, values in pairs.times.items()}
    rate = {label: n * rounds / seconds for label, seconds in total.items()}
    print(
        f"{n} utterances in chunks of {size}, {threads} threads, {rounds} round(s), "
        f"each chunk timed for both embedders back to back"
    )
    print(
        f"tokens per utterance: mean {result['tokens']['mean']}, median {result['tokens']['median']}, "
        f"max {result['tokens']['max']}"
    )
    print(f"{'embedder':<34}{'utterances/s':>14}{'total s':>10}")
    print(f"{'LocalEmbedder (fastembed)':<34}{rate['ours']:>14.1f}{total['ours']:>10.2f}")
    print(f"{'Chroma ONNXMiniLM_L6_V2 (pad 256)':<34}{rate['chroma']:>14.1f}{total['chroma']:>10.2f}")
    print(
        f"speedup {result['speedup_vs_chroma_default']}x (per chunk: median "
        f"{result['speedup_per_chunk']['median']}, min {result['speedup_per_chunk']['min']}); "
        f"cosine mean {result['mean_cosine']}, min {result['min_cosine']}"
    )
    print(
        f"LocalEmbedder, whole set in one call: {result['ours_full_set_utterances_per_s']} "
        "utterances/s; "
        f"speedup by process CPU time {result['speedup_cpu_time']}x"
    )


if __name__ == "__main__":
    raise SystemExit(main())
