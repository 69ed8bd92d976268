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

from ..config import Settings
from ..errors import ProviderError
from ..generation.base import Generator
from ..generation.context import pack
from ..generation.offline import ExtractiveGenerator, reply_to
from ..index.lexical import LexicalIndex
from ..language import question_language, question_notice
from ..library import Library
from ..models.catalog import multilingual_embedder, reads_english_only
from ..outline.answer import (
    as_the_episode,
    follow_up_focus,
    is_whole_episode_question,
)
from ..outline.types import Outline
from ..retrieval.contracts import QueryRewriter
from ..retrieval.coverage import (
    WordCounts,
    as_typed,
    mentions,
    respell,
    respellings,
    said_in_another_form,
    spelled_like,
    word_counts,
)
from ..retrieval.query import (
    HeuristicRewriter,
    asks_for_more,
    is_follow_up,
    leans_wholly,
    names_its_subject,
)
from ..retrieval.retriever import HybridRetriever
from ..text import tokenize
from ..types import Answer, AnswerEvent, Hit, Turn
from .asked import answer_asked, asker
from .attribution import answer_who_said, asks_who_said
from .catalogue import answer_catalogue, answer_mentions, asks_catalogue, mention_topic
from .identity import answer_identity, identity_asked
from .moments import answer_at, asked_moment
from .outlines import WholeEpisode, without_done
from .people import People
from .questions import (
    HistoryLike,
    check_question,
    conversation_episode,
    episode_names,
    episodes_asked_about,
    normalise_history,
    speakers_of,
)
from .roster import answer_roster, asks_roster

log = logging.getLogger(__name__)

EMPTY_LIBRARY = (
    "The library is empty: add transcripts first (`assistant ingest PATH`, `Assistant.ingest`, or Upload in "
    "the browser), then ask again."
)

