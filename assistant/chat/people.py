"""Who a question is about: the speaker a filter or a question names, checked against the transcripts' labels
and against the people the episodes' details name (hosts, guests) when a transcript labels no one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import UnknownSpeakerError
from ..index.lexical_cache import LexicalCache
from ..library import Library
from ..outline.answer import speaker_asked_about, speaker_asked_next
from ..retrieval.speakers import names_fully, speaker_mentioned, speaker_saying
from ..text import question_words
from ..types import Episode

_HOSTS = re.compile(r",|&|\band\b")
"""How a details block lists several hosts in one field ("Ana Lima & Matt Turck")."""


class People:
    def __init__(self, library: Library, lexical: LexicalCache) -> None:
        self.library = library
        self.lexical = lexical

    def check(self, wanted: Sequence[str], episodes: Sequence[str] | None) -> None:
        """UnknownSpeakerError naming the first of `wanted` no label of the searched episodes holds, with
        the speakers there are (or why there are none)."""
        known = self.lexical.current().speakers(episodes)
        folded = {name.casefold() for name in known}
        unknown = [name for name in wanted if name.casefold() not in folded]
        if not unknown:
            return
        where = "the searched episodes" if episodes else "the library"
        shown = listed(known)
        named = self._named_without_labels(unknown[0], episodes)
        if named:
            elsewhere = f" (speakers in {where}: {shown})" if known else ""
            raise UnknownSpeakerError(
                f"{unknown[0]!r} is named in the details of {named}, whose transcript has no speaker labels, "
                f"so a speaker filter cannot select their turns; ask without --speaker{elsewhere}"
            )
        if not known:
            has = "have" if episodes else "has"
            raise UnknownSpeakerError(
                f"no speaker is called {unknown[0]!r}: {where} {has} no speaker labels, so a speaker filter "
                "cannot match; ask without --speaker"
            )
        raise UnknownSpeakerError(f"no speaker is called {unknown[0]!r} in {where}; speakers: {shown}")

    def named(self, wanted: Sequence[str], episodes: Sequence[str] | None) -> list[str]:
        """`wanted` checked (`check`) and spelt as the labels spell them ("raj patel" -> "Raj Patel")."""
        self.check(wanted, episodes)
        known = {name.casefold(): name for name in self.lexical.current().speakers(episodes)}
        return [known[name.casefold()] for name in wanted]

    def asked_about(
        self,
        question: str,
        episodes: Sequence[str] | None,
        chosen: Sequence[str] | None,
        whole: bool,
        focus: str | None,
        notices: list[str],
        before: Sequence[str] = (),
    ) -> str | None:
        """The one speaker whose turns are asked for as a whole: "What did Raj say?" (or, `before` being that
        kind of question, "And Raj?"), or a summary with no subject of its own and a filter (`chosen`) to one
        speaker. None otherwise: a subject is searched for."""
        if chosen:
            if not whole or focus or len(chosen) != 1:
                return None
            return self.named(chosen, episodes)[0]
        who = None if whole else speaker_asked_about(question)
        if not who and not whole and before:
            who = speaker_asked_next(question, before)
        if not who:
            return None
        known = self.lexical.current().speakers(episodes)
        words = question_words(who)
        name = speaker_mentioned(who, known)
        named_in_details = [p for e in self.library.episodes() for p in details_people(e)]
        capitalised = all(original[:1].isupper() for _, original, _ in words)
        if name is None and known and capitalised and not speaker_mentioned(who, named_in_details):
            where = "the searched episodes" if episodes else "the library"
            notices.append(f"No speaker in {where} is called “{who}”; speakers: {listed(known)}.")
        return name if names_fully(who, name) else None  # "What did Raj's team say?" is not about Raj

    def sayer(self, question: str, episodes: Sequence[str] | None) -> tuple[str, str] | None:
        """The labelled speaker whose view a summary asks for ("Summarize what Nadia said about the steel",
        "What were Tomás's main points?") and what the question goes on to ask about ("the steel", or "");
        None when it names no speaker so, or names one within its subject ("Summarize the discussion of
        Marketing's points"); see `speaker_saying`."""
        known = self.lexical.current().speakers(episodes)
        found = speaker_saying(question, known) if known else None
        return (found.name, found.subject) if found else None

    def label_named(self, who: str, episodes: Sequence[str] | None) -> str | None:
        """The speaker label that `who` names in full ("Nadia" -> "Nadia Brooks"); None when none does."""
        name = speaker_mentioned(who, self.lexical.current().speakers(episodes))
        return name if names_fully(who, name) else None

    def without_labels(
        self, question: str, episodes: Sequence[str] | None, whole: bool = False, focus: str | None = None
    ) -> tuple[str, str] | None:
        """For "What did Aidan say?" (or, `whole`, "What were Aidan's main points?", "Summarize what Aidan
        said about AGI" with its `focus`) when Aidan is a host or guest in the details of the one searched
        episode that names him and its transcript labels no speaker: that episode, and a notice that his turns
        cannot be picked out."""
        if whole:
            people = [
                p
                for e in self.library.episodes()
                if not episodes or e.id in episodes
                for p in details_people(e)
            ]
            saying = speaker_saying(question, people) if people else None
            who = saying.name if saying else None
        else:
            who = speaker_asked_about(question)
        found = self.unlabelled_naming(who, episodes) if who else None
        if found is None:
            return None
        e, name = found
        instead = f"the part of the episode about {focus}" if focus else "the whole episode's outline"
        return e.id, (
            f"“{e.title}” does not label its speakers, so {name}'s turns cannot be picked out; "
            f"here is {instead} instead."
        )

    def unlabelled_naming(self, who: str, episodes: Sequence[str] | None) -> tuple[Episode, str] | None:
        """The one searched episode whose details name `who` (host or guest) and whose transcript labels no
        speaker, with the name as the details write it; None when there is not exactly one."""
        lexical = self.lexical.current()
        found = []
        for e in self.library.episodes():
            people = details_people(e)
            name = speaker_mentioned(who, people) if people else None
            if name and (episodes is None or e.id in episodes) and not lexical.speakers([e.id]):
                found.append((e, name))
        return found[0] if len(found) == 1 else None

    def _named_without_labels(self, name: str, episodes: Sequence[str] | None) -> str:
        """The title of a searched episode whose details name `name` (host or guest) but whose transcript
        labels no speaker, quoted; "" when there is none."""
        lexical = self.lexical.current()
        wanted = set(episodes) if episodes else None
        for e in self.library.episodes():
            people = {p.casefold() for p in details_people(e)}
            if (
                (wanted is None or e.id in wanted)
                and name.casefold() in people
                and not lexical.speakers([e.id])
            ):
                return f"“{e.title}”"
        return ""


def details_people(episode: Episode) -> list[str]:
    """The hosts and guests an episode's details name."""
    return [p.strip() for p in (*_HOSTS.split(episode.host or ""), *episode.guests) if p.strip()]


def details_role(episode: Episode, name: str) -> str | None:
    """ "host" or "guest" when the episode's details name `name` so (in any case), else None."""
    folded = name.casefold()
    if any(h.strip().casefold() == folded for h in _HOSTS.split(episode.host or "")):
        return "host"
    return "guest" if any(g.strip().casefold() == folded for g in episode.guests) else None


def listed(names: Sequence[str], most: int = 20) -> str:
    shown = ", ".join(sorted(names)[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
