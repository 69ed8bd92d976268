"""What a question and its conversation may look like before anything searches for it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from ..errors import InputError
from ..outline.answer import EPISODE_NOUNS
from ..text import tokenize
from ..types import Episode, Turn

HistoryLike = Sequence[Turn | Mapping[str, object] | tuple[str, str]]


def check_question(text: str, max_chars: int) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError("the question is empty")
    if len(text) > max_chars:
        raise InputError(
            f"the question is {len(text)} characters long; the limit is {max_chars} "
            "(ASSISTANT_MAX_QUESTION_CHARS)"
        )
    return text


def normalise_history(history: HistoryLike | None) -> list[Turn]:
    """Turns from `Turn`s, {"role", "content"} dicts (Streamlit's and Cohere's shape) or
    (role, content) pairs."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, Mapping):
            episodes: tuple[str, ...] = tuple(item.get("episodes") or ())  # type: ignore[arg-type]
            cited: tuple[str, ...] = tuple(item.get("cited") or ())  # type: ignore[arg-type]
            turns.append(Turn(item["role"], item["content"], episodes, cited))  # type: ignore[arg-type]
        else:
            role, content = item
            turns.append(Turn(role, content))  # type: ignore[arg-type]
    for turn in turns:
        if turn.role not in ("user", "assistant"):
            raise InputError(f"history roles must be 'user' or 'assistant', got {turn.role!r}")
    return turns


def speakers_of(speaker: str | Sequence[str] | None) -> list[str] | None:
    return [speaker] if isinstance(speaker, str) else (list(speaker) if speaker else None)


def conversation_episode(turns: Sequence[Turn]) -> str | None:
    """The one episode the last answer drew from, if it drew from exactly one."""
    answers = [t for t in turns if t.role == "assistant"]
    if answers and len(set(answers[-1].episodes)) == 1:
        return answers[-1].episodes[0]
    return None


def episodes_named(question: str, episodes: Sequence[Episode]) -> list[Episode]:
    """The episodes whose title or show share a content word with the question ("at 12:30 in the standup")."""
    asked = set(tokenize(question))
    return [e for e in episodes if asked & set(tokenize(f"{e.title} {e.show or ''}"))]


def episodes_asked_about(question: str, episodes: Sequence[Episode]) -> list[Episode]:
    """The episodes the question names by id or by whole title ("What was decided in ES2009c?"): a search
    of the whole library would quote other meetings' decisions. An id counts when it cannot be a word (it
    holds a digit, "-", "_" or "."), or written with spaces for its "-" and "_" where it then ends in or is
    followed by a word for an episode ("the kickoff meeting" for kickoff_meeting.txt, "the harbour bridge
    episode" for harbour-bridge.txt; "harbour bridge" alone may be a topic), also without a date or number
    that ends it ("the team sync" for "Team Sync 2024-03-01", and for each of a series). A title counts
    when it has three words or more or is quoted: an episode filed as "board.txt" or titled "The Ovens" is
    not what "What did the board say about the ovens?" asks about."""
    folded = question.casefold()
    return [
        e for e in episodes if _may_name(e, folded) and any(re.search(n, question, re.I) for n in _names(e))
    ]


def episode_names(question: str, episodes: Sequence[Episode]) -> list[str]:
    """The patterns by which the question names these episodes (see `episodes_asked_about`)."""
    folded = question.casefold()
    return [n for e in episodes if _may_name(e, folded) for n in _names(e) if re.search(n, question, re.I)]


def _may_name(e: Episode, folded: str) -> bool:
    """The cheap test first: whether any name of the episode is in the question at all (a library may hold
    thousands of episodes; the patterns of `_names` are tried only on those that pass)."""
    return any(map(folded.__contains__, _forms(e.id, e.title)[1]))


def _names(e: Episode) -> list[str]:
    spaced = _forms(e.id, e.title)[0]
    names = []
    if len(e.id) >= 3 and re.search(r"[\d_.-]", e.id):
        names.append(rf"(?<![\w-]){re.escape(e.id)}(?![\w-])")
    for form in spaced:  # as a name, not a topic: "the AI safety episode", not "AI safety"
        ends = re.search(rf"\b{EPISODE_NOUNS}$", form, re.I)
        after = "" if ends else rf"\s+{EPISODE_NOUNS}\b"
        names.append(rf"(?<![\w-]){re.escape(form)}{after}(?![\w-])")
    title = re.escape(e.title)
    names.append(rf"[\"“'‘]{title}[\"”'’]")
    if len(e.title.split()) >= 3:
        names.append(rf"(?<![\w-]){title}(?![\w-])")
    return names


@lru_cache(maxsize=65536)
def _forms(episode_id: str, title: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An episode's names written with spaces (two words or more), and every name case-folded for the
    substring test: computed once per episode, not once per episode per question."""
    spaced = [_SEPARATORS.sub(" ", episode_id).strip()]
    spaced += [_DATED.sub("", form) for form in (spaced[0], _SEPARATORS.sub(" ", title).strip())]
    spaced = [form for form in dict.fromkeys(spaced) if len(form.split()) >= 2]
    return tuple(spaced), tuple(form.casefold() for form in (episode_id, title, *spaced))


_SEPARATORS = re.compile(r"[-_]+")
_DATED = re.compile(r"(?:\s+\d+)+$")
"""A date or number ending a name ("Team Sync 2024 03 01"): "the team sync" names it without one."""
