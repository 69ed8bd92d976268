"""`assistant eval`: run a suite, write report.md / results.json / chart.png, gate on --min thresholds.

Registered by the CLI with `cli.add_command(eval_command, "eval")`. Importing this module is cheap: only
click; everything heavy is imported when the command runs.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

CONFIG_NAMES = (
    "bm25",
    "dense",
    "hybrid",
    "hybrid-w0",
    "hybrid-w2",
    "hybrid-hnsw",
    "hybrid+local-rerank",
    "hybrid+rerank",
)
HOSTED_CONFIG_NAMES = ("hybrid+rerank",)


def default_suite() -> Path:
    from ..config import PROJECT_ROOT

    return PROJECT_ROOT / "eval" / "fixtures" / "suite"


@click.command(name="eval", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(path_type=Path),
    help="Suite folder: transcripts/ + questions.jsonl [default: eval/fixtures/suite].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.md, results.json and chart.png [default: eval/out/SUITE].",
)
@click.option(
    "--config",
    "configs",
    multiple=True,
    type=click.Choice(CONFIG_NAMES),
    help="Configuration to run (repeatable) [default: all; hybrid+rerank only with a key or fixtures].",
)
@click.option(
    "--embedder",
    "embedders",
    multiple=True,
    type=click.Choice(("auto", "hashing", "onnx", "local", "cohere")),
    help="Embedder (repeatable; one fresh store each) [default: $ASSISTANT_EMBEDDER, else auto = "
    "the local ONNX model when present, else hashing].",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(("episode", "library")),
    help="Search each question's own episode, or the whole library; repeat for both (one store, "
    "one ingest) [default: episode].",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions.")
@click.option(
    "--min",
    "thresholds",
    multiple=True,
    metavar="[RUN:]METRIC=VALUE",
    help="Fail (exit 1) when a run misses it, e.g. --min hit@5=0.9 --min hybrid:mrr=0.7 "
    "(latency/tokens/cost/false_refusal are maxima). Repeatable.",
)
@click.option(
    "--budget-tokens",
    type=click.IntRange(min=50),
    default=1500,
    show_default=True,
    help="Context budget of the budget-hit metric.",
)
@click.option(
    "--replay",
    type=click.Path(file_okay=False, path_type=Path),
    help="Answer Cohere requests from the fixtures in DIR (real SDK, no network); a request with no "
    "fixture fails the run.",
)
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    help="Call Cohere (needs COHERE_API_KEY) and save every request/response as a fixture in DIR.",
)
@click.option(
    "--write-fixtures",
    type=click.Path(file_okay=False, path_type=Path),
    help="Craft Cohere fixtures for this suite into DIR (no key, no network), then evaluate with them.",
)
@click.option("--no-hosted", is_flag=True, help="Skip hosted configurations even with a key or fixtures.")
@click.option(
    "--judge", is_flag=True, help="Also ask a Cohere model whether each cited sentence is supported."
)
@click.option("--retrieval-only", is_flag=True, help="Skip ask(): ranking metrics only (faster on big sets).")
@click.pass_context
def eval_command(
    ctx: click.Context,
    suite_path: Path | None,
    out: Path | None,
    configs: tuple[str, ...],
    embedders: tuple[str, ...],
    scopes: tuple[str, ...],
    limit: int | None,
    thresholds: tuple[str, ...],
    budget_tokens: int,
    replay: Path | None,
    record: Path | None,
    write_fixtures: Path | None,
    no_hosted: bool,
    judge: bool,
    retrieval_only: bool,
) -> None:
    """Measure retrieval, citations and answers on a question suite, and compare configurations.

    Writes report.md, results.json and chart.png to --out. Exit status 1 when a --min threshold is missed.
    """
    from ..config import Settings
    from ..errors import AssistantError
    from . import configs as configs_module
    from .craft import CraftError
    from .fixtures import FixtureMissing, read_manifest
    from .report import check_thresholds, parse_threshold, write_all
    from .runner import RunOptions, resolve_embedder, run
    from .suite import SuiteError, SuiteUnavailable, load_suite

    for text in thresholds:
        try:
            parse_threshold(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--min") from None
    if sum(x is not None for x in (replay, record, write_fixtures)) > 1:
        raise click.UsageError("--replay, --record and --write-fixtures exclude each other")

    try:
        suite = load_suite(suite_path or default_suite())
    except SuiteUnavailable as exc:
        click.echo(f"skipped: {exc}", err=True)
        return
    except SuiteError as exc:
        raise click.ClickException(str(exc)) from None
    whole_suite = limit is None or limit >= len(suite.questions)
    suite = suite.limited(limit)

    try:
        settings = Settings.from_env()
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None
    offline_flag = bool((ctx.obj or {}).get("offline")) if isinstance(ctx.obj, dict) else False

    notes: list[str] = []
    fixtures_dir: Path | None = None
    replay_auto = False
    if no_hosted:
        hosted = "off"
    elif write_fixtures is not None:
        hosted, fixtures_dir = "craft", write_fixtures
    elif record is not None:
        if not settings.has_key:
            raise click.UsageError("--record calls Cohere: set COHERE_API_KEY (or CO_API_KEY)")
        hosted, fixtures_dir = "record", record
    elif replay is not None:
        if read_manifest(replay) is None and not any(replay.glob("*.json")):
            raise click.UsageError(f"--replay {replay}: no fixtures there")
        hosted, fixtures_dir = "replay", replay
    elif settings.has_key and not offline_flag:
        hosted = "live"
    elif suite.cohere_fixtures is not None and read_manifest(suite.cohere_fixtures) is not None:
        hosted, fixtures_dir, replay_auto = "replay", suite.cohere_fixtures, True
    else:
        hosted = "off"

    if judge and hosted in ("off", "craft"):
        raise click.UsageError(
            "--judge asks a Cohere model: set COHERE_API_KEY (live or --record), or --replay "
            "fixtures recorded with --judge"
        )

    names = list(dict.fromkeys(configs)) or list(CONFIG_NAMES)
    if hosted == "off":
        wanted_hosted = [n for n in names if n in HOSTED_CONFIG_NAMES]
        if configs and wanted_hosted:
            raise click.UsageError(
                f"{', '.join(wanted_hosted)} needs Cohere: set COHERE_API_KEY, or pass --replay DIR "
                "(recorded fixtures) or --write-fixtures DIR (crafted ones)"
            )
        if wanted_hosted:
            why = (
                "--no-hosted"
                if no_hosted
                else "no COHERE_API_KEY and no fixtures (see --replay / --write-fixtures)"
            )
            notes.append(f"{', '.join(wanted_hosted)} skipped: {why}")
        names = [n for n in names if n not in HOSTED_CONFIG_NAMES]
    chosen = [configs_module.get(n) for n in names]

    kinds = list(dict.fromkeys(resolve_embedder(e, settings) for e in (embedders or (settings.embedder,))))
    if "cohere" in kinds and hosted == "craft":
        raise click.UsageError(
            "crafted fixtures do not cover Cohere embeddings: use --embedder hashing or onnx"
        )
    if "cohere" in kinds and not settings.has_key and hosted != "replay":
        raise click.UsageError(
            "--embedder cohere needs COHERE_API_KEY (or --replay with recorded embeddings)"
        )

    scopes = tuple(dict.fromkeys(scopes)) or ("episode",)
    command = _command(
        suite_path,
        out,
        names if configs else [],
        kinds,
        scopes,
        limit,
        thresholds,
        budget_tokens,
        replay,
        record,
        write_fixtures,
        no_hosted,
        judge,
        retrieval_only,
        settings,
    )
    out_dir = out or Path("eval") / "out" / suite.name

    progress_cm, callback = _progress()
    try:
        with progress_cm:
            data = run(
                RunOptions(
                    suite=suite,
                    configs=chosen,
                    embedders=kinds,
                    scopes=scopes,
                    budget_tokens=budget_tokens,
                    hosted=hosted,
                    fixtures_dir=fixtures_dir,
                    replay_auto=replay_auto,
                    judge=judge,
                    answers=not retrieval_only,
                    settings=settings,
                    command=command,
                    progress=callback,
                    notes=notes,
                    prune=whole_suite and not retrieval_only,
                )
            )
    except FixtureMissing as exc:
        hint = ""
        if replay_auto:
            hint = (
                f" These are the suite's own crafted fixtures: regenerate them with `assistant eval --suite "
                f"{suite.path} --config hybrid+rerank --embedder {' --embedder '.join(kinds)} --write-fixtures "
                f"{fixtures_dir}` (see eval/README.md), or pass --no-hosted."
            )
        raise click.ClickException(f"replay failed: {exc}{hint}") from None
    except CraftError as exc:
        raise click.ClickException(f"crafting fixtures failed: {exc}") from None
    except (SuiteError, AssistantError) as exc:
        raise click.ClickException(str(exc)) from None

    try:
        checks = check_thresholds(data, thresholds)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--min") from None
    paths = write_all(data, out_dir, checks)
    _print_summary(data, checks, paths)
    if any(not c["ok"] for c in checks):
        ctx.exit(1)


def _command(
    suite: Path | None,
    out: Path | None,
    configs: list[str],
    kinds: list[str],
    scopes: tuple[str, ...],
    limit: int | None,
    thresholds: tuple[str, ...],
    budget: int,
    replay: Path | None,
    record: Path | None,
    write: Path | None,
    no_hosted: bool,
    judge: bool,
    retrieval_only: bool,
    settings: Any,
) -> str:
    """The canonical command that reproduces this run (the environment it depends on included)."""
    env = []
    if "onnx" in kinds:
        env.append(f"ASSISTANT_ONNX_MODEL={shlex.quote(str(settings.onnx_model_dir))}")
    args = ["assistant", "eval"]
    if suite is not None:
        args += ["--suite", str(suite)]
    for c in configs:
        args += ["--config", c]
    for k in kinds:
        args += ["--embedder", k]
    if scopes != ("episode",):
        for scope in scopes:
            args += ["--scope", scope]
    if limit:
        args += ["--limit", str(limit)]
    if budget != 1500:
        args += ["--budget-tokens", str(budget)]
    for flag, value in (("--replay", replay), ("--record", record), ("--write-fixtures", write)):
        if value is not None:
            args += [flag, str(value)]
    args += [
        flag
        for flag, on in (("--no-hosted", no_hosted), ("--judge", judge), ("--retrieval-only", retrieval_only))
        if on
    ]
    for t in thresholds:
        args += ["--min", t]
    if out is not None:
        args += ["--out", str(out)]
    return " ".join(env + [shlex.join(args)])


def _progress() -> tuple[Any, Any]:
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


def _print_summary(data: dict[str, Any], checks: list[dict[str, Any]], paths: dict[str, Path]) -> None:
    from .report import fmt

    cols = ("hit@1", "hit@5", "hit@10", "mrr", "citation_valid", "citation_precision", "correct_refusal")
    width = max([len(r["name"]) for r in data["runs"]] + [4])
    click.echo(f"{'run':<{width}}  " + "  ".join(f"{c:>18}" for c in cols))
    for r in data["runs"]:
        click.echo(f"{r['name']:<{width}}  " + "  ".join(f"{fmt(r['metrics'].get(c)):>18}" for c in cols))
    for note in data["notes"]:
        click.echo(f"note: {note}", err=True)
    for c in checks:
        if not c["ok"]:
            click.echo(f"MISSED {c['threshold']}: {c['run']} has {c['metric']}={fmt(c['got'])}", err=True)
    click.echo(
        f"report: {paths['markdown']}  (results.json, chart.png beside it; {data['wall_seconds']:.1f} s)"
    )


def main() -> None:  # pragma: no cover - `python -m assistant.evaluation.command` before the CLI registers it
    eval_command(prog_name="assistant eval", args=sys.argv[1:])
