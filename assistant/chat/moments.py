"""Questions about a moment of an episode ("What did they say at 12:30?", "What happens 20 minutes in?",
"Summarize the first five minutes"): answered from the turns spoken then, found by their timestamps.

A listener remembers *when* something was said far better than its words; search cannot find "12:30", but the
transcript's timestamps can. A clock time with am/pm is a time of day, not a place in the episode.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..library import Library
from ..render import cited_lines
from ..text import is_question
from ..types import Answer, AnswerEvent, Citation, Episode, Hit, Turn, Utterance, format_time
from .questions import conversation_episode, episodes_named
from .told import told

if TYPE_CHECKING:
    from .outlines import WholeEpisode

AFTER = 45.0
"""Seconds after the moment asked about that belong to it: what was said "at 12:30" runs on for a while."""
MOST_TURNS = 10

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
_N = r"(\d+|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
_OF_DAY = (
    r"(?!\s*(?:[ap]\.?m\b|o'?clock|meeting|call|train|flight|bus|appointment|slot|class|deadline|kick-?off))"
)
"""What follows a time of day, not a place in the episode: "9:30 am", "the 9:30 meeting"."""
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:])" + _OF_DAY, re.I)
_IN = re.compile(
    rf"\b(?:{_N}\s*(?:hours?|hrs?)(?:\s*(?:and\s*)?{_N}\s*(?:minutes?|mins?))?|{_N}\s*(?:minutes?|mins?))"
    r"(?:\s*(?:and\s*)?(\d+)\s*(?:seconds?|secs?))?\s+(?:in|into)\b",
    re.I,
)
_MARK = re.compile(
    rf"\b(?:minute\s+{_N}|{_N}[- ]minute\s+mark|(?:at|around)\s+(?:the\s+)?{_N}[- ]minutes?(?:\s+mark)?"
    r"(?!\s+(?:long|later|ago|before|after|of|each|per|every|to|for)\b))\b",
    re.I,
)
_UNIT = r"(minutes?|mins?|seconds?|secs?|hours?)"
_ENDS = r"(?=\s*(?:of|in|on|from|$|[?.!,]))"
"""After "the first five minutes": the end of the phrase, not a noun ("last minute changes")."""
_FIRST = re.compile(rf"\b(?:the\s+)?(?:first|opening)\s+(?:{_N}\s*)?{_UNIT}\b{_ENDS}", re.I)
_LAST = re.compile(rf"\b(?:the\s+)?(?:last|final|closing)\s+(?:{_N}\s*)?{_UNIT}\b{_ENDS}", re.I)
_RECORD = r"(?:episode|show|podcast|meeting|interview|conversation|call|talk|recording|discussion)"
_THE_RECORD = rf"the\s+(?:[\w'-]+\s+){{0,3}}?{_RECORD}"
"""The record, perhaps named: "the episode", "the harbour bridge episode", "the kickoff meeting"."""
_EDGE = re.compile(
    rf"\b(?:at|in|near|towards?|by)\s+the\s+(?:very\s+)?(end|ending|close|beginning|start|outset)\b"
    rf"(?:\s+of\s+{_THE_RECORD})?(?!\s+of\b)",
    re.I,
)
"""The episode's own edge: "at the end", "at the start of the meeting"; not "at the end of the day"."""
_HOW_IT = re.compile(
    rf"\bhow\s+(?:does|did|do)\s+{_THE_RECORD}\s+(end|close|finish|wrap\s+up|start|begin|open)\b",
    re.I,
)
""""How does the episode end?"; "How did it start?" may be about anything the conversation was on."""
_SAID_FIRST = re.compile(
    r"\bthe\s+(?:very\s+)?(first|last|final)\s+(?:thing|things|words?|line|remark)\s+(?:that\s+)?"
    r"(.+?)\s+(?:said|says|say|mentioned|mentions|told|tells|talked\s+about|talk\s+about|discussed|discuss)\b",
    re.I,
)
""""The last thing Tomás said": that speaker's first or last turn."""
_EVERYONE = frozenset(["they", "we", "you", "people", "everyone", "everybody"])
""""The first thing they talked about": no one speaker, so the opening exchange."""
_ASKED_FIRST = re.compile(
    r"\bthe\s+(?:very\s+)?(first|last|final)\s+question\s+(?:that\s+)?(.+?)\s+(?:asked|asks|ask|put|puts)\b"
    r"|\b([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)(?:'s|’s)\s+(first|last|final)\s+question\b",
)
""""The first question Nadia asked", "Nadia's last question": that speaker's first or last turn that asks."""
EDGE_TURNS = 4
"""Turns quoted for "how does it end?" or "at the start": the exchange that opens or closes the talk."""


