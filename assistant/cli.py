"""`assistant` command line: ingest, episodes, search, ask, chat.
Library errors become one clear line, no traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_models import models_command
from .cli_output import answer_json, hit_json, matching, print_streamed
from .evaluation.command import eval_command

if TYPE_CHECKING:
    from rich.progress import Progress

    from . import Assistant


@contextmanager
def _errors() -> Iterator[None]:
    from .errors import AssistantError, InputError

    try:
        yield
    except InputError as exc:  # what was typed is wrong (an unknown episode or speaker, an empty question): 2
        raise click.UsageError(str(exc)) from None
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None


def _progress_bar() -> Progress:
    """Long work on stderr: what is being done, a bar, done of total and time left; gone when finished."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _speaker_names(values: tuple[str, ...]) -> dict[str, str]:
    """`--speaker LABEL=NAME` values as {label: name}."""
    names: dict[str, str] = {}
    for value in values:
        label, sep, name = value.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise click.BadParameter(
                f"{value!r} is not LABEL=NAME; write it like --speaker 'Speaker A=Nadia Brooks'",
                param_hint="--speaker",
            )
        names[label.strip()] = name.strip()
    return names


def _assistant(ctx: click.Context, announce: bool = True, warm_up: bool = False) -> Assistant:
    from . import Assistant, Settings

    obj = ctx.ensure_object(dict)
    if "assistant" not in obj:
        with _errors():
            overrides: dict[str, Any] = {"mode": "offline"} if obj.get("offline") else {}
            settings = Settings.from_env(**overrides)
            obj["assistant"] = Assistant.from_settings(store=obj.get("store"), settings=settings)
            if warm_up:  # the model loads while the user types the first question
                obj["assistant"].warm_up()
            ctx.call_on_close(obj["assistant"].close)
            for line in (obj["assistant"].model_notice, obj["assistant"].library_notice):
                if announce and line:
                    click.echo(f"note: {line}", err=True)
    assistant: Assistant = obj["assistant"]
    return assistant


def _with_episodes(a: Assistant) -> Assistant:
    """A question needs something to search: an empty library is said so, instead of "found nothing".
    A keyword index the library's last change made stale is built here, saying so, not silently inside
    the first question."""
    if not a.episodes():
        raise click.ClickException("the library is empty: add transcripts with `assistant ingest PATH` first")
    if not a.search_ready():
        from rich.console import Console

        with _errors(), Console(stderr=True).status("building the keyword index (once after a change)…"):
            a.prepare_search()
    return a