NOTHING_TO_FOLLOW = (
    "“{question}” follows on from an earlier question, and this conversation has none yet: ask the whole "
    "question (for example “Tell me more about the budget”)."
)

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
        self.whole = WholeEpisode(self)
        self.people = People(library, retriever.lexical)

    def search(
        self,
        query: str,
        k: int = 10,
        episode: Filter = None,
        speaker: Filter = None,
        follow_up_of: str = "",
    ) -> list[Hit]:
        query = check_question(query, self.settings.max_question_chars)
        if not self.library.episodes():
            return []  # before the question is embedded: a hosted embedder would be paid for nothing
        episodes = self.library.check_episodes(episode)
        speakers = speakers_of(speaker)
        if speakers:
            self.people.check(speakers, episodes)
        return self.retriever.search(
            query, k=k, episodes=episodes, speakers=speakers, follow_up_of=follow_up_of
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
        if not self.library.episodes():  # nothing to search: no model is called, nothing is paid for
            yield AnswerEvent(kind="text", text=EMPTY_LIBRARY)
            yield AnswerEvent(
                kind="done",
                answer=Answer(text=EMPTY_LIBRARY, citations=(), mode="offline", query=question, refused=True),
            )
            return
        turns = normalise_history(history) if history is not None else list(self.history)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        notices: list[str] = []
        typed = question
        at_hand = self.retriever.lexical.at_hand()  # what they ask of the labels needs no index built first
        spellings = self._respellings(at_hand.keywords, question, episode, speaker) if at_hand else {}
        if spellings:  # "Pheobe" is asked about as the transcripts spell her, whichever way the question goes
            notices.append(_respelt_notice(spellings))
            question = respell(question, spellings)

        moment = asked_moment(question)
        chosen = self.library.check_episodes(episode)
        said_by = self.people.label_named(moment.who, chosen) if moment and moment.who else None
        if moment is not None and (said_by or not moment.who):  # "What did they say at 12:30?", "at the end"
            speakers = [said_by] if said_by else self.people.named(speakers_of(speaker) or [], chosen)
            said_then = yield from answer_at(
                self.library, self.whole, question, moment, chosen, turns, notices, speakers
            )
            timings["total_ms"] = _ms(started)
            final = replace(said_then, timings=timings, query=question, notice=" ".join(notices) or None)
            yield self._done(typed, final)
            return

        if not turns and leans_wholly(question):  # "Tell me more" as a first question: nothing to search for
            text = NOTHING_TO_FOLLOW.format(question=question.strip())
            yield AnswerEvent(kind="text", text=text)
            yield AnswerEvent(
                kind="done",
                answer=Answer(text=text, citations=(), mode="offline", query=question, refused=True),
            )
            return

        topic = mention_topic(question)
        if asks_catalogue(question) or topic:  # the library's list, or which episodes use X: not a search
            in_scope = self.library.check_episodes(episode)
            for notice in notices:
                yield AnswerEvent(kind="notice", text=notice)
            if topic:
                used = mentions(self.retriever.lexical.current(), topic, in_scope)
                final = yield from answer_mentions(self.library, question, topic, used, in_scope)
            else:
                final = yield from answer_catalogue(self.library, question, in_scope)
            yield self._answered(typed, final, started, notices)
            return

        if turns and asks_who_said(question):  # before any rewrite: nothing needs searching, or paying for
            for notice in notices:
                yield AnswerEvent(kind="notice", text=notice)
            final = yield from answer_who_said(self.library, question, _last_cited(turns))
            yield self._answered(typed, final, started, notices)
            return

        named = episodes_asked_about(question, self.library.episodes())
        if named and not episode:
            episode = [e.id for e in named]
            notices.append(
                f"Answered from {', '.join(f'“{e.title}”' for e in named)} only, named in the question."
            )

        if asks_roster(question):  # who speaks and how much: the speaker labels say, no search
            scope = self.whole.scope(question, episode, turns, notices)
            if scope is not None:
                for notice in notices:
                    yield AnswerEvent(kind="notice", text=notice)
                final = yield from answer_roster(self.library, question, scope)
                yield self._answered(typed, final, started, notices)
                return

        who = asker(question)
        if who:  # what one speaker asked: their turns that ask, in order, no search
            listed = yield from self._asked(question, who, episode, turns, notices)
            if listed is not None:
                yield self._answered(typed, listed, started, notices)
                return

        who = identity_asked(question)
        if who:  # who a labelled speaker is: the details, their share of the talk, the turns naming them
            described = yield from self._identity(question, who, episode, turns, notices)
            if described is not None:
                yield self._answered(typed, described, started, notices)
                return

        follow_up = bool(turns) and is_follow_up(question)
        query, earlier = self._rewrite(question, turns, notices) if follow_up else (question, "")
        timings["rewrite_ms"] = _ms(started)
        if follow_up and not episode and conversation_episode(turns):
            episode = conversation_episode(
                turns
            )  # stays with the episode being discussed unless told otherwise
        if at_hand is None or follow_up:  # unless done above; a rewrite may bring back an earlier misspelling
            index = self.retriever.lexical.current()
            more = {
                w: t
                for w, t in self._respellings(index, query, episode, speaker).items()
                if w not in spellings
            }
            if more:
                notices.append(_respelt_notice(more))
            spellings = {**spellings, **more}
            query, question = respell(query, spellings), respell(question, spellings)

        # "What happened in the team sync?" has the shape of "What happened in the episode?"
        shaped = as_the_episode(question, episode_names(question, named))
        whole, focus = is_whole_episode_question(shaped)
        if not whole and follow_up:
            whole, focus = is_whole_episode_question(query)
            if whole:
                focus = follow_up_focus(question) or focus
        shown = _cited_in_run(turns) if follow_up and self._asks_past(question) else ()  # "Tell me more"
        before = [t.content for t in reversed(turns) if t.role == "user"] if follow_up else []
        asked = query if shown else shaped  # "Go on" after "What did Raj say?" asks it again
        in_scope = self.library.check_episodes(episode)
        chosen = speakers_of(speaker)
        said_by = self.people.asked_about(asked, in_scope, chosen, whole, focus, notices, before)
        sayer = self.people.sayer(asked, in_scope) if whole and not said_by and not speaker else None
        voice = subject = None  # "Summarize what Nadia said about the steel"
        if sayer and sayer[1] and self._theirs_answer(sayer[1], episode, sayer[0]):
            speaker, query, earlier = [sayer[0]], sayer[1], ""  # her turns about the steel, searched for
            notices.append(f"Searched only the turns of {sayer[0]}, named in the question.")
        elif sayer and sayer[1]:  # none of hers answers: her turns where the steel is discussed, by chapter
            voice, subject = sayer
            focus = subject
        elif sayer:  # "What were Nadia's main points?": her turns, by chapter
            said_by = sayer[0]
        unlabelled = (
            None if said_by or sayer or speaker else self.people.without_labels(asked, in_scope, whole, focus)
        )
        if said_by or (unlabelled and not whole):
            whole, focus = True, None
        if unlabelled:  # "What did Aidan say?" where no turn is labelled: his episode's outline, said so
            episode, notice = unlabelled
            notices.append(notice)
        if whole and (not speaker or said_by):  # else what chosen speakers said about X is searched for
            t = time.perf_counter()
            chose: list[str] = []
            scope = self.whole.scope(query, episode, turns, chose, speaker=said_by or voice)
            found = (
                self.whole.about(focus, scope, guessed=bool(chose), leave_out=shown)
                if scope is not None and focus
                else []
            )
            if found is None:
                focus, found = None, []
            if scope is not None and not focus and (said_by or shown):
                found = self.whole.quotes(scope, said_by, shown)
            discussed = scope is not None and not (focus and self._not_discussed(focus, found, scope))
            if discussed and voice and scope is not None:
                found = self.whole.said_near(self.offline.quotable(focus or "", found), scope, voice)
                discussed = bool(found)
                if found:
                    notices.append(
                        f"No turn of {voice} answers for “{subject}” by itself; quoted: theirs where it is "
                        "discussed."
                    )
            timings["retrieve_ms"] = _ms(t)
            if discussed and scope is not None:
                notices += chose
                for notice in notices:
                    yield AnswerEvent(kind="notice", text=notice)
                final = yield from self.whole.answer(
                    question, focus, scope, found, turns, notices, said_by or voice, more=bool(shown)
                )
                timings["generate_ms"] = _ms(t) - timings["retrieve_ms"]
                timings["total_ms"] = _ms(started)
                # what was searched: nothing for their turns; for the part about X, X
                shown_query = question if said_by else focus if focus and found else query
                final = replace(
                    final, timings=timings, query=shown_query, notice=" ".join(notices) or final.notice
                )
                yield self._done(typed, final)
                return
        if voice and subject:  # no turn of theirs where it is discussed: said so, with the closest of theirs
            speaker, query, earlier = [voice], subject, ""
            notices.append(f"Searched only the turns of {voice}, named in the question.")

        t = time.perf_counter()
        searched = question if earlier else query
        context = self._retrieve(searched, episode, speaker, earlier, shown)
        timings["retrieve_ms"] = _ms(t)

        t = time.perf_counter()
        counted: list[WordCounts] = []
        judged = question if earlier and names_its_subject(question) else query

        def words() -> WordCounts:
            if not counted:
                counted.append(self._word_counts(judged, episode, speaker))
            return counted[0]

        asked_in = self._language_notice(question, words if query == question else None, episode, speaker)
        if asked_in:
            notices.append(asked_in)
        for notice in notices:
            yield AnswerEvent(kind="notice", text=notice)

        final = yield from self._generate(
            question, query, context, turns, notices, words, own_turns=bool(speaker), judged=judged
        )
        facts_only = bool(final.citations) and all(u.is_details for u in final.cited_utterances)
        if final.mode == "offline" and (final.citations or final.refused) and not facts_only and not asked_in:
            absent = self._unknown_words_notice(
                judged, words(), episode, speaker, quoted=bool(final.citations)
            )
            if absent:
                notices.append(absent)
                yield AnswerEvent(kind="notice", text=absent)
        timings["generate_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)
        final = replace(
            final,
            hits=tuple(context),
            timings=timings,
            query=searched,
            follow_up_of=earlier,
            notice=" ".join(notices) or final.notice,
        )
        yield self._done(typed, final)

    def _done(self, question: str, final: Answer) -> AnswerEvent:
        """The `done` event, the exchange kept in the session's own history when it keeps one."""
        if self.remember:
            self.history += [Turn("user", question), final.as_turn()]
        return AnswerEvent(kind="done", answer=final)

    def _answered(
        self, question: str, final: Answer, started: float, notices: Sequence[str] = ()
    ) -> AnswerEvent:
        """`_done` for an answer the library's or the transcripts' own structure gave, with no search: its
        time, and the notices said before it."""
        return self._done(
            question,
            replace(final, timings={"total_ms": _ms(started)}, notice=" ".join(notices) or final.notice),
        )

    def reset(self) -> None:
        self.history.clear()

    def outline(self, episode: str) -> Outline:
        """The episode's outline (see `Library.outline`), from the search's vectors when not stored."""
        return self.library.outline(episode, self.retriever.lexical.snapshot)

    def _asked(
        self, question: str, who: str, episode: Filter, turns: Sequence[Turn], notices: list[str]
    ) -> Steps[AnswerEvent, None, Answer | None]:
        """What `who` asked, when a speaker label names them (or, in a transcript without labels, its details
        do: then every question asked in it); None when neither does (a search then)."""
        in_scope = self.library.check_episodes(episode)
        label = self.people.label_named(who, in_scope)
        named = None if label else self.people.unlabelled_naming(who, in_scope)
        scope = named[0].id if named else None
        if label:
            scope = self.whole.scope(question, episode, turns, notices, speaker=label, most_talk=True)
        if scope is None:
            return None
        for notice in notices:
            yield AnswerEvent(kind="notice", text=notice)
        return (yield from answer_asked(self.library, question, label, scope))

    def _identity(
        self, question: str, who: str, episode: Filter, turns: Sequence[Turn], notices: list[str]
    ) -> Steps[AnswerEvent, None, Answer | None]:
        """Who `who` is, when a speaker label names them in full; None otherwise (a search then)."""
        label = self.people.label_named(who, self.library.check_episodes(episode))
        scope = (
            self.whole.scope(question, episode, turns, notices, speaker=label, most_talk=True)
            if label
            else None
        )
        if label is None or scope is None:
            return None
        for notice in notices:
            yield AnswerEvent(kind="notice", text=notice)
        return (yield from answer_identity(self.library, question, who, label, scope))

    def _asks_past(self, question: str) -> bool:
        """Whether the answer should lead with passages the conversation has not quoted yet: "Tell me more",
        and offline any follow-up with no words of its own ("Why?", "And then?"), which searches the
        question before again and would quote the same passages again (a model's rewrite asks anew)."""
        offline = isinstance(self.rewriter, HeuristicRewriter)
        return asks_for_more(question) or (offline and leans_wholly(question))

    def _rewrite(self, question: str, turns: Sequence[Turn], notices: list[str]) -> tuple[str, str]:
        """The standalone query, and the earlier question to search beside the follow-up ("" when the query
        is the whole search: a model's rewrite, or a follow-up with no words of its own). "Tell me more" is
        the question before, exactly: no model is paid to say so."""
        more_of_the_same = asks_for_more(question) and leans_wholly(question)
        if not isinstance(self.rewriter, HeuristicRewriter) and not more_of_the_same:
            try:
                return self.rewriter.rewrite(question, turns), ""
            except ProviderError as exc:
                notices.append(f"Could not rewrite the follow-up with the hosted model ({exc}).")
        offline = HeuristicRewriter()
        return offline.rewrite(question, turns), offline.leans_on(question, turns)

    def _retrieve(
        self,
        query: str,
        episode: Filter,
        speaker: Filter,
        follow_up_of: str = "",
        shown: Sequence[str] = (),
    ) -> list[Hit]:
        """The hits the answer is built from, packed into the token budget; those whose utterances are in
        `shown` (what the last answer cited, when asked for more) go after the others."""
        try:
            hits = self.search(
                query,
                k=max(self.settings.top_k * 2, 10),
                episode=episode,
                speaker=speaker,
                follow_up_of=follow_up_of,
            )
        except ProviderError as exc:
            if self.retriever.embedder.name.startswith("cohere"):
                raise ProviderError(
                    f"searching needs the Cohere embedding service, which failed: {exc}"
                ) from exc
            raise
        if shown:
            quoted, terms = set(shown), set(tokenize(query))

            # A question is quoted through its reply, read as the answer reads it.
            def said_before(hit: Hit) -> bool:
                reply = reply_to(hit, terms)
                return hit.utterance.id in quoted or (reply is not None and reply.id in quoted)

            hits = [h for h in hits if not said_before(h)] + [h for h in hits if said_before(h)]
        return pack(hits[: self.settings.top_k], self.settings.context_tokens)

    def _generate(
        self,
        question: str,
        query: str,
        context: Sequence[Hit],
        turns: Sequence[Turn],
        notices: list[str],
        words: Callable[[], WordCounts],
        own_turns: bool = False,
        judged: str | None = None,
    ) -> Steps[AnswerEvent, None, Answer]:
        """Yields the generator's events but `done`; returns the final Answer (offline when hosted fails).

        The offline answer, which reads no history, gets the standalone query (the question itself unless it
        was a follow-up) and how often the transcripts use its words: it decides with them whether anything
        answers (of `judged`: a follow-up's own words); with a speaker filter (`own_turns`) it quotes their
        turns, not the replies to them."""
        if self.generator is self.offline:
            return (
                yield from without_done(
                    self.offline.stream(query, context, turns, words(), own_turns=own_turns, judged=judged)
                )
            )
        try:
            final = yield from without_done(self.generator.stream(question, context, turns))
        except ProviderError as exc:
            if self.generator is self.offline:
                raise
            notice = f"The hosted model failed ({exc}); showing the offline answer instead."
            log.warning("hosted generation failed, falling back offline: %s", exc)
            notices.append(notice)
            yield AnswerEvent(kind="notice", text=notice)
            final = yield from without_done(
                self.offline.stream(query, context, turns, words(), own_turns=own_turns, judged=judged)
            )
        return final

    def _theirs_answer(self, subject: str, episode: Filter, speaker: str) -> bool:
        """Whether one speaker's turns answer for the subject: hosted, the model judges them; offline, the
        answerability model, as for any search, once their turns use one of its words. "Marketing's opinions
        towards task assignment" may be turns that never name it, said where it was discussed."""
        model = self.offline.answerability
        if self.generator is not self.offline or model is None:
            return True
        words = self._word_counts(subject, episode, [speaker])
        if not any(words.scope.values()):  # none of its words is theirs: no search of their turns can tell
            return False
        found = self._retrieve(subject, episode, [speaker])
        return bool(found) and model.answerable(subject, found, words)

    def _not_discussed(self, focus: str, found: Sequence[Hit], episode: str) -> bool:
        """Offline, "the part about X" of an episode that never discusses X is not answered from its outline:
        the question then goes the way of any other (search, and a refusal when nothing answers). The
        answerability model judges the passages found for X as it judges a question's hits."""
        model = self.offline.answerability
        if self.generator is not self.offline or model is None:
            return False
        return not found or not model.answerable(focus, found, self._word_counts(focus, episode, None))

    def _language_notice(
        self, question: str, words: Callable[[], WordCounts] | None, episode: Filter, speaker: Filter
    ) -> str | None:
        """Said when a question is plainly not in English and the search model reads English only; `words`
        counts the question's words when the search was for the question as asked."""
        embedder = self.retriever.embedder
        if not reads_english_only(embedder):
            return None
        counts = words() if words else self._word_counts(question, episode, speaker)
        code = question_language(question, counts)
        if code is None:
            return None
        return question_notice(code, embedder.name, multilingual_embedder())

    def _unknown_words_notice(
        self, query: str, words: WordCounts, episode: Filter, speaker: Filter, quoted: bool
    ) -> str | None:
        """The question's words the searched transcripts never use, as typed; a name among them with the
        transcripts' closest spelling when it was too far from it to be searched for (`respellings`):
        "Shazeer" where speech recognition wrote "Shazir"."""
        unknown = words.unknown
        if not unknown:
            return None
        index = self.retriever.lexical.current()
        scope = (self.library.check_episodes(episode), speakers_of(speaker))
        said = said_in_another_form(index, unknown, *scope)  # "lose" where the transcript says "lost"
        typed = as_typed([w for w in unknown if w not in said], query)
        names = {w for name in words.unknown_names(query) for w in name.split()}
        closest = spelled_like(index, [w for w in typed if w in names], *scope)
        return _absent_words_notice(typed, closest, quoted)

    def _respellings(
        self, index: LexicalIndex, query: str, episode: Filter, speaker: Filter
    ) -> dict[str, str]:
        return respellings(index, query, self.library.check_episodes(episode), speakers_of(speaker))

    def _word_counts(self, question: str, episode: Filter, speaker: Filter) -> WordCounts:
        return word_counts(
            self.retriever.lexical.current(),
            question,
            self.library.check_episodes(episode),
            speakers_of(speaker),
        )


def _last_cited(turns: Sequence[Turn]) -> tuple[str, ...]:
    return next((t.cited for t in reversed(turns) if t.role == "assistant"), ())


def _cited_in_run(turns: Sequence[Turn]) -> tuple[str, ...]:
    """What the answers cited since the last question that said something: "Tell me more" twice, or "Why?"
    then "And then?", gives passages none of those answers quoted."""
    cited: list[str] = []
    for turn in reversed(turns):
        if turn.role == "assistant":
            cited += turn.cited
        elif not (asks_for_more(turn.content) or leans_wholly(turn.content)):
            break
    return tuple(dict.fromkeys(cited))


def _respelt_notice(spellings: dict[str, str]) -> str:
    said = ", ".join(f"“{typed}”" for typed in spellings)
    spelt = ", ".join(f"“{spelt}”" for spelt in spellings.values())
    closest = "the closest name they use" if len(spellings) == 1 else "the closest names they use"
    return f"The searched transcripts never use {said}; searched for {spelt}, {closest}."


def _absent_words_notice(missing: Sequence[str], closest: dict[str, str], quoted: bool) -> str | None:
    if not missing:
        return None
    return (
        "The searched transcripts never use "
        + ", ".join(f"“{w}”" + (f" (closest: “{closest[w]}”)" if w in closest else "") for w in missing)
        + ("; the quoted passages may not answer the question." if quoted else ".")
    )


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
