"""Runs a suite against configurations and embedders and returns every figure as an `Evaluation`.

One fresh temporary store per embedder, ingested once and shared by every configuration of the run.
Per question: `ask()` (the product path: follow-up rewriting, retrieval, packing, answer), then `search()`
with the query `ask()` used and the same depth, for the ranking metrics (see scoring.py).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant import Assistant, AssistantError, Settings, Utterance, cohere_client, find_onnx

from .configs import Configuration
from .costs import PRICES_NOTE
from .errors import SuiteError
from .fixtures import CRAFTED_NOTE, FixtureStore, Meter, read_manifest, write_manifest
from .records import Evaluation, HostedInfo, Ingest, RunResult, RunSettings, SuiteInfo
from .scoring import Scoring, evaluate
from .suite import Suite
from .summary import RunKey, summarise

log = logging.getLogger(__name__)

HOSTED_MODES = ("off", "live", "record", "replay", "craft")
StepReport = Callable[[str, int, int], None]
"""Called as the run advances: (what is happening, steps done, steps in all)."""
"""progress(description, done, total)"""


@dataclass
class RunOptions:
    suite: Suite
    configs: Sequence[Configuration]
    embedders: Sequence[str] = ("hashing",)
    scopes: Sequence[str] = ("episode",)
    budget_tokens: int = 1500
    k: int = 10
    hosted: str = "off"
    fixtures_dir: Path | None = None
    replay_auto: bool = False
    judge: bool = False
    answers: bool = True
    prune: bool = True
    """After crafting fixtures for the whole suite, drop the ones no longer used (off with --limit)."""
    settings: Settings | None = None
    command: str = ""
    progress: StepReport | None = None
    notes: list[str] = field(default_factory=list)


def resolve_embedder(kind: str, settings: Settings) -> str:
    """`auto` for evaluation: the local ONNX model when present, else hashing. Never Cohere unless asked."""
    if kind != "auto":
        return kind
    return "onnx" if find_onnx(settings.onnx_model_dir) else "hashing"


def run(options: RunOptions) -> Evaluation:
    started = time.perf_counter()
    session = _Session(options)
    runs: list[RunResult] = []
    try:
        for kind in options.embedders:
            runs += session.run_embedder(kind)
        session.save_fixtures(runs)
    finally:
        session.close()
    return session.evaluation(runs, round(time.perf_counter() - started, 2))


class _Session:
    """The state one evaluation shares across embedders: hosted client, fixtures, notes, progress."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.base = options.settings or Settings.from_env()
        self.notes = list(options.notes)
        self.meter = Meter()
        self.store = FixtureStore(options.fixtures_dir) if options.fixtures_dir else None
        self.embedder_name: str | None = None
        self.client: Any = None
        self.http: Any = None
        self.crafter: Any = None
        if options.hosted != "off":
            self.client, self.http, self.crafter = _hosted_client(
                options, self.base, self.meter, self.store, lambda: self.embedder_name
            )
        replaying = options.fixtures_dir and options.hosted == "replay"
        self.manifest = read_manifest(options.fixtures_dir) if replaying and options.fixtures_dir else None
        self.crafted = options.hosted == "craft" or bool(self.manifest and self.manifest.get("crafted"))
        if self.crafted:
            self.notes.append(CRAFTED_NOTE)
        self.ingests: dict[str, Ingest] = {}
        suite = options.suite
        self.total = len(options.embedders) * (
            1 + len(options.configs) * len(options.scopes) * len(suite.questions)
        )
        self.done = 0
        self.workdir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def report(self, description: str) -> None:
        if self.options.progress:
            self.options.progress(description, self.done, self.total)

    def tick(self, description: str, n: int = 1) -> None:
        self.done += n
        self.report(description)

    # ---- one embedder: ingest once, then every configuration and scope ----------------------------------

    def run_embedder(self, kind: str) -> list[RunResult]:
        settings = replace(
            self.base, store=self.workdir / kind, chroma_host=None, embedder=kind, mode="offline"
        )
        first = self.ingest(kind, settings)
        self.options.suite = _with_stored_ids(self.options.suite, first)
        utterances = _stored_utterances(first)
        _check_episodes(self.options.suite, utterances)
        hosted_ok = self.hosted_allowed(first.embedder.name)
        runs: list[RunResult] = []
        for config in self.options.configs:
            skip = config.hosted and not hosted_ok
            if config.local_rerank and settings.local_rerank == "off":
                self.notes.append(f"{config.name} skipped: set ASSISTANT_LOCAL_RERANK (e.g. embed:MODEL)")
                skip = True
            if skip:
                self.tick(
                    f"{config.name}: skipped", len(self.options.suite.questions) * len(self.options.scopes)
                )
                continue
            runs += self.run_config(config, settings, first, utterances)
        return runs

    def ingest(self, kind: str, settings: Settings) -> Any:
        suite = self.options.suite
        self.report(f"ingesting with {kind}")
        first = Assistant.from_settings(settings=settings, cohere_client=self.client)
        self.embedder_name = first.embedder.name
        t = time.perf_counter()

        def progress(embedded: int, total: int, label: str) -> None:
            self.report(f"ingesting with {kind} · {embedded}/{total} utterances")

        report = first.ingest(suite.transcript_files(), progress=progress)
        if report.failed:
            raise SuiteError("; ".join(report.failed.values()))
        self.ingests[kind] = Ingest(
            embedder=first.embedder.name,
            seconds=round(time.perf_counter() - t, 2),
            episodes=len(report.added) + len(report.updated) + len(report.skipped),
            utterances=report.utterances_written,
        )
        self.tick(f"ingested with {kind}")
        return first

    def hosted_allowed(self, embedder: str) -> bool:
        """Replaying the suite's own fixtures skips hosted runs for an embedder they were not made for."""
        options = self.options
        if options.hosted == "off":
            return False
        made_for = (self.manifest or {}).get("embedders") or []
        if options.replay_auto and self.manifest is not None and embedder not in made_for:
            self.notes.append(
                f"hosted configurations skipped for {embedder}: the fixtures in "
                f"{options.fixtures_dir} were made for {', '.join(made_for) or 'none'}"
            )
            return False
        return True

    def run_config(
        self, config: Configuration, settings: Settings, first: Any, utterances: dict[str, Utterance]
    ) -> list[RunResult]:
        options = self.options
        cfg_settings = replace(settings, mode="auto" if config.hosted else "offline")
        if config.hosted and not cfg_settings.cohere_api_key:
            cfg_settings = replace(cfg_settings, cohere_api_key="replay")
        if not config.local_rerank:
            cfg_settings = replace(cfg_settings, local_rerank="off")
        a = Assistant.from_settings(
            settings=cfg_settings,
            embedder=first.embedder,
            cohere_client=self.client,
            retrieval=config.retrieval,
        )
        scoring = Scoring(
            k=options.k,
            budget_tokens=options.budget_tokens,
            depth=_depth(a.settings, options),
            answers=options.answers,
            utterances=utterances,
            meter=self.meter,
            judge=self.judge(),
        )
        a.lexical.current()  # load the BM25 index before timing anything
        runs = []
        for scope in options.scopes:
            records = []
            for q in options.suite.questions:
                if self.crafter is not None:
                    self.crafter.question = q
                records.append(evaluate(a, q, scope, scoring))
                self.tick(f"{config.name} · {first.embedder.name.split(':')[0]} · {scope}")
            key = RunKey(
                config=replace(config, retrieval=a.session.retriever.config),  # the weights that ran
                embedder=first.embedder.name,
                scope=scope,
                generator=a.generator,
                k=options.k,
                several_embedders=len(options.embedders) > 1,
                several_scopes=len(options.scopes) > 1,
            )
            runs.append(summarise(key, records))
        return runs

    def judge(self) -> Any:
        if not self.options.judge or self.client is None:
            return None
        from .judge import CohereJudge

        return CohereJudge(self.client, self.base.chat_model)

    # ---- after the runs ---------------------------------------------------------------------------------

    def save_fixtures(self, runs: list[RunResult]) -> None:
        """After crafting or recording: the manifest, and (crafting the whole suite) no stale fixtures."""
        options, store = self.options, self.store
        hosted_runs = [r for r in runs if r.fields.get("hosted")]
        if store is None or options.hosted not in ("craft", "record") or not hosted_runs:
            return
        names = {r.embedder for r in hosted_runs}
        if options.hosted == "craft" and options.prune:
            removed = store.prune(names)
            if removed:
                self.notes.append(f"removed {removed} crafted fixtures no longer used")
        write_manifest(
            store.folder,
            crafted=options.hosted == "craft",
            suite=options.suite.name,
            embedders=names,
            configs=[c.name for c in options.configs if c.hosted],
        )

    def evaluation(self, runs: list[RunResult], wall_seconds: float) -> Evaluation:
        options, base, suite = self.options, self.base, self.options.suite
        return Evaluation(
            suite=SuiteInfo(
                name=suite.name,
                path=str(suite.path),
                transcripts=str(suite.transcripts),
                description=suite.description,
                questions=len(suite.questions),
                statuses=dict(Counter(q.status for q in suite.questions)),
            ),
            date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            command=options.command,
            scopes=list(options.scopes),
            embedders=self.ingests,
            hosted=HostedInfo(
                mode=options.hosted,
                fixtures=str(options.fixtures_dir) if options.fixtures_dir else None,
                crafted=self.crafted,
                chat_model=base.chat_model,
                rerank_model=base.rerank_model,
            ),
            settings=RunSettings(
                top_k=base.top_k,
                context_tokens=base.context_tokens,
                budget_tokens=options.budget_tokens,
                k=options.k,
                search_depth=_depth(base, options),
            ),
            prices=PRICES_NOTE,
            notes=self.notes,
            runs=runs,
            wall_seconds=wall_seconds,
        )