@dataclass(frozen=True)
class Moment:
    """Seconds from the start of the episode: a point (`start` == `end`) or a stretch; `words` as asked."""

    start: float
    end: float
    words: str
    from_end: bool = False
    """`start`/`end` count back from the episode's end ("the last five minutes")."""
    turns: int = 0
    """A count of turns from the start (or the end) instead of seconds: "at the end", "the last thing she
    said"; the transcript's order answers it, with or without timestamps."""
    who: str = ""
    """Whose turns, as the question names them ("the last thing Tomás said")."""
    asks: bool = False
    """Only turns that ask ("the first question Nadia asked")."""

    def span(self, duration: float) -> tuple[float, float]:
        """Seconds into the episode the answer quotes from: a point runs on for `AFTER` seconds."""
        if self.from_end:
            return max(0.0, duration - self.start), duration
        if self.start == self.end:
            return self.start, self.start + AFTER
        return self.start, self.end


def asked_moment(question: str) -> Moment | None:
    """The moment a question asks about, or None when it names no place in the episode."""
    q = " ".join(question.split())
    if match := _FIRST.search(q):
        return Moment(0.0, _length(match.group(1), match.group(2)), match.group(0))
    if match := _LAST.search(q):
        return Moment(_length(match.group(1), match.group(2)), 0.0, match.group(0), from_end=True)
    if match := _CLOCK.search(q):
        a, b, c = match.groups()
        seconds = (int(a) * 3600 + int(b) * 60 + int(c)) if c else int(a) * 60 + int(b)
        return Moment(float(seconds), float(seconds), match.group(0))
    if match := _IN.search(q):
        hours, hour_minutes, minutes, secs = match.groups()
        seconds = 3600 * _number(hours) + 60 * _number(hour_minutes) + 60 * _number(minutes) + _number(secs)
        return Moment(float(seconds), float(seconds), match.group(0))
    if match := _MARK.search(q):
        minutes = _number(match.group(1) or match.group(2) or match.group(3))
        return Moment(60.0 * minutes, 60.0 * minutes, match.group(0))
    if match := _ASKED_FIRST.search(q):
        which, who = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        last = which.lower() != "first"
        return Moment(0.0, 0.0, match.group(0), from_end=last, turns=1, who=who, asks=True)
    if match := _SAID_FIRST.search(q):
        last = match.group(1).lower() != "first"
        if match.group(2).lower() in _EVERYONE:
            return Moment(0.0, 0.0, match.group(0), from_end=last, turns=EDGE_TURNS)
        return Moment(0.0, 0.0, match.group(0), from_end=last, turns=1, who=match.group(2))
    if match := _EDGE.search(q) or _HOW_IT.search(q):
        edge = match.group(1).lower()
        last = edge in ("end", "ending", "close", "finish") or edge.startswith("wrap")
        return Moment(0.0, 0.0, f"the {'end' if last else 'start'}", from_end=last, turns=EDGE_TURNS)
    return None


def without_moment(question: str, moment: Moment) -> str:
    """The question with the moment's words taken out: what is left may name the episode."""
    return " ".join(question.replace(moment.words, " ").split())


@dataclass(frozen=True)
class SaidThen:
    """The turns quoted for a moment, how many were spoken in its span, and the first and last of those."""

    turns: tuple[Utterance, ...]
    spoken: int
    first: int = 0
    last: int = 0


def turns_at(utterances: Sequence[Utterance], moment: Moment, speakers: Sequence[str] = ()) -> SaidThen:
    """The turns spoken in the moment's span, from the one under way at its start; none when the moment lies
    past the last turn's end. A point gives its first `MOST_TURNS` (the talk as it ran on); a longer stretch
    gives one turn from each of `MOST_TURNS` equal parts of it, the one with most words, so "the first five
    minutes" is not only its first minute. With `speakers`, only their turns. A moment counted in turns
    ("at the end") takes that many from the start or the end, timestamps or not."""
    if moment.turns:
        return _counted(utterances, moment, speakers)
    timed = [u for u in utterances if u.start is not None and not u.is_details]
    if not timed:
        return SaidThen((), 0)
    last = timed[-1]
    duration = max(last.end or 0.0, last.start or 0.0)
    start, end = moment.span(duration)
    if start > duration:
        return SaidThen((), 0)
    under_way = [u.number for u in timed if (u.start or 0.0) <= start]
    first = under_way[-1] if under_way else timed[0].number
    inside = [u for u in timed if u.number >= first and (u.start or 0.0) <= max(end, start)]
    wanted = {name.casefold() for name in speakers}
    inside = [u for u in inside if not wanted or (u.speaker or "").casefold() in wanted]
    if not inside:
        return SaidThen((), 0)
    if moment.start == moment.end and not moment.from_end:
        picked = inside[:MOST_TURNS]
    else:
        size = len(inside) / MOST_TURNS
        parts = [inside[round(i * size) : round((i + 1) * size)] for i in range(MOST_TURNS)]
        picked = [max(part, key=lambda u: len(u.text.split())) for part in parts if part]
    return SaidThen(tuple(picked), len(inside), inside[0].number, inside[-1].number)


