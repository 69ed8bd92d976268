"""Follow-ups: which questions lean on the conversation, and the offline way to make them standalone.

A question that stands on its own must get the same search with or without history, so only questions that
point back (a pronoun or "there", a leading "and"/"but"/"what about", or nothing but a question word) are
rewritten, offline and hosted alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text import tokenize
from ..types import Turn

_LEADING = re.compile(
    r"^\s*(and|but|so|also|then|what about|how about|how come|really|why not)\b", re.IGNORECASE
)
_POINTING = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|theirs|he|him|his|she|her|hers|there|the same|"
    r"the other|that one|the former|the latter)\b"
    r"(?!\s+(episode|podcast|show|meeting|interview|conversation)\b)",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """Whether the question points back at the conversation instead of standing on its own."""
    if _LEADING.search(question) or _POINTING.search(question):
        return True
    return not tokenize(question)  # "Why?", "And then?": no content word of its own


class HeuristicRewriter:
    """No model needed: a follow-up borrows the words of the last user question for the search."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        previous = [t.content for t in history if t.role == "user" and t.content.strip()]
        if not previous or not is_follow_up(question):
            return question
        return f"{previous[-1]} {question}"
