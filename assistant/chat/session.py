"""`ChatSession`: one question's way to an answer (rewrite, search, pack, generate, fall back, add notices).

A session may keep its own conversation (`remember=True`, what `Assistant.chat()` gives) or be handed the
history with each question (what `Assistant.ask` does), so one session serves every browser tab.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Generator as Steps
from dataclasses import replace
from typing import Any

from ..config import Settings
from ..errors import ProviderError
from ..generation.base import Generator
from ..generation.context import pack
from ..generation.offline import ExtractiveGenerator
from ..library import Library
from ..outline.answer import answer_from_outline, is_whole_episode_question
from ..outline.types import Outline
from ..retrieval.contracts import QueryRewriter
from ..retrieval.coverage import WordCounts, word_counts
from ..retrieval.query import HeuristicRewriter, is_follow_up
from ..retrieval.retriever import HybridRetriever
from ..types import Answer, AnswerEvent, Episode, Hit, Turn
from .outlines import SummaryCache, chapter_scorer, cost_notice, key_quote_hits
from .questions import (
    HistoryLike,
    check_question,
    conversation_episode,
    normalise_history,
    speakers_of,
)

log = logging.getLogger(__name__)

Filter = str | Sequence[str] | None


class ChatSession:
    def __init__(
        self,
        library: Library,
        retriever: HybridRetriever,
        generator: Generator,
        offline: ExtractiveGenerator,
        rewriter: QueryRewriter,
        settings: Settings,
        *,
        remember: bool = False,
    ) -> None:
        self.library = library
        self.retriever = retriever
        self.generator = generator
        self.offline = offline
        self.rewriter = rewriter
        self.settings = settings
        self.remember = remember
        self.history: list[Turn] = []
        self.summaries = SummaryCache(None if settings.chroma_host else settings.store_dir / "summaries")

    def search(self, query: str, k: int = 10, episode: Filter = None, speaker: Filter = None) -> list[Hit]:
        query = check_question(query, self.settings.max_question_chars)
        return self.retriever.search(
            query, k=k, episodes=self.library.check_episodes(episode), speakers=speakers_of(speaker)
        )

    def ask(
        self,
        question: str,
        episode: Filter = None,
        history: HistoryLike | None = None,
        speaker: Filter = None,
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
        episode: Filter = None,
        history: HistoryLike | None = None,
        speaker: Filter = None,
    ) -> Iterator[AnswerEvent]:
        """Text deltas, then citations, then `done` with the full Answer.
        A hosted failure falls back, labelled."""
        question = check_question(question, self.settings.max_question_chars)
        turns = normalise_history(history) if history is not None else list(self.history)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        notices: list[str] = []

        follow_up = bool(turns) and is_follow_up(question)
        query = self._rewrite(question, turns, notices) if follow_up else question
        timings["rewrite_ms"] = _ms(started)
        if follow_up and not episode and conversation_episode(turns):
            episode = conversation_episode(
                turns
            )  # stays with the episode being discussed unless told otherwise

        whole, focus = is_whole_episode_question(question)
        if not whole and follow_up:
            whole, focus = is_whole_episode_question(query)
        if whole and not speaker:  # what chosen speakers said is searched for, not outlined
            t = time.perf_counter()
            scope = self._outline_scope(query, episode, speaker, turns, notices)
            timings["retrieve_ms"] = _ms(t)
            if scope is not None:
                for notice in notices:
                    yield AnswerEvent(kind="notice", text=notice)
                final = yield from self._from_outline(question, focus, scope, turns, notices)
                timings["generate_ms"] = _ms(t) - timings["retrieve_ms"]
                timings["total_ms"] = _ms(started)
                final = replace(final, timings=timings, query=query, notice=" ".join(notices) or final.notice)
                if self.remember:
                    self.history += [Turn("user", question), final.as_turn()]
                yield AnswerEvent(kind="done", answer=final)
                return

        t = time.perf_counter()
        context = self._retrieve(query, episode, speaker)
        timings["retrieve_ms"] = _ms(t)

        t = time.perf_counter()
        for notice in notices:
            yield AnswerEvent(kind="notice", text=notice)
        counted: list[WordCounts] = []

        def words() -> WordCounts:
            if not counted:
                counted.append(self._word_counts(query, episode, speaker))
            return counted[0]

        final = yield from self._generate(question, query, context, turns, notices, words)
        if final.mode == "offline" and (final.citations or final.refused):
            absent = _absent_words_notice(words().absent, quoted=bool(final.citations))
            if absent:
                notices.append(absent)
                yield AnswerEvent(kind="notice", text=absent)
        timings["generate_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)
        final = replace(
            final, hits=tuple(context), timings=timings, query=query, notice=" ".join(notices) or final.notice
        )
        if self.remember:
            self.history += [Turn("user", question), final.as_turn()]
        yield AnswerEvent(kind="done", answer=final)

    def reset(self) -> None:
        self.history.clear()

    def outline(self, episode: str) -> Outline:
        """The episode's outline (see `Library.outline`), from the search's vectors when not stored."""
        return self.library.outline(episode, self.retriever.lexical.snapshot)

    def _outline_scope(
        self, query: str, episode: Filter, speaker: Filter, turns: Sequence[Turn], notices: list[str]
    ) -> str | None:
        """Which episode a whole-episode question is about: the one chosen, the one being discussed, the only
        one, or (said in a notice) the one the best hit is from; None when the library is empty."""
        chosen = self.library.check_episodes(episode)
        if chosen and len(chosen) == 1:
            return chosen[0]
        current = conversation_episode(turns)
        if current and (not chosen or current in chosen):
            return current
        episodes = self.library.episodes()
        if not chosen and len(episodes) == 1:
            return episodes[0].id
        hits = self.search(query, k=1, episode=chosen, speaker=speaker)
        if not hits:
            return None
        best = hits[0].utterance.episode_id
        title = self.library.episode(best).title
        notices.append(
            f"Answered from the outline of “{title}”, the episode that best matches the question; "
            "choose an episode to ask about another."
        )
        return best

    def _from_outline(
        self, question: str, focus: str | None, episode_id: str, turns: Sequence[Turn], notices: list[str]
    ) -> Steps[AnswerEvent, None, Answer]:
        """The offline outline answer, or a hosted summary of the chapters' key quotes (cached on disk)."""
        episode = self.library.episode(episode_id)
        outline = self.outline(episode_id)
        score = None
        if focus:
            qv = self.retriever.embedder.embed_query(focus)
            score = chapter_scorer(outline, qv, self._stored_vectors)
        chosen = outline.chapters
        if focus and score is not None and chosen:
            chosen = tuple(sorted(sorted(chosen, key=score, reverse=True)[:2], key=lambda c: c.number))
        hits = tuple(key_quote_hits(chosen, episode.title))
        if self.generator is not self.offline:
            try:
                final = yield from self._hosted_summary(question, episode, hits, turns, notices)
                return replace(final, hits=hits)
            except ProviderError as exc:
                notice = f"The hosted model failed ({exc}); showing the offline outline instead."
                log.warning("hosted summary failed, falling back to the outline: %s", exc)
                notices.append(notice)
                yield AnswerEvent(kind="notice", text=notice)
        text, citations = answer_from_outline(outline, focus=focus, score=score)
        yield AnswerEvent(kind="text", text=text)
        for citation in citations:
            yield AnswerEvent(kind="citation", citation=citation)
        return Answer(text=text, citations=citations, mode="offline", hits=hits)

    def _hosted_summary(
        self, question: str, episode: Episode, hits: Sequence[Hit], turns: Sequence[Turn], notices: list[str]
    ) -> Steps[AnswerEvent, None, Answer]:
        system = _system_prompt(self.settings)
        key = self.summaries.key(episode, self.generator.model, system, question)
        cached = self.summaries.get(key)
        if cached is not None:
            yield AnswerEvent(kind="text", text=cached.text)
            for citation in cached.citations:
                yield AnswerEvent(kind="citation", citation=citation)
            return cached
        cost = cost_notice(self.generator.model, system, question, hits)
        if cost:
            notices.append(cost)
            yield AnswerEvent(kind="notice", text=cost)
        final = yield from _events(self.generator.stream(question, hits, turns))
        if final.citations and not final.refused:
            self.summaries.put(key, final)
        return final

    def _stored_vectors(self, ids: Sequence[str]) -> dict[str, Any]:
        """Stored vectors of these utterances: from the search's snapshot, else read from the store."""
        snapshot = self.retriever.lexical.snapshot()
        if snapshot.vectors is not None:
            rows = snapshot.keywords.row_of
            return {i: snapshot.vectors.matrix[rows[i]] for i in ids if i in rows}
        got = self.library.store.get(list(ids), with_vectors=True)
        return {i: v for i, (_, v) in got.items() if v is not None}

    def _rewrite(self, question: str, turns: Sequence[Turn], notices: list[str]) -> str:
        try:
            return self.rewriter.rewrite(question, turns)
        except ProviderError as exc:
            notices.append(f"Could not rewrite the follow-up with the hosted model ({exc}).")
            return HeuristicRewriter().rewrite(question, turns)

    def _retrieve(self, query: str, episode: Filter, speaker: Filter) -> list[Hit]:
        try:
            hits = self.search(query, k=max(self.settings.top_k * 2, 10), episode=episode, speaker=speaker)
        except ProviderError as exc:
            if self.retriever.embedder.name.startswith("cohere"):
                raise ProviderError(
                    f"searching needs the Cohere embedding service, which failed: {exc}"
                ) from exc
            raise
        return pack(hits[: self.settings.top_k], self.settings.context_tokens)

    def _generate(
        self,
        question: str,
        query: str,
        context: Sequence[Hit],
        turns: Sequence[Turn],
        notices: list[str],
        words: Callable[[], WordCounts],
    ) -> Steps[AnswerEvent, None, Answer]:
        """Yields the generator's events but `done`; returns the final Answer (offline when hosted fails).

        The offline answer, which reads no history, gets the standalone query (the question itself unless it
        was a follow-up) and how often the transcripts use its words: it decides with them whether anything
        answers."""
        if self.generator is self.offline:
            return (yield from _events(self.offline.stream(query, context, turns, words())))
        try:
            final = yield from _events(self.generator.stream(question, context, turns))
        except ProviderError as exc:
            if self.generator is self.offline:
                raise
            notice = f"The hosted model failed ({exc}); showing the offline answer instead."
            log.warning("hosted generation failed, falling back offline: %s", exc)
            notices.append(notice)
            yield AnswerEvent(kind="notice", text=notice)
            final = yield from _events(self.offline.stream(query, context, turns, words()))
        return final

    def _word_counts(self, question: str, episode: Filter, speaker: Filter) -> WordCounts:
        return word_counts(
            self.retriever.lexical.current(),
            question,
            self.library.check_episodes(episode),
            speakers_of(speaker),
        )


def _system_prompt(settings: Settings) -> str:
    """The system prompt's text, so a cached summary is not reused after the prompt changes."""
    try:
        return (settings.prompts_dir / "system.md").read_text(encoding="utf-8")
    except OSError:
        return ""


def _absent_words_notice(missing: Sequence[str], quoted: bool) -> str | None:
    if not missing:
        return None
    return (
        "The searched transcripts never use "
        + ", ".join(f"“{w}”" for w in missing)
        + ("; the quoted passages may not answer the question." if quoted else ".")
    )


def _events(stream: Iterator[AnswerEvent]) -> Steps[AnswerEvent, None, Answer]:
    final: Answer | None = None
    for event in stream:
        if event.kind == "done":
            final = event.answer
        else:
            yield event
    assert final is not None
    return final


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
