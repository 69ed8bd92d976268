"""Aggregates the questions of one run into its figures: ranking, answers, latency, usage, categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import metrics as M
from .costs import estimate
from .records import Counts, Figures, QuestionResult, RunResult, UsageSummary
from .suite import ANSWERABLE, UNANSWERABLE, UNGRADED

STAGES = ("rewrite_ms", "retrieve_ms", "generate_ms", "total_ms", "search_ms")
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "answer_hit",
    "false_refusal",
    "correct_refusal",
    "cited_sentences",
    "support",
    "supported_sentences",
    "judge_support",
    "rouge_l",
    "token_f1",
    "general_rouge_l",
)


@dataclass
class RunKey:
    """Which run this is, and how to name it among the others of the evaluation."""

    config: Any
    embedder: str
    scope: str
    generator: Any
    k: int
    several_embedders: bool
    several_scopes: bool

    @property
    def name(self) -> str:
        name: str = (
            self.config.name
            + (f"@{self.embedder.split(':')[0]}" if self.several_embedders else "")
            + (f"/{self.scope}" if self.several_scopes else "")
        )
        return name


def summarise(key: RunKey, records: list[QuestionResult]) -> RunResult:
    answered = [r for r in records if r.answer is not None]
    figures = ranking_figures(records, key.k)
    figures.update(answer_figures(answered))
    latency = latency_figures(records)
    if "total_ms" in latency:
        figures["latency_p50_ms"] = latency["total_ms"]["p50"]
        figures["latency_p95_ms"] = latency["total_ms"]["p95"]
    usage = usage_summary(answered)
    figures.update(cost_figures(usage, len(answered) or 1))
    generator = key.generator
    return RunResult(
        name=key.name,
        config=key.config.name,
        scope=key.scope,
        description=key.config.description,
        embedder=key.embedder,
        generator=f"{generator.mode}"
        + (f" ({generator.model})" if getattr(generator, "model", None) else ""),
        fields=key.config.fields(),
        counts=counts(records, answered, usage.requests),
        metrics=figures,
        latency_ms=latency,
        usage=usage,
        by_group=group_figures(records),
        questions=records,
    )


def ranking_figures(records: Sequence[QuestionResult], k: int) -> Figures:
    answerable = [r for r in records if r.status == ANSWERABLE]
    ranks = ("hit@1", "hit@5", "hit@10", f"recall@{k}", "mrr", f"ndcg@{k}")
    names = (*ranks, "budget_hit", "budget_seen", "budget_recall")
    return {name: M.mean(r.metrics.get(name) for r in answerable) for name in names}


def answer_figures(answered: Sequence[QuestionResult]) -> Figures:
    # pooled over (citation, utterance) pairs, not averaged per answer: one bad citation anywhere must show
    total_pairs = sum(r.answer.citation_pairs for r in answered if r.answer)
    valid_pairs = sum(r.answer.citation_pairs_valid for r in answered if r.answer)
    figures: Figures = {"citation_valid": valid_pairs / total_pairs if total_pairs else None}
    for name in ANSWER_METRICS:
        figures[name] = M.mean(r.answer_metrics.get(name) for r in answered)
    return figures


def latency_figures(records: Sequence[QuestionResult]) -> dict[str, dict[str, float | None]]:
    latency: dict[str, dict[str, float | None]] = {}
    for stage in STAGES:
        values = [r.search_ms if stage == "search_ms" else _timing(r, stage) for r in records]
        kept = [float(v) for v in values if v is not None]
        if kept:
            latency[stage] = {
                "p50": M.percentile(kept, 50),
                "p95": M.percentile(kept, 95),
                "mean": sum(kept) / len(kept),
            }
    return latency


def _timing(r: QuestionResult, stage: str) -> float | None:
    return r.answer.timings.get(stage) if r.answer is not None else None


def usage_summary(answered: Iterable[QuestionResult]) -> UsageSummary:
    usage: dict[str, dict[str, float]] = {}
    requests: dict[str, int] = {}
    for r in answered:
        assert r.answer is not None
        for model, counted in r.answer.usage.items():
            bucket = usage.setdefault(model, {"input_tokens": 0.0, "output_tokens": 0.0, "search_units": 0.0})
            for key, value in counted.items():
                bucket[key] = bucket.get(key, 0.0) + value
        for route, n in r.answer.requests.items():
            requests[route] = requests.get(route, 0) + n
    cost, unpriced = estimate(usage)
    return UsageSummary(per_model=usage, requests=requests, cost_usd_total=cost, unpriced_models=unpriced)


def cost_figures(usage: UsageSummary, n_answered: int) -> Figures:
    per_model = usage.per_model
    if not per_model:
        return {}
    return {
        "tokens_in": sum(c.get("input_tokens", 0) for c in per_model.values()) / n_answered,
        "tokens_out": sum(c.get("output_tokens", 0) for c in per_model.values()) / n_answered,
        "cost_usd": usage.cost_usd_total / n_answered,
    }


def group_figures(records: Sequence[QuestionResult]) -> dict[str, Figures]:
    rows: dict[str, list[QuestionResult]] = {}
    for r in records:
        rows.setdefault(r.group, []).append(r)
    groups: dict[str, Figures] = {}
    for name, members in rows.items():
        graded = [r for r in members if r.status == ANSWERABLE]
        g: Figures = {"n": len(members)}
        for metric in ("hit@1", "hit@5", "hit@10", "mrr"):
            g[metric] = M.mean(r.metrics.get(metric) for r in graded)
        for metric in ("citation_precision", "correct_refusal", "false_refusal"):
            g[metric] = M.mean(r.answer_metrics.get(metric) for r in members)
        groups[name] = g
    return groups


def counts(
    records: Sequence[QuestionResult], answered: Sequence[QuestionResult], requests: dict[str, int]
) -> Counts:
    return Counts(
        questions=len(records),
        answerable=sum(1 for r in records if r.status == ANSWERABLE),
        unanswerable=sum(1 for r in records if r.status == UNANSWERABLE),
        ungraded=sum(1 for r in records if r.status == UNGRADED),
        gold_missing=sum(1 for r in records if r.gold_missing),
        errors=sum(1 for r in records if r.error),
        hosted_fallbacks=sum(1 for r in answered if _fell_back(r)),
        failed_cohere_calls=sum(n for route, n in requests.items() if " HTTP " in route),
    )


def _fell_back(r: QuestionResult) -> bool:
    notice = r.answer.notice if r.answer else None
    return bool(notice and "offline answer instead" in notice)
