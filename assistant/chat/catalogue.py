"""What the library holds ("How many episodes are there?", "List the transcripts"): its catalogue answers.

A search would quote whichever turn says "episodes"; the library's own list is the answer. Each episode is one
line (title, show, date, length, host and guests where known), cited to its details record, so a reader opens
the transcript's top from it. No search and no model call, in either mode.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Sequence

from ..library import Library
from ..types import DETAILS, Answer, AnswerEvent, Citation, Episode, Hit, format_time, utterance_id

_KINDS = r"(?:episodes|transcripts|recordings|meetings|interviews|files)"
_HELD = (
    r"(?:are there|do (?:you|we|i) have|have (?:you|we|i) got|are (?:loaded|available|in (?:the|my) library))"
)
_CATALOGUE = re.compile(
    r"^(?:and |so |ok,? |okay,? )?(?:"
    rf"how many {_KINDS}(?: {_HELD}| (?:are|is) there in (?:the|my|this) library)?"
    rf"|(?:please )?(?:list|show(?: me)?|name) (?:all )?(?:the |my )?{_KINDS}(?: you have| in the library)?"
    rf"|(?:what|which) {_KINDS} {_HELD}"
    r")\W*$",
    re.IGNORECASE,
)


def asks_catalogue(question: str) -> bool:
    """Whether the question asks what the library holds, not what was said ("How many episodes mention
    steel?" is a search)."""
    return bool(_CATALOGUE.match(" ".join(question.strip().split())))


def answer_catalogue(
    library: Library, question: str, in_scope: Sequence[str] | None
) -> Steps[AnswerEvent, None, Answer]:
    """Yields the catalogue's text and citations; returns the Answer. `in_scope`: the episode filter."""
    episodes = [e for e in library.episodes() if in_scope is None or e.id in in_scope]
    records = {u.episode_id: u for u in library.utterances([utterance_id(e.id, DETAILS) for e in episodes])}
    count = f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''}"
    text = f"The {'searched part of the ' if in_scope else ''}library holds {count}:\n"
    citations: list[Citation] = []
    for n, episode in enumerate(episodes, 1):
        line = f"{n}. {_described(episode)}"
        record = records.get(episode.id)
        if record is not None:
            citations.append(Citation(len(text), len(text) + len(line), line, (record,)))
        text += line + "\n"
    text = text.rstrip("\n")
    yield AnswerEvent(kind="text", text=text)
    for citation in citations:
        yield AnswerEvent(kind="citation", citation=citation)
    return Answer(
        text=text,
        citations=tuple(citations),
        mode="offline",
        query=question,
        hits=tuple(Hit(records[e.id], 1.0, episode_title=e.title) for e in episodes if e.id in records),
    )


def _described(episode: Episode) -> str:
    """`“Title” (Show, 2025-05-01, 1:02:10; host Matt Turck; guest Aidan Gomez), 678 turns`."""
    facts = [f for f in (episode.show, episode.date) if f]
    if episode.duration:
        facts.append(format_time(episode.duration))
    people = []
    if episode.host:
        people.append(f"host {episode.host}")
    if episode.guests:
        people.append(f"guest{'s' if len(episode.guests) > 1 else ''} {', '.join(episode.guests)}")
    details = "; ".join(p for p in (", ".join(facts), *people) if p)
    return f"“{episode.title}”" + (f" ({details})" if details else "") + f", {episode.utterance_count} turns"
