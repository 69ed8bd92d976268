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

from .plan import CONFIG_NAMES, Flags, Plan, choose_configs, choose_embedders, choose_hosted


def default_suite() -> Path:
    from assistant import PROJECT_ROOT

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
@click.option(
    "--segmentation",
    is_flag=True,
    help="Measure chapters instead: our segmentation beside equal-length, TextTiling and one-chapter "
    "baselines against the suite's topics.jsonl, plus its general questions; writes segmentation.md / "
    "segmentation.json.",
)
@click.pass_context
def eval_command(ctx: click.Context, /, **params: Any) -> None:
    """Measure retrieval, citations and answers on a question suite, and compare configurations.

    Writes report.md, results.json and chart.png to --out. Exit status 1 when a --min threshold is missed.
    """
    from assistant import AssistantError

    from .errors import SuiteUnavailable

    flags = Flags(**params)
    _check_flags(flags)
    if flags.segmentation:
        _segmentation(flags)
        return
    plan = Plan(flags=flags, offline=_offline_flag(ctx))
    try:
        data = _evaluate(plan)
    except SuiteUnavailable as exc:
        click.echo(f"skipped: {exc}", err=True)
        return
    except AssistantError as exc:
        raise click.ClickException(_failure(exc, plan)) from None
    _report(ctx, data, flags, plan)


def _offline_flag(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("offline")) if isinstance(ctx.obj, dict) else False


