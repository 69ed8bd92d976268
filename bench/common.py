"""What every bench section shares: paths into ../shared, timing summaries, machine facts, data readers,
the cached ONNX embedder."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


SHARED = ROOT.parent / "shared"


SEED = SHARED / "data/seed/000_081a4311286ebea2.txt"


QMSUM = SHARED / "data/qmsum"


MODEL = SHARED / "models/all-MiniLM-L6-v2"


DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "transcript-assistant-bench"


STORE_BUILD_VERSION = 1
"""Bump when the way scale stores are built changes, so cached ones are rebuilt."""


EMBEDDER_NAME = "onnx:all-MiniLM-L6-v2"


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
    """Wraps an embedder:
    document vectors are kept on disk by text, so reruns do not embed the same text again.

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
            by_key = {k: t for k, t in zip(keys, texts, strict=True)}
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
    """all-MiniLM-L6-v2 from ../shared through the product's local embedder, under the name stores record."""
    import tempfile

    from assistant import LocalEmbedder
    from assistant.models.catalog import spec

    cache = Path(tempfile.gettempdir()) / "assistant-bench-models"
    return LocalEmbedder(
        spec("all-MiniLM-L6-v2"), onnx_dir(), cache=cache, threads=threads, name="onnx:all-MiniLM-L6-v2"
    )


def offline_settings(store: Path, **overrides: Any) -> Any:
    from assistant import Settings

    return Settings(store=store, mode="offline", embedder="onnx", onnx_model=onnx_dir(), **overrides)
