"""Whole-episode questions: recognise them, and answer offline from the outline, every line cited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.generation.excerpt import ELLIPSIS, excerpt, sentences
from assistant.outline.types import Chapter, Outline
from assistant.render import cited_lines
from assistant.types import Citation, Utterance, format_time

_NOUNS = (
    r"meeting|episode|podcast|conversation|discussion|interview|show|talk|call|stand-?up|lecture|webinar|"
    r"session|panel|hearing|debate|lesson|class|keynote|presentation|briefing|sync|retro|retrospective|"
    r"recording|video|transcript|speech|sermon|town hall|all-hands"
)
EPISODE_NOUNS = rf"(?:{_NOUNS})"
"""What people call an episode ("the meeting", "this podcast"), as a regular expression."""
_EPISODE = rf"(?:whole |entire |this |the )?(?:{_NOUNS}|“[^”]+”)"
_FOCUS = re.compile(
    r"\b(?:about|on|regarding|concerning|around|of the part about|the part about|the bit about)\s+(?P<x>.+)$",
    re.I,
)
_WHOLE = [
    re.compile(p, re.I)
    for p in (
        r"^(?:please |can you |could you )?(?:summari[sz]e|sum up|recap|outline|give (?:me )?(?:a |an )?"
        r"(?:quick |short |brief )?"
        r"(?:summary|overview|recap|outline|rundown))\b",
        r"\b(?:key|main|major) (?:takeaways?|points|topics|themes|ideas|discussion points|lessons)\b",
        r"\btakeaways?\b",
        r"\bwhat (?:topics|subjects|themes) (?:did|do|were|was|are)\b",
        r"\b(?:general|overall) (?:discussion|summary|gist|idea)\b",
        r"\bwhat(?:'s|’s| was| is| were) (?:the )?(?:focus|summary|gist|agenda|outcome) of\b",
        r"\bwhat (?:were|are) the (?:main )?(?:topics|subjects|themes)\b",
        rf"^what (?:was|is) {_EPISODE} (?:about|on)\??$",
        rf"^(?:so |and )?what (?:happened|went on) (?:in|during|at|on) {_EPISODE}\??$",
        rf"^what (?:was|were|got|is|are) (?:being )?(?:discussed|talked about|covered)"
        rf"(?: in {_EPISODE})?\??$",
        r"\bwhat did (?:they|we|the group|the participants|the team|you two|the speakers) "
        r"(?:discuss|talk about|cover|say about)\b",
        rf"^what did (?:they|we|the group|the participants|the team|you two|the speakers) (?:say|talk about)"
        rf" (?:in|during|on) {_EPISODE}\??$",
        r"\b(?:tl;?dr|chapters)\b",
    )
]
_NO_FOCUS = re.compile(
    rf"^(?:in |of |during )?(?:the |this |that )?(?:{_EPISODE}|it|everything|all of it)\W*$", re.I
)
_SAID = (
    r"(?:say|said|talk about|talked about|discuss|discussed|mention|mentioned|cover|covered|contribute|"
    r"contributed|bring up|brought up|raise|raised|think|thought|argue|argued)"
)
_IN_EPISODE = rf"(?: (?:in|during|on|throughout) {_EPISODE})?"
_SPEAKER_ONLY = [
    re.compile(p, re.I)
    for p in (
        rf"^(?:so |and )?what (?:did|does|do|has|have) (?P<who>.+?) {_SAID}{_IN_EPISODE}\W*$",
        rf"^(?:please |can you |could you )?(?:summari[sz]e|sum up|recap) what (?P<who>.+?) "
        rf"(?:{_SAID}|says){_IN_EPISODE}\W*$",
        rf"^what (?:was|were|is|are) (?P<who>.+?)(?:'s|’s|') (?:main |key )?"
        rf"(?:points?|contributions?|views?|takes?|positions?|arguments?){_IN_EPISODE}\W*$",
    )
]
_SENTENCE_END = re.compile(r"[?!]+\s+|\.+\s+(?=[A-Z])")
_SUMMARISE_OBJECT = re.compile(r"^(?:please )?(?:summari[sz]e|sum up|recap)\s+(?P<x>.+)$", re.I)


def is_whole_episode_question(question: str) -> tuple[bool, str | None]:
    """(True, focus) for summaries, takeaways, topics and "what did they discuss about X"; focus is X or None.

    A few patterns over the question's shape, not its subject: tested on QMSum's general questions
    (positives) and on QMSum specific / FriendsQA questions (negatives)."""
    q = " ".join(question.strip().split())
    if not any(p.search(q) for p in _WHOLE):
        return False, None
    match = _FOCUS.search(q) or _SUMMARISE_OBJECT.match(q)
    return True, _focus(match.group("x")) if match else None


def as_the_episode(question: str, names: Sequence[str]) -> str:
    """The question with each name of an episode in it (patterns, `episode_names`) read as "the episode",
    so that its shape can be recognised: "What happened in the kickoff meeting?" asks what "What happened in
    the episode?" does, "Summarize kickoff_meeting" what "Summarize the episode" does."""
    for name in names:
        question = re.sub(
            rf"(?:\b(?:the|this) )?(?:{name})(?:\s+{EPISODE_NOUNS}\b)?", "the episode", question, flags=re.I
        )
    return question