# ---- hosted client --------------------------------------------------------------------------------------


def _hosted_client(
    options: RunOptions,
    base: Settings,
    meter: Meter,
    store: FixtureStore | None,
    embedder: Callable[[], str | None],
) -> tuple[Any, Any, Any]:
    import httpx

    from .transports import CraftingTransport, MeteredTransport, RecordingTransport, ReplayTransport

    crafter = None
    if options.hosted == "live":
        transport: httpx.BaseTransport = MeteredTransport(httpx.HTTPTransport(), meter)
    elif options.hosted == "record":
        assert store is not None
        transport = RecordingTransport(httpx.HTTPTransport(), meter, store, embedder)
    elif options.hosted == "replay":
        assert store is not None
        transport = ReplayTransport(store, meter)
    elif options.hosted == "craft":
        from .craft import Crafter

        assert store is not None
        crafter = Crafter()
        transport = CraftingTransport(crafter, meter, store, embedder)
    else:
        raise ValueError(f"hosted mode {options.hosted!r}; expected one of {', '.join(HOSTED_MODES)}")
    offline_replies = options.hosted in ("replay", "craft")
    settings = replace(
        base,
        cohere_api_key=base.cohere_api_key if not offline_replies else "replay",
        max_retries=0 if offline_replies else base.max_retries,
    )
    http = httpx.Client(transport=transport, timeout=settings.timeout)
    return cohere_client(settings, http), http, crafter


