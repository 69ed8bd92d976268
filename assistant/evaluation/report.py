"""Writes what a run measured: report.md for people, results.json with every figure, chart.png comparing runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

RETRIEVAL_COLUMNS = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("hit@10", "hit@10"),
    ("recall@10", "recall@10"),
    ("mrr", "MRR"),
    ("ndcg@10", "nDCG@10"),
    ("budget_hit", "budget hit"),
    ("budget_seen", "budget seen"),
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
CHART_LEFT = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "budget_hit")
CHART_RIGHT = ("citation_precision", "answer_hit", "cited_sentences", "support", "correct_refusal", "rouge_l")

_THRESHOLD = re.compile(r"^(?:(?P<run>[^:=]+):)?(?P<metric>[^=:]+)=(?P<value>[-+]?\d*\.?\d+)$")
LOWER_IS_BETTER = ("false_refusal", "latency_p50_ms", "latency_p95_ms", "tokens_in", "tokens_out", "cost_usd")


def parse_threshold(text: str) -> tuple[str | None, str, float]:
    """`hit@5=0.9` or `hybrid:hit@5=0.9` -> (run or None, metric, value)."""
    match = _THRESHOLD.match(text.strip())
    if not match:
        raise ValueError(f"{text!r}: expected METRIC=VALUE or CONFIG:METRIC=VALUE, e.g. hit@5=0.9")
    return match.group("run"), match.group("metric").strip(), float(match.group("value"))


def check_thresholds(data: dict[str, Any], thresholds: Sequence[str]) -> list[dict[str, Any]]:
    """Every threshold against every matching run. Metrics named `*_ms`, tokens, cost, false_refusal are maxima."""
    checks: list[dict[str, Any]] = []
    runs = data["runs"]
    known = {m for r in runs for m in r["metrics"]}
    for text in thresholds:
        run_name, metric, value = parse_threshold(text)
        if metric not in known and runs:
            raise ValueError(f"{text!r}: unknown metric {metric!r}; known: {', '.join(sorted(known))}")
        matching = [r for r in runs if run_name is None or run_name in (r["name"], r["config"])]
        if run_name is not None and not matching:
            raise ValueError(
                f"{text!r}: no run named {run_name!r} in this evaluation "
                f"(runs: {', '.join(r['name'] for r in runs)})"
            )
        upper = metric in LOWER_IS_BETTER
        for r in matching:
            got = r["metrics"].get(metric)
            if got is None:
                continue
            ok = got <= value if upper else got >= value
            checks.append(
                {
                    "threshold": text,
                    "run": r["name"],
                    "metric": metric,
                    "bound": "max" if upper else "min",
                    "value": value,
                    "got": got,
                    "ok": ok,
                }
            )
    return checks


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


def reference_run(data: dict[str, Any]) -> dict[str, Any] | None:
    runs = data["runs"]
    for r in runs:
        if r["config"] == "hybrid":
            return r
    return runs[0] if runs else None


def markdown(data: dict[str, Any], checks: Sequence[dict[str, Any]] = ()) -> str:
    suite = data["suite"]
    st = suite["statuses"]
    lines = [f"# Evaluation report: {suite['name']}", ""]
    lines.append(
        f"- **Suite**: `{suite['path']}` ({suite['questions']} questions: {st.get('answerable', 0)} with gold "
        f"evidence, {st.get('unanswerable', 0)} unanswerable, {st.get('ungraded', 0)} without evidence)"
    )
    lines.append(f"- **Date**: {data['date']}")
    lines.append(f"- **Command**: `{data['command']}`")
    described = {
        "episode": "episode (each question searches only its own episode)",
        "library": "library (each question searches the whole library)",
    }
    lines.append(
        "- **Scope**: " + "; ".join(described.get(x, x) for x in data.get("scopes") or [data["scope"]])
    )
    for e in data["embedders"].values():
        lines.append(
            f"- **Embedder** `{e['embedder']}`: {e['episodes']} episodes, {e['utterances']} utterances "
            f"ingested in {e['seconds']:.1f} s"
        )
    h = data["hosted"]
    hosted = {
        "off": "off (no key and no fixtures: hosted configurations skipped)",
        "live": "live Cohere API",
        "record": f"live Cohere API, recorded to `{h['fixtures']}`",
        "replay": f"replayed from `{h['fixtures']}`",
        "craft": f"crafted fixtures written to `{h['fixtures']}`",
    }
    lines.append(
        f"- **Hosted**: {hosted.get(h['mode'], h['mode'])}; chat `{h['chat_model']}`, rerank "
        f"`{h['rerank_model']}`" + (" — **fixtures: crafted**" if h["crafted"] else "")
    )
    s = data["settings"]
    lines.append(
        f"- **Settings**: top_k {s['top_k']}, answer context {s['context_tokens']} tokens, search depth "
        f"{s['search_depth']}, budget metric {s['budget_tokens']} tokens"
    )
    lines.append(f"- **Wall time**: {data['wall_seconds']:.1f} s")
    lines.append("")

    runs = data["runs"]
    if not runs:
        lines += ["No configuration ran.", ""]
    else:
        lines += [
            "## Retrieval",
            "",
            (
                f"Over the {runs[0]['counts']['answerable']} questions with gold evidence. *budget hit*: a gold "
                f"utterance is among the documents that fit in {s['budget_tokens']} tokens (as "
                "`generation.context.pack` counts them); *budget seen*: it is in one of those documents or in "
                "their context lines."
            ),
            "",
        ]
        lines += _table(
            ["run", *[label for _, label in RETRIEVAL_COLUMNS]],
            [[f"`{r['name']}`", *[fmt(r["metrics"].get(m)) for m, _ in RETRIEVAL_COLUMNS]] for r in runs],
        )
        lines += [
            "",
            "## Answers and citations",
            "",
            (
                "*citations valid* must be 1.000 (every cited utterance exists, with the same text, among the "
                "utterances retrieved for the answer). A refusal is an answer with no citation."
            ),
            "",
        ]
        cols = [
            (m, label) for m, label in ANSWER_COLUMNS if any(r["metrics"].get(m) is not None for r in runs)
        ]
        lines += _table(
            ["run", "answers", *[label for _, label in cols]],
            [[f"`{r['name']}`", r["generator"], *[fmt(r["metrics"].get(m)) for m, _ in cols]] for r in runs],
        )
        lines += [
            "",
            "## Speed and cost",
            "",
            (
                "Milliseconds per question (p50 / p95) for each stage of `ask()`, and the separate ranking "
                f"`search()`. Tokens are billed units per question; cost is an {data['prices']}."
            ),
            "",
        ]
        stage_cols = ("rewrite_ms", "retrieve_ms", "generate_ms", "total_ms", "search_ms")
        rows = []
        for r in runs:
            lat = r["latency_ms"]
            row = [f"`{r['name']}`"]
            for stage in stage_cols:
                v = lat.get(stage)
                row.append(f"{v['p50']:.0f} / {v['p95']:.0f}" if v else "–")
            row += [
                fmt(r["metrics"].get("tokens_in"), 0),
                fmt(r["metrics"].get("tokens_out"), 0),
                fmt(r["metrics"].get("cost_usd"), 5),
                _requests(r["usage"]["requests"]),
            ]
            rows.append(row)
        lines += _table(
            [
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
            ],
            rows,
        )
        lines += ["", "## Configurations", ""]
        seen: set[str] = set()
        for r in runs:
            if r["config"] in seen:
                continue
            seen.add(r["config"])
            fields = ", ".join(f"{k}={v}" for k, v in r["fields"].items())
            lines.append(f"- `{r['config']}`: {r['description']} ({fields})")
        lines += [
            "",
            "## By category",
            "",
            ("hit@5 on questions with gold evidence; correct refusals on unanswerable ones."),
            "",
        ]
        groups = sorted({g for r in runs for g in r["by_group"]})
        rows = []
        for g in groups:
            row = [g, str(max(r["by_group"].get(g, {}).get("n", 0) for r in runs))]
            for r in runs:
                info = r["by_group"].get(g, {})
                value = info.get("hit@5")
                if value is None and info.get("correct_refusal") is not None:
                    row.append(f"{fmt(info['correct_refusal'])} refused")
                else:
                    row.append(fmt(value))
            rows.append(row)
        lines += _table(["category", "n", *[f"`{r['name']}`" for r in runs]], rows)
        ref = reference_run(data)
        if ref is not None:
            misses = [
                q for q in ref["questions"] if q["status"] == "answerable" and not q["metrics"].get("hit@10")
            ]
            lines += [
                "",
                f"## Misses of `{ref['name']}`",
                "",
                f"{len(misses)} questions with no gold utterance in the top 10"
                + (" (first 15 shown; all in results.json)" if len(misses) > 15 else "")
                + ".",
                "",
            ]
            if misses:
                lines += _table(
                    ["id", "question", "gold", "top 3"],
                    [
                        [q["id"], q["question"][:90], _numbers(q["gold"], 5), _numbers(q["ranking"][:3])]
                        for q in misses[:15]
                    ],
                )
            errors = [q for q in ref["questions"] if q.get("error")]
            if errors:
                lines += [
                    "",
                    f"{len(errors)} questions failed: "
                    + "; ".join(f"{q['id']}: {q['error']}" for q in errors[:5]),
                ]
    warnings = []
    for r in runs:
        c = r["counts"]
        if c.get("hosted_fallbacks"):
            warnings.append(
                f"`{r['name']}`: {c['hosted_fallbacks']} hosted answers fell back to the offline answer"
            )
        if c.get("failed_cohere_calls"):
            warnings.append(
                f"`{r['name']}`: {c['failed_cohere_calls']} Cohere calls failed "
                f"({_requests({k: v for k, v in r['usage']['requests'].items() if ' HTTP ' in k})}); "
                "a failed rerank keeps the fused order, so those figures are not hosted figures"
            )
        if c.get("errors"):
            warnings.append(f"`{r['name']}`: {c['errors']} questions raised an error (see results.json)")
        if r["metrics"].get("citation_valid") not in (None, 1.0):
            warnings.append(
                f"`{r['name']}`: citations valid is {fmt(r['metrics']['citation_valid'])}, not 1.000"
            )
    if warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in warnings]
    if checks:
        lines += ["", "## Thresholds", ""]
        lines += _table(
            ["threshold", "run", "got", "result"],
            [
                [f"`{c['threshold']}`", f"`{c['run']}`", fmt(c["got"]), "ok" if c["ok"] else "**MISSED**"]
                for c in checks
            ],
        )
    if data["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in data["notes"]]
    lines += [
        "",
        (
            "How to read this report: see `eval/README.md`. Every figure, and every question's ranking, "
            "answer and citations, is in `results.json`; `chart.png` compares the runs."
        ),
        "",
    ]
    return "\n".join(lines)


def _numbers(ids: Sequence[str], limit: int | None = None) -> str:
    shown = [i.split("#")[0] + "#" + str(int(i.split("#")[1])) if "#" in i else i for i in ids[:limit]]
    more = len(ids) - len(shown)
    return (", ".join(shown) + (f" … ({len(ids)} in all)" if more > 0 else "")) or "–"


def _requests(requests: dict[str, int]) -> str:
    return ", ".join(f"{n} {route}" for route, n in sorted(requests.items())) or "–"


# ---- files ----------------------------------------------------------------------------------------------


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_chart(data: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = data["runs"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    panels = (
        (axes[0], CHART_LEFT, "Retrieval (questions with gold evidence)"),
        (axes[1], CHART_RIGHT, "Answers and citations"),
    )
    width = 0.8 / max(1, len(runs))
    for ax, metric_names, title in panels:
        for i, r in enumerate(runs):
            values = [r["metrics"].get(m) for m in metric_names]
            xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(metric_names))]
            ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=r["name"])
        ax.set_xticks(range(len(metric_names)))
        ax.set_xticklabels(metric_names, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("score (0–1)")
    embedders = ", ".join(e["embedder"] for e in data["embedders"].values())
    crafted = "; hosted fixtures: crafted" if data["hosted"]["crafted"] else ""
    fig.suptitle(f"{data['suite']['name']}: {data['scope']} scope, {embedders}{crafted}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(runs), 6), fontsize="small")
    fig.tight_layout(rect=(0, 0.08 + 0.04 * ((len(runs) - 1) // 6), 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(data: dict[str, Any], out: Path, checks: Sequence[dict[str, Any]] = ()) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "report.md", "json": out / "results.json", "chart": out / "chart.png"}
    data = {**data, "thresholds": list(checks)}
    write_json(data, paths["json"])
    paths["markdown"].write_text(markdown(data, checks), encoding="utf-8")
    write_chart(data, paths["chart"])
    return paths
