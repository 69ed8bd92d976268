"""Cutting texts into batches that waste little padding: what fastembed's fixed-size batches do not do."""

from __future__ import annotations

import numpy as np

OVERHEAD_TOKENS = 16.0


def plan_batches(lengths: np.ndarray, batch_size: int = 32, token_budget: int = 4096) -> list[np.ndarray]:
    """Indices of texts, longest first, cut into batches minimising padded tokens plus a per-run overhead.

    Cutting the sorted list every batch_size texts pads a whole batch to one outlier. Transcript utterance
    lengths are long-tailed: on the seed episode fixed batches of 32 pad 13k real tokens to 20-23k, this
    plan to 13.2k, and with `token_budget` capping a batch's padded tokens the long texts run in small
    batches (attention cost grows with the square of the width). The best split into contiguous runs of
    the sorted list is a small dynamic programme.
    """
    order = np.argsort(-lengths, kind="stable")
    widths = np.maximum(lengths[order], 1).astype(np.float64)
    n = len(order)
    cost = np.zeros(n + 1)
    take = np.ones(n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        limit = min(batch_size, max(1, token_budget // int(widths[i])), n - i)
        sizes = np.arange(1, limit + 1)
        candidates = OVERHEAD_TOKENS + sizes * widths[i] + cost[i + sizes]
        best = int(np.argmin(candidates))
        cost[i] = candidates[best]
        take[i] = best + 1
    batches: list[np.ndarray] = []
    i = 0
    while i < n:
        batches.append(order[i : i + take[i]])
        i += int(take[i])
    return batches
