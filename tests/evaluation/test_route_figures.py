"""eval/route_figures.py: answer figures split by the route `ask()` takes for each question."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("route_figures", ROOT / "eval" / "route_figures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _question(text: str, hit: float, precision: float | None, gold: bool = True) -> dict[str, object]:
    return {
        "question": text,
        "gold": ["m#000001"] if gold else [],
        "answer": "…",
        "answer_metrics": {"answer_hit": hit, "citation_precision": precision, "rouge_l": 0.5},
    }


def test_questions_are_split_by_route_and_refusals_have_no_precision() -> None:
    results = {
        "runs": [
            {
                "name": "hybrid",
                "questions": [
                    _question("Summarize the discussion about the budget", 1.0, 0.5),
                    _question("Summarize the discussion about the roof", 0.0, None),  # refused
                    _question("What are the key takeaways?", 1.0, 0.25),
                    _question("Why did the steel arrive late?", 0.0, 0.0),
                    _question("What was the meeting about?", 1.0, 1.0, gold=False),  # no gold: not counted
                ],
            }
        ]
    }
    figures = _script().figures(results)["hybrid"]
    assert set(figures) == {"outline: the part about X", "outline: whole episode", "search"}
    part = figures["outline: the part about X"]
    assert (part["n"], part["cites_gold"], part["cite_precision"]) == (2, 0.5, 0.5)
    assert figures["outline: whole episode"]["n"] == 1
    assert (figures["search"]["n"], figures["search"]["cites_gold"]) == (1, 0.0)
