"""Questions to start with, made from the library's own episodes: their titles, guests and topics.

An episode's topics are its longest chapters' names (the first term of each chapter's title that names no
person: the words that chapter uses and the others do not, "synthetic data", "AGI"), when its outline has
chapters. Otherwise a topic word is one an episode uses in many of its utterances and other episodes use less:
counted per utterance, weighted by how few episodes share it, common and conversational words left out,
longer words preferred on a tie (they are the more specific). Counting words over a whole hour-long episode
gave the seed podcast "models", "people" and "research"; its chapters give "AGI", "synthetic data" and
"Transformer architecture". No model: the point is a question worth clicking that the library can answer,
not a summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import zip_longest

from .outline.titles import surface_forms
from .outline.types import Outline
from .text import english_stopwords, tokenize
from .types import Episode, Utterance

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_MIN_LETTERS = 5
_OPENING = 300.0
"""Seconds an episode with timestamps must last for "the first five minutes" to be worth suggesting."""
# Words of talk that say nothing about a topic, beyond the usual English stop words.
_TALK = frozenset(
    """
    about above actually after again against almost along already also although always another anybody
    anyone anything anyway around asked because before being below better between bought called came
    cannot certainly completely could couldn course different doing during early either else enough
    especially every everybody everyone everything exactly fine first found getting given going gonna
    gotta great guess happen happened having hello honestly however idea important instead itself just
    kind knows later least little lives looked looking makes making maybe means might months morning
    mostly much myself never nobody nothing number often other others pretty probably question questions
    quite rather really right said saying second seems several should since small somebody someone
    something sometimes somewhere start started still stuff sure taken talking thank thanks their there
    these thing things think thinking third those though thought three through today together totally
    twelve twenty under until wanted welcome whatever where whether which while whole would years
    yesterday yourself eight eleven fifteen fifty forty hundred million nineteen seven seventy sixty
    thousand billion
    """.split()  # noqa: SIM905
)


def suggest_questions(
    episodes: Sequence[Episode],
    transcripts: Mapping[str, Sequence[Utterance]] | None = None,
    limit: int = 3,
    outlines: Mapping[str, Outline] | None = None,
) -> list[str]:
    """Up to `limit` questions about these episodes, newest first, taking turns between episodes.

    Without `transcripts` (episode id -> utterances) the questions come from titles and guests alone; with
    them, each episode's topics give questions like "What did <guest> say about <topic>?", named by its
    chapters where `outlines` (episode id -> Outline) holds two or more.
    """
    transcripts = transcripts or {}
    ordered = sorted(episodes, key=lambda e: e.ingested_at or "", reverse=True)
    topics = _topic_words(ordered, transcripts)
    for e in ordered:
        outline = (outlines or {}).get(e.id)
        if outline is not None and len(outline.chapters) > 1 and transcripts.get(e.id):
            topics[e.id] = _chapter_topics(outline, transcripts[e.id], _name_words(e))
    per_episode = [_questions(e, topics.get(e.id, []), transcripts.get(e.id, ())) for e in ordered]
    out: list[str] = []
    for round_ in zip_longest(*per_episode):
        for question in round_:
            if question and question not in out:
                out.append(question)
    return out[:limit]


def _questions(episode: Episode, topics: Sequence[str], utterances: Sequence[Utterance] = ()) -> list[str]:
    people = _people(episode)
    out = [f"What is “{episode.title}” about?"]
    for word in topics[:3]:
        who = _says_most(word, people, utterances)
        out.append(f"What did {who} say about {word}?" if who else f"What was said about {word}?")
    if not topics and people:
        out.append(f"What did {people[0]} talk about in “{episode.title}”?")
    if episode.duration and episode.duration >= _OPENING:  # timestamps: a moment can be asked about
        out.insert(min(2, len(out)), f"What was said in the first five minutes of “{episode.title}”?")
    return out


def _says_most(topic: str, people: Sequence[str], utterances: Sequence[Utterance]) -> str | None:
    """Which of `people` uses `topic` (a word or a phrase) in most turns (a question to someone who never
    said it is refused)."""
    wanted = re.compile(rf"(?<!\w){re.escape(topic)}(?!\w)", re.IGNORECASE)
    counts = Counter(u.speaker for u in utterances if u.speaker in people and wanted.search(u.text))
    return counts.most_common(1)[0][0] if counts else None


def _chapter_topics(
    outline: Outline, utterances: Sequence[Utterance], names: set[str], most: int = 3
) -> list[str]:
    """The first term of each chapter's title that names no one, longest chapters first, written as the
    transcript writes it mid-sentence ("AGI", "Transformer", "synthetic data")."""
    forms = surface_forms([u.text for u in utterances])
    chapters = sorted(outline.chapters, key=lambda c: c.first - c.last)
    out: list[str] = []
    stems: set[str] = set()
    for chapter in chapters:
        for term in chapter.title.split(", "):
            words = term.casefold().split()
            stem = frozenset(tokenize(term))
            if not words or names & set(words) or stem & stems:
                continue
            out.append(" ".join(forms.get(w, w) for w in words))
            stems |= stem
            break
        if len(out) == most:
            break
    return out


def _name_words(episode: Episode) -> set[str]:
    """The folded words of the people an episode names: a topic is never a person."""
    people = (*episode.speakers, *episode.guests, episode.host or "")
    return {w.casefold() for person in people for w in _WORD.findall(person)}


def _people(episode: Episode) -> list[str]:
    """Guests first, then other speakers; the host asks rather than answers."""
    names = [*episode.guests, *(s for s in episode.speakers if s != episode.host)]
    return list(dict.fromkeys(n for n in names if n))


def _topic_words(
    episodes: Sequence[Episode], transcripts: Mapping[str, Sequence[Utterance]]
) -> dict[str, list[str]]:
    counts: dict[str, Counter[str]] = {}
    forms: Counter[str] = Counter()  # as written: `Finland`, not `finland`
    for episode in episodes:
        utterances = transcripts.get(episode.id)
        if not utterances:
            continue
        names = _name_words(episode)
        counter: Counter[str] = Counter()
        for u in utterances:
            found = {m.casefold(): m for m in _WORD.findall(u.text)}
            counter.update({w for w in found if _topical(w, names)})
            forms.update(m for w, m in found.items() if w in counter)
        counts[episode.id] = counter
    shared = Counter(w for counter in counts.values() for w in counter)
    total = len(counts)
    out = {}
    for episode_id, counter in counts.items():
        score = {w: n * math.log(1 + total / shared[w]) for w, n in counter.items() if n > 1}
        best: list[str] = []
        stems: set[str] = set()
        for w in sorted(score, key=lambda w: (-score[w], -len(w), w)):
            stem = frozenset(tokenize(w)) or frozenset([w])
            if not stem & stems:  # "models" and "model" are one topic
                best.append(w)
                stems |= stem
            if len(best) == 3:
                break
        out[episode_id] = [max((f for f in forms if f.casefold() == w), key=forms.__getitem__) for w in best]
    return out


def _topical(word: str, names: set[str]) -> bool:
    return (
        len(word) >= _MIN_LETTERS
        and "'" not in word
        and "’" not in word
        and word not in _TALK
        and word not in _stop_words()
        and word not in names
    )


@cache
def _stop_words() -> frozenset[str]:
    return english_stopwords(plus=True)
