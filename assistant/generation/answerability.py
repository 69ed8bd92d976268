"""Does anything retrieved answer the question? A logistic model on the top hits' scores, fitted per embedder.

Cosines and BM25 scores mean different things under different embedders, so no threshold is set by hand:
`eval/fit_answerability.py` fits the weights on answerable and unanswerable dev questions and writes them,
with the refusal rates it measured, to `answerability.json` beside this module, one entry per embedder name.
An embedder with no entry of its own gets the `lexical` entry, fitted on features no embedder shapes.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from ..text import tokenize
from ..types import Hit

if TYPE_CHECKING:
    from ..retrieval.coverage import WordCounts

log = logging.getLogger(__name__)

TOP = 5
"""How many of the best hits the features look at (the answer quotes from no deeper)."""

FEATURES = (
    "own_max",
    "turn_share",
    "window_share",
    "coverage",
    "top_coverage",
    "gap",
    "absent",
    "absent_weight",
    "unknown_name",
)
LEXICAL_FEATURES = (
    "turn_share",
    "window_share",
    "coverage",
    "top_coverage",
    "absent",
    "absent_weight",
    "unknown_name",
)
FALLBACK = "lexical"
SAVED = "answerability.json"


def _idf(used: int, utterances: int) -> float:
    """BM25's (Lucene's) inverse document frequency, the weight bm25s gives a word."""
    return math.log(1 + (utterances - used + 0.5) / (used + 0.5))


def features(question: str, hits: Sequence[Hit], words: WordCounts | None = None) -> dict[str, float]:
    """What the fitted model reads: how close the best hits are, by meaning and by words.

    `coverage` is the share of the question's content words found in the top hits (with their context),
    `top_coverage` the same for the best single hit. BM25 scores are divided by the question's total word
    weight (the sum of its words' IDF), so long and short questions, small and large libraries compare.
    `absent` is the share of the question's words the searched transcripts never use, `absent_weight` their
    share of the word weight: "revenue" in a podcast that never mentions revenue says more than any score.
    `unknown_name` is 1 when the question writes a word with a capital (past its first word) that the searched
    transcripts, speakers and details never use: a question about Melanie cannot be answered from talk that
    never names her, however close the cosine of "What did Melanie think…" to other turns. Without `words`
    (`retrieval.coverage.word_counts`), BM25 is divided by the number of words instead."""
    terms = set(tokenize(question))
    top = list(hits[:TOP])
    n = max(len(terms), 1)
    found: set[str] = set()
    best_single = 0.0
    for hit in top:
        said = set(tokenize(" ".join(u.text for u in (hit.utterance, *hit.context))))
        found |= terms & said
        best_single = max(best_single, len(terms & said) / n)
    fused = [h.score for h in top]
    weights = {w: _idf(used, words.utterances) for w, used in words.library.items()} if words else {}
    mass = sum(weights.values()) or n
    absent = words.absent if words else []
    return {
        "own_max": max((h.scores.get("own", 0.0) for h in top), default=0.0),
        "turn_share": max((h.scores.get("turn", 0.0) for h in top), default=0.0) / mass,
        "window_share": max((h.scores.get("window", 0.0) for h in top), default=0.0) / mass,
        "coverage": len(found) / n if terms else 0.0,
        "top_coverage": best_single if terms else 0.0,
        "gap": (fused[0] - fused[-1]) / fused[0] if len(fused) > 1 and fused[0] > 0 else 0.0,
        "absent": len(absent) / len(words.scope) if words and words.scope else 0.0,
        "absent_weight": sum(weights.get(w, 0.0) for w in absent) / mass if weights else 0.0,
        "unknown_name": float(bool(words and words.unknown_names(question))),
    }


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardised features, weights and a bias; answerable when the probability reaches `threshold`."""

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, question: str, hits: Sequence[Hit], words: WordCounts | None = None) -> float:
        if not hits:
            return 0.0
        values = features(question, hits, words)
        z = self.bias + sum(
            w * (values[f] - m) / s
            for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def answerable(self, question: str, hits: Sequence[Hit], words: WordCounts | None = None) -> bool:
        return self.probability(question, hits, words) >= self.threshold

    @classmethod
    def from_dict(cls, name: str, data: dict[str, object]) -> AnswerabilityModel:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        names = data["features"]
        assert isinstance(names, list)
        return cls(
            name=name,
            features=tuple(str(n) for n in names),
            mean=floats("mean"),
            scale=floats("scale"),
            weights=floats("weights"),
            bias=float(data["bias"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }


@cache
def _saved() -> dict[str, dict[str, object]]:
    path = resources.files(__package__).joinpath(SAVED)
    if not path.is_file():
        return {}
    models = json.loads(path.read_text(encoding="utf-8")).get("models", {})
    assert isinstance(models, dict)
    return models


def _same_vectors(embedder_name: str) -> list[str]:
    """Names under which the same vectors were fitted: `fastembed:M` (fetched) and `onnx:M` (a local folder)
    run the same model files, so a model fitted for one serves the other."""
    kind, _, model = embedder_name.partition(":")
    if kind not in _LOCAL_KINDS:
        return [embedder_name]
    return [embedder_name, *(f"{other}:{model}" for other in _LOCAL_KINDS if other != kind)]


_LOCAL_KINDS = ("fastembed", "onnx")


def model_for(embedder_name: str) -> AnswerabilityModel | None:
    """The model fitted for this embedder (e.g. `onnx:all-MiniLM-L6-v2`), else the lexical one, else None."""
    saved = _saved()
    for name in (*_same_vectors(embedder_name), FALLBACK):
        if name not in saved:
            continue
        unknown = set(saved[name].get("features", [])) - set(FEATURES)  # type: ignore[call-overload]
        if unknown:
            log.warning("%s: model %r reads unknown features %s; refit it", SAVED, name, sorted(unknown))
            return None
        return AnswerabilityModel.from_dict(name, saved[name])
    return None
