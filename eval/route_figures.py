"""Answer figures per route: the questions the product answers from the outline (the whole episode, or the
part about X) beside those it answers by search, read from an `assistant eval` results.json.

    python eval/route_figures.py eval/out/qmsum-val/results.json

The route is the one `ask()` takes: `is_whole_episode_question` on the question (a speaker filter would
send it to search, and the dev suites set none). Figures are means over the questions with gold evidence:
*cites gold* (a cited utterance is gold), *cite precision* (share of cited utterances that are gold) and
ROUGE-L of the answer against the written one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.outline.answer import is_whole_episode_question  # noqa: E402


def route(question: str) -> str:
    whole, focus = is_whole_episode_question(question)
    if not whole:
        return "search"
    return "outline: the part about X" if focus else "outline: whole episode"


def _mean(values: Iterable[float | None]) -> float:
    """Mean of the values that exist (a refusal has no citation precision), as the eval report takes it."""
    present = [v for v in values if v is not None]
    return mean(present) if present else 0.0


def figures(results: dict) -> dict[str, dict[str, dict[str, float]]]:
    """{run name: {route: figures}}."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for run in results["runs"]:
        rows: dict[str, list[dict]] = defaultdict(list)
        for q in run["questions"]:
            if q.get("answer") is not None and q["gold"]:
                rows[route(q["question"])].append(q)
        out[run["name"]] = {
            name: {
                "n": len(qs),
                "cites_gold": _mean(q["answer_metrics"].get("answer_hit") for q in qs),
                "cite_precision": _mean(q["answer_metrics"].get("citation_precision") for q in qs),
                "rouge_l": _mean(q["answer_metrics"].get("rouge_l") for q in qs),
            }
            for name, qs in sorted(rows.items())
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+", help="results.json written by `assistant eval`")
    args = parser.parse_args()
    print("| results | run | route | questions | cites gold | cite precision | ROUGE-L |")
    print("|---|---|---|---:|---:|---:|---:|")
    for path in args.results:
        for run, routes in figures(json.loads(path.read_text(encoding="utf-8"))).items():
            for name, f in routes.items():
                print(
                    f"| {path.parent.name} | {run} | {name} | {f['n']} | {f['cites_gold']:.3f} "
                    f"| {f['cite_precision']:.3f} | {f['rouge_l']:.3f} |"
                )


if __name__ == "__main__":
    main()
