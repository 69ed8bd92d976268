"""The stored embedding of each row of the keyword index: a search reads vectors here, not from Chroma.

Row `i` holds the vector of the keyword index's record `i`. Saved beside that index, it is served from a
read-only memory map: pages are read on use, not held in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

VECTORS_FILE = "vectors.npy"


class VectorSnapshot:
    """Unit-length float32 vectors, one row per record of the keyword index built in the same pass."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.matrix)

    @property
    def dimension(self) -> int:
        return int(self.matrix.shape[1])

    def nearest(self, keep: np.ndarray, qv: np.ndarray, n: int) -> list[int]:
        """The `n` rows within `keep` most similar to `qv` by exact cosine, best first."""
        rows = np.flatnonzero(keep)
        if n <= 0 or len(rows) == 0:
            return []
        q = np.asarray(qv, dtype=np.float32)
        if len(rows) * 4 > len(
            keep
        ):  # a large share of the rows: one pass over all vectors beats gathering them
            sims = (np.asarray(self.matrix, dtype=np.float32) @ q)[rows]
        else:
            sims = np.asarray(self.matrix[rows], dtype=np.float32) @ q
        n = min(n, len(rows))
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [int(rows[i]) for i in top]

    def gather(self, rows: Sequence[int]) -> np.ndarray:
        """The vectors of `rows`, in that order, as one float32 block."""
        return np.asarray(self.matrix[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def save(self, folder: Path) -> None:
        np.save(
            folder / VECTORS_FILE, np.ascontiguousarray(self.matrix, dtype=np.float32), allow_pickle=False
        )

    @classmethod
    def load(cls, folder: Path) -> VectorSnapshot | None:
        """The saved vectors as a read-only memory map, or None when none (or none usable) were saved."""
        path = folder / VECTORS_FILE
        if not path.exists():
            return None
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
        if matrix.ndim != 2 or matrix.dtype != np.float32:
            return None
        return cls(matrix)
