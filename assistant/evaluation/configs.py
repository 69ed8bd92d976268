"""The configurations `assistant eval` compares, by name.
Each is a RetrievalConfig plus how answers are made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from assistant import RetrievalConfig


@dataclass(frozen=True)
class Configuration:
    name: str
    description: str
    retrieval: RetrievalConfig
    hosted: bool = False
    """Cohere rerank, grounded chat and follow-up rewriting (needs a key, or replay fixtures)."""
    local_rerank: bool = False
    """The offline second stage named by ASSISTANT_LOCAL_RERANK (a cross-encoder or `embed:MODEL`)."""

    def fields(self) -> dict[str, object]:
        return {**asdict(self.retrieval), "hosted": self.hosted, "local_rerank": self.local_rerank}


def _all() -> dict[str, Configuration]:
    base = RetrievalConfig()  # the product's default: whatever the retrieval work made best
    items = [
        Configuration("bm25", "BM25 only (lexical), offline answer", replace(base, use_dense=False)),
        Configuration("dense", "dense vectors only, offline answer", replace(base, use_lexical=False)),
        Configuration("hybrid", "the product default: BM25 + dense fused, offline answer", base),
        Configuration(
            "hybrid-no-late",
            "hybrid without late interaction: the first stage's order",
            replace(base, late_interaction=False),
        ),
        Configuration(
            "hybrid-w0", "hybrid, no neighbouring utterances as context", replace(base, context_window=0)
        ),
        Configuration(
            "hybrid-w2",
            "hybrid, two neighbouring utterances each side as context",
            replace(base, context_window=2),
        ),
        Configuration(
            "hybrid-hnsw",
            "hybrid, filtered dense candidates from Chroma's HNSW instead of exact cosine",
            replace(base, exact_filtered_dense=False),
        ),
        Configuration(
            "hybrid+local-rerank",
            "hybrid + the offline second stage of ASSISTANT_LOCAL_RERANK, offline answer",
            base,
            local_rerank=True,
        ),
        Configuration(
            "hybrid+rerank", "hybrid + Cohere rerank, Cohere grounded chat answer", base, hosted=True
        ),
    ]
    return {c.name: c for c in items}


CONFIGURATIONS = _all()
DEFAULT_CONFIGS = tuple(CONFIGURATIONS)
HOSTED_CONFIGS = tuple(name for name, c in CONFIGURATIONS.items() if c.hosted)


def get(name: str) -> Configuration:
    try:
        return CONFIGURATIONS[name]
    except KeyError:
        raise KeyError(f"unknown configuration {name!r}; choose from {', '.join(CONFIGURATIONS)}") from None
