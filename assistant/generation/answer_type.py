"""The kind of answer a question asks for, and whether a passage can hold one: the classic answer-type check.

"How much does a call to the API cost?" is answered by a passage that states an amount; passages about the
company that state none are the closest words, not an answer, however close their scores. Only questions
that ask for a number are typed (how many / long / old, what year / age / percentage): their answers are
quantities in any domain, so the check needs no knowledge of the transcripts. "How much" asks for one
before a noun, "of", a comparative or "is" ("How much money…", "How much deeper…", "How much is a loaf?")
or with a verb of paying, earning or weighing ("How much does a call cost?"); with another verb it asks a
degree ("How much does he worry about risk?"), answered by an opinion. "How often" (frequencies: "every
Sunday") and "how far" ("How far can synthetic data take us?") are not typed: their answers are too often
words of any kind. A quantity is a number in digits or words (text2num reads "seven hundred",
"twenty-three"), a fraction or quantifier ("half", "a couple", "a dozen", "the majority"), or one unit of
measure ("a week", "an hour"). Left out: "once", "one" and "third" ("once the floor was strong", "this one",
"a third-year student"), and vague amounts ("a lot", "a while", "a long time"), which everyday speech uses
about anything.

A question that asks when ("When did he join Google Brain?", "What time…?") is typed too, but only to put
the passages that name a time first: "When does Joey get upset?" is answered by what happened ("He leaves"),
so no passage is left out and nothing is refused for want of a date.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from ..text import stemmer, tokenize
from .excerpt import sentences

_ASKS_QUANTITY = re.compile(
    r"^\W*((and|so|but|then|also),? )?how (many|long|old)\b"
    r"|\b(what|which) (year|age|percentage|percent|proportion|share|number|amount|price)\b",
    re.IGNORECASE,
)
_HOW_MUCH = re.compile(
    r"^\W*((and|so|but|then|also),? )?how much\W+(?P<next>[\w']+)(?P<rest>.*)", re.IGNORECASE
)
_HOW_MUCH_WORDS = re.compile(r"\bhow much\b", re.IGNORECASE)
_AUXILIARY = re.compile(
    r"(do|does|did|will|would|can|could|should|has|have|had|might|may|must)$", re.IGNORECASE
)
_MEASURE_VERB = re.compile(
    r"\b(cost(s|ing)?|pa(y|ys|id|ying)|charged?|charg(es|ing)|earn(s|ed|ing)?|ow(e|es|ed|ing)|spen(d|ds|t|ding)"
    r"|rais(e|es|ed|ing)|ma(ke|kes|de|king)|s(ell|ells|old|elling)|weigh(s|ed|ing)?|sav(e|es|ed|ing)"
    r"|los(e|es|t|ing)|invest(s|ed|ing)?|borrow(s|ed|ing)?|len(d|ds|t|ding)|bill(s|ed|ing)?|fund(s|ed|ing)?)\b",
    re.IGNORECASE,
)
_SMALL = r"zero|two|three|twice|half|halfway|quarter|couple|dozens?|few|several|majority|minority"
_UNITS = (
    r"seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|century|centuries"
    r"|miles?|kilometers?|kilometres?|meters?|metres?|feet|foot|inch(es)?|pounds?|dollars?|bucks?|cents?"
    r"|euros?|grand|percent"
)
_LARGE = r"(hundred|thousand|million|billion|trillion)s?"
_QUANTITY = re.compile(
    rf"\d|%|[$€£¥]|\b({_SMALL}|{_LARGE})\b|\b(an?|per) ({_UNITS})\b",
    re.IGNORECASE,
)


def asks_quantity(question: str) -> bool:
    """True for a question whose answer is a number or amount ("How many staff…?", "What year…?").

    Only its last sentence is typed: an offline follow-up's query is the question before and the follow-up
    ("How much of the data is synthetic? And why rewrite human answers?" does not ask for a number)."""
    parts = sentences(question)
    if not parts:
        return False
    last = parts[-1]
    much = _HOW_MUCH.match(last)
    if much is not None:
        return not _AUXILIARY.match(much["next"]) or bool(_MEASURE_VERB.search(much["rest"]))
    return bool(_ASKS_QUANTITY.search(last))


_ASKS_TIME = re.compile(
    r"^\W*((and|so|but|then|also),? )?"
    r"(when\b(?!,? \w+ing\b| it comes to\b)|what (time|date|day|month)\b|which (day|month)\b|how long ago\b)",
    re.IGNORECASE,
)
_MONTHS = r"january|february|april|june|july|august|september|october|november|december"
_PARTS = r"morning|afternoon|evening|night|weekend|spring|summer|autumn|fall|winter"
_HOURS = r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"  # not "at one point"
_DAYS = (
    r"(tenth|eleventh|twelfth|(thir|four|fif|six|seven|eigh|nine)teenth|twentieth|thirtieth"
    r"|(twenty|thirty)[- ]first)"
)
_TIME = re.compile(
    rf"\b(1[89]\d\d|20\d\d)s?\b|\b({_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    rf"|\b(yesterday|today|tonight|tomorrow|ago|o'clock|noon|midnight)\b"
    rf"|\b(last|next|this|that) (week|month|year|decade|{_PARTS})\b"
    rf"|\b(in|at|by|since|until|till|before|after|during|on) (the )?({_PARTS}|\d)"
    rf"|\b\d{{1,2}}(:\d\d)? ?(am|pm|a\.m\.|p\.m\.)|\b\d{{1,2}}(st|nd|rd|th)\b|\bthe ({_DAYS})\b"
    rf"|\b(half|quarter) (past|to)\b"
    rf"|\b(at|by|until|till|before|after|around|from) ({_HOURS})\b"
    rf"|\b(first|second|third|fourth|final|last)[- ]year\b|\bwhen (i|we|he|she|they) (was|were)\b",
    re.IGNORECASE,
)
_CAPITAL_MONTHS = re.compile(r"\b(May|March)\b")  # "may" and "march" are words too


def asks_time(question: str) -> bool:
    """True for a question whose answer is a time ("When did he join Google Brain?", "What day…?"), not "When
    discussing the design, what…?"; its last sentence is typed, as for quantities. Not a check that refuses:
    "When does Joey get upset?" is answered by what happened ("He leaves"), not by a date."""
    parts = sentences(question)
    return bool(parts) and bool(_ASKS_TIME.search(parts[-1]))


def states_time(passage: str) -> bool:
    """True when the passage names a time: a year, month, weekday or day of the month ("the 17th", "the
    seventeenth"; not "the second"), a part of the day or year ("last summer", "in the morning"), a clock
    time ("half past three", "at seven", "6pm"), "ago", "yesterday", a year of study ("a third-year
    student")."""
    return bool(_TIME.search(passage) or _CAPITAL_MONTHS.search(passage))


def states_quantity(passage: str) -> bool:
    """True when the passage states a number or an amount, in digits or in words."""
    return bool(_QUANTITY.search(alpha2digit(passage, "en")))


def named_terms(question: str) -> set[str]:
    """The question's search words without its own numbers and its "how many": what it asks a number of.

    "hundreds of millions of consumers" shares only "million" with "What does the API cost per million
    tokens?", which does not make it about the API."""
    frame = _HOW_MUCH_WORDS.sub(" ", _ASKS_QUANTITY.sub(" ", alpha2digit(question, "en")))
    return set(tokenize(_QUANTITY.sub(" ", frame)))


_HOW_MANY = re.compile(r"\bhow many (?P<noun>[a-z]+)\b", re.IGNORECASE)
_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child", "persons": "person"}
_COUNT = re.compile(  # a number, not a vague amount: "a few people", "the majority of people" count nothing
    rf"(?:\d[\d,.]*|\b(?:zero|two|three|dozens?|{_LARGE}))[\s-]+(?:(?P<between>[a-z]+(?:-[a-z]+)?)\s+)?(?P<noun>[a-z]+)",
    re.I,
)


def counted_noun(question: str) -> str | None:
    """What "How many people work there?" counts ("person"), as `counts_of` compares it; None for any
    other question."""
    match = _HOW_MANY.search(question)
    return _lemma(match["noun"]) if match else None


def counts_of(passage: str, noun: str) -> bool:
    """Whether the passage puts a number on `noun` ("a 500-person company", "five hundred people", "two new
    hires"), one word allowed between: the answer to "How many <noun>?", wherever it ranks."""
    for match in _COUNT.finditer(alpha2digit(passage, "en")):
        if _lemma(match["noun"]) == noun or (match["between"] and _lemma(match["between"]) == noun):
            return True
    return False


def _lemma(word: str) -> str:
    folded = word.casefold()
    return _IRREGULAR.get(folded) or str(stemmer().stemWord(folded))
