"""What the library holds ("How many episodes are there?", "List the transcripts") and which episodes use a
topic's words ("Which episodes mention steel?"): its catalogue and its word index answer.

A search would quote whichever turns match best, several from one episode and none from another; the library's
own list is the answer. Each episode is one line, cited to its details record (the catalogue) or to its turn
that uses the words most (mentions), so a reader opens the transcript there. No model call, in either mode.
"""

from __future__ import annotations

import re
from collections.abc import Generator as Steps
from collections.abc import Mapping, Sequence

from ..generation.excerpt import excerpt
from ..library import Library
from ..render import cited_lines, plural
from ..retrieval.coverage import Mention
from ..text import shortened, tokenize
from ..types import DETAILS, Answer, AnswerEvent, Episode, Hit, Utterance, format_time, utterance_id
from .told import told

_KINDS = r"(?:episodes|transcripts|recordings|meetings|interviews|files)"
_HELD = (
    r"(?:are there|do (?:you|we|i) have|have (?:you|we|i) got|are (?:loaded|available|in (?:the|my) library))"
)
_CATALOGUE = re.compile(
    r"^(?:and |so |ok,? |okay,? )?(?:"
    rf"how many {_KINDS}(?: {_HELD}| (?:are|is) there in (?:the|my|this) library)?"
    rf"|(?:please )?(?:list|show(?: me)?|name) (?:all )?(?:the |my )?{_KINDS}(?: you have| in the library)?"
    rf"|(?:what|which) {_KINDS} {_HELD}"
    r")\W*$",
    re.IGNORECASE,
)


_MENTION = re.compile(
    rf"^(?:and |so )?(?:in )?(?:how many|which|what) (?:of the )?{_KINDS[:-1]}|episode|transcript)"
    r" (?:(?:do|did) (?:they|we|you|people|the hosts?) )?"
    r"(?:mention(?:s|ed)?|discuss(?:es|ed)?|talk(?:s|ed)? about|cover(?:s|ed)?|br(?:ing|ings|ought) up"
    r"|refer(?:s|red)? to|(?:are|is|were|was) about)(?: the (?:words?|terms?|topics?|subjects?))?"
    r" (?P<topic>.+?)\W*$"
    r"|^(?:and |so )?how (?:many times|often) (?:do|did|does|has|have)"
    r" (?:they|we|you|people|anyone|the hosts?)"
    r" (?:mention(?:ed)?|say|said|talk(?:ed)? about|use(?:d)?|br(?:ing|ought) up)(?: the (?:words?|terms?))?"
    r" (?P<counted>.+?)\W*$",
    re.IGNORECASE,
)
_QUOTE_CHARS = 100
LISTED = 50
"""Episodes an answer lists one by one; the rest are counted: a chat answer is no catalogue of thousands."""


def asks_catalogue(question: str) -> bool:
    """Whether the question asks what the library holds, not what was said ("How many episodes mention
    steel?" is a search)."""
    return bool(_CATALOGUE.match(" ".join(question.strip().split())))


def answer_catalogue(
    library: Library, question: str, in_scope: Sequence[str] | None
) -> Steps[AnswerEvent, None, Answer]:
    """Yields the catalogue's text and citations; returns the Answer. `in_scope`: the episode filter."""
    episodes = [e for e in library.episodes() if in_scope is None or e.id in in_scope]
    shown = episodes[:LISTED]
    records = {u.episode_id: u for u in library.utterances([utterance_id(e.id, DETAILS) for e in shown])}
    where = "searched part of the library" if in_scope else "library"
    head = f"The {where} holds {plural(len(episodes), 'episode')}:\n"
    lines = [(f"{n}. {_described(e)}", records.get(e.id)) for n, e in enumerate(shown, 1)]
    more = f"…and {len(episodes) - LISTED} more (`assistant episodes` lists them all)."
    hits = [Hit(records[e.id], 1.0, episode_title=e.title) for e in shown if e.id in records]
    return (yield from _listed(question, head, lines, more if len(episodes) > LISTED else "", hits))


def mention_topic(question: str) -> str | None:
    """X of "Which episodes mention X?", "How many episodes discuss X?", "How many times did they say X?";
    None when X holds no word the keyword index counts (stop words), which a search handles instead."""
    match = _MENTION.match(" ".join(question.strip().split()))
    if match is None:
        return None
    topic = (match["topic"] or match["counted"]).strip(" \"'“”")
    return topic if tokenize(topic) else None  # "Which meetings discussed yeah?": no word the index counts


def answer_mentions(
    library: Library,
    question: str,
    topic: str,
    found: Mapping[str, Mention],
    in_scope: Sequence[str] | None,
) -> Steps[AnswerEvent, None, Answer]:
    """Yields the episodes that use the topic's words, most turns first, each cited to its turn that uses them
    most (`found`, by episode id; `retrieval.coverage.mentions`); returns the Answer."""
    episodes = [e for e in library.episodes() if in_scope is None or e.id in in_scope]
    using = sorted((e for e in episodes if e.id in found), key=lambda e: -found[e.id].turns)
    of = plural(len(episodes), "episode")
    if not using:
        text = f"None of the {of} uses the words “{topic}”, in what was said or in its details."
        return (
            yield from told(Answer(text=text, citations=(), mode="offline", query=question, refused=True))
        )
    verb = "uses" if len(using) == 1 else "use"
    turns = sum(found[e.id].turns for e in using)
    in_all = f", in {plural(turns, 'turn')} in all" if turns else ""
    head = f"{len(using)} of the {of} {verb} the words “{topic}”{in_all}:\n"
    lines = []
    for n, episode in enumerate(using[:LISTED], 1):
        u, count = found[episode.id]
        where = "named in its details" if u.is_details else f"{plural(count, 'turn')}; {u.label()}"
        quote = shortened(excerpt(u.text, topic, long_words=12), _QUOTE_CHARS)
        lines.append((f"{n}. “{episode.title}” ({where}): “{quote}”", u))
    more = f"…and {len(using) - LISTED} more." if len(using) > LISTED else ""
    hits = [Hit(found[e.id].best, 1.0, episode_title=e.title) for e in using[:LISTED]]
    return (yield from _listed(question, head, lines, more, hits))


def _listed(
    question: str, head: str, lines: Sequence[tuple[str, Utterance | None]], more: str, hits: Sequence[Hit]
) -> Steps[AnswerEvent, None, Answer]:
    """A cited line per episode after `head`, then `more` (what was not listed); returns the Answer."""
    text, citations = cited_lines(head, lines)
    if more:
        text += "\n" + more
    answer = Answer(text=text, citations=citations, mode="offline", query=question, hits=tuple(hits))
    return (yield from told(answer))


def _described(episode: Episode) -> str:
    """`“Title” (Show, 2025-05-01, 1:02:10; host Matt Turck; guest Aidan Gomez), 678 turns`."""
    facts = [f for f in (episode.show, episode.date) if f]
    if episode.duration:
        facts.append(format_time(episode.duration))
    people = []
    if episode.host:
        people.append(f"host {episode.host}")
    if episode.guests:
        people.append(f"guest{'s' if len(episode.guests) > 1 else ''} {', '.join(episode.guests)}")
    details = "; ".join(p for p in (", ".join(facts), *people) if p)
    return f"“{episode.title}”" + (f" ({details})" if details else "") + f", {episode.utterance_count} turns"
