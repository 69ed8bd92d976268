"""Segmentation metrics over chapter boundaries: Pk, WindowDiff (nltk's implementations) and boundary F1.

A segmentation of n units is given by its boundaries: the sorted 0-based indices of the units that open a
new chapter (never 0). nltk wants a string of n-1 gap marks ("1" where a boundary sits between unit j
and j+1); a window of k gaps then spans units i and i+k, which is the usual definition. k defaults to
half the mean reference chapter length, rounded, as in Beeferman et al. (1999), and at least 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from nltk.metrics.segmentation import pk as _nltk_pk
from nltk.metrics.segmentation import windowdiff as _nltk_windowdiff


def gap_string(boundaries: Sequence[int], n: int) -> str:
    """n-1 marks, "1" at gap j-1 for every boundary j (unit j starts a chapter)."""
    marks = ["0"] * max(n - 1, 0)
    for b in boundaries:
        if not 0 < b < n:
            raise ValueError(f"boundary {b} outside 1..{n - 1}")
        marks[b - 1] = "1"
    return "".join(marks)


def default_k(reference: Sequence[int], n: int) -> int:
    return max(1, round(n / (2 * (len(set(reference)) + 1))))


def pk(reference: Sequence[int], hypothesis: Sequence[int], n: int, k: int | None = None) -> float:
    """Probability that two units k apart are wrongly judged same/different chapter (lower is better)."""
    k = default_k(reference, n) if k is None else k
    if n - 1 < k:
        return 0.0
    return float(_nltk_pk(gap_string(reference, n), gap_string(hypothesis, n), k))


def windowdiff(reference: Sequence[int], hypothesis: Sequence[int], n: int, k: int | None = None) -> float:
    """Share of k-gap windows whose boundary counts differ (lower is better); penalises near misses less than
    Pk forgives them, and counts extra boundaries inside a window."""
    k = default_k(reference, n) if k is None else k
    if n - 1 < k:
        return 0.0
    return float(_nltk_windowdiff(gap_string(reference, n), gap_string(hypothesis, n), k))


def boundary_prf(
    reference: Sequence[int], hypothesis: Sequence[int], tolerance: int = 3
) -> tuple[float, float, float]:
    """Precision, recall, F1 of boundaries, a hypothesis boundary matching at most one reference boundary
    within +-tolerance units (greedy by distance, so each match is one-to-one)."""
    ref, hyp = sorted(set(reference)), sorted(set(hypothesis))
    pairs = sorted(
        (abs(h - r), hi, ri)
        for hi, h in enumerate(hyp)
        for ri, r in enumerate(ref)
        if abs(h - r) <= tolerance
    )
    used_h: set[int] = set()
    used_r: set[int] = set()
    for _, hi, ri in pairs:
        if hi not in used_h and ri not in used_r:
            used_h.add(hi)
            used_r.add(ri)
    matched = len(used_h)
    if not ref and not hyp:
        return 1.0, 1.0, 1.0
    precision = matched / len(hyp) if hyp else 0.0
    recall = matched / len(ref) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
