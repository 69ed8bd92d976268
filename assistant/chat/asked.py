"""What one speaker asked ("What did Nadia ask?", "What questions did the host ask?"): that speaker's turns
that ask, in order, each cited.

An interview's questions are its outline as the interviewer drew it; a search would quote turns that use the
word "ask". No search and no model, in either mode. A question with a subject ("What did Nadia ask about the
lighting?") is searched as any other.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps

from ..library import Library
from ..render import cited_lines, plural
from ..text import is_question, shortened
from ..types import Answer, AnswerEvent, Hit, format_time
from .told import told

_ASKED = re.compile(
    r"^(?:so |and )?(?:"
    r"what (?:did|does|do|has|have) (?P<who>.+?) (?:ask|asked)(?: about)?"
    r"|what questions? (?:did|does|do|has|have) (?P<whose>.+?) (?:ask|asked|put)"
    r"|(?:list|show(?: me)?) (?P<owner>.+?)(?:'s|’s) questions"
    r")(?: (?:in|during|on|throughout) (?:the |this |that )?\w+)?\W*$",
    re.IGNORECASE,
)
LISTED = 30
"""Questions an answer lists one by one; the rest are counted."""
_QUOTE_CHARS = 160


def asker(question: str) -> str | None:
    """Who "What did Nadia ask?" asks about ("Nadia"); None for any other question."""
    match = _ASKED.match(" ".join(question.strip().split()))
    if match is None:
        return None
    return (match["who"] or match["whose"] or match["owner"]).strip()


def answer_asked(
    library: Library, question: str, speaker: str | None, episode_id: str
) -> Steps[AnswerEvent, None, Answer]:
    """Yields `speaker`'s turns in the episode that ask (a question mark, or the opening of a question), in
    order, each cited; every speaker's when None (a transcript without labels); returns the Answer."""
    episode = library.episode(episode_id)
    asking = [
        u
        for u in library.transcript(episode.id)
        if (speaker is None or u.speaker == speaker) and ("?" in u.text or is_question(u.text))
    ]
    if not asking:
        who = speaker or "No one"
        text = f"{who} asks no question in “{episode.title}”: no turn of theirs asks one."
        return (yield from told(Answer(text=text, citations=(), mode="offline", query=question)))
    count = plural(len(asking), "question")
    head = (
        f"{speaker} asked {count} in “{episode.title}”, in order:\n"
        if speaker
        else f"The transcript of “{episode.title}” does not label its speakers, so these are all the {count}"
        " asked in it, in order (an interviewer asks most of them):\n"
    )
    lines = []
    for n, u in enumerate(asking[:LISTED], 1):
        at = f" ({format_time(u.start)})" if u.start is not None else ""
        lines.append((f"{n}. #{u.number}{at}: “{shortened(u.text, _QUOTE_CHARS)}”", u))
    text, citations = cited_lines(head, lines)
    if len(asking) > LISTED:
        text += f"\n…and {len(asking) - LISTED} more."
    hits = tuple(Hit(u, 1.0, episode_title=episode.title) for u in asking[:LISTED])
    return (
        yield from told(Answer(text=text, citations=citations, mode="offline", query=question, hits=hits))
    )