class SafePath(click.Path):
    """click.Path that refuses a NUL byte with a usage error instead of os.stat's ValueError traceback."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail("a path cannot contain a NUL character", param, ctx)
        return super().convert(value, param, ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    type=SafePath(file_okay=False, path_type=Path),
    envvar="ASSISTANT_STORE",
    help="Folder of the local store [env: ASSISTANT_STORE; default: a per-user data folder].",
)
@click.option("--offline", is_flag=True, help="Answer offline even when a Cohere key is set.")
@click.version_option(package_name="transcript-assistant")
@click.pass_context
def cli(ctx: click.Context, store: Path | None, offline: bool) -> None:
    """Chat with podcast, interview and meeting transcripts; every answer cites its utterances.

    Settings come from the environment or a .env file (see .env.example).
    """
    ctx.ensure_object(dict).update(store=store, offline=offline)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=SafePath(path_type=Path))
@click.option("--show", help="Show name, when the file does not say.")
@click.option("--title", help="Episode title, when the file does not say.")
@click.option("--source-url", help="Link to the episode (used for citation links).")
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    help=(
        "Force a format (numbered, ttml, webvtt, srt, sbv, podcast-json, whisper-json, assemblyai-json, "
        "deepgram-json, rev-json, elevenlabs-json, amazon-transcribe-json, otter, plain); default: detect."
    ),
)
@click.option(
    "--speaker",
    "speakers",
    multiple=True,
    metavar="LABEL=NAME",
    callback=lambda _ctx, _param, values: _speaker_names(values),
    help="Name a voice the transcript only labels, e.g. --speaker 'Speaker A=Nadia Brooks' (repeatable).",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    show: str | None,
    title: str | None,
    source_url: str | None,
    fmt: str | None,
    speakers: dict[str, str],
) -> None:
    """Add transcript files or folders to the library (unchanged files are skipped).

    Metadata in a file wins; --show, --title and --source-url fill in what it lacks. --speaker names the
    voices a transcription service labelled (Speaker A, Speaker 0, SPEAKER_00); the names stay with the
    episode when its file is ingested again.
    """
    from . import plural

    a = _assistant(ctx)
    before = {e.id: e.ingested_at for e in a.episodes()}
    try:
        with _progress_bar() as bar:
            task = bar.add_task("parsing", total=None)

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=f"embedding {label}")

            with _errors():
                report = a.ingest(
                    list(paths),
                    progress=progress,
                    show=show,
                    title=title,
                    source_url=source_url,
                    fmt=fmt,
                    speakers=speakers or None,  # no --speaker: the names given before stay
                )
                if report.added or report.updated:
                    bar.update(task, description="building the keyword index", total=None)
                    a.prepare_search(only_if_saved=True)
    except KeyboardInterrupt:
        click.echo(_interrupted(a, before), err=True)
        ctx.exit(130)

    ignored = f", passed over {len(report.ignored)}" if report.ignored else ""
    reused = report.utterances_written - report.utterances_embedded
    kept = f"; {report.utterances_embedded} embedded, {reused} as stored" if reused > 0 else ""
    click.echo(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.skipped)}, "
        f"failed {len(report.failed)}{ignored} "
        f"({plural(report.utterances_written, 'utterance')} in {report.seconds:.1f} s{kept})"
    )
    for message in report.failed.values():
        click.echo(f"error: {message}", err=True)
    for message in report.notices.values():
        click.echo(f"note: {message}", err=True)
    for path, reason in report.ignored.items():
        click.echo(f"skipped: {path}: {reason}", err=True)
    if report.failed:
        ctx.exit(1)


def _interrupted(a: Assistant, before: dict[str, str | None]) -> str:
    """What an ingest stopped by Ctrl-C left: the episodes it stored whole, and how to finish."""
    from . import plural

    again = "run the same command again to finish: what is stored is passed over as unchanged"
    try:
        stored = [e.id for e in a.episodes() if before.get(e.id, "") != e.ingested_at]
    except Exception:  # the store is read afresh by the next command, which says what it finds
        return f"interrupted; {again}"
    named = f" ({', '.join(stored[:5])}{' and more' if len(stored) > 5 else ''})" if stored else ""
    return (
        f"interrupted: {plural(len(stored), 'episode')} stored whole before the stop{named}, none "
        f"half-written (an episode cut short is removed at the next write); {again}"
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def episodes(ctx: click.Context, as_json: bool) -> None:
    """List the episodes in the library."""
    with _errors():
        items = _assistant(ctx).episodes()
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(e) for e in items], indent=2, ensure_ascii=False))
        return
    if not items:
        click.echo("The library is empty: add transcripts with `assistant ingest PATH`.")
        return
    from . import plural
    from .language import language_name

    for e in items:
        show = f"{e.show} — " if e.show else ""
        written = f"\t{language_name(e.language) or e.language}" if e.language else ""
        turns = plural(e.utterance_count, "utterance")
        click.echo(f"{e.id}\t{show}{e.title}\t{turns}, {e.length()}{written}")


@cli.command()
@click.argument("episode", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--full", is_flag=True, help="Print key quotes whole (they are cut at 240 characters).")
@click.pass_context
def outline(ctx: click.Context, episode: str | None, as_json: bool, full: bool) -> None:
    """An episode's chapters: title, time and utterance range, and key quotes with their numbers.

    EPISODE is the episode's id, its file's name, or a start of its id or title; it may be left out when the
    library holds one episode."""
    with _errors():
        a = _assistant(ctx)
        found = a.outline(episode if episode is not None else _only_episode(a))
        title = a.episode(found.episode_id).title
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    from . import format_time, plural, shortened

    click.echo(f"{title} ({found.episode_id}): {plural(len(found.chapters), 'chapter')}")
    for chapter in found.chapters:
        when = ""
        if chapter.start is not None:
            when = f"{format_time(chapter.start)}–{format_time(chapter.end)}, "
        click.echo(f"\n{chapter.number}. {chapter.title} ({when}#{chapter.first}–#{chapter.last})")
        for u in chapter.key_quotes:
            who = f"{u.who()}: " if u.who() else ""
            click.echo(f"   #{u.number} {who}“{u.text if full else shortened(u.text, QUOTE_CHARS)}”")


QUOTE_CHARS = 240


def _only_episode(a: Assistant) -> str:
    """The id of the library's one episode: what a command that needs an episode means when given none."""
    from .errors import InputError

    items = a.episodes()
    if len(items) == 1:
        return items[0].id
    if not items:
        raise InputError("the library is empty: add transcripts with `assistant ingest PATH`")
    names = ", ".join(e.id for e in items[:5]) + (", …" if len(items) > 5 else "")
    raise InputError(
        f"the library holds {len(items)} episodes ({names}): name one, e.g. `assistant outline {items[0].id}`"
        " (`assistant episodes` lists them)"
    )


