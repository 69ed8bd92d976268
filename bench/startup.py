"""What a CLI user waits for: wall time of real `assistant` processes, from start to exit.

A seed-sized store (the seed podcast, 678 utterances, the local ONNX model) is built once in a temporary
folder; then `assistant --help`, `status`, `search` and `ask` run as fresh processes, interleaved with an
empty `python -c pass` so the interpreter's own start-up, and the machine's load, are measured alongside.

    python -m bench.startup --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, SEED, load_average, onnx_dir

COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "status": ["status"],
    "search": ["search", "How did Aidan get the internship at Google?"],
    "ask": ["ask", "How did Aidan get the internship at Google?"],
}


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, env=env, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')[-400:]}")
    return seconds


def bench_startup(runs: int = 5) -> dict[str, Any]:
    """Median wall seconds per command, and the same minus an empty interpreter's start."""
    model = onnx_dir()
    if not (model / "model.onnx").exists() or not SEED.exists():
        return {"skipped": "needs ../shared (the seed transcript and the all-MiniLM-L6-v2 ONNX model)"}
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "ASSISTANT_STORE": str(Path(folder) / "store"),
            "ASSISTANT_ONNX_MODEL": str(model),
            "ASSISTANT_MODE": "offline",
        }
        cli = [sys.executable, "-m", "assistant"]
        _run([*cli, "ingest", str(SEED)], env)
        _run([*cli, *COMMANDS["ask"]], env)  # the first question saves the keyword index beside the store
        times: dict[str, list[float]] = {name: [] for name in ["python", *COMMANDS]}
        load_before = load_average()
        for _ in range(runs):
            times["python"].append(_run([sys.executable, "-c", "pass"], env))
            for name, args in COMMANDS.items():
                times[name].append(_run([*cli, *args], env))
    base = statistics.median(times["python"])
    out: dict[str, Any] = {"runs": runs, "load_before": load_before, "load_after": load_average()}
    for name, samples in times.items():
        median = statistics.median(samples)
        out[f"{name}_seconds"] = round(median, 3)
        if name != "python":
            out[f"{name}_seconds_over_python"] = round(median - base, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command (default 5)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    result = bench_startup(args.runs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
