"""Which turn answers a question: the reply is not always the next turn.

An interviewer often asks in a run ("What was your journey to it? How did you become part of the eight?"),
and a transcript without speaker labels splits the run into turns of its own; the answer is the first turn
after the run. A turn by another labelled speaker answers even when it asks back ("What do you mean?").

And which turn only repeats another: a podcast's cold open replays lines from later in the episode, and the
later turn, in its place in the conversation, is the one to quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from .text import is_question
from .types import Utterance

REPLY_REACH = 4
"""How many turns after a question the reply is looked for: on the seed podcast no run of questions by one
speaker is longer than four turns (27 of its 92 questions are followed by another)."""


def asks(u: Utterance) -> bool:
    return is_question(u.text)


def reply_after(
    question: Utterance, following: Sequence[Utterance], asking: bool | None = None
) -> Utterance | None:
    """The turn that answers `question`, from the turns that follow it (any order, others ignored); None when
    `question` does not ask (`asking`, when the caller knows better than the turn's form) or its reply is not
    among them."""
    if not (asks(question) if asking is None else asking):
        return None
    by_number = {u.number: u for u in following if u.episode_id == question.episode_id}
    for n in range(question.number + 1, question.number + 1 + REPLY_REACH):
        turn = by_number.get(n)
        if turn is None:
            return None
        if not turn.text.strip():
            continue
        if (question.speaker and turn.speaker and turn.speaker != question.speaker) or not asks(turn):
            return turn
    return None


CARRY_REACH = 8
"""How many turns after an answer may carry it on (`carried_on`): the seed podcast, one sentence per turn,
answers in runs of up to a dozen sentences."""


def carried_on(answer: Utterance, following: Sequence[Utterance]) -> tuple[Utterance, ...]:
    """The turns right after `answer` (from `following`, any order) that carry it on: the same speaker (or no
    speaker labelled), none asking; the first question or other speaker ends it."""
    if answer.is_details:
        return ()
    by_number = {u.number: u for u in following if u.episode_id == answer.episode_id}
    out = []
    for n in range(answer.number + 1, answer.number + 1 + CARRY_REACH):
        turn = by_number.get(n)
        if turn is None or turn.speaker != answer.speaker or asks(turn):
            break
        if turn.text.strip():
            out.append(turn)
    return tuple(out)


REPLAY_SHARE = 0.8
"""A turn replays another when this share of its words appears there as one unbroken run."""
REPLAY_MIN_WORDS = 4

_SPOKEN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=4096)
def _spoken_words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold().replace("’", "'") for w in _SPOKEN_WORD.findall(text))


def replays(turn: Utterance, other: Utterance) -> bool:
    """Whether `turn` says ahead of time, word for word, part or all of `other` later in its episode: a
    podcast's cold open replays the guest's lines ("I never liked the vibes of the whole AGI." opens the seed
    episode; "Yeah, I never liked the vibes of the whole AGI, effective altruist, …" is the answer itself).
    A later turn that quotes an earlier one ("You said you never liked the vibes…") is not a replay."""
    if turn.episode_id != other.episode_id or turn.number >= other.number:
        return False
    short, long = _spoken_words(turn.text), _spoken_words(other.text)
    if len(short) < REPLAY_MIN_WORDS or len(long) < len(short):
        return False
    said = set(long)
    if sum(w in said for w in short) < REPLAY_SHARE * len(short):
        return False  # cheap, and implied by a long enough run: most pairs share too few words
    block = SequenceMatcher(None, short, long, autojunk=False).find_longest_match(0, len(short), 0, len(long))
    return block.size >= REPLAY_SHARE * len(short)