def _check_flags(flags: Flags) -> None:
    from .thresholds import parse_threshold

    for text in flags.thresholds:
        try:
            parse_threshold(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--min") from None
    if sum(x is not None for x in (flags.replay, flags.record, flags.write_fixtures)) > 1:
        raise click.UsageError("--replay, --record and --write-fixtures exclude each other")


def _failure(exc: Exception, plan: Plan) -> str:
    """The one place a harness or assistant error becomes the command's message."""
    from .errors import CraftError, FixtureMissing

    if isinstance(exc, FixtureMissing):
        hint = ""
        if plan.replay_auto:
            hint = (
                " These are the suite's own crafted fixtures: regenerate them with `assistant eval --suite "
                f"{plan.suite_path} --config hybrid+rerank --embedder {' --embedder '.join(plan.kinds)} "
                f"--write-fixtures {plan.fixtures_dir}` (see eval/README.md), or pass --no-hosted."
            )
        return f"replay failed: {exc}{hint}"
    if isinstance(exc, CraftError):
        return f"crafting fixtures failed: {exc}"
    return str(exc)


def _retrieval_flags(flags: Flags) -> list[tuple[str, object]]:
    return [
        ("--config", flags.configs),
        ("--embedder", flags.embedders),
        ("--scope", flags.scopes),
        ("--limit", flags.limit),
        ("--min", flags.thresholds),
        ("--replay", flags.replay),
        ("--record", flags.record),
        ("--write-fixtures", flags.write_fixtures),
        ("--judge", flags.judge),
        ("--retrieval-only", flags.retrieval_only),
    ]


def _segmentation(flags: Flags) -> None:
    from assistant import Settings

    from .outline import run_segmentation, write_segmentation

    if flags.suite_path is None:
        raise click.UsageError("--segmentation needs --suite DIR with transcripts/ and topics.jsonl")
    ignored = [name for name, value in _retrieval_flags(flags) if value]
    if ignored:
        raise click.UsageError(f"--segmentation measures chapters only: drop {', '.join(ignored)}")
    args = ["assistant", "eval", "--suite", str(flags.suite_path), "--segmentation"]
    if flags.out is not None:
        args += ["--out", str(flags.out)]
    try:
        result = run_segmentation(flags.suite_path, Settings.from_env())
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    out = flags.out or Path("eval") / "out" / flags.suite_path.name
    paths = write_segmentation(result, out, shlex.join(args))
    click.echo(paths["markdown"].read_text(encoding="utf-8"))
    click.echo(f"wrote {paths['markdown']} and {paths['json']}")


# ---- phases ---------------------------------------------------------------------------------------------


def _evaluate(plan: Plan) -> Any:
    from assistant import Settings

    from .console import progress
    from .runner import RunOptions, run
    from .suite import load_suite

    flags = plan.flags
    suite = load_suite(flags.suite_path or default_suite())
    plan.suite_path = suite.path
    whole_suite = flags.limit is None or flags.limit >= len(suite.questions)
    suite = suite.limited(flags.limit)
    plan.settings = Settings.from_env()
    choose_hosted(plan, suite)
    chosen, names = choose_configs(plan)
    plan.kinds = choose_embedders(plan)
    scopes = tuple(dict.fromkeys(flags.scopes)) or ("episode",)
    progress_cm, callback = progress()
    with progress_cm:
        return run(
            RunOptions(
                suite=suite,
                configs=chosen,
                embedders=plan.kinds,
                scopes=scopes,
                budget_tokens=flags.budget_tokens,
                hosted=plan.hosted,
                fixtures_dir=plan.fixtures_dir,
                replay_auto=plan.replay_auto,
                judge=flags.judge,
                answers=not flags.retrieval_only,
                settings=plan.settings,
                command=_command(flags, names if flags.configs else [], plan.kinds, scopes, plan.settings),
                progress=callback,
                notes=plan.notes,
                prune=whole_suite and not flags.retrieval_only,
            )
        )


def _report(ctx: click.Context, data: Any, flags: Flags, plan: Plan) -> None:
    """Write the files, print the summary, and exit 1 when a threshold is missed."""
    from .console import print_summary
    from .report import write_all
    from .thresholds import check_thresholds

    try:
        checks = check_thresholds(data, flags.thresholds)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--min") from None
    out_dir = flags.out or Path("eval") / "out" / data.suite.name
    paths = write_all(data, out_dir, checks)
    print_summary(data, checks, paths)
    if any(not c.ok for c in checks):
        ctx.exit(1)


# ---- the reproducing command ----------------------------------------------------------------------------


def _command(
    flags: Flags, configs: list[str], kinds: list[str], scopes: tuple[str, ...], settings: Any
) -> str:
    """The canonical command that reproduces this run (the environment it depends on included)."""
    env = []
    if "onnx" in kinds:
        env.append(f"ASSISTANT_ONNX_MODEL={shlex.quote(str(settings.onnx_model_dir))}")
    args = ["assistant", "eval"]
    if flags.suite_path is not None:
        args += ["--suite", str(flags.suite_path)]
    args += [a for c in configs for a in ("--config", c)]
    args += [a for k in kinds for a in ("--embedder", k)]
    if scopes != ("episode",):
        args += [a for scope in scopes for a in ("--scope", scope)]
    args += _valued(flags)
    args += [a for t in flags.thresholds for a in ("--min", t)]
    if flags.out is not None:
        args += ["--out", str(flags.out)]
    return " ".join(env + [shlex.join(args)])


def _valued(flags: Flags) -> list[str]:
    args = []
    if flags.limit:
        args += ["--limit", str(flags.limit)]
    if flags.budget_tokens != 1500:
        args += ["--budget-tokens", str(flags.budget_tokens)]
    for flag, value in (
        ("--replay", flags.replay),
        ("--record", flags.record),
        ("--write-fixtures", flags.write_fixtures),
    ):
        if value is not None:
            args += [flag, str(value)]
    switches = (
        ("--no-hosted", flags.no_hosted),
        ("--judge", flags.judge),
        ("--retrieval-only", flags.retrieval_only),
    )
    return args + [flag for flag, on in switches if on]


def main() -> None:  # pragma: no cover - `python -m assistant.evaluation.command` before the CLI registers it
    eval_command(prog_name="assistant eval", args=sys.argv[1:])
