"""Who speaks in an episode, and how much ("Who spoke in this meeting?", "Who talked the most?", "How many
speakers are there?"): counted from the transcript's speaker labels.

A search would quote turns that use the words "speakers" or "most"; the labels are the answer. One line per
speaker, most words first, each cited to that speaker's longest turn so a reader sees them speak. No search
and no model, in either mode. A transcript without labels says so and names the people its details record.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Sequence
from dataclasses import dataclass

from ..library import Library
from ..render import cited_lines, plural
from ..text import shortened
from ..types import Answer, AnswerEvent, Citation, Episode, Hit, Utterance
from .attribution import named_in_details
from .told import told

_EPISODE = (
    r"(?:episode|meeting|podcast|show|interview|conversation|call|recording|transcript|discussion|session)"
)
_HERE = rf"(?: (?:in|on|at|during|of) (?:this|the|that) {_EPISODE})?"
_SPOKE = r"(?:spoke|talked|speaks|talks|was speaking|was talking|were speaking|were talking)"
_ROSTER = re.compile(
    r"^(?:and |so |ok,? |okay,? )?(?:"
    rf"who {_SPOKE} (?:the )?(?:most|least|more|less)(?: (?:in|on|at|during) .+)?"
    rf"|who (?:{_SPOKE}|took part|participated|attended|was there|was present){_HERE}"
    rf"|who (?:is|was|are|were) (?:in|on) (?:this|the) {_EPISODE}"
    r"|who (?:are|were) the (?:speakers|participants|attendees|people (?:speaking|talking))"
    rf"(?: (?:in|on|at|of) .+)?"
    r"|how many (?:speakers|participants|people|voices)"
    r" (?:are there|were there|spoke|talked|took part|attended)"
    r"(?: (?:in|on|at|during) .+)?"
    r"|(?:please )?(?:list|name|show(?: me)?) (?:all )?(?:the )?(?:speakers|participants)(?: (?:in|of) .+)?"
    r")\W*$",
    re.IGNORECASE,
)
_QUOTE_CHARS = 90
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def asks_roster(question: str) -> bool:
    """Whether the question asks who speaks in an episode or how much, not what anyone said ("Who talked about
    the budget?" is a search)."""
    return bool(_ROSTER.match(" ".join(question.strip().split())))


@dataclass(frozen=True)
class Speaker:
    name: str
    turns: int
    words: int
    longest: Utterance


def speakers(utterances: Sequence[Utterance]) -> list[Speaker]:
    """The labelled speakers of an episode's turns, most words first (then most turns, then name)."""
    turns: dict[str, list[Utterance]] = {}
    for u in utterances:
        if u.speaker and not u.is_details and u.text.strip():
            turns.setdefault(u.speaker, []).append(u)
    counted = []
    for name, said in turns.items():
        words = [len(_WORD.findall(u.text)) for u in said]
        longest = said[max(range(len(said)), key=words.__getitem__)]
        counted.append(Speaker(name, len(said), sum(words), longest))
    return sorted(counted, key=lambda s: (-s.words, -s.turns, s.name))


def answer_roster(library: Library, question: str, episode_id: str) -> Steps[AnswerEvent, None, Answer]:
    """Yields who speaks in the episode and how much, each speaker cited to their longest turn; returns the
    Answer."""
    episode = library.episode(episode_id)
    transcript = library.transcript(episode.id, with_details=True)  # the details record too, in one read
    counted = speakers(transcript)
    if counted:
        text, citations = _listed(episode, counted)
        hits = tuple(Hit(s.longest, 1.0, episode_title=episode.title) for s in counted)
    else:
        text, citations, hits = _unlabelled(episode, next((u for u in transcript if u.is_details), None))
    return (
        yield from told(Answer(text=text, citations=citations, mode="offline", query=question, hits=hits))
    )


def _listed(episode: Episode, counted: Sequence[Speaker]) -> tuple[str, tuple[Citation, ...]]:
    total = sum(s.words for s in counted) or 1
    turns = sum(s.turns for s in counted)
    head = (
        f"{plural(len(counted), 'speaker')} in “{episode.title}”, by the transcript's labels, most words "
        f"first ({plural(turns, 'turn')}, {plural(total, 'word')}):\n"
    )
    lines = []
    for n, s in enumerate(counted, 1):
        share = f"{100 * s.words / total:.0f}%"
        quote = shortened(s.longest.text, _QUOTE_CHARS)
        lines.append(
            (
                f"{n}. {s.name}: {plural(s.turns, 'turn')}, {plural(s.words, 'word')} ({share}); "
                f"longest turn #{s.longest.number}: “{quote}”",
                s.longest,
            )
        )
    return cited_lines(head, lines)


def _unlabelled(
    episode: Episode, record: Utterance | None
) -> tuple[str, tuple[Citation, ...], tuple[Hit, ...]]:
    text = (
        f"The transcript of “{episode.title}” does not label its speakers, "
        "so who spoke how much cannot be counted."
    )
    named = named_in_details(episode)
    if not named or record is None:
        return text, (), ()
    sentence = f"Its details name {named}."
    citation = Citation(len(text) + 1, len(text) + 1 + len(sentence), sentence, (record,))
    return f"{text} {sentence}", (citation,), (Hit(record, 1.0, episode_title=episode.title),)