# ---- helpers ---------------------------------------------------------------------------------------


def _depth(settings: Settings, options: RunOptions) -> int:
    """Exactly the depth `ask()` searches, so the ranking scored is the one the answer was built from."""
    return max(options.k, settings.top_k * 2, 10)


def _stored_utterances(a: Any) -> dict[str, Utterance]:
    out: dict[str, Utterance] = {}
    for episode in a.episodes():
        for u in a.transcript(episode.id, with_details=True):
            out[u.id] = u
    return out


def _with_stored_ids(suite: Suite, a: Any) -> Suite:
    """Questions name episodes by their file's stem; the library may store them under a readable id
    (an opaque file name gets one from its title). Questions whose episode it cannot find stay as they are,
    for `_check_episodes` to report."""
    questions = []
    for q in suite.questions:
        if q.episode:
            with contextlib.suppress(AssistantError):
                q = replace(q, episode=a.library.resolve(q.episode))
        questions.append(q)
    return replace(suite, questions=tuple(questions))


def _check_episodes(suite: Suite, utterances: dict[str, Utterance]) -> None:
    known = {u.episode_id for u in utterances.values()}
    unknown = sorted({q.episode for q in suite.questions if q.episode and q.episode not in known})
    if unknown:
        raise SuiteError(
            f"{suite.path}: questions name episodes that are not among the suite's transcripts: "
            f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} (episode ids are the transcript "
            f"file stems; known: {', '.join(sorted(known)[:5])}{' …' if len(known) > 5 else ''})"
        )
