"""Who said what the last answer quoted ("Who said that?"), from the transcripts' speaker labels.

No search and no model: the last answer's citations already say which turns were quoted, and each turn's
speaker label (or its absence) is the whole answer. A transcript without labels says so, once, and names the
people its details record (host, guests), cited to that record.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Mapping, Sequence

from ..library import Library
from ..text import shortened
from ..types import DETAILS, Answer, AnswerEvent, Citation, Episode, Hit, Utterance, format_time, utterance_id
from .told import told

_WHO_SAID = re.compile(
    r"^(?:and |so |but |wait,? )?(?:who|which (?:speaker|person|one(?: of them)?))(?:'s| is| was)?"
    r" (?:(?:said|says|was saying|is saying|speaking|talking|(?:was|is) (?:speaking|talking))"
    r"(?: (?:that|this|it|so|those|these|them))?|(?:was|is) (?:that|this|it))"
    r"(?: (?:last|just now|there|here))?\W*$",
    re.I,
)
_QUOTE_CHARS = 90
NOBODY_QUOTED = "The last answer quoted no passage, so there is nobody to name; ask about what was said."


def asks_who_said(question: str) -> bool:
    """Whether the question asks who said the last answer's quotes: "Who said that?", "Who was talking?"."""
    return bool(_WHO_SAID.match(" ".join(question.strip().split())))


def answer_who_said(
    library: Library, question: str, cited: Sequence[str]
) -> Steps[AnswerEvent, None, Answer]:
    """Yields the answer's text and citations; returns it. `cited`: the ids the last answer quoted."""
    if not cited:
        nobody = Answer(text=NOBODY_QUOTED, citations=(), mode="offline", query=question, refused=True)
        return (yield from told(nobody))
    quoted = library.utterances(cited)
    episodes = {e.id: e for e in library.episodes()}
    unlabelled = {u.episode_id for u in quoted if not u.speaker and not u.is_details}
    details = {u.episode_id: u for u in library.utterances([utterance_id(e, DETAILS) for e in unlabelled])}
    text, citations = who_said(quoted, episodes, details)
    shown = {u.id: u for c in citations for u in c.utterances}
    hits = tuple(Hit(u, 1.0, episode_title=episodes[u.episode_id].title) for u in shown.values())
    return (
        yield from told(Answer(text=text, citations=citations, mode="offline", query=question, hits=hits))
    )


def who_said(
    quoted: Sequence[Utterance], episodes: Mapping[str, Episode], details: Mapping[str, Utterance]
) -> tuple[str, tuple[Citation, ...]]:
    """One line per quoted turn with its speaker, each citing that turn; for a transcript without speaker
    labels, one line saying so, citing its details record (`details`, by episode id) when it names people."""
    text = "Who said the passages quoted in the last answer, by the transcripts' speaker labels:\n"
    citations: list[Citation] = []
    unlabelled: dict[str, list[Utterance]] = {}
    for u in quoted:
        if u.is_details:
            continue
        if not u.speaker:
            unlabelled.setdefault(u.episode_id, []).append(u)
            continue
        episode = episodes.get(u.episode_id)
        where = ", ".join(p for p in (episode.title if episode else "", _at(u)) if p)
        line = f"#{u.number} ({where}): {u.who()}, “{shortened(u.text, _QUOTE_CHARS)}”"
        citations.append(Citation(len(text), len(text) + len(line), line, (u,)))
        text += line + "\n"
    for episode_id, turns in unlabelled.items():
        episode = episodes.get(episode_id)
        numbers = _listed([f"#{u.number}" for u in turns])
        title = f"“{episode.title}”" if episode else episode_id
        line = (
            f"The transcript of {title} does not label its speakers, so it does not say who said {numbers}."
        )
        text += line
        named = named_in_details(episode) if episode else ""
        record = details.get(episode_id)
        if named and record is not None:
            sentence = f" Its details name {named}."
            citations.append(Citation(len(text) + 1, len(text) + len(sentence), sentence.strip(), (record,)))
            text += sentence
        text += "\n"
    return text.rstrip("\n"), tuple(citations)


def named_in_details(episode: Episode) -> str:
    """ "the host, Matt Turck, and the guest, Aidan Gomez": the people an episode's details name."""
    people = []
    if episode.host:
        people.append(f"the host, {episode.host},")
    if episode.guests:
        people.append(f"the guest{'s' if len(episode.guests) > 1 else ''}, {', '.join(episode.guests)}")
    return " and ".join(people).rstrip(",")


def _at(u: Utterance) -> str:
    return format_time(u.start) if u.start is not None else ""


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
