"""Performance benchmark: ingest speed, search latency at scale, memory, answer quality per token, ask
latency.

Run from the project root; each section lives in its own module (ingest_speed, search_latency, quality,
ask_latency); this one runs them and prints the table.

    python -m bench.run --quick --out bench/out/quick.json  # under 10 minutes on 2 cores (stores cached)
    python -m bench.run --out bench/out/full.json           # full run: 1M utterances, all of QMSum val

Reads ../shared (data and the all-MiniLM-L6-v2 ONNX model); every section whose inputs are missing is skipped
with a reason in the JSON. Ratios are measured in one process, interleaved, against a baseline run alongside:
Chroma's DefaultEmbeddingFunction (ingest) and the 1,000-character-chunk recipe (quality). The machine's load
average is recorded next to every section, because the development machines are shared.

Scale stores (10k / 100k / 1M utterances) are QMSum train+val transcripts (102,865 non-empty turns),
replicated under new episode ids, written through `ChromaStore.write_episode` with precomputed vectors (see
--vectors), and kept in --cache so later runs only time the searches. Search latency is measured in a fresh
process per store that loads the saved keyword index, so the peak RSS is that of a process serving searches.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.ask_latency import bench_ask
from bench.common import DEFAULT_CACHE, QMSUM, SEED, SHARED, load_average, machine, onnx_dir, uptime
from bench.ingest_speed import bench_ingest
from bench.quality import bench_quality
from bench.search_latency import bench_search, search_worker
from bench.startup import bench_startup

GOALS = {
    ("ingest", "speedup_vs_chroma_default"): (">=", 10),
    ("search", "p50_ms_100k"): ("<=", 50),
    ("quality", "ratio_vs_naive_chunks"): (">=", 1.2),
    ("ask", "offline_p50_ms"): ("<=", 300),
    ("ask", "hosted_overhead_p50_ms"): ("<=", 100),
    ("cli", "help_seconds"): ("<=", 0.3),
    ("cli", "ask_seconds"): ("<=", 1.0),
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


def _parser() -> argparse.ArgumentParser:
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
    return parser


SECTIONS = ("cli", "ingest", "search", "quality", "ask")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.search_worker:
        search_worker(args.search_worker, args.queries_file, args.worker_out, args.threads, args.scoped)
        return 0
    if not args.out:
        parser.error("--out is required")
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    for section in sections:
        if section not in SECTIONS:
            parser.error(f"unknown section {section!r}")
    os.environ.setdefault("ASSISTANT_ONNX_MODEL", str(onnx_dir()))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    started = time.perf_counter()
    result: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "command": "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(),
        "uptime": uptime(),
        "threads": args.threads,
    }
    missing = missing_inputs()
    reason = (
        f"benchmark inputs not found: {', '.join(map(str, missing))} (they live in ../shared, next to the "
        f"project root: {SHARED})"
    )
    if missing:
        _log(f"skipping the data sections: {reason}")
    for section in sections:
        _log(f"[{section}] load {load_average()}")
        if missing and section != "cli":
            result[section] = {"skipped": reason}
            continue
        try:
            result.update(_run_section(section, args))
        except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others' figures
            import traceback

            _log(traceback.format_exc())
            result[section] = {"error": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["uptime_after"] = uptime()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"wrote {args.out} in {result['seconds']} s")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_section(section: str, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of one section, keyed as they appear in the JSON (search also gives `memory`)."""
    if section == "cli":
        return {"cli": bench_startup(runs=3 if args.quick else 7)}
    if section == "ingest":
        return {"ingest": bench_ingest(args.quick, args.threads, _log)}
    if section == "search":
        sizes = (
            [int(s) for s in args.sizes.split(",")]
            if args.sizes
            else ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
        )
        queries = args.queries or (60 if args.quick else 200)
        search, memory = bench_search(sizes, args.vectors or "auto", args.cache, queries, args.threads, _log)
        return {"search": search, "memory": memory}
    if section == "quality":
        return {"quality": bench_quality(args.quick, args.budget, args.cache, args.threads, _log)}
    return {"ask": bench_ask(args.cache, args.threads, _log)}


if __name__ == "__main__":
    raise SystemExit(main())