@cli.command("name-speakers")
@click.argument("episode")
@click.argument("names", nargs=-1, metavar="[LABEL=NAME]...")
@click.pass_context
def name_speakers(ctx: click.Context, episode: str, names: tuple[str, ...]) -> None:
    """Name the voices an episode shows only by label: name-speakers EPISODE 'Speaker A=Nadia Brooks'.

    Without names, lists the episode's speakers and the names given so far. The episode is written again
    with the names (no file needed), and its file, ingested again, is given them.
    """
    a = _assistant(ctx)
    with _errors():
        found = a.episode(episode)
        if not names:
            given = dict(found.speaker_names)
            for speaker in found.speakers:
                label = next((k for k, v in given.items() if v == speaker), None)
                click.echo(f"{speaker}\t(named; the file says {label})" if label else speaker)
            if not found.speakers:
                click.echo("no speakers: the transcript has no speaker labels", err=True)
            return
        try:
            pairs = _speaker_names(names)
        except click.BadParameter as exc:
            raise click.UsageError(exc.format_message()) from None
        report = a.name_speakers(found.id, pairs)
    click.echo(f"named {len(pairs)} in {found.id} ({report.seconds:.1f} s)")


@cli.command()
@click.argument("episode_id")
@click.pass_context
def delete(ctx: click.Context, episode_id: str) -> None:
    """Remove one episode and all its utterances from the library."""
    with _errors():
        _assistant(ctx).delete(episode_id)
    click.echo(f"deleted {episode_id}")


