"""`--min [RUN:]METRIC=VALUE` gates: parsed once, checked against every matching run."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .records import Check, Evaluation, RunResult

_THRESHOLD = re.compile(r"^(?:(?P<run>[^:=]+):)?(?P<metric>[^=:]+)=(?P<value>[-+]?\d*\.?\d+)$")
LOWER_IS_BETTER = ("false_refusal", "latency_p50_ms", "latency_p95_ms", "tokens_in", "tokens_out", "cost_usd")


def parse_threshold(text: str) -> tuple[str | None, str, float]:
    """`hit@5=0.9` or `hybrid:hit@5=0.9` -> (run or None, metric, value)."""
    match = _THRESHOLD.match(text.strip())
    if not match:
        raise ValueError(f"{text!r}: expected METRIC=VALUE or CONFIG:METRIC=VALUE, e.g. hit@5=0.9")
    return match.group("run"), match.group("metric").strip(), float(match.group("value"))


def check_thresholds(data: Evaluation, thresholds: Sequence[str]) -> list[Check]:
    """Every threshold against every matching run. Latency, tokens, cost and false_refusal are maxima."""
    checks: list[Check] = []
    for text in thresholds:
        checks += _check(data.runs, text)
    return checks


def _check(runs: Sequence[RunResult], text: str) -> list[Check]:
    run_name, metric, value = parse_threshold(text)
    known = {m for r in runs for m in r.metrics}
    if metric not in known and runs:
        raise ValueError(f"{text!r}: unknown metric {metric!r}; known: {', '.join(sorted(known))}")
    matching = [r for r in runs if run_name is None or run_name in (r.name, r.config)]
    if run_name is not None and not matching:
        raise ValueError(
            f"{text!r}: no run named {run_name!r} in this evaluation "
            f"(runs: {', '.join(r.name for r in runs)})"
        )
    upper = metric in LOWER_IS_BETTER
    checks = []
    for r in matching:
        got = r.metrics.get(metric)
        if got is None:
            continue
        checks.append(
            Check(
                threshold=text,
                run=r.name,
                metric=metric,
                bound="max" if upper else "min",
                value=value,
                got=got,
                ok=got <= value if upper else got >= value,
            )
        )
    return checks
