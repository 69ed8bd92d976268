"""Ingest speed of each local model: utterances per second and per CPU-second on the seed episode.

Embeds the seed transcript's 678 utterances (with each model's document prompt) after one warm-up call,
and prints wall and process-CPU rates; on a shared machine the CPU rate is the steadier figure (2 cores
give at most twice it). Models come from folders: `python bench/model_speed.py KEY=FOLDER ...`, e.g.
all-MiniLM-L6-v2=../shared/models/all-MiniLM-L6-v2/onnx.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.ingest.parse import parse_file  # noqa: E402
from assistant.models.catalog import spec  # noqa: E402
from assistant.models.embedder import LocalEmbedder  # noqa: E402

SEED = ROOT.parent / "shared/data/seed/000_081a4311286ebea2.txt"


def main(argv: list[str]) -> int:
    texts = [u.text for u in parse_file(SEED).utterances]
    cache = Path(tempfile.gettempdir()) / "assistant-bench-models"
    for item in argv:
        key, _, folder = item.partition("=")
        embedder = LocalEmbedder(spec(key), Path(folder), cache=cache)
        started = time.perf_counter()
        embedder.embed_documents(texts[:8])
        load = time.perf_counter() - started
        wall, cpu = time.perf_counter(), time.process_time()
        embedder.embed_documents(texts)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{item}: load {load:.1f} s; {len(texts) / wall:.0f} utterances/s, "
            f"{len(texts) / cpu:.0f} per CPU-second",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
