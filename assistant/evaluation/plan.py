"""What an `assistant eval` run will do: the parsed flags, and the hosted mode, configurations and embedders
that the flags, the environment and the suite decide (a usage error when they contradict each other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

CONFIG_NAMES = (  # the names of `configs.CONFIGURATIONS`, without importing the package at start-up
    "bm25",
    "dense",
    "hybrid",
    "hybrid-no-late",
    "hybrid-w0",
    "hybrid-w2",
    "hybrid-hnsw",
    "hybrid+local-rerank",
    "hybrid+rerank",
)
HOSTED_CONFIG_NAMES = ("hybrid+rerank",)


@dataclass
class Flags:
    """The command line, as click parsed it."""

    suite_path: Path | None
    out: Path | None
    configs: tuple[str, ...]
    embedders: tuple[str, ...]
    scopes: tuple[str, ...]
    limit: int | None
    thresholds: tuple[str, ...]
    budget_tokens: int
    replay: Path | None
    record: Path | None
    write_fixtures: Path | None
    no_hosted: bool
    judge: bool
    retrieval_only: bool
    segmentation: bool = False


@dataclass
class Plan:
    """What the flags, the environment and the suite decide, filled in phase by phase."""

    flags: Flags
    offline: bool
    settings: Any = None
    hosted: str = "off"
    fixtures_dir: Path | None = None
    replay_auto: bool = False
    suite_path: Path | None = None
    kinds: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def choose_hosted(plan: Plan, suite: Any) -> None:
    """off / live / record / replay / craft, from the flags, the key, and the suite's own fixtures."""
    from .fixtures import read_manifest

    flags, settings = plan.flags, plan.settings
    if flags.no_hosted:
        plan.hosted = "off"
    elif flags.write_fixtures is not None:
        plan.hosted, plan.fixtures_dir = "craft", flags.write_fixtures
    elif flags.record is not None:
        if not settings.has_key:
            raise click.UsageError("--record calls Cohere: set COHERE_API_KEY (or CO_API_KEY)")
        plan.hosted, plan.fixtures_dir = "record", flags.record
    elif flags.replay is not None:
        if read_manifest(flags.replay) is None and not any(flags.replay.glob("*.json")):
            raise click.UsageError(f"--replay {flags.replay}: no fixtures there")
        plan.hosted, plan.fixtures_dir = "replay", flags.replay
    elif settings.has_key and not plan.offline:
        plan.hosted = "live"
    elif suite.cohere_fixtures is not None and read_manifest(suite.cohere_fixtures) is not None:
        plan.hosted, plan.fixtures_dir, plan.replay_auto = "replay", suite.cohere_fixtures, True
    if flags.judge and plan.hosted in ("off", "craft"):
        raise click.UsageError(
            "--judge asks a Cohere model: set COHERE_API_KEY (live or --record), or --replay "
            "fixtures recorded with --judge"
        )


def choose_configs(plan: Plan) -> tuple[list[Any], list[str]]:
    """The configurations to run; hosted ones are dropped (with a note) when nothing can answer them."""
    from . import configs as configs_module

    flags = plan.flags
    names = list(dict.fromkeys(flags.configs)) or list(CONFIG_NAMES)
    if plan.hosted == "off":
        wanted_hosted = [n for n in names if n in HOSTED_CONFIG_NAMES]
        if flags.configs and wanted_hosted:
            raise click.UsageError(
                f"{', '.join(wanted_hosted)} needs Cohere: set COHERE_API_KEY, or pass --replay DIR "
                "(recorded fixtures) or --write-fixtures DIR (crafted ones)"
            )
        if wanted_hosted:
            why = (
                "--no-hosted"
                if flags.no_hosted
                else "no COHERE_API_KEY and no fixtures (see --replay / --write-fixtures)"
            )
            plan.notes.append(f"{', '.join(wanted_hosted)} skipped: {why}")
        names = [n for n in names if n not in HOSTED_CONFIG_NAMES]
    return [configs_module.get(n) for n in names], names


def choose_embedders(plan: Plan) -> list[str]:
    from .runner import resolve_embedder

    settings, hosted = plan.settings, plan.hosted
    wanted = plan.flags.embedders or (settings.embedder,)
    kinds = list(dict.fromkeys(resolve_embedder(e, settings) for e in wanted))
    if "cohere" in kinds and hosted == "craft":
        raise click.UsageError(
            "crafted fixtures do not cover Cohere embeddings: use --embedder hashing or onnx"
        )
    if "cohere" in kinds and not settings.has_key and hosted != "replay":
        raise click.UsageError(
            "--embedder cohere needs COHERE_API_KEY (or --replay with recorded embeddings)"
        )
    return kinds
