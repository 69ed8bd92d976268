"""Build an episode's Outline from its utterances and their vectors: the call ingest makes once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from assistant.outline.segment import SegmentParams, lexical_vectors, segment
from assistant.outline.titles import chapter_titles, is_backchannel, key_quotes
from assistant.outline.types import Chapter, Outline
from assistant.types import Utterance

METHOD = (
    "penalised-partition+length-prior+min-words:minilm+tfidf;tfidf-centroid-statement-quotes-filled;"
    "common-word-titles+phrases"
)
"""How outlines are built; a stored outline made another way is rebuilt when read (`Library.outline`)."""


def build_outline(
    episode_id: str,
    utterances: Sequence[Utterance],
    vectors: np.ndarray,
    params: SegmentParams | None = None,
    quotes: int = 3,
    language: str | None = None,
) -> Outline:
    """Chapters of one episode; `vectors` holds one unit-normalised row per utterance, in order; `language`,
    the transcript's when it is not English (`Episode.language`): its own stop words and stemmer."""
    texts = [u.text for u in utterances]
    if not utterances:
        return Outline(episode_id, (), METHOD)
    words = lexical_vectors(texts, language=language)
    bounds = segment(vectors, texts, params, words=words)
    edges = [0, *bounds, len(utterances)]
    spans = [(a, b - 1) for a, b in zip(edges, edges[1:], strict=False)]
    titles = chapter_titles(texts, spans, language=language)
    chapters = []
    for number, ((a, b), title) in enumerate(zip(spans, titles, strict=True), start=1):
        picked = key_quotes(words, texts, a, b, count=quotes)
        chapters.append(
            Chapter(
                number=number,
                title=title,
                first=utterances[a].number,
                last=utterances[b].number,
                start=utterances[a].start,
                end=utterances[b].end if utterances[b].end is not None else utterances[b].start,
                key_quotes=tuple(utterances[i] for i in picked),
            )
        )
    return Outline(episode_id, tuple(chapters), METHOD)


def chapter_quotes(
    outline: Outline,
    utterances: Sequence[Utterance],
    keep: Callable[[Utterance], bool],
    quotes: int = 3,
    language: str | None = None,
) -> list[Utterance]:
    """Per chapter, the turns `keep` accepts that are closest to the centre of those turns (as `key_quotes`
    picks a chapter's), in episode order: one speaker's turns gives what that person said, chapter by
    chapter; the turns not quoted yet give more of the episode. `utterances`: the whole episode, in order. A
    chapter whose turns are all backchannels ("Yeah.", "Okay.") gives none, unless every chapter's are."""
    words = lexical_vectors([u.text for u in utterances], language=language)
    picked: list[Utterance] = []
    by_chapter = [
        [i for i, u in enumerate(utterances) if chapter.first <= u.number <= chapter.last and keep(u)]
        for chapter in outline.chapters
    ]
    saying = [any(not is_backchannel(utterances[i].text) for i in rows) for rows in by_chapter]
    for rows, says in zip(by_chapter, saying, strict=True):
        if rows and (says or not any(saying)):  # a chapter of only "Yeah." says nothing of theirs
            texts = [utterances[i].text for i in rows]
            chosen = key_quotes(words[np.asarray(rows)], texts, 0, len(rows) - 1, count=quotes)
            picked += [utterances[rows[i]] for i in chosen]
    return picked