def _counted(utterances: Sequence[Utterance], moment: Moment, speakers: Sequence[str]) -> SaidThen:
    wanted = {name.casefold() for name in speakers}
    spoken = [
        u
        for u in utterances
        if not u.is_details
        and (not wanted or (u.speaker or "").casefold() in wanted)
        and (not moment.asks or is_question(u.text))
    ]
    picked = spoken[-moment.turns :] if moment.from_end else spoken[: moment.turns]
    if not picked:
        return SaidThen((), 0)
    return SaidThen(tuple(picked), len(picked), picked[0].number, picked[-1].number)


def moment_answer(
    episode: Episode, moment: Moment, said: SaidThen, speakers: Sequence[str] = ()
) -> tuple[str, tuple[Citation, ...]]:
    """The offline answer: the turns of that moment in order, each on its own line and cited."""
    if not said.turns:
        who = " or ".join(speakers) if speakers else "anyone"
        ends = f" (it ends at {format_time(episode.duration)})" if episode.duration else ""
        return f"Nothing was said by {who} in “{episode.title}” at {moment.words}{ends}.", ()
    span = f"#{said.first}-#{said.last}" if said.first != said.last else f"#{said.first}"
    if len(said.turns) < said.spoken:
        span = f"{len(said.turns)} of its {said.spoken} turns, #{said.first}-#{said.last}"
    found_by = "the transcript's order" if moment.turns else "the transcript's timestamps"
    text = (
        f"Offline answer: no language model is in use, so here is what was said then, found by {found_by}."
        f"\n“{episode.title}”, {moment.words} ({span}):\n"
    )
    lines = [(f"{_when(u)}{_who(u)}“{' '.join(u.text.split())}”", u) for u in said.turns]
    return cited_lines(text, lines)


def _when(u: Utterance) -> str:
    return f"{format_time(u.start)} " if u.start is not None else ""


def _who(u: Utterance) -> str:
    return f"{u.who()}: " if u.speaker else ""


def answer_at(
    library: Library,
    whole: WholeEpisode,
    question: str,
    moment: Moment,
    chosen: Sequence[str] | None,
    turns: Sequence[Turn],
    notices: list[str],
    speakers: Sequence[str] = (),
) -> Steps[AnswerEvent, None, Answer]:
    """What was said at the moment asked about, by the timestamps of one episode: the one `chosen`, the one
    being discussed, the one the rest of the question names, or the only one; asked which otherwise. Hosted,
    those turns are what the model answers from (`WholeEpisode.respond`). With `speakers`, only theirs."""
    candidates = [e for e in library.episodes() if not chosen or e.id in chosen]
    wanted = {name.casefold() for name in speakers}
    if wanted:  # "the last thing Tomás said": the episodes where Tomás speaks
        candidates = [e for e in candidates if wanted & {s.casefold() for s in e.speakers}] or candidates
    current = conversation_episode(turns)
    named = episodes_named(without_moment(question, moment), candidates)
    if len(candidates) == 1:
        found = candidates[0]
    elif current and current in {e.id for e in candidates}:
        found = library.episode(current)
    elif len(named) == 1:
        found = named[0]
    else:
        titles = "; ".join(f"“{e.title}”" for e in (named or candidates)[:10])
        text = (
            f"Which episode do you mean by {moment.words}? Name it in the question or choose it "
            f"(--episode, or Ask within in the browser): {titles}."
        )
        return (yield from told(Answer(text=text, citations=(), mode="offline", refused=True)))
    for notice in notices:
        yield AnswerEvent(kind="notice", text=notice)
    spoken = library.transcript(found.id)
    if not moment.turns and not any(u.start is not None for u in spoken):
        text = (
            f"“{found.title}” has no timestamps, so it cannot say what was said at {moment.words}; "
            "ask about what was said instead."
        )
        return (yield from told(Answer(text=text, citations=(), mode="offline", refused=True)))
    at = turns_at(spoken, moment, speakers)
    hits = [Hit(u, 1.0, episode_title=found.title) for u in at.turns]
    return (
        yield from whole.respond(
            question, found, hits, turns, notices, lambda: moment_answer(found, moment, at, speakers)
        )
    )


def _length(count: str | None, unit: str) -> float:
    """Seconds in "five minutes", "30 seconds", "minute" (one of the unit)."""
    n = _number(count) if count else 1
    unit = unit.lower()
    return float(n * (3600 if unit.startswith("hour") else 60 if unit.startswith("min") else 1))


def _number(word: str | None) -> int:
    if not word:
        return 0
    return int(word) if word.isdigit() else _NUMBERS.get(word.lower(), 0)
