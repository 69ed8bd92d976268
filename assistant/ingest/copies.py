"""Which files of a batch are copies of a transcript the library holds or the batch reads first.

Stored twice, a transcript makes every answer quote the same lines twice. A copy is the same bytes (a second
download, a file kept under another name) or the same words in another layout: the captions of an episode
as .srt and .vtt, its numbered text, Apple's TTML or a PDF of it. Words are compared as a reader would (case,
accents and punctuation aside, wherever the turns or lines break), so a transcript made again by another
speech recogniser, which differs in its words, is not a copy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

from ..text import fold
from ..types import Episode, Transcript

MIN_WORDS = 20
"""Fewer words than this are not compared as words: two short clips may say the same thing."""

_WORD = re.compile(r"\w+")


def words_hash(transcript: Transcript) -> str:
    """sha256 of the spoken words in order, folded; "" for a transcript of fewer than `MIN_WORDS` words."""
    words = [w for u in transcript.utterances for w in _WORD.findall(fold(u.text))]
    return hashlib.sha256(" ".join(words).encode()).hexdigest() if len(words) >= MIN_WORDS else ""


@dataclass(frozen=True)
class Holder:
    """The episode a copy's lines already belong to, and what its layout gives a reader."""

    episode: Episode
    timed: bool
    labelled: bool
    turns: int

    @classmethod
    def of_transcript(cls, transcript: Transcript) -> Holder:
        spoken = [u for u in transcript.utterances if u.text.strip()]
        return cls(
            transcript.episode,
            timed=any(u.start is not None for u in spoken),
            labelled=any(u.speaker for u in spoken),
            turns=len(spoken),
        )

    @classmethod
    def of_stored(cls, episode: Episode) -> Holder:
        return cls(
            episode,
            timed=episode.duration is not None,
            labelled=bool(episode.speakers),
            turns=episode.utterance_count,
        )

    def rank(self) -> tuple[bool, bool, int]:
        """Times first (a citation opens the recording there), then speakers, then finer turns."""
        return self.timed, self.labelled, self.turns


@dataclass
class Copies:
    kept: list[Transcript]
    ignored: dict[str, str] = field(default_factory=dict)
    """A copy's file (or episode id) -> why it was passed over."""


def without_copies(
    transcripts: Sequence[Transcript], stored: Iterable[Episode], replaced: Iterable[str] = ()
) -> Copies:
    """The transcripts to write, in their order. A stored episode keeps its place; this batch's copies of it
    are passed over (a copy with times or speakers it lacks says how to keep that file instead). Of the
    batch's own copies of one another (two files of one name among them, `episode.srt` and `episode.vtt`)
    the one giving a reader most (`Holder.rank`) is kept. A stored episode the batch reads again counts by
    its new reading, unless that is its words in a poorer layout, and one a file replaces (`replaced`:
    former ids) not at all."""
    holders = [Holder.of_transcript(t) for t in transcripts]
    words = [words_hash(t) for t in transcripts]
    best = sorted(range(len(transcripts)), key=lambda i: holders[i].rank(), reverse=True)
    again = {}
    for i in reversed(best):
        again[transcripts[i].episode.id] = i
    by_bytes: dict[str, Holder] = {}
    by_words: dict[str, Holder] = {}
    gone = set(replaced)
    for episode in stored:
        if episode.id in gone:
            continue
        read = again.get(episode.id)
        if read is not None and _poorer_layout(episode, transcripts[read], words[read]):
            read = None  # `episode.txt` beside the stored `episode.srt`: not read again, a copy
        holder = holders[read] if read is not None else Holder.of_stored(episode)
        if holder.episode.content_hash:
            by_bytes.setdefault(holder.episode.content_hash, holder)
        said = words[read] if read is not None else episode.words_hash
        if said:
            by_words.setdefault(said, holder)
    passed: dict[int, tuple[Holder, bool]] = {}  # a copy -> what holds it, and whether by its bytes
    in_batch = {id(h): i for i, h in enumerate(holders)}
    told: dict[int, list[Episode]] = {}  # a kept transcript -> its copies, whose facts it may lack
    for i in best:
        mine, content = holders[i], transcripts[i].episode.content_hash
        holder = by_bytes.setdefault(content, mine) if content else mine
        same_bytes = holder is not mine
        if not same_bytes:
            holder = by_words.setdefault(words[i], mine) if words[i] else mine
        while id(holder) in in_batch and in_batch[id(holder)] in passed:  # a copy of a copy: what holds it
            holder, by_bytes_too = passed[in_batch[id(holder)]]
            same_bytes = same_bytes and by_bytes_too
        if holder is not mine:
            passed[i] = (holder, same_bytes)
            if id(holder) in in_batch:
                told.setdefault(in_batch[id(holder)], []).append(transcripts[i].episode)
    kept = {i: with_facts(t, told.get(i, ())) for i, t in enumerate(transcripts) if i not in passed}
    copies = Copies(kept=list(kept.values()))
    for i, (holder, by_bytes_alone) in sorted(passed.items()):
        if id(holder) in in_batch:  # named as it will be stored, with the facts its copies gave it
            holder = replace(holder, episode=kept[in_batch[id(holder)]].episode)
        why = _same_transcript(holder.episode) if by_bytes_alone else _same_words(holder, holders[i])
        copies.ignored[transcripts[i].episode.source_path or transcripts[i].episode.id] = why
    return copies


