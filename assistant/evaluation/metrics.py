"""Metric functions: pure, deterministic, no I/O. Rankings are lists of utterance keys, best first."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from assistant import tokenize

# ---- retrieval ------------------------------------------------------------------------------------------


def first_rank(ranking: Sequence[Hashable], gold: AbstractSet[Hashable]) -> int | None:
    """1-based rank of the first gold item, or None."""
    for rank, item in enumerate(ranking, start=1):
        if item in gold:
            return rank
    return None


def hit_at(ranking: Sequence[Hashable], gold: AbstractSet[Hashable], k: int) -> float:
    return 1.0 if any(item in gold for item in ranking[:k]) else 0.0


def recall_at(ranking: Sequence[Hashable], gold: AbstractSet[Hashable], k: int) -> float:
    if not gold:
        return 0.0
    return len(gold & set(ranking[:k])) / len(gold)


def reciprocal_rank(ranking: Sequence[Hashable], gold: AbstractSet[Hashable], k: int = 10) -> float:
    rank = first_rank(ranking[:k], gold)
    return 1.0 / rank if rank else 0.0


def ndcg_at(ranking: Sequence[Hashable], gold: AbstractSet[Hashable], k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts min(|gold|, k) gold items first."""
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, item in enumerate(ranking[:k], start=1) if item in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


# ---- text -----------------------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n")
_WORD = re.compile(r"\w+", re.UNICODE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (split at . ! ? followed by space, and at line breaks)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        spans.append((start, match.start() if match.group(0) == "\n" else match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def claim_sentences(text: str, ignore: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Sentences that state something:
    not boilerplate (`ignore`), not a label line ending in ':', 3+ words."""
    spans = sentence_spans(text)
    blocked: list[tuple[int, int]] = []
    for phrase in ignore:
        phrase = phrase.strip()
        if not phrase:
            continue
        at = text.find(phrase)
        while at >= 0:
            blocked.append((at, at + len(phrase)))
            at = text.find(phrase, at + 1)
    kept = []
    for s, e in spans:
        piece = text[s:e]
        if piece.rstrip().endswith(":"):
            continue
        if len(_WORD.findall(piece)) < 3:
            continue
        if any(bs <= s and e <= be for bs, be in blocked):
            continue
        kept.append((s, e))
    return kept


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def cited_sentence_share(
    text: str, citation_spans: Sequence[tuple[int, int]], ignore: Iterable[str] = ()
) -> float | None:
    """Share of claim sentences that overlap at least one citation span; None when there are no claims."""
    sentences = claim_sentences(text, ignore)
    if not sentences:
        return None
    covered = sum(1 for s in sentences if any(overlaps(s, c) for c in citation_spans))
    return covered / len(sentences)


def sentence_around(text: str, span: tuple[int, int]) -> str:
    """The sentence(s) of `text` that a citation span touches."""
    parts = [text[s:e] for s, e in sentence_spans(text) if overlaps((s, e), span)]
    return " ".join(parts) if parts else text[span[0] : span[1]]


_ATTRIBUTION_WORDS = (
    "said",
    "says",
    "say",
    "saying",
    "told",
    "according",
    "speaker",
    "unattributed",
    "inferred",
)


@lru_cache(maxsize=1)
def _attribution() -> frozenset[str]:
    return frozenset(t for w in _ATTRIBUTION_WORDS for t in tokenize(w))


def lexical_support(sentence: str, sources: Sequence[str]) -> float:
    """Share of the sentence's content words (stemmed, stop words dropped) that occur in the cited sources.

    1.0 for a verbatim quote; a paraphrase scores lower, an unrelated sentence near 0. Attribution words
    ("said", "according", "Unattributed speaker") are not claims and are left out.
    """
    words = set(tokenize(sentence)) - _attribution()
    if not words:
        return 1.0
    source_words: set[str] = set()
    for source in sources:
        source_words.update(tokenize(source))
    return len(words & source_words) / len(words)


# ---- answers --------------------------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "“”‘’")


def normalise_answer(text: str) -> list[str]:
    """SQuAD normalisation: lower case, no punctuation or articles, split on whitespace."""
    text = text.lower().translate(_PUNCT)
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalise_answer(prediction), normalise_answer(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=1)
def _rouge():  # type: ignore[no-untyped-def]
    import logging

    from rouge_score import rouge_scorer

    # rouge-score logs through absl, which calls logging.basicConfig() when the root logger has no handler and
    # so would switch on every library's log output for the rest of the process; a placeholder handler avoids
    # it.
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder:
        root.addHandler(placeholder)
    try:
        return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    finally:
        if placeholder:
            root.removeHandler(placeholder)


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (rouge-score, Porter stemming)."""
    if not prediction.strip() or not reference.strip():
        return 0.0
    return float(_rouge().score(reference, prediction)["rougeL"].fmeasure)


def best_against(prediction: str, references: Sequence[str]) -> tuple[float, float]:
    """(ROUGE-L, token F1), each the best over the references."""
    return (max(rouge_l(prediction, r) for r in references), max(token_f1(prediction, r) for r in references))


# ---- aggregation ----------------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
