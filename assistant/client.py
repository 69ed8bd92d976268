"""`Assistant`: the one place that wires settings, store, embedder, retriever and generator together."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import AssistantError, ConfigError, InputError, ParseError, ProviderError, StoreError
from .generation.base import Generator, QueryRewriter, Reranker
from .generation.context import pack
from .generation.offline import ExtractiveGenerator
from .index.chroma_store import ChromaStore
from .index.embedders import Embedder, HashingEmbedder
from .index.lexical_cache import LexicalCache
from .ingest.files import expand_paths
from .ingest.parse import parse_file
from .retrieval.coverage import absent_words
from .retrieval.query import HeuristicRewriter
from .retrieval.retriever import HybridRetriever, RetrievalConfig
from .store_lock import store_lock, try_store_lock
from .types import Answer, AnswerEvent, Episode, Hit, IngestReport, Transcript, Turn, Utterance

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
# Cosine similarity above which a hit counts as relevant without sharing a word with the question; hashing
# vectors are lexical, so they never qualify on their own.
_DENSE_RELEVANCE_FLOOR = {"onnx": 0.55, "cohere": 0.45}
HistoryLike = Sequence[Turn | Mapping[str, str] | tuple[str, str]]


class Assistant:
    """Ingest transcripts, search them, and answer questions with citations to exact utterances.

    Parts can be injected (embedder, generator, reranker, cohere_client) for tests and experiments; anything not
    given is chosen from `settings`: hosted Cohere when a key is set, otherwise the offline default.
    """

    def __init__(
        self,
        store: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        reranker: Reranker | None = None,
        rewriter: QueryRewriter | None = None,
        cohere_client: Any | None = None,
        retrieval: RetrievalConfig | None = None,
    ) -> None:
        settings = settings or Settings.from_env()
        if store is not None:
            settings = replace(settings, store=Path(store).expanduser())
        self.settings = settings
        self._cohere_client = cohere_client
        self.hosted_reason = ""
        hosted = settings.mode != "offline" and settings.has_key
        if not settings.has_key:
            self.hosted_reason = "no COHERE_API_KEY is set"
        elif settings.mode == "offline":
            self.hosted_reason = "ASSISTANT_MODE=offline"

        self.embedder = embedder or self._choose_embedder()
        headers = (
            {"Authorization": f"Bearer {settings.chroma_auth_token}"} if settings.chroma_auth_token else None
        )
        self.store = ChromaStore(
            None if settings.chroma_host else settings.store_dir,
            host=settings.chroma_host,
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            headers=headers,
            embedder_name=self.embedder.name,
            dimension=self.embedder.dimension,
        )
        lexical_folder = None if settings.chroma_host else settings.store_dir / "lexical"
        self.lexical = LexicalCache(self.store, lexical_folder)
        self._sweep_if_free()
        if reranker is None and hosted:
            from .providers.cohere import CohereReranker

            reranker = CohereReranker(self._client(), settings.rerank_model)
        elif reranker is None and settings.local_rerank != "off":
            from .models.resolve import open_reranker

            reranker = open_reranker(settings)
        self.retriever = HybridRetriever(
            self.store, self.embedder, self.lexical, reranker, retrieval or RetrievalConfig()
        )
        floor = getattr(self.embedder, "relevance_floor", None)
        self.offline = ExtractiveGenerator(
            dense_floor=floor or _DENSE_RELEVANCE_FLOOR.get(self.embedder.name.split(":")[0], 1.1)
        )
        if generator is None and hosted:
            from .providers.cohere import CohereGenerator, CohereQueryRewriter

            generator = CohereGenerator(
                self._client(), settings.chat_model, settings.prompts_dir, settings.max_retries
            )
            rewriter = rewriter or CohereQueryRewriter(
                self._client(), settings.chat_model, settings.prompts_dir
            )
        self.generator: Generator = generator or self.offline
        self.rewriter: QueryRewriter = rewriter or HeuristicRewriter()

    # ---- wiring ---------------------------------------------------------------------------------------------

    def _client(self) -> Any:
        if self._cohere_client is None:
            from .providers.cohere import make_client

            self._cohere_client = make_client(self.settings)
        return self._cohere_client

    def _choose_embedder(self) -> Embedder:
        s = self.settings
        recorded = None
        if s.embedder == "auto":
            headers = {"Authorization": f"Bearer {s.chroma_auth_token}"} if s.chroma_auth_token else None
            recorded = ChromaStore.recorded_embedder(
                None if s.chroma_host else s.store_dir,
                host=s.chroma_host,
                port=s.chroma_port,
                ssl=s.chroma_ssl,
                headers=headers,
            )
        if recorded:
            kind = recorded.split(":", 1)[0]
        elif s.embedder != "auto":
            kind = s.embedder
        elif s.has_key and s.mode != "offline":
            kind = "cohere"
        else:
            from .models.resolve import auto_embedder

            return auto_embedder(s)
        embedder = self._make_embedder(kind, recorded)
        if recorded and embedder.name != recorded:
            from .errors import EmbedderMismatchError

            raise EmbedderMismatchError(
                f"the store at {s.store_dir} was built with {recorded!r} but {embedder.name!r} is available; "
                f"rebuild it with `assistant reindex`"
            )
        return embedder

    def _make_embedder(self, kind: str, recorded: str | None) -> Embedder:
        return make_embedder(self.settings, kind, recorded, cohere_client=self._client)

    @property
    def mode(self) -> str:
        return self.generator.mode

    def status(self) -> str:
        """One line for people: which mode answers, why, and what embeds."""
        if self.mode == "hosted":
            answer = f"hosted: answers by Cohere {self.generator.model}"
        else:
            answer = (
                f"offline: quoted passages, no language model ({self.hosted_reason or 'custom generator'})"
            )
        return f"{answer}; embeddings: {self.embedder.name}; store: {self.store.location}"

    # ---- library --------------------------------------------------------------------------------------------

    def episodes(self) -> list[Episode]:
        return self.store.episodes()

    def episode(self, episode_id: str) -> Episode:
        found = self.store.episode(episode_id)
        if found is None:
            raise InputError(f"unknown episode {episode_id!r}; `assistant episodes` lists them")
        return found

    def transcript(self, episode_id: str) -> list[Utterance]:
        """Every stored utterance of an episode in order, for showing a citation in its context."""
        self.episode(episode_id)
        return self.store.utterances_of(episode_id)

    def _sweep_if_free(self) -> None:
        """Start-up housekeeping: drop records of an episode whose ingest was killed, unless a writer is busy."""
        try:
            with try_store_lock(self.settings) as free:
                if free:
                    self.store.sweep_orphans()
        except (StoreError, OSError) as exc:  # read-only folder or server trouble: searching may still work
            log.warning("skipped the start-up check for unfinished episodes: %s", exc)

    def delete(self, episode_id: str) -> None:
        with store_lock(self.settings):
            if not self.store.delete_episode(episode_id):
                raise InputError(f"unknown episode {episode_id!r}; `assistant episodes` lists them")

    def ingest(
        self,
        paths: str | Path | Iterable[str | Path],
        *,
        progress: Progress | None = None,
        show: str | None = None,
        title: str | None = None,
        source_url: str | None = None,
        fmt: str | None = None,
    ) -> IngestReport:
        """Parse every file first, then write changed episodes one by one; a bad file never touches the store.

        `show`, `title` and `source_url` fill in what a file does not say; `fmt` forces a format (see
        `assistant.ingest.parse.format_names()`), otherwise each file's format is detected from its content.
        """
        started = time.perf_counter()
        report = IngestReport()
        given = [paths] if isinstance(paths, (str, Path)) else list(paths)
        for raw in given:
            if "\x00" in str(raw):
                raise InputError(f"{str(raw)!r}: a path cannot contain a NUL character")
        files = expand_paths(given)
        transcripts: list[Transcript] = []
        seen: dict[str, Path] = {}
        for path in files:
            try:
                transcript = parse_file(
                    path,
                    max_bytes=int(self.settings.max_file_mb * 2**20),
                    max_utterance_chars=self.settings.max_utterance_chars,
                    fmt=fmt,
                )
            except ParseError as exc:
                report.failed[str(path)] = str(exc)
                continue
            episode_id = transcript.episode.id
            if episode_id in seen:
                report.failed[str(path)] = (
                    f"{path}: episode id {episode_id!r} is also the id of {seen[episode_id]}; rename one of the files"
                )
                continue
            seen[episode_id] = path
            transcript = _fill_metadata(transcript, path, show=show, title=title, source_url=source_url)
            transcripts.append(transcript)

        with store_lock(self.settings):
            self.store.sweep_orphans()
            pending = []
            for transcript in transcripts:
                existing = self.store.episode(transcript.episode.id)
                if (
                    existing is not None
                    and existing.content_hash == transcript.episode.content_hash
                    and (
                        (existing.show, existing.title, existing.source_url)
                        == (transcript.episode.show, transcript.episode.title, transcript.episode.source_url)
                    )
                ):
                    report.skipped.append(transcript.episode.id)
                else:
                    pending.append((transcript, existing is not None))
            total = sum(sum(1 for u in t.utterances if u.text.strip()) for t, _ in pending)
            embedded = 0
            for number, (transcript, existed) in enumerate(pending):
                episode = replace(
                    transcript.episode, ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds")
                )
                utterances = [u for u in transcript.utterances if u.text.strip()]

                def tick(n: int, label: str = episode.id) -> None:
                    nonlocal embedded
                    embedded += n
                    if progress:
                        progress(embedded, total, label)

                try:
                    vectors = self.embedder.embed_documents([u.text for u in utterances], progress=tick)
                    self.store.write_episode(episode, utterances, vectors)
                except (ProviderError, StoreError) as exc:
                    report.failed[episode.source_path or episode.id] = f"{episode.id}: {exc}"
                    for later, _ in pending[number + 1 :]:
                        report.failed[later.episode.source_path or later.episode.id] = (
                            f"{later.episode.id}: not ingested because an earlier episode failed; run the command again"
                        )
                    break
                (report.updated if existed else report.added).append(episode.id)
                report.utterances_written += len(utterances)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_uploads(
        self,
        files: Sequence[tuple[str, bytes]],
        *,
        progress: Progress | None = None,
        max_files: int | None = None,
    ) -> IngestReport:
        """Ingest uploaded (browser name, bytes) pairs safely; `failed` is keyed by the browser's file name.

        The whole batch is refused (InputError) above ASSISTANT_MAX_UPLOAD_FILES files; a file above
        ASSISTANT_MAX_FILE_MB or with a non-transcript suffix fails alone. Files are written under sanitised
        names (never a path from the browser) into a private folder inside the store, and removed afterwards.
        """
        import shutil
        import tempfile

        from .limits import check_upload_batch, display_name, inside, safe_upload_name

        files = list(files)
        if not files:
            raise InputError("nothing to ingest: no files were uploaded")
        problems = check_upload_batch(
            files,
            max_files=max_files or self.settings.max_upload_files,
            max_bytes=int(self.settings.max_file_mb * 2**20),
        )
        report = IngestReport()
        started = time.perf_counter()
        root = self.settings.store_dir / "uploads"
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="batch-", dir=root))  # mode 0700
        try:
            taken: set[str] = set()
            saved: list[tuple[str, Path]] = []
            for (name, data), problem in zip(files, problems):
                shown = display_name(name)
                if problem:
                    report.failed[shown] = problem
                    continue
                try:
                    safe = safe_upload_name(name, taken)
                except InputError as exc:
                    report.failed[shown] = str(exc)
                    continue
                taken.add(safe.lower())
                path = folder / safe
                if not inside(folder, path):  # cannot happen with a sanitised name; checked anyway
                    report.failed[shown] = f"{shown}: refused unsafe file name"
                    continue
                try:
                    with open(path, "xb") as fh:  # never overwrite, never follow a planted link
                        fh.write(bytes(data))
                except OSError as exc:
                    report.failed[shown] = (
                        f"{shown}: could not be saved for ingesting ({exc.strerror or exc})"
                    )
                    continue
                saved.append((shown, path))
            if saved:
                inner = self.ingest([p for _, p in saved], progress=progress)
                names = {str(p.resolve()): n for n, p in saved} | {str(p): n for n, p in saved}
                for key, message in inner.failed.items():
                    shown = names.get(key, names.get(str(Path(key).resolve()), key))
                    report.failed[shown] = message.replace(str(folder.resolve()) + "/", "").replace(
                        str(folder) + "/", ""
                    )
                report.added, report.updated, report.skipped = inner.added, inner.updated, inner.skipped
                report.utterances_written = inner.utterances_written
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        report.seconds = time.perf_counter() - started
        return report

    # ---- retrieval and answers ------------------------------------------------------------------------------

    def _check_question(self, text: str) -> str:
        text = (text or "").strip()
        if not text:
            raise InputError("the question is empty")
        if len(text) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(text)} characters long; the limit is {self.settings.max_question_chars} "
                "(ASSISTANT_MAX_QUESTION_CHARS)"
            )
        return text

    def _episode_filter(self, episode: str | Sequence[str] | None) -> list[str] | None:
        if not episode:
            return None
        wanted = [episode] if isinstance(episode, str) else list(episode)
        known = {e.id for e in self.store.episodes()}
        unknown = [e for e in wanted if e not in known]
        if unknown:
            raise InputError(f"unknown episode {unknown[0]!r}; `assistant episodes` lists them")
        return wanted

    def search(
        self,
        query: str,
        k: int = 10,
        episode: str | Sequence[str] | None = None,
        speaker: str | Sequence[str] | None = None,
    ) -> list[Hit]:
        query = self._check_question(query)
        return self.retriever.search(
            query, k=k, episodes=self._episode_filter(episode), speakers=speakers_of(speaker)
        )

    def ask(
        self,
        question: str,
        episode: str | Sequence[str] | None = None,
        history: HistoryLike | None = None,
        speaker: str | Sequence[str] | None = None,
    ) -> Answer:
        answer = None
        for event in self.stream(question, episode=episode, history=history, speaker=speaker):
            if event.kind == "done":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        episode: str | Sequence[str] | None = None,
        history: HistoryLike | None = None,
        speaker: str | Sequence[str] | None = None,
    ) -> Iterator[AnswerEvent]:
        """Text deltas, then citations, then `done` with the full Answer. A hosted failure falls back, labelled."""
        question = self._check_question(question)
        turns = normalise_history(history)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        notices: list[str] = []

        query = question
        if turns:
            try:
                query = self.rewriter.rewrite(question, turns)
            except ProviderError as exc:
                notices.append(f"Could not rewrite the follow-up with the hosted model ({exc}).")
                query = HeuristicRewriter().rewrite(question, turns)
        timings["rewrite_ms"] = _ms(started)

        t = time.perf_counter()
        try:
            hits = self.search(query, k=max(self.settings.top_k * 2, 10), episode=episode, speaker=speaker)
        except ProviderError as exc:
            if self.embedder.name.startswith("cohere"):
                raise ProviderError(
                    f"searching needs the Cohere embedding service, which failed: {exc}"
                ) from exc
            raise
        context = pack(hits[: self.settings.top_k], self.settings.context_tokens)
        timings["retrieve_ms"] = _ms(t)

        t = time.perf_counter()
        final: Answer | None = None
        for notice in notices:
            yield AnswerEvent(kind="notice", text=notice)
        try:
            for event in self.generator.stream(question, context, turns):
                if event.kind == "done":
                    final = event.answer
                else:
                    yield event
        except ProviderError as exc:
            if self.generator is self.offline:
                raise
            notice = f"The hosted model failed ({exc}); showing the offline answer instead."
            log.warning("hosted generation failed, falling back offline: %s", exc)
            notices.append(notice)
            yield AnswerEvent(kind="notice", text=notice)
            for event in self.offline.stream(question, context, turns):
                if event.kind == "done":
                    final = event.answer
                else:
                    yield event
        assert final is not None
        if final.mode == "offline" and final.citations:
            missing = absent_words(
                self.lexical.current(), question, self._episode_filter(episode), speakers_of(speaker)
            )
            if missing:
                notice = (
                    "The searched transcripts never use "
                    + ", ".join(f"“{w}”" for w in missing)
                    + "; the quoted passages may not answer the question."
                )
                notices.append(notice)
                yield AnswerEvent(kind="notice", text=notice)
        timings["generate_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)
        final = replace(
            final, hits=tuple(context), timings=timings, query=query, notice=" ".join(notices) or final.notice
        )
        yield AnswerEvent(kind="done", answer=final)

    def close(self) -> None:
        client = self._cohere_client
        if client is not None and hasattr(client, "_client_wrapper"):
            try:
                client._client_wrapper.httpx_client.httpx_client.close()
            except Exception:  # closing is best effort
                pass

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_embedder(
    settings: Settings, kind: str, recorded: str | None = None, cohere_client: Callable[[], Any] | None = None
) -> Embedder:
    """The embedder of `kind` ("cohere", "onnx" or "hashing"), or a clear error saying what is missing."""
    s = settings
    if kind == "cohere":
        if not s.has_key:
            raise ConfigError(
                f"this store was built with {recorded or 'Cohere embeddings'}, which needs COHERE_API_KEY; "
                "set the key, or rebuild the store offline with `assistant reindex --embedder onnx`"
            )
        from .providers.cohere import CohereEmbedder, make_client

        return CohereEmbedder(cohere_client() if cohere_client else make_client(s), s.embed_model)
    if kind == "onnx":
        from .models.catalog import DEFAULT_EMBEDDER, spec
        from .models.embedder import LocalEmbedder, find_onnx

        found = find_onnx(s.onnx_model_dir)
        if found is None:
            raise ConfigError(
                f"no ONNX model in {s.onnx_model_dir} (needs model.onnx and tokenizer.json); set "
                "ASSISTANT_ONNX_MODEL"
                + (
                    f", or rebuild this store built with {recorded!r} using "
                    "`assistant reindex --embedder hashing`"
                    if recorded
                    else ""
                )
            )
        # Stores built by the former OnnxEmbedder: same model files, same vectors, same name.
        folder = found.parent.parent if found.parent.name == "onnx" else found.parent
        return LocalEmbedder(
            spec(DEFAULT_EMBEDDER), s.onnx_model_dir, cache=s.model_cache_dir, name=f"onnx:{folder.name}"
        )
    if kind == "hashing":
        return HashingEmbedder()
    if kind in ("local", "fastembed"):
        from .models.resolve import open_embedder

        # "local" is the model the settings name (new stores, reindex); "fastembed" comes from a store's record.
        recorded_model = recorded.split(":", 1)[1] if recorded and recorded.startswith("fastembed:") else None
        return open_embedder(s, recorded_model if kind == "fastembed" else None)
    raise ConfigError(f"unknown embedder {kind!r}: expected cohere, local, onnx or hashing")


def _fill_metadata(transcript: Transcript, path: Path, **given: str | None) -> Transcript:
    """What the file says wins; arguments fill the gaps; the file name is the last resort for the title."""
    episode = transcript.episode
    fills: dict[str, str] = {}
    if given.get("show") and not episode.show:
        fills["show"] = given["show"]  # type: ignore[assignment]
    if given.get("source_url") and not episode.source_url:
        fills["source_url"] = given["source_url"]  # type: ignore[assignment]
    if given.get("title") and episode.title == path.stem:
        fills["title"] = given["title"]  # type: ignore[assignment]
    return Transcript(replace(episode, **fills), transcript.utterances) if fills else transcript


def normalise_history(history: HistoryLike | None) -> list[Turn]:
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, Mapping):
            turns.append(Turn(item["role"], item["content"]))  # type: ignore[arg-type]
        else:
            role, content = item
            turns.append(Turn(role, content))  # type: ignore[arg-type]
    for turn in turns:
        if turn.role not in ("user", "assistant"):
            raise InputError(f"history roles must be 'user' or 'assistant', got {turn.role!r}")
    return turns


def speakers_of(speaker: str | Sequence[str] | None) -> list[str] | None:
    return [speaker] if isinstance(speaker, str) else (list(speaker) if speaker else None)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


__all__ = ["Assistant", "AssistantError"]
