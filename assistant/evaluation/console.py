"""What `assistant eval` shows on the terminal: progress while it runs, the summary table after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .records import Check, Evaluation


def progress() -> tuple[Any, Any]:
    """A rich progress bar on a terminal; plain lines on stderr otherwise (CI logs)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if console.is_terminal:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        task = bar.add_task("starting", total=None)

        def update(description: str, done: int, total: int) -> None:
            bar.update(task, description=description, completed=done, total=total)

        return bar, update

    last = {"label": ""}

    def plain(description: str, done: int, total: int) -> None:
        label = description.split(" · ")[0]
        if label != last["label"]:
            last["label"] = label
            click.echo(f"[{done}/{total}] {description}", err=True)

    from contextlib import nullcontext

    return nullcontext(), plain


def print_summary(data: Evaluation, checks: list[Check], paths: dict[str, Path]) -> None:
    from .report import fmt

    cols = ("hit@1", "hit@5", "hit@10", "mrr", "citation_valid", "citation_precision", "correct_refusal")
    width = max([len(r.name) for r in data.runs] + [4])
    click.echo(f"{'run':<{width}}  " + "  ".join(f"{c:>18}" for c in cols))
    for r in data.runs:
        click.echo(f"{r.name:<{width}}  " + "  ".join(f"{fmt(r.metrics.get(c)):>18}" for c in cols))
    for note in data.notes:
        click.echo(f"note: {note}", err=True)
    for c in checks:
        if not c.ok:
            click.echo(f"MISSED {c.threshold}: {c.run} has {c.metric}={fmt(c.got)}", err=True)
    beside = (
        "results.json, chart.png"
        if "chart" in paths
        else "results.json; no chart.png without the [eval] extra"
    )
    click.echo(f"report: {paths['markdown']}  ({beside} beside it; {data.wall_seconds:.1f} s)")