@cli.command()
@click.argument("query")
@click.option("-k", "--k", default=10, show_default=True, help="How many utterances.")
@click.option("--episode", multiple=True, help="Only this episode id (repeatable).")
@click.option("--speaker", multiple=True, help="Only this speaker (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Also list hits that share no word with QUERY.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    k: int,
    episode: tuple[str, ...],
    speaker: tuple[str, ...],
    as_json: bool,
    show_all: bool,
) -> None:
    """Find the utterances that best match QUERY.

    A hit that shares no word with QUERY and is not close in meaning either is only the least bad of
    nothing; such hits are left out unless --all is given (in --json they are marked `"matches": false`).
    """
    a = _with_episodes(_assistant(ctx))
    with _errors():
        hits = a.search(query, k=k, episode=list(episode) or None, speaker=list(speaker) or None)
    relevant = matching(a, query, hits)
    if as_json:
        shown = hits if show_all else [h for h in hits if h.utterance.id in relevant]
        click.echo(
            json.dumps(
                [{**hit_json(h), "matches": h.utterance.id in relevant} for h in shown],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    from . import plural, source_line
    from .generation.excerpt import excerpt

    left_out = [h for h in hits if h.utterance.id not in relevant]
    if not show_all:
        hits = [h for h in hits if h.utterance.id in relevant]
    if not hits:
        click.echo(f"no matches for {query!r}", err=True)
    for rank, hit in enumerate(hits, start=1):
        said = excerpt(hit.utterance.text, query)  # a long turn: the sentences that match, and their time
        click.echo(
            f"{rank:>2}. {source_line(hit.utterance, hit.episode_title, said)}  (score {hit.score:.3f})"
        )
        click.echo(f"    {said}")
    if left_out and not show_all:
        click.echo(
            f"({plural(len(left_out), 'weaker hit')} with no word of the query left out; --all shows them)",
            err=True,
        )


@cli.command()
@click.argument("question")
@click.option("--episode", multiple=True, help="Only this episode id (repeatable).")
@click.option("--speaker", multiple=True, help="Only this speaker (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output with citations.")
@click.pass_context
def ask(
    ctx: click.Context, question: str, episode: tuple[str, ...], speaker: tuple[str, ...], as_json: bool
) -> None:
    """Answer QUESTION from the transcripts, citing the utterances it rests on."""
    a = _with_episodes(_assistant(ctx))
    with _errors():
        if as_json:
            answer = a.ask(question, episode=list(episode) or None, speaker=list(speaker) or None)
            click.echo(json.dumps(answer_json(answer), indent=2, ensure_ascii=False))
            return
        print_streamed(a, question, list(episode) or None, list(speaker) or None, [])


@cli.command()
@click.option("--episode", multiple=True, help="Only this episode id (repeatable).")
@click.pass_context
def chat(ctx: click.Context, episode: tuple[str, ...]) -> None:
    """Talk about the transcripts in the terminal; follow-up questions keep their context."""
    from .types import Turn

    a = _with_episodes(_assistant(ctx, warm_up=True))
    commands = "/new starts a new conversation, /quit (or an empty line, or Ctrl-D) quits"
    click.echo(f"[{a.describe().summary}]\nAsk a question; {commands}.", err=True)
    history: list[Turn] = []
    while True:
        try:
            question = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            break
        command = question.strip().lower()
        if not command or command in ("/quit", "/exit", "/q"):
            break
        if command == "/new":
            history.clear()
            click.echo("New conversation: earlier questions no longer count as context.", err=True)
            continue
        if re.fullmatch(r"/\w+", command):  # a command, not a question to search for
            known = "" if command in ("/help", "/h") else f"{question.strip()} is not a command; "
            click.echo(f"{known}{commands}.", err=True)
            continue
        try:
            with _errors():
                answer = print_streamed(a, question, list(episode) or None, None, history)
        except click.ClickException as exc:
            click.echo(f"error: {exc.message}", err=True)
            continue
        history += [Turn("user", question), answer.as_turn()]


@cli.command()
@click.option(
    "--embedder",
    "kind",
    type=click.Choice(["cohere", "local", "onnx", "hashing"]),
    help="The embedder to rebuild the vectors with (default: the one the store was built with).",
)
@click.pass_context
def reindex(ctx: click.Context, kind: str | None) -> None:
    """Re-embed every stored utterance, with another embedder or the same one (the transcripts are not
    needed); outlines are rebuilt, and episodes stored before languages were told get theirs."""
    obj = ctx.ensure_object(dict)
    try:
        _reindex_with_progress(obj, kind)
    except KeyboardInterrupt:
        click.echo(
            "interrupted: the library is as it was, with the vectors it had (the new ones are written beside "
            "them and swapped in only when all are); run `assistant reindex` again to rebuild it",
            err=True,
        )
        ctx.exit(130)


def _reindex_with_progress(obj: dict[str, Any], kind: str | None) -> None:
    from . import Settings
    from .reindex import reindex as rebuild

    with _errors():
        settings = Settings.from_env()
        if obj.get("store"):
            settings = settings.with_(store=obj["store"])
        with _progress_bar() as bar:
            task = bar.add_task("reading", total=None)
            phase = ["reading"]

            def progress(done: int, total: int, doing: str) -> None:
                if doing.split()[0] != phase[0]:  # embedding, writing, swapping: each timed anew
                    phase[0] = doing.split()[0]
                    bar.reset(task)
                bar.update(task, completed=done, total=total, description=doing)

            old, new, count = rebuild(settings, kind, progress)
    from . import plural

    click.echo(f"re-embedded {plural(count, 'utterance')}: {old} -> {new}")


@cli.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Say which mode answers, which search model is in use and where the store is."""
    from . import plural

    try:
        a = _assistant(ctx, announce=False)
        with _errors():
            described = a.describe()
    except click.ClickException:  # what can be said without the search model, then why it cannot be used
        _store_facts(ctx)
        raise
    click.echo(described.summary)
    if described.reason:
        click.echo(f"offline because: {described.reason}")
    click.echo(f"store: {described.store}\nembedder: {described.embedder}")
    if described.model_notice:
        click.echo(described.model_notice)
    if described.store_notice:
        click.echo(f"note: {described.store_notice}")
    for line in (described.language_notice, described.reading_notice):
        if line:
            click.echo(f"note: {line}")
    with _errors():
        click.echo(f"{plural(len(a.episodes()), 'episode')}, {plural(a.store.count(), 'utterance')}")


def _store_facts(ctx: click.Context) -> None:
    """The store's location and the embedder it was built with, read without opening any model."""
    from . import Settings
    from .errors import AssistantError
    from .wiring import recorded_embedder

    obj = ctx.ensure_object(dict)
    try:
        settings = Settings.from_env(mode="offline") if obj.get("offline") else Settings.from_env()
        if obj.get("store") is not None:
            settings = settings.with_(store=obj["store"])
        click.echo(f"store: {settings.store_dir}")
        click.echo(f"embedder (recorded in the store): {recorded_embedder(settings) or 'none (empty store)'}")
    except (AssistantError, OSError, ValueError) as exc:
        click.echo(f"store: cannot be read ({exc})")


cli.add_command(eval_command, "eval")
cli.add_command(models_command, "models")


def main() -> None:
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A process manager's stop ends as Ctrl-C does: an ingest says what it stored; a reindex keeps it all.
    signal.signal(signal.SIGTERM, stop)
    cli(obj={}, prog_name="assistant")


if __name__ == "__main__":
    main()
