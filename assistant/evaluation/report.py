"""Writes what a run measured: report.md for people, results.json with every figure, chart.png of the runs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .records import Check, Evaluation, RunResult
from .thresholds import check_thresholds, parse_threshold

__all__ = ["check_thresholds", "fmt", "markdown", "parse_threshold", "reference_run", "write_all"]

RETRIEVAL_COLUMNS = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("hit@10", "hit@10"),
    ("recall@10", "recall@10"),
    ("mrr", "MRR"),
    ("ndcg@10", "nDCG@10"),
    ("budget_hit", "budget hit"),
    ("budget_seen", "budget seen"),
    ("budget_recall", "budget recall"),
)
ANSWER_COLUMNS = (
    ("citation_valid", "citations valid"),
    ("citation_precision", "cite precision"),
    ("citation_recall", "cite recall"),
    ("answer_hit", "cites gold"),
    ("cited_sentences", "cited sentences"),
    ("support", "lexical support"),
    ("judge_support", "judge support"),
    ("correct_refusal", "correct refusals"),
    ("false_refusal", "false refusals"),
    ("rouge_l", "ROUGE-L"),
    ("token_f1", "token F1"),
    ("general_rouge_l", "ROUGE-L (general)"),
)
STAGE_COLUMNS = ("rewrite_ms", "retrieve_ms", "generate_ms", "total_ms", "search_ms")
SPEED_HEADER = (
    "run",
    "rewrite",
    "retrieve",
    "generate",
    "total",
    "search",
    "tokens in",
    "tokens out",
    "est. USD",
    "Cohere calls",
)
CHART_LEFT = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "budget_hit")
CHART_RIGHT = ("citation_precision", "answer_hit", "cited_sentences", "support", "correct_refusal", "rouge_l")
SCOPES = {
    "episode": "episode (each question searches only its own episode)",
    "library": "library (each question searches the whole library)",
}
FOOTER = (
    "How to read this report: see `eval/README.md`. Every figure, and every question's ranking, "
    "answer and citations, is in `results.json`; `chart.png` compares the runs."
)


# ---- formatting -----------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def _numbers(ids: Sequence[str], limit: int | None = None) -> str:
    shown = [i.split("#")[0] + "#" + str(int(i.split("#")[1])) if "#" in i else i for i in ids[:limit]]
    more = len(ids) - len(shown)
    return (", ".join(shown) + (f" … ({len(ids)} in all)" if more > 0 else "")) or "–"


def _requests(requests: dict[str, int]) -> str:
    return ", ".join(f"{n} {route}" for route, n in sorted(requests.items())) or "–"


def reference_run(data: Evaluation) -> RunResult | None:
    for r in data.runs:
        if r.config == "hybrid":
            return r
    return data.runs[0] if data.runs else None


# ---- report.md, one function per section ----------------------------------------------------------------


def markdown(data: Evaluation, checks: Sequence[Check] = ()) -> str:
    lines = _header(data)
    if not data.runs:
        lines += ["No configuration ran.", ""]
    else:
        for section in (_retrieval, _answers, _speed, _configurations, _categories, _misses):
            lines += section(data)
    lines += _warnings(data.runs) + _thresholds(checks) + _notes(data.notes)
    lines += ["", FOOTER, ""]
    return "\n".join(lines)


def _header(data: Evaluation) -> list[str]:
    suite, st, h, s = data.suite, data.suite.statuses, data.hosted, data.settings
    hosted = {
        "off": "off (no key and no fixtures: hosted configurations skipped)",
        "live": "live Cohere API",
        "record": f"live Cohere API, recorded to `{h.fixtures}`",
        "replay": f"replayed from `{h.fixtures}`",
        "craft": f"crafted fixtures written to `{h.fixtures}`",
    }
    lines = [
        f"# Evaluation report: {suite.name}",
        "",
        f"- **Suite**: `{suite.path}` ({suite.questions} questions: {st.get('answerable', 0)} with gold "
        f"evidence, {st.get('unanswerable', 0)} unanswerable, {st.get('ungraded', 0)} without evidence)",
        f"- **Date**: {data.date}",
        f"- **Command**: `{data.command}`",
        "- **Scope**: " + "; ".join(SCOPES.get(x, x) for x in data.scopes or [data.scope]),
    ]
    lines += [
        f"- **Embedder** `{e.embedder}`: {e.episodes} episodes, {e.utterances} utterances "
        f"ingested in {e.seconds:.1f} s"
        for e in data.embedders.values()
    ]
    lines += [
        f"- **Hosted**: {hosted.get(h.mode, h.mode)}; chat `{h.chat_model}`, rerank `{h.rerank_model}`"
        + (" — **fixtures: crafted**" if h.crafted else ""),
        f"- **Settings**: top_k {s.top_k}, answer context {s.context_tokens} tokens, search depth "
        f"{s.search_depth}, budget metric {s.budget_tokens} tokens",
        f"- **Wall time**: {data.wall_seconds:.1f} s",
        "",
    ]
    return lines


def _retrieval(data: Evaluation) -> list[str]:
    runs = data.runs
    lines = [
        "## Retrieval",
        "",
        f"Over the {runs[0].counts.answerable} questions with gold evidence. *budget hit*: a gold "
        f"utterance is among the documents that fit in {data.settings.budget_tokens} tokens (as "
        "`generation.context.pack` counts them); *budget seen*: it is in one of those documents or in "
        "their context lines; *budget recall*: the share of gold utterances sent either way.",
        "",
    ]
    return lines + _table(
        ["run", *[label for _, label in RETRIEVAL_COLUMNS]],
        [[f"`{r.name}`", *[fmt(r.metrics.get(m)) for m, _ in RETRIEVAL_COLUMNS]] for r in runs],
    )


def _answers(data: Evaluation) -> list[str]:
    runs = data.runs
    lines = [
        "",
        "## Answers and citations",
        "",
        "*citations valid* must be 1.000 (every cited utterance exists, with the same text, among the "
        "utterances retrieved for the answer). A refusal is an answer with no citation.",
        "",
    ]
    cols = [(m, label) for m, label in ANSWER_COLUMNS if any(r.metrics.get(m) is not None for r in runs)]
    return lines + _table(
        ["run", "answers", *[label for _, label in cols]],
        [[f"`{r.name}`", r.generator, *[fmt(r.metrics.get(m)) for m, _ in cols]] for r in runs],
    )


def _speed(data: Evaluation) -> list[str]:
    lines = [
        "",
        "## Speed and cost",
        "",
        "Milliseconds per question (p50 / p95) for each stage of `ask()`, and the separate ranking "
        f"`search()`. Tokens are billed units per question; cost is an {data.prices}.",
        "",
    ]
    return lines + _table(SPEED_HEADER, [_speed_row(r) for r in data.runs])


def _speed_row(r: RunResult) -> list[str]:
    row = [f"`{r.name}`"]
    for stage in STAGE_COLUMNS:
        v = r.latency_ms.get(stage)
        row.append(f"{v['p50']:.0f} / {v['p95']:.0f}" if v else "–")
    return row + [
        fmt(r.metrics.get("tokens_in"), 0),
        fmt(r.metrics.get("tokens_out"), 0),
        fmt(r.metrics.get("cost_usd"), 5),
        _requests(r.usage.requests),
    ]


def _configurations(data: Evaluation) -> list[str]:
    lines = ["", "## Configurations", ""]
    seen: set[str] = set()
    for r in data.runs:
        if r.config in seen:
            continue
        seen.add(r.config)
        fields = ", ".join(f"{k}={v}" for k, v in r.fields.items())
        lines.append(f"- `{r.config}`: {r.description} ({fields})")
    return lines


def _categories(data: Evaluation) -> list[str]:
    runs = data.runs
    lines = [
        "",
        "## By category",
        "",
        "hit@5 on questions with gold evidence; correct refusals on unanswerable ones.",
        "",
    ]
    rows = []
    for g in sorted({g for r in runs for g in r.by_group}):
        row = [g, str(max(r.by_group.get(g, {}).get("n", 0) for r in runs))]
        row += [_category_cell(r.by_group.get(g, {})) for r in runs]
        rows.append(row)
    return lines + _table(["category", "n", *[f"`{r.name}`" for r in runs]], rows)


def _category_cell(info: dict[str, Any]) -> str:
    value = info.get("hit@5")
    if value is None and info.get("correct_refusal") is not None:
        return f"{fmt(info['correct_refusal'])} refused"
    return fmt(value)


def _misses(data: Evaluation) -> list[str]:
    ref = reference_run(data)
    if ref is None:
        return []
    misses = [q for q in ref.questions if q.status == "answerable" and not q.metrics.get("hit@10")]
    lines = [
        "",
        f"## Misses of `{ref.name}`",
        "",
        f"{len(misses)} questions with no gold utterance in the top 10"
        + (" (first 15 shown; all in results.json)" if len(misses) > 15 else "")
        + ".",
        "",
    ]
    if misses:
        lines += _table(
            ["id", "question", "gold", "top 3"],
            [[q.id, q.question[:90], _numbers(q.gold, 5), _numbers(q.ranking[:3])] for q in misses[:15]],
        )
    errors = [q for q in ref.questions if q.error]
    if errors:
        lines += [
            "",
            f"{len(errors)} questions failed: " + "; ".join(f"{q.id}: {q.error}" for q in errors[:5]),
        ]
    return lines


def _warnings(runs: Sequence[RunResult]) -> list[str]:
    warnings = [w for r in runs for w in _run_warnings(r)]
    return ["", "## Warnings", ""] + [f"- {w}" for w in warnings] if warnings else []


def _run_warnings(r: RunResult) -> list[str]:
    c, out = r.counts, []
    if c.hosted_fallbacks:
        out.append(f"`{r.name}`: {c.hosted_fallbacks} hosted answers fell back to the offline answer")
    if c.failed_cohere_calls:
        failed = {k: v for k, v in r.usage.requests.items() if " HTTP " in k}
        out.append(
            f"`{r.name}`: {c.failed_cohere_calls} Cohere calls failed ({_requests(failed)}); "
            "a failed rerank keeps the fused order, so those figures are not hosted figures"
        )
    if c.errors:
        out.append(f"`{r.name}`: {c.errors} questions raised an error (see results.json)")
    if r.metrics.get("citation_valid") not in (None, 1.0):
        out.append(f"`{r.name}`: citations valid is {fmt(r.metrics['citation_valid'])}, not 1.000")
    return out


def _thresholds(checks: Sequence[Check]) -> list[str]:
    if not checks:
        return []
    return ["", "## Thresholds", ""] + _table(
        ["threshold", "run", "got", "result"],
        [[f"`{c.threshold}`", f"`{c.run}`", fmt(c.got), "ok" if c.ok else "**MISSED**"] for c in checks],
    )


def _notes(notes: Sequence[str]) -> list[str]:
    return ["", "## Notes", ""] + [f"- {n}" for n in notes] if notes else []


# ---- files ----------------------------------------------------------------------------------------------


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_chart(data: Evaluation, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = data.runs
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    panels = (
        (axes[0], CHART_LEFT, "Retrieval (questions with gold evidence)"),
        (axes[1], CHART_RIGHT, "Answers and citations"),
    )
    width = 0.8 / max(1, len(runs))
    for ax, metric_names, title in panels:
        for i, r in enumerate(runs):
            values = [r.metrics.get(m) for m in metric_names]
            xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(metric_names))]
            ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=r.name)
        ax.set_xticks(range(len(metric_names)))
        ax.set_xticklabels(metric_names, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("score (0–1)")
    embedders = ", ".join(e.embedder for e in data.embedders.values())
    crafted = "; hosted fixtures: crafted" if data.hosted.crafted else ""
    fig.suptitle(f"{data.suite.name}: {data.scope} scope, {embedders}{crafted}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(runs), 6), fontsize="small")
    fig.tight_layout(rect=(0, 0.08 + 0.04 * ((len(runs) - 1) // 6), 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(data: Evaluation, out: Path, checks: Sequence[Check] = ()) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "report.md", "json": out / "results.json", "chart": out / "chart.png"}
    write_json(data.to_json(list(checks)), paths["json"])
    paths["markdown"].write_text(markdown(data, checks), encoding="utf-8")
    try:
        write_chart(data, paths["chart"])
    except ModuleNotFoundError:  # the chart is the one part that needs the [eval] extra
        paths["chart"].unlink(missing_ok=True)
        del paths["chart"]
    return paths
