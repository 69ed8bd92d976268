"""`Assistant`: the facade over a library of transcripts and a chat session, wired by `from_settings()`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .chat.questions import HistoryLike
from .chat.session import ChatSession, Filter
from .config import Settings
from .generation.answerability import model_for
from .generation.base import Generator
from .generation.offline import ExtractiveGenerator
from .index.embedders import SPEAKER_DOCUMENTS, WORDS_ONLY, Embedder, preferred_documents
from .index.lexical_cache import LexicalCache
from .library import Library
from .outline.types import Outline
from .retrieval.contracts import QueryRewriter, Reranker
from .retrieval.query import HeuristicRewriter
from .retrieval.retriever import HybridRetriever, RetrievalConfig
from .types import (
    Answer,
    AnswerEvent,
    Episode,
    Hit,
    IngestReport,
    Mode,
    Progress,
    Status,
    Utterance,
    search_model_words,
)

STORE_NOTICE = (
    "this store's vectors hold the words without the speakers' names (built before 2026-11-30): run "
    "`assistant reindex` so questions that name a speaker find their words better"
)
# Cosine similarity above which a hit counts as relevant without sharing a word with the question; hashing
# vectors are lexical, so they never qualify on their own.
_DENSE_RELEVANCE_FLOOR = {"onnx": 0.55, "cohere": 0.45}


class Assistant:
    """Ingest transcripts, search them, and answer questions with citations to exact utterances.

    Build one with `Assistant.from_settings()`; the constructor only takes parts and does no I/O.
    """

    def __init__(
        self,
        library: Library,
        session: ChatSession,
        *,
        hosted_reason: str = "",
        closer: Any = None,
        model_notice: str = "",
        library_notice: str = "",
    ):
        self.library = library
        self.session = session
        self.hosted_reason = hosted_reason
        self.model_notice = model_notice
        """Why search runs on the hashing fallback and the command that fixes it ("" when a model is used)."""
        self.library_notice = library_notice
        """That the library keeps the model it was built with, not the one ASSISTANT_LOCAL_MODEL names, and
        the command that switches it."""
        self._closer = closer

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        store: str | Path | None = None,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        reranker: Reranker | None = None,
        rewriter: QueryRewriter | None = None,
        cohere_client: Any | None = None,
        retrieval: RetrievalConfig | None = None,
    ) -> Assistant:
        """The one place that reads the environment, picks models and opens the store.

        Anything not given is chosen from `settings` (default: the environment): hosted Cohere when a key is
        set, otherwise the offline default. `cohere_client` replaces the client built from the settings.
        """
        from .models.resolve import check_model_settings
        from .wiring import CohereClientCache, choose_embedder, hosted_reason, open_store

        settings = settings or Settings.from_env()
        if store is not None:
            settings = replace(settings, store=Path(store).expanduser())
        check_model_settings(settings)
        client = CohereClientCache(settings, cohere_client)
        reason = hosted_reason(settings)
        notices: list[str] = []
        kept: list[str] = []
        embedder = embedder or choose_embedder(settings, client.get, notices.append, kept.append)
        chroma = open_store(settings, embedder)
        lexical = LexicalCache(chroma, None if settings.chroma_host else settings.store_dir / "lexical")
        library = Library(chroma, embedder, settings, lexical.at_hand)
        library.sweep_if_free()
        if not reason:
            from .providers.cohere import CohereGenerator, CohereQueryRewriter, CohereReranker

            reranker = reranker or CohereReranker(client.get(), settings.rerank_model)
            if generator is None:
                generator = CohereGenerator(
                    client.get(), settings.chat_model, settings.prompts_dir, settings.max_retries
                )
                rewriter = rewriter or CohereQueryRewriter(
                    client.get(), settings.chat_model, settings.prompts_dir
                )
        if reranker is None and settings.local_rerank != "off":
            from .models.resolve import open_reranker

            reranker = open_reranker(settings)
        late = None
        if reranker is None and (encoder := getattr(embedder, "token_encoder", lambda: None)()) is not None:
            from .models.rerank import LateInteraction

            late = LateInteraction(encoder)
        retriever = HybridRetriever(
            chroma, embedder, lexical, reranker, retrieval or RetrievalConfig(), late=late
        )
        offline = ExtractiveGenerator(
            dense_floor=getattr(embedder, "relevance_floor", None)
            or _DENSE_RELEVANCE_FLOOR.get(embedder.name.split(":")[0], 1.1),
            answerability=model_for(embedder.name),
        )
        session = ChatSession(
            library, retriever, generator or offline, offline, rewriter or HeuristicRewriter(), settings
        )
        return cls(
            library,
            session,
            hosted_reason=reason,
            closer=client.close,
            model_notice=" ".join(notices),
            library_notice=" ".join(kept),
        )

    # ---- parts, for tests, benchmarks and the UI -----------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.library.settings

    @property
    def store(self) -> Any:
        return self.library.store

    @property
    def embedder(self) -> Embedder:
        return self.library.embedder

    @property
    def retriever(self) -> HybridRetriever:
        return self.session.retriever

    @property
    def lexical(self) -> LexicalCache:
        return self.session.retriever.lexical

    @property
    def generator(self) -> Generator:
        return self.session.generator

    @property
    def rewriter(self) -> QueryRewriter:
        return self.session.rewriter

    @property
    def mode(self) -> Mode:
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

    def describe(self) -> Status:
        """How this Assistant answers and searches, in words (`Status.summary`) and in detail."""
        hosted = self.mode == "hosted"
        return Status(
            mode=self.mode,
            reason="" if hosted else (self.hosted_reason or "custom generator"),
            answer_model=self.generator.model if hosted else None,
            search_model=search_model_words(self.embedder.name),
            embedder=self.embedder.name,
            store=str(self.store.location),
            model_notice=self.model_notice,
            store_notice=" ".join(
                n
                for n in (
                    self.library_notice,
                    STORE_NOTICE
                    if self.store.documents == WORDS_ONLY
                    and preferred_documents(self.embedder) == SPEAKER_DOCUMENTS
                    else "",
                )
                if n
            ),
            language_notice=self.library.language_notice(),
            reading_notice=self.library.reading_notice(),
        )

    # ---- library -------------------------------------------------------------------------------------------

    def episodes(self) -> list[Episode]:
        return self.library.episodes()

    def episode(self, episode_id: str) -> Episode:
        return self.library.episode(episode_id)

    def transcript(self, episode_id: str, with_details: bool = False) -> list[Utterance]:
        return self.library.transcript(episode_id, with_details)

    def outline(self, episode: str) -> Outline:
        """The episode's chapters (title, span, key quotes); `episode` is its id, file name or a start of its
        id or title."""
        return self.session.outline(episode)

    def delete(self, episode_id: str) -> None:
        self.library.delete(episode_id)

    def ingest(self, paths: str | Path | Iterable[str | Path], **options: Any) -> IngestReport:
        """See `Library.ingest`: progress, show, title, source_url and fmt."""
        return self.library.ingest(paths, **options)

    def name_speakers(
        self, episode: str, names: Mapping[str, str], progress: Progress | None = None
    ) -> IngestReport:
        """See `Library.name_speakers`: name the voices an episode shows only by label, without its file."""
        return self.library.name_speakers(episode, names, progress)

    def ingest_uploads(
        self,
        files: Sequence[tuple[str, bytes]],
        *,
        progress: Progress | None = None,
        max_files: int | None = None,
    ) -> IngestReport:
        from .uploads import ingest_uploads

        return ingest_uploads(self.library, files, progress=progress, max_files=max_files)

    # ---- questions -----------------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Start loading the local question model in the background, for a caller that will ask or search
        next: the load then overlaps with opening the keyword index (a CLI question waits for both)."""
        self.session.retriever.warm_up()

    def search_ready(self) -> bool:
        """Whether the keyword index of the library as it is now is at hand. When it is not (after the
        library changed), the next search builds it first: seconds at 10,000 utterances, half a minute at
        100,000, worth saying to the person waiting (`prepare_search`)."""
        return self.lexical.ready()

    def prepare_search(self, only_if_saved: bool = False) -> None:
        """Build (or load) the keyword index now, where a progress line can say so, not inside the next
        question. `only_if_saved`: only when the index is saved beside the store; a process about to exit
        gains nothing from an index kept in its memory (a store on a Chroma server)."""
        if only_if_saved and not self.lexical.saves:
            return
        self.lexical.snapshot()

    def search(
        self,
        query: str,
        k: int = 10,
        episode: Filter = None,
        speaker: Filter = None,
        follow_up_of: str = "",
    ) -> list[Hit]:
        """The best `k` utterances for `query`; `follow_up_of`, an earlier question the query follows up,
        is searched beside it at reduced weight (what `ask` does offline, `Answer.follow_up_of`)."""
        return self.session.search(query, k=k, episode=episode, speaker=speaker, follow_up_of=follow_up_of)

    def ask(
        self,
        question: str,
        episode: Filter = None,
        history: HistoryLike | None = None,
        speaker: Filter = None,
    ) -> Answer:
        return self.session.ask(question, episode=episode, history=history or [], speaker=speaker)

    def stream(
        self,
        question: str,
        episode: Filter = None,
        history: HistoryLike | None = None,
        speaker: Filter = None,
    ) -> Iterator[AnswerEvent]:
        """Text deltas, then citations, then `done` with the full Answer.
        A hosted failure falls back, labelled."""
        return self.session.stream(question, episode=episode, history=history or [], speaker=speaker)

    def chat(self) -> ChatSession:
        """A conversation that keeps its own history: each `ask` is a follow-up of the ones before."""
        s = self.session
        return ChatSession(
            s.library, s.retriever, s.generator, s.offline, s.rewriter, s.settings, remember=True
        )

    def close(self) -> None:
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
