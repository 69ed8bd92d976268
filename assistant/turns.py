"""Which turn answers a question: the reply is not always the next turn.

An interviewer often asks in a run ("What was your journey to it? How did you become part of the eight?"),
and a transcript without speaker labels splits the run into turns of its own; the answer is the first turn
after the run. A turn by another labelled speaker answers even when it asks back ("What do you mean?").
"""

from __future__ import annotations

from collections.abc import Sequence

from .text import is_question
from .types import Utterance

REPLY_REACH = 4
"""How many turns after a question the reply is looked for: on the seed podcast no run of questions by one
speaker is longer than four turns (27 of its 92 questions are followed by another)."""


def asks(u: Utterance) -> bool:
    return is_question(u.text)


def reply_after(question: Utterance, following: Sequence[Utterance]) -> Utterance | None:
    """The turn that answers `question`, from the turns that follow it (any order, others ignored); None when
    `question` does not ask or its reply is not among them."""
    if not asks(question):
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
