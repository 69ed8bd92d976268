"""Offline chapter titles (the chapter's most distinctive words) and key quotes (its most central turns)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..text import common_words, english_stopwords, is_question, outline_words, tokenize, word_stemmer
from .segment import _FILLERS

_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['-])*")


def _stopwords(language: str | None = None) -> frozenset[str]:
    """Words that never name a chapter: function words ("would"), fillers, and vague words; of the
    transcript's own language where it is not English (`Episode.language`)."""
    if language and outline_words(language)[1] != "english":
        return outline_words(language)[0] | _FILLERS | _VAGUE
    return english_stopwords(plus=True) | common_words() | _FILLERS | _VAGUE


# Words too vague to name a chapter, though they may still tell chapters apart for segmentation.
_VAGUE = frozenset(
    [
        "one",
        "two",
        "want",
        "need",
        "make",
        "way",
        "something",
        "also",
        "much",
        "many",
        "even",
        "still",
        "yes",
        "maybe",
        "probably",
        "pretty",
        "guess",
        "stuff",
        "time",
        "people",
        "doing",
        "done",
        "use",
        "used",
        "put",
        "take",
        "try",
        "trying",
        "look",
        "thinking",
        "different",
        "sure",
        "able",
        "mhm",
        "hmm",
        "anyway",
        "great",
        "cool",
        "interesting",
        "exactly",
        "course",
        "whatever",
        "things",
        "everything",
        "anything",
        "basically",
        "help",
        "folks",
        "guys",
        "huge",
        "big",
        "real",
        "talk",
        "talking",
        "happen",
        "happening",
        "come",
        "coming",
        "start",
        "started",
        "feel",
        "lots",
        "whole",
        "back",
        "new",
        "kinds",
        "bunch",
        "super",
        "totally",
        "definitely",
        "literally",
        "gonna",
        "wanna",
        "point",
        "question",
        "questions",
        "long",
        "better",
        "best",
    ]
)


def _terms(text: str, stop: frozenset[str]) -> list[str]:
    """Content words and the bigrams of adjacent content words, lower-cased."""
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    terms, prev = [], None
    for w in words:
        if len(w) < 3 or w in stop or "'" in w:
            prev = None
            continue
        terms.append(w)
        if prev and prev != w:
            terms.append(f"{prev} {w}")
        prev = w
    return terms


def chapter_titles(
    texts: Sequence[str], spans: Sequence[tuple[int, int]], words: int = 3, language: str | None = None
) -> list[str]:
    """A title per chapter (0-based inclusive index spans): its top terms by tf-idf with chapters as the
    documents, so a word the whole episode uses does not name one chapter. A bigram seen twice replaces
    its own words when they were chosen ("synthetic data" for "data": the name a reader knows the topic by);
    words sharing a stem appear once. `language`: the transcript's, when not English (`Episode.language`)."""
    stop = _stopwords(language)
    stem = word_stemmer(outline_words(language)[1])
    counts = [Counter(t for text in texts[a : b + 1] for t in _terms(text, stop)) for a, b in spans]
    cased = surface_forms(texts)
    df = Counter(t for c in counts for t in c)
    n = len(spans)
    titles = []
    for c in counts:
        scored = sorted(
            (
                (tf * math.log(1 + n / df[t]) * (1.6 if " " in t else 1.0), t)
                for t, tf in c.items()
                if tf >= 2
            ),
            reverse=True,
        )
        chosen: list[str] = []
        for _, term in scored:
            stems = set(stem(term.split()))
            overlap = [c for c in chosen if set(stem(c.split())) & stems]
            if not overlap and len(chosen) < words:
                chosen.append(term)
            elif " " in term and len(overlap) == 1 and " " not in overlap[0]:
                chosen[chosen.index(overlap[0])] = term
        titles.append(_first_upper(", ".join(" ".join(cased.get(w, w) for w in t.split()) for t in chosen)))
    return titles


