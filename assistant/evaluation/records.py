"""What an evaluation measured, as typed records; `to_json()` gives the results.json layout (schema 1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Figures = dict[str, Any]
"""Metric name -> value (None when nothing was measured). Names carry k (`recall@10`), so not fields."""


@dataclass
class Ranking:
    """Ranking metrics of one question with gold evidence."""

    metrics: Figures
    first_rank: int | None
    budget_docs: int


@dataclass
class AnswerResult:
    """What `ask()` answered for one question, and how its citations scored."""

    answer: str
    mode: str
    model: str | None
    notice: str | None
    cited: list[str]
    citation_pairs: int
    citation_pairs_valid: int
    citations_from_context: int
    refused: bool
    timings: dict[str, float]
    answer_metrics: Figures
    usage: dict[str, dict[str, float]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)


@dataclass
class QuestionResult:
    id: str
    episode: str | None
    question: str
    group: str
    status: str
    gold: list[str]
    gold_missing: list[str]
    query: str = ""
    ranking: list[str] = field(default_factory=list)
    search_ms: float = 0.0
    error: str | None = None
    scores: Ranking | None = None
    """None unless the question has gold evidence."""
    answer: AnswerResult | None = None
    """None with --retrieval-only, or when `ask()` raised (see `error`)."""

    @property
    def metrics(self) -> Figures:
        return self.scores.metrics if self.scores else {}

    @property
    def answer_metrics(self) -> Figures:
        return self.answer.answer_metrics if self.answer else {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "episode": self.episode,
            "question": self.question,
            "group": self.group,
            "status": self.status,
            "gold": self.gold,
            "gold_missing": self.gold_missing,
        }
        if self.error is not None:
            out["error"] = self.error
        out.update(query=self.query, ranking=self.ranking, search_ms=self.search_ms, metrics=self.metrics)
        if self.scores is not None:
            out.update(first_rank=self.scores.first_rank, budget_docs=self.scores.budget_docs)
        if self.answer is not None:
            out.update(asdict(self.answer))
        return out


@dataclass
class Counts:
    questions: int
    answerable: int
    unanswerable: int
    ungraded: int
    gold_missing: int
    errors: int
    hosted_fallbacks: int
    failed_cohere_calls: int


@dataclass
class UsageSummary:
    per_model: dict[str, dict[str, float]]
    requests: dict[str, int]
    cost_usd_total: float
    unpriced_models: list[str]


@dataclass
class RunResult:
    """One configuration × embedder × scope over the whole suite."""

    name: str
    config: str
    scope: str
    description: str
    embedder: str
    generator: str
    fields: dict[str, Any]
    counts: Counts
    metrics: Figures
    latency_ms: dict[str, dict[str, float | None]]
    usage: UsageSummary
    by_group: dict[str, Figures]
    questions: list[QuestionResult]

    def to_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out.update(
            counts=asdict(self.counts),
            usage=asdict(self.usage),
            questions=[q.to_json() for q in self.questions],
        )
        return out


@dataclass
class SuiteInfo:
    name: str
    path: str
    transcripts: str
    description: str
    questions: int
    statuses: dict[str, int]


@dataclass
class Ingest:
    embedder: str
    seconds: float
    episodes: int
    utterances: int


@dataclass
class HostedInfo:
    mode: str
    fixtures: str | None
    crafted: bool
    chat_model: str
    rerank_model: str


@dataclass
class RunSettings:
    top_k: int
    context_tokens: int
    budget_tokens: int
    k: int
    search_depth: int


@dataclass
class Check:
    """One --min threshold against one run."""

    threshold: str
    run: str
    metric: str
    bound: str
    value: float
    got: float
    ok: bool


@dataclass
class Evaluation:
    """Everything one `assistant eval` measured."""

    suite: SuiteInfo
    date: str
    command: str
    scopes: list[str]
    embedders: dict[str, Ingest]
    hosted: HostedInfo
    settings: RunSettings
    prices: str
    notes: list[str]
    runs: list[RunResult]
    wall_seconds: float
    schema: int = 1

    @property
    def scope(self) -> str:
        return ", ".join(self.scopes)

    def to_json(self, checks: list[Check] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": self.schema,
            "suite": asdict(self.suite),
            "date": self.date,
            "command": self.command,
            "scope": self.scope,
            "scopes": list(self.scopes),
            "embedders": {kind: asdict(e) for kind, e in self.embedders.items()},
            "hosted": asdict(self.hosted),
            "settings": asdict(self.settings),
            "prices": self.prices,
            "notes": self.notes,
            "runs": [r.to_json() for r in self.runs],
            "wall_seconds": self.wall_seconds,
        }
        if checks is not None:
            out["thresholds"] = [asdict(c) for c in checks]
        return out
