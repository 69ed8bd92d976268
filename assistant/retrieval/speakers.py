"""Which known speaker a question is about: "what did Priya say about the roof?" -> "Priya Nair".

Pure functions over the speaker names of the library, so retrieval can prefer (or filter to) that
speaker's utterances. A name counts when the question holds the full name, the first name or the last
name, in any case and with or without a possessive `'s`, or "the <role>" when one speaker's label holds that
role ("the professor" for "Professor B"). When the words fit more than one speaker, or the question names two
people, the answer is None: a wrong filter would hide the utterances asked about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..text import is_english_word, name_tokens, question_words


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_GROUP = re.compile(r"&|,|\band\b|\bund\b|\bet\b", re.IGNORECASE)
# Titles and role words: part of a full name, never a name on their own ("what did the host say").
_NOT_A_NAME = _words(
    """
    dr mr mrs ms mx prof professor sir dame lord lady rev hon judge sen rep gov pres speaker host guest
    guests narrator interviewer interviewee moderator presenter caller audience unknown unidentified
    voice male female man woman person participant member chair the of
    """
)
# Role words that name a speaker when a label holds them and the question says "the <role>".
_ROLES = _words(
    """
    professor host guest moderator interviewer interviewee presenter narrator caller chair chairman chairwoman
    manager designer
    """
)
# Words that follow a role or department label to name the one who holds it: "the marketing expert" for
# "Marketing", "the user interface designer" for "User Interface" (QMSum's questions about AMI's meetings).
_HOLDERS = _words("expert person guy specialist representative rep lead designer")
# First or last names that are also everyday English words: matched alone only when capitalised
# mid-sentence ("what did May say" yes, "what may happen" no, "May we ..." no).
_EVERYDAY = _words(
    """
    may will mark bill grace hope faith joy rose ray dawn sue pat art drew chase guy summer june april
    august page long young king little brown white black green gray grey rich hall wood stone bush price
    cash lamb fox bird mason baker cook miles frank
    """
)


_SAYS = re.compile(
    r"\s+(?:said|says|say|thinks?|thought|argue[sd]?|believe[sd]?|felt|feels?|talk(?:s|ed)?|spoke|speaks?"
    r"|explain(?:s|ed)?|mention(?:s|ed)?|suggest(?:s|ed)?|propose[sd]?|tells?|told|asks?|asked"
    r"|recommend(?:s|ed)?|(?:dis)?agree[sd]?|introduce[sd]?|describe[sd]?|express(?:es|ed)?|conclude[sd]?"
    r"|advise[sd]?|emphasi[sz]e[sd]?"
    r"|answer(?:s|ed)?|repl(?:y|ies|ied)|yell(?:s|ed)?|shout(?:s|ed)?|scream(?:s|ed)?|announce[sd]?"
    r"|admit(?:s|ted)?|claim(?:s|ed)?|insist(?:s|ed)?|complain(?:s|ed)?|promise[sd]?|reveal(?:s|ed)?"
    r"|confess(?:es|ed)?|jok(?:e|es|ed)|wonder(?:s|ed)?|call(?:s|ed)?|respond(?:s|ed)?)\b"
    r"|['’]s?\s+(?:(?:main|key|overall|general|own)\s+)?(?:views?|opinions?|points?|takeaways?|arguments?"
    r"|position|stance|thoughts|take|perspective|comments?|remarks?|ideas?|suggestions?|concerns?|feelings)\b",
    re.IGNORECASE,
)
"""What follows one whose view is asked for: "what Nadia said", "What did Marketing suggest", "Tomás's views",
"the PM's main points"."""
_PASSIVE = frozenset(["is", "was", "were", "are", "been", "being", "be", "gets", "got", "get"])
"""Words before a name that make the verb after it passive ("By whom was Ross told…")."""
_ABOUT = frozenset(
    ["about", "on", "of", "regarding", "towards", "toward", "concerning", "with", "for", "from", "by", "to"]
)
"""Words before a name that make it part of a subject: "the discussion on the professor's suggestions"."""


def is_role(word: str) -> bool:
    """Whether "the <word>" can name the one speaker whose label holds it ("the professor")."""
    return word in _ROLES


def speaker_mentioned(question: str, speakers: Sequence[str]) -> str | None:
    """The one speaker of `speakers` the question names, or None when it names none or is ambiguous."""
    words = question_words(question)
    if not words:
        return None
    folded = [w for w, _, _ in words]
    names = [s for s in dict.fromkeys(speakers) if s and s.strip()]

    # Full names first; a longer full name wins over one inside it ("Priya Nair" over "Priya").
    spans: list[tuple[int, int, str]] = []
    for name in names:
        tokens = name_tokens(name)
        for i in _runs(folded, tokens) if tokens else ():
            if len(tokens) == 1 and not _stands_as_name(words[i]):
                continue
            spans.append((i, i + len(tokens), name))
    spans = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    found = {name for _, _, name in spans}
    # Words of a full name of two or more words are taken; a one-word name ("Priya") leaves its word free,
    # so that it is ambiguous with "Priya Nair".
    used = {i for start, end, _ in spans if end - start > 1 for i in range(start, end)}
    # "the user interface designer": "designer" holds the label before it, not "Industrial Designer"'s name.
    used |= {
        end
        for _, end, name in spans
        if end < len(folded) and folded[end] in _HOLDERS and folded[end] not in name_tokens(name)
    }

    # Then a first or last name standing alone in the words not used by a full name.
    for name in names:
        if name in found or _GROUP.search(name):
            continue
        tokens = [t for t in name_tokens(name) if t not in _NOT_A_NAME and not t.isdigit() and len(t) > 1]
        if len(tokens) < 2 and len(name_tokens(name)) < 2:
            continue  # a one-word name was already tried as a full name
        parts = {tokens[0], tokens[-1]} if tokens else set()
        for i, (word, _, _) in enumerate(words):
            if i not in used and word in parts and _stands_as_name(words[i]):
                found.add(name)
                break
    # Then "the <role>" for the one speaker labelled with it ("the professor" for "Professor B").
    for i, (word, _, _) in enumerate(words):
        if word in _ROLES and i > 0 and words[i - 1][0] == "the" and i not in used:
            found |= {name for name in names if word in name_tokens(name) and not _GROUP.search(name)}
    return found.pop() if len(found) == 1 else None


def _stands_as_name(word: tuple[str, str, bool]) -> bool:
    folded, original, opens = word
    return folded not in _EVERYDAY or (original[:1].isupper() and not opens)


def _runs(words: list[str], tokens: list[str]) -> list[int]:
    n = len(tokens)
    return [i for i in range(len(words) - n + 1) if words[i : i + n] == tokens]


class Saying(NamedTuple):
    name: str
    subject: str
    """What the question goes on to ask about ("the steel"), "" when nothing."""


def speaker_saying(question: str, speakers: Sequence[str]) -> Saying | None:
    """The one of `speakers` the question asks what they said, thought or meant: named right before a verb of
    saying ("Where does Monica say they should go?", "Summarize what Nadia said about the steel") or a noun
    of opinion ("Tomás's views on the soil", "the PM's main points"), and not within a subject ("the
    discussion of the professor's suggestions"); with what follows, a preposition dropped."""
    for says in _SAYS.finditer(question):
        before = question[: says.start()].split()
        for n in range(min(4, len(before)), 0, -1):  # the longest that names someone in full
            who = " ".join(before[-n:])
            name = speaker_mentioned(who, speakers)
            if name is None or not names_fully(who, name):
                continue
            earlier = [w.casefold() for w in before[:-n] if w.casefold() not in ("the", "a", "an")]
            if earlier and earlier[-1] in _ABOUT:
                return None
            verb = not says.group().startswith(("'", "’"))  # not "Rachel's opinion"
            if verb and earlier and earlier[-1] in _PASSIVE:  # "When is Rachel asked…": she is spoken to
                break
            subject = question[says.end() :].strip(" ?.!").split()
            while subject and subject[0].casefold() in _ABOUT:
                subject = subject[1:]
            return Saying(name, " ".join(subject))
    return None


def names_fully(who: str, name: str | None) -> bool:
    """Whether `who` names the label `name`: every word of it (but "the") is a word of the label, and they are
    the whole label, "the <role>" ("the professor" for "Professor B"), or words written or spelt as names
    ("Nadia", "nadia"), or the whole label and a word for its holder ("the marketing expert" for "Marketing").
    A lower-case English word names no one: "the project" is not "Project Manager"."""
    if name is None:
        return False
    words = [(folded, original) for folded, original, _ in question_words(who) if folded != "the"]
    label = set(name_tokens(name))
    if len(words) > 1 and words[-1][0] in _HOLDERS and words[-1][0] not in label:
        return {folded for folded, _ in words[:-1]} == label
    given = {folded for folded, _ in words}
    if not words or not given <= label:
        return False
    if given == label or (len(words) == 1 and is_role(words[0][0])):
        return True
    return all(original[:1].isupper() or not is_english_word(folded) for folded, original in words)
