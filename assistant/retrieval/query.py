"""Offline follow-up handling: a question that leans on the previous one borrows its words for the search."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..types import Turn

_FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|why|how come|really|then)\b"
    r"|\b(it|its|that|this|those|these|they|them|their|he|him|his|she|her|there|the same|more)\b",
    re.IGNORECASE,
)


class HeuristicRewriter:
    """No model needed: prepend the last user question when the new one looks like a follow-up."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        previous = [t.content for t in history if t.role == "user" and t.content.strip()]
        if not previous:
            return question
        short = len(question.split()) <= 6
        if short or _FOLLOW_UP.search(question):
            return f"{previous[-1]} {question}"
        return question
