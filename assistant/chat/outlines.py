"""Whole-episode questions ("What are the key takeaways?"): answered from the episode's outline, not from a
dozen scattered hits. Offline the outline is quoted chapter by chapter; hosted, the chapters' key quotes are
the documents Cohere summarises from, and each summary is kept on disk so it is paid for once. "Summarize the
part about X" quotes (or sends) the episode's passages that best match X, under the chapters holding them."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from collections.abc import Generator as Steps
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..costs import PRICES
from ..errors import ProviderError
from ..generation.context import lead_in
from ..generation.offline import reply_to
from ..outline.answer import answer_from_outline
from ..outline.titles import is_backchannel
from ..outline.types import Chapter
from ..text import is_question, tokenize
from ..tokens import count_tokens
from ..types import Answer, AnswerEvent, Citation, Episode, Hit, Turn, Usage, Utterance
from .questions import conversation_episode, episodes_named
from .told import told

if TYPE_CHECKING:
    from .session import ChatSession, Filter

log = logging.getLogger(__name__)

SUMMARIES = "summaries"
LONG_SUMMARY_QUOTES = 24
"""More key quotes than this (or more input tokens than `LONG_SUMMARY_TOKENS`) and the cost is announced."""
LONG_SUMMARY_TOKENS = 6000
EXPECTED_OUTPUT_TOKENS = 600
FOCUS_PASSAGES = 6
"""Passages quoted for "the part about X": as many as the two chapters' key quotes quoted before."""
SPEAKER_REACH = 4
"""How far from a passage about X one speaker's turn still says what they said about it: the exchange around
it (a reply, the remark before)."""


def key_quote_hits(chapters: Iterable[Chapter], title: str) -> list[Hit]:
    """The key quotes of `chapters` as hits, in episode order."""
    hits: list[Hit] = []
    for chapter in chapters:
        hits += [Hit(u, 1.0, episode_title=title) for u in chapter.key_quotes]
    return hits


def passages(found: Sequence[Hit], focus: str) -> list[Utterance]:
    """What to quote for each hit about the focus: the reply when the hit asks (the reply holds what was said
    about X) unless that asks too or the hit is a long turn that states X before it asks, else the hit; a
    turn too short to stand alone ("yes, yes, it is.") after the turn it answers, as a search answer shows
    it. Each turn once."""
    terms = set(tokenize(focus))
    out: dict[str, Utterance] = {}
    for hit in found:
        reply = reply_to(hit, terms)
        u = reply if reply is not None and not is_question(reply.text) else hit.utterance
        before = lead_in(u, (hit.utterance, *hit.context))
        if before is not None and tokenize(before.text):  # not "Mm-hmm."
            out.setdefault(before.id, before)
        out.setdefault(u.id, u)
    return list(out.values())


def cost_notice(model: str | None, system: str, question: str, hits: Sequence[Hit]) -> str | None:
    """Before a long hosted summary: how much it sends and what that costs, roughly; None when short."""
    tokens = count_tokens(system) + count_tokens(question) + sum(count_tokens(h.utterance.text) for h in hits)
    if len(hits) <= LONG_SUMMARY_QUOTES and tokens <= LONG_SUMMARY_TOKENS:
        return None
    price = PRICES.get(model or "")
    cost = ""
    if price:
        usd = tokens / 1e6 * price.get("input_per_million", 0.0)
        usd += EXPECTED_OUTPUT_TOKENS / 1e6 * price.get("output_per_million", 0.0)
        cost = f", about ${usd:.3f} at list price"
    return (
        f"This summary sends {len(hits)} key passages (~{tokens:,} tokens) to {model}{cost}; "
        "it is kept, so asking again costs nothing."
    )


