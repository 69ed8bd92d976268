"""Who a labelled speaker is ("Who is Nadia?", "Who was the project manager?"): what the episode's details say
of them, how much they speak, and the turns that name them, in order, each cited.

A search quoted the person's shortest turns ("Mm.", "Right."): every turn of theirs carries their name in the
keyword index, and BM25 favours the shortest. A person is introduced where the talk names them ("I'm Nadia
Brooks", "my guest is…") and in the details; no search and no model, in either mode. A name no label holds
("Who is Jensen?", or anyone in a transcript without labels) is searched as any other question.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Sequence

from ..library import Library
from ..render import cited_lines, plural
from ..text import name_tokens, question_words, shortened
from ..types import Answer, AnswerEvent, Hit, Utterance
from .people import details_role
from .roster import speakers
from .told import told

_WHO_IS = re.compile(
    r"^(?:and |so |but |ok,? |okay,? )?(?:who(?:'s|’s| is| was)(?: exactly| really)?"
    r"|(?:please )?tell me about|what do (?:we|you) know about) "
    r"(?P<who>[^?]+?)(?: exactly| again)?\W*$",
    re.IGNORECASE,
)
NAMING = 5
"""Turns naming the person an answer quotes; the rest are counted."""
_QUOTE_CHARS = 160


def identity_asked(question: str) -> str | None:
    """Who "Who is Nadia Brooks?" (or "Tell me about Nadia Brooks") asks about ("Nadia Brooks"); None for any
    other question. Whether that is a speaker is for the caller to check against the labels ("Who is talking
    to Rachel?" names no one)."""
    match = _WHO_IS.match(" ".join(question.strip().split()))
    return match["who"].strip() if match else None


def answer_identity(
    library: Library, question: str, who: str, label: str, episode_id: str
) -> Steps[AnswerEvent, None, Answer]:
    """Yields what the episode says of the speaker `label` (whom the question called `who`): their role in
    the details, their share of the talk with their first turn, and the turns that name them; returns the
    Answer."""
    episode = library.episode(episode_id)
    transcript = library.transcript(episode.id, with_details=True)  # the details record too, in one read
    counted = speakers(transcript)
    total = sum(s.words for s in counted) or 1
    theirs = next((s for s in counted if s.name == label), None)
    head = f"{label} in “{episode.title}”, from the transcript:\n"
    lines: list[tuple[str, Utterance | None]] = []
    role = details_role(episode, label)
    record = next((u for u in transcript if u.is_details), None)
    if role and record is not None:
        lines.append((f"- The episode's details name them as its {role}.", record))
    naming = _naming(transcript, who, label)
    if theirs is not None:  # else every turn of theirs is empty: nothing to count or quote
        first = next(u for u in transcript if u.speaker == label and u.text.strip())
        share = (
            f"- One of {plural(len(counted), 'labelled speaker')}: {plural(theirs.turns, 'turn')}, "
            f"{plural(theirs.words, 'word')} ({100 * theirs.words / total:.0f}% of the words); "
            "their first turn"
        )
        if first in naming[:NAMING]:
            lines.append((f"{share} is #{first.number}, below.", None))
        else:
            lines.append((f"{share}, #{first.number}: “{shortened(first.text, _QUOTE_CHARS)}”", first))
    if naming:
        lines.append((f"Turns that name {_called(who)}, in order:", None))
        for u in naming[:NAMING]:
            quote = shortened(u.text, _QUOTE_CHARS)
            lines.append((f"- #{u.number} {u.speaker or 'unlabelled'}: “{quote}”", u))
    text, citations = cited_lines(head, lines)
    if len(naming) > NAMING:
        text += f"\n…and {plural(len(naming) - NAMING, 'more turn')} that name them."
    shown = [u for c in citations for u in c.utterances]
    hits = tuple(Hit(u, 1.0, episode_title=episode.title) for u in shown)
    return (
        yield from told(Answer(text=text, citations=citations, mode="offline", query=question, hits=hits))
    )


def _naming(transcript: Sequence[Utterance], who: str, label: str) -> list[Utterance]:
    """The turns that say every word the question called the person by ("Tomás Reyes": both; "the project
    manager": "project" and "manager"), in order."""
    wanted = {w for w, _, _ in question_words(who)} - {"the"}
    wanted = wanted or set(name_tokens(label))
    return [u for u in transcript if not u.is_details and wanted <= set(name_tokens(u.text))]


def _called(who: str) -> str:
    words = who.split()
    return " ".join(words[1:]) if words and words[0].casefold() == "the" and len(words) > 1 else who
