"""The project's own OnnxEmbedder against fastembed (LocalEmbedder) on the same all-MiniLM-L6-v2 files.

Utterances per second (wall and CPU) on the seed transcript's 678 utterances, in interleaved rounds so
machine load hits both alike, and the largest cosine difference between their vectors. Also fastembed
with its own fixed-size batching, to show what the batch plan is worth. Run from the project root:
python bench/onnx_vs_fastembed.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.index.onnx_embedder import OnnxEmbedder  # noqa: E402
from assistant.ingest.parse import parse_file  # noqa: E402
from assistant.models.catalog import spec  # noqa: E402
from assistant.models.embedder import LocalEmbedder  # noqa: E402

SHARED = ROOT.parent / "shared"
SEED = SHARED / "data/seed/000_081a4311286ebea2.txt"
MODEL = SHARED / "models/all-MiniLM-L6-v2/onnx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not (SEED.exists() and MODEL.exists()):
        print(f"needs {SEED} and {MODEL} (../shared)", file=sys.stderr)
        return 2
    texts = [u.text for u in parse_file(SEED).utterances]
    ours = OnnxEmbedder(MODEL)
    library = LocalEmbedder(spec("all-MiniLM-L6-v2"), MODEL, cache=Path("/tmp/onnx-vs-fastembed"))
    plain = library._load()

    def fixed_batches(batch: list[str]) -> np.ndarray:
        return np.stack(list(plain.embed(batch, batch_size=32)))

    runners = {"OnnxEmbedder": ours.embed_documents, "fastembed + batch plan": library.embed_documents}
    runners["fastembed, its own batches (1 thread)"] = fixed_batches
    for run in runners.values():
        run(texts[:32])
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, run in runners.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run(texts)
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    a, b = ours.embed_documents(texts), library.embed_documents(texts)
    print(f"{len(texts)} utterances, {args.rounds} rounds, median")
    for name, spent in times.items():
        wall = float(np.median([w for w, _ in spent]))
        cpu = float(np.median([c for _, c in spent]))
        print(f"{name:<40} {len(texts) / wall:7.0f} utterances/s   {len(texts) / cpu:7.0f} per CPU-second")
    print(f"max |cosine difference| {float(np.abs(1 - np.sum(a * b, axis=1)).max()):.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