def speaker_asked_about(question: str) -> str | None:
    """Who "What did Raj say?" asks about ("Raj"): a question about all of one person's turns, with no subject
    of its own, is answered from the outline through that person's turns. None for any other question; the
    caller checks that the words name a speaker."""
    q = " ".join(question.strip().split())
    match = next((m for p in _SPEAKER_ONLY if (m := p.match(q))), None)
    return match.group("who").strip() if match else None


_ONLY_SOMEONE = re.compile(
    r"^(?:and |but )?(?:(?:what|how) about |and what about )?(?P<who>[^?!.,]+?)\W*$", re.I
)


def speaker_asked_next(question: str, before: Sequence[str]) -> str | None:
    """Who "And Raj?" asks about after "What did Mei say?": a follow-up that is only a name (the caller checks
    that it is one) takes the shape of the question that started the run of such follow-ups, when that asked
    what someone said. `before`: the earlier questions, latest first."""
    match = _ONLY_SOMEONE.match(" ".join(question.strip().split()))
    if not match:
        return None
    for earlier in before:
        if speaker_asked_about(earlier) is not None:
            return match.group("who").strip()
        if not _ONLY_SOMEONE.match(" ".join(earlier.strip().split())) or len(earlier.split()) > 4:
            return None
    return None


def follow_up_focus(question: str) -> str | None:
    """The X of a follow-up that names it ("And about agents?", "What about the budget?"), else None: a
    follow-up of a whole-episode question keeps that question's shape but asks about its own X."""
    match = _FOCUS.search(" ".join(question.strip().split()))
    return _focus(match.group("x")) if match else None


def _focus(text: str) -> str | None:
    """X up to the end of its sentence, or None when it is the episode itself ("about the meeting")."""
    focus = _SENTENCE_END.split(text, maxsplit=1)[0].strip(" ?.!")
    return None if not focus or _NO_FOCUS.match(focus) else focus


OUTLINE_HEADER = (
    "Offline answer: no language model is in use, so here is the episode's outline, found in the transcript: "
    "chapters with quotes from them.\n"
)


def _span(chapter: Chapter) -> str:
    where = f"#{chapter.first}-#{chapter.last}"
    if chapter.start is not None:
        end = f"-{format_time(chapter.end)}" if chapter.end is not None else ""
        where = f"{format_time(chapter.start)}{end}, {where}"
    return where


def _shorten(text: str, limit: int = 160) -> str:
    """`text` up to `limit` characters: its first whole sentences when one fits, else cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        if len(kept) + len(sentence) + 1 > limit - 2:
            break
        kept = f"{kept} {sentence}".strip()
    kept = kept.removesuffix(ELLIPSIS).rstrip()  # an excerpt's own cut mark
    if kept:
        return f"{kept} {ELLIPSIS}"
    return text[: limit - 1].rsplit(" ", 1)[0] + ELLIPSIS


def answer_from_outline(
    outline: Outline,
    focus: str | None = None,
    passages: Sequence[Utterance] = (),
    speaker: str | None = None,
    more: bool = False,
) -> tuple[str, tuple[Citation, ...]]:
    """The offline answer: a line per chapter (title, span), then one line per key quote citing its turn.

    With a focus, the `passages` that match it best (a search of the episode for the focus) replace the key
    quotes, under the chapters that hold them, each cut to its sentences that match: the discussion of X is
    often a few turns inside a chapter whose central turns are about something else. On the focused QMSum
    questions ("Summarize the discussion about X", val) this cites gold evidence for 0.86 of them against
    0.75 when the two chapters whose key quotes were closest to X were quoted (eval/README.md).

    With a `speaker`, the `passages` are that speaker's turns (`chapter_quotes`), under their chapters; with
    `more`, they are what the last answer did not quote ("Tell me more")."""
    chapters = list(outline.chapters)
    quotes = {c.number: c.key_quotes for c in chapters}
    if (focus or speaker or more) and passages:
        inside = {
            c.number: tuple(sorted((u for u in passages if c.first <= u.number <= c.last), key=_number))
            for c in chapters
        }
        chapters = [c for c in chapters if inside[c.number]]
        quotes = inside
        if speaker:
            about = f" about {focus}" if focus else ""
            head = f"{'More of what' if more else 'What'} {speaker} said{about}, by chapter:\n"
        elif focus:
            head = f"{'More of the' if more else 'The'} part of the episode about {focus}:\n"
        else:
            head = "More from the episode, by chapter:\n"
    else:
        head = f"The episode in {len(chapters)} chapter{'s' if len(chapters) != 1 else ''}:\n"
    lines: list[tuple[str, Utterance | None]] = []
    for chapter in chapters:
        lines.append((f"{chapter.number}. {chapter.title} ({_span(chapter)}):", None))
        for u in quotes[chapter.number]:
            who = f"{u.speaker}: " if u.speaker else ""
            quoted = _shorten(excerpt(u.text, focus) if focus and passages else u.text)
            lines.append((f"   {who}“{quoted}”", u))
    return cited_lines(OUTLINE_HEADER + head, lines)


def _number(u: Utterance) -> int:
    return u.number