def surface_forms(texts: Sequence[str]) -> dict[str, str]:
    """Lower-cased word -> how to print it: "AGI" when the transcript mostly writes it so, "Cohere" when it
    is capitalised mid-sentence most of the time (a name), else lower case."""
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group().strip("'-")
            before = text[: match.start()].rstrip()
            if not before or before[-1] in ".?!":
                continue  # sentence-initial capitals say nothing
            forms.setdefault(word.lower(), Counter())[word] += 1
    out = {}
    for lower, counter in forms.items():
        form, count = counter.most_common(1)[0]
        if form != lower and count * 2 > sum(counter.values()) and (form.isupper() or form[0].isupper()):
            out[lower] = form
    return out


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:] if text else "Chapter"


# Tuned on qmsum/train topic coverage of the cited quotes, with MiniLM rows (tf-idf rows since 2026-12-01):
# 0.678 at 0, 0.710 at 0.5, 0.707 at 1. Only chapters shorter than `count` turns are still picked by MMR.
DIVERSITY = 0.5
# Quotes from each stretch of the chapter: train topic coverage 0.745 against 0.710 by MMR alone (no length
# prior), 0.880 against 0.854 with one chapter per 1,600 words at least (MiniLM rows; 0.888 with tf-idf rows).
SPREAD = True


SHORT_STATEMENT = 4
"""Words a turn needs to be quoted when a chapter has too few longer ones: a statement, not a backchannel."""


def is_backchannel(text: str) -> bool:
    """Whether a turn says nothing of its own: no word of content ("Uh no, no no no.", "Why?"), or a short
    statement ("Yeah, I agree."). One speaker's words are quoted from their other turns when they have any."""
    if not tokenize(text):
        return True
    return len(_WORD.findall(text)) < SHORT_STATEMENT and not is_question(text)


def key_quotes(
    rows: np.ndarray,
    texts: Sequence[str],
    first: int,
    last: int,
    count: int = 3,
    min_words: int = 8,
    diversity: float = DIVERSITY,
    spread: bool = SPREAD,
) -> list[int]:
    """Indices of `count` turns close to the chapter's centroid (cosine over `rows`, one unit row per turn
    of the episode), skipping turns that ask and turns under `min_words` words unless the chapter has too
    few others (a four-turn meeting still gets three quotes); returned in transcript order. The outline
    passes tf-idf rows (`segment.lexical_vectors`): the turn that uses most of the words the chapter keeps
    using says what it is about, as in centroid summarisers (MEAD); the sentence vectors' centre favoured
    turns as generic as "we realized folks were working on the same thing". Picked by maximal marginal
    relevance (centrality minus `diversity` times the cosine to a turn already picked), so the quotes do not
    all restate one moment of the chapter. With `spread`, the chapter is cut into `count` equal stretches
    and each gives its own most central turn (central to the whole chapter): a long chapter often holds
    several topics a reader would name, and a quote from each covers them."""
    span = np.arange(first, last + 1)
    lengths = np.array([len(_WORD.findall(texts[int(i)])) for i in span])
    x = np.asarray(rows[first : last + 1], dtype=np.float64)
    weights = np.minimum(lengths, 20).astype(np.float64)
    if weights.sum() == 0:
        return [int(span[0])]
    centroid = (weights[:, None] * x).sum(0)
    centroid /= np.linalg.norm(centroid) or 1.0
    sims = x @ centroid
    states = ~np.array([is_question(texts[int(i)]) for i in span], dtype=bool)
    eligible = (lengths >= min_words) & states
    picked: list[int] = []
    if spread and len(span) >= count:
        for part in np.array_split(np.arange(len(span)), count):
            pool = part[eligible[part]]
            if len(pool):
                picked.append(int(pool[int(np.argmax(sims[pool]))]))
    # Then the most central of the rest, down to shorter statements ("Young people like bright colours.");
    # a backchannel ("Yeah, okay.") or a question only when the chapter has nothing else.
    pools = [eligible, states & (lengths >= SHORT_STATEMENT)]
    for pool in pools if pools[1].any() else [lengths > 0]:
        candidates = [int(i) for i in np.flatnonzero(pool) if int(i) not in picked]
        while candidates and len(picked) < count:
            redundancy = (x[candidates] @ x[picked].T).max(axis=1) if picked else np.zeros(len(candidates))
            best = candidates[int(np.argmax(sims[candidates] - diversity * redundancy))]
            picked.append(best)
            candidates.remove(best)
    return sorted(int(span[i]) for i in picked)