FACTS = ("title", "show", "source_url", "host", "guests", "date")
"""An episode's facts a file may leave out that another reading of it states."""


def with_facts(transcript: Transcript, others: Iterable[Episode], facts: Iterable[str] = FACTS) -> Transcript:
    """The `facts` its file does not state, from other readings of the same transcript: a copy in another
    layout (kept with the captions, the numbered copy's "Guest: Aidan Gomez" still answers), or the episode
    as stored, for the facts it took from one (`Episode.borrowed`). The title only where the file gives none
    but its name."""
    episode, wanted = transcript.episode, tuple(facts)
    fills: dict[str, Any] = {}
    for other in others:
        for name in wanted:
            if name in fills or not getattr(other, name):
                continue
            if name == "title" and _untitled(episode) and not _untitled(other):
                fills[name] = other.title
            elif name != "title" and not getattr(episode, name):
                fills[name] = getattr(other, name)
    if not fills:
        return transcript
    borrowed = tuple(name for name in FACTS if name in fills or name in episode.borrowed)
    return Transcript(replace(episode, **fills, borrowed=borrowed), transcript.utterances)


def _untitled(episode: Episode) -> bool:
    """Named only by its file (`fill_metadata`'s last resort)."""
    return episode.source_path is not None and episode.title == PurePath(episode.source_path).stem


def _poorer_layout(stored: Episode, transcript: Transcript, said: str) -> bool:
    """A file of a stored episode's name holding its words in another layout that gives a reader less
    (no times where it has them): written over it, the episode would lose what it had."""
    return (
        bool(said)
        and said == stored.words_hash
        and transcript.episode.format != stored.format
        and Holder.of_transcript(transcript).rank() < Holder.of_stored(stored).rank()
    )


def same_words(first: Transcript, second: Transcript) -> bool:
    """Two readings of one transcript, however laid out (`MIN_WORDS` words or more)."""
    said = words_hash(first)
    return bool(said) and said == words_hash(second)


def _same_transcript(holder: Episode) -> str:
    return (
        f"the same transcript as episode {holder.id!r} (“{holder.title}”), so its lines are not stored twice"
    )


def _same_words(holder: Holder, copy: Holder) -> str:
    said = (
        f"the same words as episode {holder.episode.id!r} (“{holder.episode.title}”) in another layout, so "
        "its lines are not stored twice"
    )
    gives = (("times", holder.timed, copy.timed), ("speakers", holder.labelled, copy.labelled))
    more = [what for what, theirs, mine in gives if mine and not theirs]
    if not more:
        return said
    return (
        f"{said}; this file has {' and '.join(more)} the stored episode lacks: to keep it instead, delete "
        f"that episode (`assistant delete {holder.episode.id}`), then add this file again"
    )
