"""The local models the assistant knows: where each lives on the hub, what it costs, and how to call it.

The hub repository and file names come from fastembed's own model list (`library`), so a fetch gets exactly
the files the library loads; this catalog adds what the library does not say: our short names, languages,
prompts, pooling, the token limit we embed with, and known checksums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["embed", "rerank"]


@dataclass(frozen=True)
class ModelSpec:
    key: str
    """The name people type (`assistant models fetch KEY`) and the store records (`fastembed:KEY`)."""
    kind: Kind
    library: str
    """fastembed's model name; its description gives the hub repository and the model files."""
    size_gb: float
    licence: str
    languages: str
    dimension: int = 0
    query_prompt: str = ""
    document_prompt: str = ""
    pooling: Literal["mean", "cls", "none"] = "mean"
    """`none`: the graph already pools and normalises; `output` names the tensor to read."""
    output: str | None = None
    max_tokens: int = 256
    pad_token: str = "[PAD]"
    sha256: dict[str, str] = field(default_factory=dict)
    """Known checksums of hub files (path in the repository -> sha256), checked on top of the hub's etags."""
    relevance_floor: float | None = None
    """Cosine above which a hit counts as relevant with no shared word (None: never on cosine alone)."""
    speaker_documents: bool = False
    """Embed a labelled utterance with its speaker's name (`index.embedders.SPEAKER_DOCUMENTS`): set where the
    search measured better so (eval/MODELS.md)."""
    late_interaction: bool = False
    """Re-rank a search's labelled candidates by late interaction over this model's token vectors
    (`rerank.LateInteraction`): set where measured better on FriendsQA and QMSum (eval/RETRIEVAL.md)."""
    fusion: dict[str, float] = field(default_factory=dict)
    """RetrievalConfig weights this model ranks best with, where they differ from the defaults; set only when
    measured better on FriendsQA, QMSum and the seed questions alike (eval/MODELS.md)."""
    note: str = ""


CATALOG: dict[str, ModelSpec] = {
    m.key: m
    for m in (
        ModelSpec(
            "all-MiniLM-L6-v2",
            "embed",
            "sentence-transformers/all-MiniLM-L6-v2",
            0.09,
            "Apache-2.0",
            "English",
            dimension=384,
            relevance_floor=0.55,
            late_interaction=True,
            note="small and fast; the first-use default",
        ),
        ModelSpec(
            "nomic-embed-text-v1.5-Q",
            "embed",
            "nomic-ai/nomic-embed-text-v1.5-Q",
            0.13,
            "Apache-2.0",
            "English",
            dimension=768,
            query_prompt="search_query: ",
            document_prompt="search_document: ",
            max_tokens=512,
            speaker_documents=True,
            fusion={"weight_dense": 3.0, "own_weight": 1.0},
            note="int8; stronger than MiniLM, several times slower",
        ),
        ModelSpec(
            "nomic-embed-text-v1.5",
            "embed",
            "nomic-ai/nomic-embed-text-v1.5",
            0.52,
            "Apache-2.0",
            "English",
            dimension=768,
            query_prompt="search_query: ",
            document_prompt="search_document: ",
            max_tokens=512,
            speaker_documents=True,  # measured with the -Q file: the same model
            fusion={"weight_dense": 3.0, "own_weight": 1.0},
        ),
        ModelSpec(
            "embeddinggemma-300m",
            "embed",
            "google/embeddinggemma-300m",
            1.24,
            "Gemma Terms of Use",
            "100+ languages",
            dimension=768,
            query_prompt="task: search result | query: ",
            document_prompt="title: none | text: ",
            pooling="none",
            output="sentence_embedding",
            max_tokens=512,
            pad_token="<pad>",
            speaker_documents=True,
            fusion={"weight_dense": 3.0, "own_weight": 1.0},
            note="multilingual; slowest to ingest",
        ),
        ModelSpec(
            "ms-marco-MiniLM-L-6-v2",
            "rerank",
            "Xenova/ms-marco-MiniLM-L-6-v2",
            0.08,
            "Apache-2.0",
            "English",
            max_tokens=512,
            note="cross-encoder reranker",
        ),
        ModelSpec(
            "bge-reranker-v2-m3-int8",
            "rerank",
            "BAAI/bge-reranker-v2-m3-int8",
            0.57,
            "Apache-2.0",
            "100+ languages",
            max_tokens=512,
            pad_token="<pad>",
            note="multilingual cross-encoder reranker",
        ),
    )
}

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
ALIASES = {"minilm": "all-MiniLM-L6-v2", "nomic": "nomic-embed-text-v1.5-Q", "gemma": "embeddinggemma-300m"}


def spec(name: str) -> ModelSpec:
    """The catalog entry for a key, an alias or fastembed's name of the model."""
    key = ALIASES.get(name.lower(), name)
    if key in CATALOG:
        return CATALOG[key]
    for entry in CATALOG.values():
        if entry.library.lower() == name.lower():
            return entry
    raise KeyError(f"unknown model {name!r}; `assistant models` lists the known ones: {', '.join(CATALOG)}")


def reads_english_only(embedder: object) -> bool:
    """Whether an embedder finds passages by meaning in English only: a catalog model listed as English,
    the hashing fallback (words, no meaning), or a Cohere English model. Unknown embedders are not judged."""
    model = getattr(embedder, "model", None)
    if isinstance(model, ModelSpec):
        return model.languages == "English"
    kind, _, rest = str(getattr(embedder, "name", "")).partition(":")
    return kind == "hashing" or (kind == "cohere" and "english" in rest)


def multilingual_embedder() -> str:
    """The catalog's multilingual embedding model, to name in advice."""
    return next(m.key for m in CATALOG.values() if m.kind == "embed" and m.languages != "English")
