"""Topic segmentation of an episode into contiguous chapters, from utterance vectors.

The method (`segment`) is penalised optimal partitioning: choose the boundaries that minimise the
length-weighted scatter of utterance vectors around their chapter's mean, plus a fixed cost per chapter.
It is the Gaussian mean-shift change-point model solved exactly by dynamic programming, so it needs no
window size or smoothing, finds the number of chapters from the data (a topic change must explain more
scatter than a chapter costs) and works with any unit-normalised vectors (MiniLM, hashing fallback).
Utterances weigh by their length in words (capped), so backchannels ("yeah", "okay") and empty turns
barely pull on the means. Each row is the utterance's sentence vector beside its tf-idf row over the
episode's own vocabulary: spoken turns are short, and the content words say more about the topic than a
sentence embedding of "so the, uh, the remote" does.

Boundaries everywhere in this package are 0-based indices into the utterance list of the units that open a
chapter, never 0, sorted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text import SPEECH_FILLERS, english_stopwords, outline_words, word_stemmer

_WORD = re.compile(r"(?:[^\W_]|')+")


# The length prior: at least one chapter per this many spoken words (about 13 minutes of speech at 150
# words a minute; QMSum's gold topics average 1,600 words on train). The penalty alone gave QMSum's
# meetings 2.9 chapters (gold 4.8) and the hour-long seed podcast 2. On qmsum/train, floors of one per
# 1,600 / 2,000 / 2,500 words / none: Pk 0.398 / 0.387 / 0.376 / 0.372, F1@3 0.161 / 0.158 / 0.154 / 0.098,
# chapters 4.5 / 4.0 / 3.7 / 2.9, topic coverage of the general answers 0.880 (1,600) against 0.745
# (none); 2,000 is the sparsest that gives an hour of talk (~9,000 words) five chapters or more.
WORDS_PER_CHAPTER = 2000


@dataclass(frozen=True)
class SegmentParams:
    """penalty: cost of one more chapter, in units of the episode's mean weighted scatter per non-empty
    utterance; min_words: fewest spoken words in a chapter, counted as the episode's utterances that hold
    that many words on average (`min_length`); weight_cap: words beyond which an utterance weighs no more;
    lexical: append the episode's tf-idf rows to the vectors (on qmsum/train, Pk with the gold count 0.376
    with both against 0.403 with MiniLM alone). Swept on qmsum/train (with the tf-idf rows counted twice, by
    mistake): penalty 5 / min_len 40 gave Pk 0.368, 4.5 / 30 gave 0.379, and Pk rises fast below 4 (7.5
    chapters, 0.44). Without the length prior: train Pk 0.372, 2.9 chapters (gold 4.8); with it
    (`words_per_chapter`, see WORDS_PER_CHAPTER), 0.387 and 4.0. Also tried on train, with the prior: tf-idf
    rows weighted 0.7 / 1.41 / 2 (Pk 0.394 / 0.391 / 0.386), min_len 30 / 50 (0.395 / 0.383), and vectors
    averaged over +-3..10 utterances before partitioning (worse at the gold count: 0.378-0.396 against
    0.377). The minimum was 40 utterances until 2026-12-02, when it became words: 40 of QMSum's turns are
    800 words, 40 of the seed's sentence lines 540 and 40 passages of a pasted transcript 3,900, which left an
    hour of such text two chapters. On qmsum/train, min_words 400 / 500 / 600 / 700 / 800 / 1,000 gave Pk
    0.385 / 0.385 / 0.380 / 0.381 / 0.375 / 0.378 against 0.387 with 40 utterances (eval/README.md)."""

    penalty: float = 5.0
    min_words: int = 800
    weight_cap: int = 20
    lexical: bool = True
    words_per_chapter: int | None = WORDS_PER_CHAPTER


def utterance_weights(texts: Sequence[str], cap: int) -> np.ndarray:
    """Words per utterance, capped: empty turns weigh 0, a backchannel little, a real turn `cap`."""
    return np.array([min(len(_WORD.findall(t)), cap) for t in texts], dtype=np.float64)


def _cost_matrix(vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """C[i, j]: weighted scatter of utterances i..j-1 around their weighted mean, for all i < j."""
    x = vectors.astype(np.float64)
    wx = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(weights[:, None] * x, axis=0)])
    w = np.concatenate([[0.0], np.cumsum(weights)])
    wsq = np.concatenate([[0.0], np.cumsum(weights * np.einsum("ij,ij->i", x, x))])
    gram = wx @ wx.T
    sq = np.diag(gram)
    span_w = w[None, :] - w[:, None]
    span_sq = sq[None, :] + sq[:, None] - 2 * gram
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = (wsq[None, :] - wsq[:, None]) - np.where(span_w > 0, span_sq / span_w, 0.0)
    result: np.ndarray = np.maximum(cost, 0.0)
    return result


def segment(
    vectors: np.ndarray,
    texts: Sequence[str],
    params: SegmentParams | None = None,
    count: int | None = None,
    words: np.ndarray | None = None,
) -> list[int]:
    """Chapter boundaries for one episode; `vectors` has one unit-normalised row per utterance, `words` the
    episode's `lexical_vectors` when the caller has them already.

    With `count`, exactly that many chapters (where the length allows); otherwise the penalty decides, but
    never fewer than the length prior (`words_per_chapter`) asks: the exact-count partition then."""
    params = params or SegmentParams()
    n = len(texts)
    if n != len(vectors):
        raise ValueError(f"{len(vectors)} vectors for {n} utterances")
    m = min_length(texts, params.min_words)
    if n < 2 * m or count == 1:
        return []
    weights = utterance_weights(texts, params.weight_cap)
    if weights.sum() == 0:
        return []
    x = np.asarray(vectors, dtype=np.float64)
    if params.lexical:
        x = np.hstack([x, lexical_vectors(texts) if words is None else words])
    cost = _cost_matrix(x, weights)
    if count is not None:
        return _best_of_count(cost, n, m, count)
    beta = params.penalty * cost[0, n] / max(1, int(np.count_nonzero(weights)))
    best = np.full(n + 1, np.inf)
    best[0] = -beta
    back = np.zeros(n + 1, dtype=np.int64)
    for j in range(m, n + 1):
        scores = best[: j - m + 1] + cost[: j - m + 1, j] + beta
        k = int(np.argmin(scores))
        best[j], back[j] = scores[k], k
    bounds = _trace(back, n)
    floor = length_prior(texts, params.words_per_chapter)
    if len(bounds) + 1 < floor:
        return _best_of_count(cost, n, m, floor)
    return bounds


def min_length(texts: Sequence[str], min_words: int) -> int:
    """Fewest utterances in a chapter: as many as hold `min_words` spoken words at this episode's mean
    (about five minutes of speech at 800), so that the floor means the same for short turns, sentence
    lines and long passages."""
    spoken = sum(len(_WORD.findall(t)) for t in texts)
    return max(2, round(min_words * len(texts) / max(1, spoken)))


def length_prior(texts: Sequence[str], words_per_chapter: int | None) -> int:
    """The fewest chapters an episode of this many words should have (0: no prior)."""
    if not words_per_chapter:
        return 0
    return round(sum(len(_WORD.findall(t)) for t in texts) / words_per_chapter)


def _trace(back: np.ndarray, n: int) -> list[int]:
    bounds, j = [], n
    while j > 0:
        j = int(back[j])
        if j > 0:
            bounds.append(j)
    return sorted(bounds)


def _best_of_count(cost: np.ndarray, n: int, m: int, count: int) -> list[int]:
    count = max(1, min(count, n // m))
    best = np.full(n + 1, np.inf)
    best[m:] = cost[0, m:]
    backs = []
    for _ in range(count - 1):
        nxt = np.full(n + 1, np.inf)
        back = np.zeros(n + 1, dtype=np.int64)
        for j in range(m, n + 1):
            scores = best[: j - m + 1] + cost[: j - m + 1, j]
            k = int(np.argmin(scores))
            nxt[j], back[j] = scores[k], k
        best = nxt
        backs.append(back)
    bounds, j = [], n
    for back in reversed(backs):
        j = int(back[j])
        bounds.append(j)
    return sorted(b for b in bounds if 0 < b < n)


def equal_segments(n: int, count: int) -> list[int]:
    """Baseline: `count` chapters of equal length (the gold count, in the evaluation)."""
    count = max(1, min(count, n))
    return sorted({round(n * c / count) for c in range(1, count)} - {0, n})


def texttiling(texts: Sequence[str], w: int = 20, k: int = 10) -> list[int]:
    """Baseline: Hearst's (1997) lexical TextTiling, block comparison, over the episode's utterances.

    Words (stop words and fillers dropped, stemmed as in `lexical_vectors`) are cut into pseudosentences of
    `w` tokens; each gap gets the cosine of the term counts of the `k` pseudosentences either side, smoothed
    (moving average, width 3); depth scores above mean - std/2 (Hearst's liberal cutoff) become boundaries,
    snapped to the utterance that holds the gap's first token. Written here rather than wrapping nltk's
    TextTilingTokenizer: that one ran 76 s per QMSum meeting and only snaps to breaks 100+ characters apart.
    """
    import Stemmer

    stop = english_stopwords(plus=True) | _FILLERS
    stemmer = Stemmer.Stemmer("english")
    tokens: list[str] = []
    owner: list[int] = []
    for index, text in enumerate(texts):
        words = stemmer.stemWords([x for x in _WORD.findall(text.lower()) if len(x) > 2 and x not in stop])
        tokens.extend(words)
        owner.extend([index] * len(words))
    count = len(tokens) // w
    if count < 3:
        return []
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(t, len(vocab)) for t in tokens[: count * w]])
    seqs = np.zeros((count, len(vocab)))
    np.add.at(seqs, (np.repeat(np.arange(count), w), ids), 1.0)
    cum = np.vstack([np.zeros((1, len(vocab))), np.cumsum(seqs, axis=0)])
    gaps = np.arange(1, count)
    left = cum[gaps] - cum[np.maximum(gaps - k, 0)]
    right = cum[np.minimum(gaps + k, count)] - cum[gaps]
    denom = np.sqrt((left**2).sum(1) * (right**2).sum(1))
    sims = np.divide((left * right).sum(1), denom, out=np.zeros(len(gaps)), where=denom > 0)
    smooth = np.convolve(np.pad(sims, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    depth = np.zeros_like(smooth)
    for i, s in enumerate(smooth):
        lpeak = s
        for v in smooth[i::-1]:
            if v < lpeak:
                break
            lpeak = v
        rpeak = s
        for v in smooth[i:]:
            if v < rpeak:
                break
            rpeak = v
        depth[i] = lpeak + rpeak - 2 * s
    cutoff = depth.mean() - depth.std() / 2
    bounds = set()
    for i in range(len(depth)):
        is_min = (i == 0 or smooth[i] <= smooth[i - 1]) and (
            i + 1 == len(smooth) or smooth[i] <= smooth[i + 1]
        )
        if is_min and depth[i] > cutoff:
            utterance = owner[gaps[i] * w]
            if 0 < utterance < len(texts):
                bounds.add(utterance)
    return sorted(bounds)


_FILLERS = SPEECH_FILLERS - {"gon"} | frozenset(
    {"bit", "get", "go", "going", "gonna", "good", "got", "hmm", "kind", "little", "lot", "mm", "right"}
    | {"said", "say", "see", "so", "sort", "thing", "things", "think", "well", "yes"}
)
"""Speech fillers, and the talk words that make a chapter's title say nothing ("thing", "going")."""


def lexical_vectors(texts: Sequence[str], min_count: int = 2, language: str | None = None) -> np.ndarray:
    """Unit tf-idf rows (sublinear tf, idf over the episode's utterances, stemmed, stop words and fillers
    dropped): the words a topic is about, which sentence embeddings of short spoken turns blur. `language`:
    the transcript's (`Episode.language`), whose own stop words and stemmer are used; None for English."""
    stop, stemmer = outline_words(language)
    stop, stem = stop | _FILLERS, word_stemmer(stemmer)
    docs = [stem([w for w in _WORD.findall(t.lower()) if len(w) > 2 and w not in stop]) for t in texts]
    df: dict[str, int] = {}
    for doc in docs:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1
    vocab = {term: i for i, term in enumerate(sorted(t for t, c in df.items() if c >= min_count))}
    out = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float64)
    for row, doc in enumerate(docs):
        for term in doc:
            col = vocab.get(term)
            if col is not None:
                out[row, col] += 1.0
    nz = out > 0
    out[nz] = 1.0 + np.log(out[nz])
    if vocab:
        ordered = sorted(vocab, key=lambda t: vocab[t])
        idf = np.log(len(texts) / np.array([df[t] for t in ordered], dtype=np.float64))
        out *= idf
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return unit
