"""Follow-ups: which questions lean on the conversation, and the offline way to make them standalone.

A question that stands on its own must get the same search with or without history, so only questions that
point back (a pronoun or "there", a leading "and"/"but"/"what about"/"for example", a short remnant of
common words: "Why?", "How so?", "Like what?", or "how" and one word: "How many?") are rewritten, offline
and hosted alike.

Offline, a follow-up with words of its own ("And what about regulation?", "Are they expensive to build?") is
searched by them, with the last question's words and meaning at `FOLLOW_UP_WEIGHT` of their weight: searched
as one text, the earlier question outweighed the new one and brought back the answer already given. One with
none ("Why?", "And then?") is searched as the last question and itself together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text import english_stopwords, tokenize
from ..types import Turn

FOLLOW_UP_WEIGHT = 0.5
"""How much the earlier question counts in the search for a follow-up with words of its own: of 0.25, 0.5 and
0.75, 0.5 ranked best at hit@5 on the seed follow-ups and no worse on the project suite's (eval/README.md)."""

_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")
_LEADING = re.compile(
    r"^\s*(and|but|so|also|then|what about|how about|how come|really|why not|for example|for instance|"
    r"in what way|in which way)\b",
    re.IGNORECASE,
)
FRAGMENT_WORDS = 3
"""A question this short with no word beyond the common ones is the remnant of one said before ("How so?",
"Like what?", "Says who?")."""
_BARE_HOW = re.compile(r"^\W*(?i:how)\s+[a-z]+\W*$")
"""A question that is only "how" and one lower-case word ("How many?", "How long?", "How so?"): the rest of
the question was said before (a sluice)."""
_POINTING = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|theirs|he|him|his|she|her|hers|there|the same|"
    r"the other|that one|the former|the latter)\b"
    r"(?!\s+(episode|podcast|show|meeting|interview|conversation)\b)",
    re.IGNORECASE,
)


_CONTINUING = re.compile(
    r"^\s*(?:(?:please|can you|could you|would you)\s+)?"
    r"(?:tell me more|say more|go on|keep going|continue|elaborate|expand|more details?)\b(?:,?\s+please\b)?"
    r"|\b(?:elaborate|expand) on\b",
    re.IGNORECASE,
)
"""A request to carry on ("Tell me more", "Can you elaborate?"): it asks about what was just discussed."""


def is_follow_up(question: str) -> bool:
    """Whether the question points back at the conversation instead of standing on its own."""
    if _LEADING.search(question) or _POINTING.search(question) or _CONTINUING.search(question):
        return True
    # Short, or "Who says 'we are all here for you'?" (common words only) would count as a remnant too.
    fragment = len(_WORD.findall(question)) <= FRAGMENT_WORDS
    return not tokenize(question) or (fragment and not _says_something(question))


class HeuristicRewriter:
    """No model needed: a follow-up borrows the words of the question it leans on (`_leaned_on`)."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        earlier = _leaned_on(history)
        if not earlier or not is_follow_up(question):
            return question
        if not asks_for_more(question):
            return f"{earlier} {question}"
        own = _CONTINUING.sub(" ", question).strip(" ,.?!")  # "Tell me more" adds no word to search for
        return f"{earlier} {own}" if own else earlier

    def leans_on(self, question: str, history: Sequence[Turn]) -> str:
        """The earlier question to search at `FOLLOW_UP_WEIGHT` beside a follow-up that has words of its own;
        "" when the question stands alone or has none (then `rewrite` is the search)."""
        earlier = _leaned_on(history)
        if not earlier or not is_follow_up(question) or not _says_something(question):
            return ""
        return earlier


def names_its_subject(question: str) -> bool:
    """A follow-up that only leans on the conversation's flow ("And about Japan?", "What about the budget?"):
    its own words are its subject, so whether anything answers it is judged by them. One that points back
    ("What share of them ride bikes?") is about what the question before named."""
    return _says_something(question) and not _POINTING.search(question) and not _CONTINUING.search(question)


def asks_for_more(question: str) -> bool:
    """ "Tell me more", "Can you elaborate on that?": passages the last answer did not quote should lead."""
    return bool(_CONTINUING.search(question))


def leans_wholly(question: str) -> bool:
    """A follow-up with no word of its own ("Tell me more", "And after that?"): without the conversation
    before it, it asks nothing."""
    return is_follow_up(question) and not _says_something(question)


def _says_something(question: str) -> bool:
    """Whether the question has a word of its own beyond the longer stop-word list ("after", "then", "more"
    are on it) and is more than "how" and one word: "And after that?" and "How many?" lean wholly on the
    question before."""
    if _BARE_HOW.match(question):
        return False
    common = english_stopwords(plus=True)
    own = _CONTINUING.sub(" ", question)
    return any(w.lower() not in common and tokenize(w) for w in _WORD.findall(own))


def _leaned_on(history: Sequence[Turn]) -> str:
    """The questions since the last one that said something: "And how much did it cost?" after "Why did the
    steel arrive late?" and "Where was it from?" leans on both, not on "Where was it from?" alone."""
    asked = [t.content for t in history if t.role == "user" and t.content.strip()]
    start = next((i for i in range(len(asked) - 1, -1, -1) if _says_something(asked[i])), 0)
    return " ".join(asked[start:])