class SummaryCache:
    """Hosted summaries on disk (`<store>/summaries/<key>.json`), one per episode version, model, system
    prompt, question and passages sent; written atomically, so a reader sees a whole file or none."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @staticmethod
    def key(episode: Episode, model: str | None, system: str, question: str, sent: Sequence[Hit]) -> str:
        """Keyed by the passages `sent` too: "Tell me more" after two questions is two summaries."""
        parts = [
            episode.id,
            episode.content_hash,
            episode.ingested_at or "",
            model or "",
            hashlib.sha256(system.encode()).hexdigest(),
            " ".join(question.casefold().split()),
            *(h.utterance.id for h in sent),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def get(self, key: str) -> Answer | None:
        if self.folder is None:
            return None
        try:
            return answer_from_dict(json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, answer: Answer) -> None:
        """Best effort: a folder that cannot be written to only means paying again next time."""
        if self.folder is None:
            return
        path = self.folder / f"{key}.json"
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(answer_to_dict(answer)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "model": answer.model,
        "usage": asdict(answer.usage),
        "citations": [
            {"start": c.start, "end": c.end, "text": c.text, "utterances": [asdict(u) for u in c.utterances]}
            for c in answer.citations
        ],
    }


def answer_from_dict(data: dict[str, Any]) -> Answer:
    citations = tuple(
        Citation(
            int(c["start"]),
            int(c["end"]),
            str(c["text"]),
            tuple(Utterance.from_dict(u) for u in c["utterances"]),
        )
        for c in data["citations"]
    )
    return Answer(
        text=str(data["text"]),
        citations=citations,
        mode="hosted",
        model=data.get("model"),
        usage=Usage(**data.get("usage", {})),
    )


class WholeEpisode:
    """A session's whole-episode questions: which episode, and the answer from its outline."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        settings = session.settings
        self.summaries = SummaryCache(None if settings.chroma_host else settings.store_dir / SUMMARIES)

    def scope(
        self,
        query: str,
        episode: Filter,
        turns: Sequence[Turn],
        notices: list[str],
        speaker: str | None = None,
        most_talk: bool = False,
    ) -> str | None:
        """Which episode a whole-episode question is about: the one chosen, the only one where `speaker`
        speaks, the one being discussed, the only one, or (said in a notice) the one the best hit is from;
        None when the library is empty. `most_talk`: for a question about the speaker alone ("Who is
        Tomás?", "What did Nadia ask?"), which has no topic to search for, the one where they say most."""
        chosen = self.session.library.check_episodes(episode)
        if chosen and len(chosen) == 1:
            return chosen[0]
        if speaker:
            lexical = self.session.retriever.lexical.current()
            chosen = [
                e.id
                for e in self.session.library.episodes()
                if (not chosen or e.id in chosen) and speaker in lexical.speakers([e.id])
            ]
            if len(chosen) == 1:
                return chosen[0]
            named = episodes_named(query, [self.session.library.episode(e) for e in chosen])
            if len(named) == 1:
                return named[0].id
        current = conversation_episode(turns)
        if current and (not chosen or current in chosen):
            return current
        episodes = self.session.library.episodes()
        if not chosen and len(episodes) == 1:
            return episodes[0].id
        if most_talk and speaker and chosen and len(chosen) > 1:
            best = self._most_said(speaker, chosen)
            title = self.session.library.episode(best).title
            notices.append(
                f"Answered from “{title}”, where {speaker} says the most; "
                "choose an episode to ask about another."
            )
            return best
        hits = self.session.search(query, k=1, episode=chosen, speaker=speaker)
        if not hits:
            return None
        best = hits[0].utterance.episode_id
        title = self.session.library.episode(best).title
        notices.append(
            f"Answered from “{title}”, the episode that best matches the question; "
            "choose an episode to ask about another."
        )
        return best

    def _most_said(self, speaker: str, episodes: Sequence[str]) -> str:
        """Of `episodes`, the one where `speaker`'s turns hold the most words (the first, on a tie)."""
        lexical = self.session.retriever.lexical.current()
        records = lexical.records

        def words(episode_id: str) -> int:
            rows = lexical.rows_of_episode(episode_id)
            return sum(len(records[r].text.split()) for r in rows if records[r].speaker == speaker)

        return max(episodes, key=words)

    def answer(
        self,
        question: str,
        focus: str | None,
        episode_id: str,
        found: Sequence[Hit],
        turns: Sequence[Turn],
        notices: list[str],
        speaker: str | None = None,
        more: bool = False,
    ) -> Steps[AnswerEvent, None, Answer]:
        """The offline outline answer, or a hosted summary of the chapters' key quotes (cached on disk); for
        the part about X, of the passages about X; for what one `speaker` said, of their turns (`found`)."""
        episode = self.session.library.episode(episode_id)
        outline = self.session.outline(episode_id)
        hits = tuple(found) if found else tuple(key_quote_hits(outline.chapters, episode.title))

        def offline() -> tuple[str, tuple[Citation, ...]]:
            quoted = passages(found, focus) if focus and not speaker else [h.utterance for h in found]
            return answer_from_outline(outline, focus, quoted, speaker=speaker, more=more)

        return (yield from self.respond(question, episode, hits, turns, notices, offline))

    def respond(
        self,
        question: str,
        episode: Episode,
        hits: Sequence[Hit],
        turns: Sequence[Turn],
        notices: list[str],
        offline: Callable[[], tuple[str, tuple[Citation, ...]]],
    ) -> Steps[AnswerEvent, None, Answer]:
        """Hosted, Cohere's summary of `hits` (cached on disk); offline, or when that fails, `offline()`'s
        text and citations."""
        if self.session.generator is not self.session.offline and hits:
            try:
                final = yield from self._hosted(question, episode, hits, turns, notices)
                return replace(final, hits=tuple(hits))
            except ProviderError as exc:
                notice = f"The hosted model failed ({exc}); showing the offline answer instead."
                log.warning("hosted summary failed, falling back to the offline answer: %s", exc)
                notices.append(notice)
                yield AnswerEvent(kind="notice", text=notice)
        text, citations = offline()
        answer = Answer(
            text=text, citations=citations, mode="offline", hits=tuple(hits), refused=not citations
        )
        return (yield from told(answer))

    def _hosted(
        self, question: str, episode: Episode, hits: Sequence[Hit], turns: Sequence[Turn], notices: list[str]
    ) -> Steps[AnswerEvent, None, Answer]:
        system = system_prompt(self.session.settings)
        key = self.summaries.key(episode, self.session.generator.model, system, question, hits)
        cached = self.summaries.get(key)
        if cached is not None:
            return (yield from told(cached))
        cost = cost_notice(self.session.generator.model, system, question, hits)
        if cost:
            notices.append(cost)
            yield AnswerEvent(kind="notice", text=cost)
        final = yield from without_done(self.session.generator.stream(question, hits, turns))
        if final.citations and not final.refused:
            self.summaries.put(key, final)
        return final

    def quotes(
        self, episode_id: str, speaker: str | None = None, leave_out: Collection[str] = ()
    ) -> list[Hit]:
        """Per chapter, the most central turns (by `speaker`, not in `leave_out`), as hits: what one person
        said, or more of the episode than the last answer quoted (`Library.chapter_quotes`)."""
        title = self.session.library.episode(episode_id).title
        found = self.session.library.chapter_quotes(
            episode_id, speaker, leave_out, self.session.retriever.lexical.snapshot
        )
        return [Hit(u, 1.0, episode_title=title) for u in found]

    def said_near(self, found: Sequence[Hit], episode_id: str, speaker: str) -> list[Hit]:
        """`speaker`'s turn nearest each passage about X (within SPEAKER_REACH turns; after it first, where a
        reply is; not "Uh no, no no no." when there is more), best passage first, each turn once: "Marketing's
        opinions towards the design" are what Marketing said where the design is discussed, whoever named
        it."""
        theirs = [u for u in self.session.library.transcript(episode_id) if u.speaker == speaker]
        near: dict[str, Hit] = {}
        for hit in found:
            n = hit.utterance.number
            close = [u for u in theirs if abs(u.number - n) <= SPEAKER_REACH and u.id not in near]
            close = [u for u in close if not is_backchannel(u.text)] or close
            if close:
                u = min(close, key=lambda u: (abs(u.number - n), u.number < n))
                near[u.id] = replace(hit, utterance=u, context=(), carried_on=(), scores={})
        return list(near.values())

    def about(
        self, focus: str, episode_id: str, guessed: bool = False, leave_out: Collection[str] = ()
    ) -> list[Hit] | None:
        """The episode's passages (its chapters cover every turn) that best match the focus, best first, but
        those in `leave_out`. None when the episode was `guessed` from the question and the focus names it
        (its details record matches best: "the key takeaways about the canal lock"): the question asks for
        the episode's whole outline."""
        found = self.session.search(focus, k=FOCUS_PASSAGES + len(leave_out), episode=episode_id)
        if guessed and found and found[0].utterance.is_details:
            return None
        return [h for h in found if not h.utterance.is_details and h.utterance.id not in leave_out][
            :FOCUS_PASSAGES
        ]


def system_prompt(settings: Settings) -> str:
    """The system prompt's text, so a cached summary is not reused after the prompt changes."""
    try:
        return (settings.prompts_dir / "system.md").read_text(encoding="utf-8")
    except OSError:
        return ""


def without_done(stream: Iterator[AnswerEvent]) -> Steps[AnswerEvent, None, Answer]:
    """Yields a generator's events but `done`; returns the Answer `done` carried."""
    final: Answer | None = None
    for event in stream:
        if event.kind == "done":
            final = event.answer
        else:
            yield event
    assert final is not None
    return final
