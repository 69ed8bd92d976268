"""`assistant models`: the local models we know, which are on this machine, and fetching one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click


@click.group("models", invoke_without_command=True)
@click.pass_context
def models_command(ctx: click.Context) -> None:
    """List the local embedding and reranking models: size, licence, languages, and whether cached."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from .config import Settings
    from .models.catalog import CATALOG, spec
    from .models.fetch import cached, hub_offline
    from .models.resolve import check_model_settings, local_path

    with _errors():
        settings = Settings.from_env()
        check_model_settings(settings)
    chosen = spec(settings.local_model)
    cache = settings.model_cache_dir
    table = Table(box=None)
    table.add_column("name", no_wrap=True)
    for column in ("kind", "MB", "licence", "languages", "here"):
        table.add_column(column)
    folders = []
    chosen_here = "-"
    for model in CATALOG.values():
        folder = local_path(settings, model)
        if folder:
            folders.append(f"{model.key}: folder {folder}")
        here = "folder" if folder else ("cached" if cached(model, cache) else "-")
        star = "*" if model is chosen else ""
        if star:
            chosen_here = here
        table.add_row(
            model.key + star, model.kind, f"{model.size_gb * 1000:.0f}", model.licence, model.languages, here
        )
    console = Console()
    console.print(table)
    if chosen_here == "-":
        console.print(
            "* the local model (ASSISTANT_LOCAL_MODEL), not on this machine: search uses keyword hashing "
            f"until `assistant models fetch {chosen.key}`"
        )
    else:
        console.print("* the local model search uses (ASSISTANT_LOCAL_MODEL)")
    console.print(f"local folders: {'; '.join(folders) or 'none set (ASSISTANT_MODEL_PATHS)'}")
    console.print(f"cache: {cache} (ASSISTANT_MODEL_CACHE or FASTEMBED_CACHE_PATH to move it)")
    if hub_offline():
        console.print("HF_HUB_OFFLINE is set: nothing can be fetched until it is unset.")
    console.print("fetch one: assistant models fetch NAME")


@models_command.command("fetch")
@click.argument("name")
def fetch_command(name: str) -> None:
    """Download model NAME into the cache, with a progress bar, and verify it before it is ever used."""
    from .config import Settings
    from .models.catalog import spec
    from .models.fetch import fetch

    with _errors():
        settings = Settings.from_env()
        try:
            model = spec(name)
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from None
        folder = fetch(model, settings.model_cache_dir)
    click.echo(f"{model.key}: verified in {folder}")
    if model.kind == "embed" and model.key != settings.local_model:
        click.echo(
            f"to embed with it: ASSISTANT_LOCAL_MODEL={model.key}, then `assistant reindex --embedder local` "
            "for a store built with another model"
        )


@contextmanager
def _errors() -> Iterator[None]:
    from .errors import AssistantError

    try:
        yield
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None
