"""Cohere adapter: embeddings, reranking, grounded streamed answers and query rewriting.

The only package of the project that imports `cohere`. Every SDK or transport failure leaves it as a
`ProviderError` whose message is written for the user and never carries the API key or request headers,
so callers can show it as is and fall back to offline mode.
"""

from __future__ import annotations

from .chat import CITATION_OPTIONS, CohereGenerator
from .client import (
    CLIENT_NAME,
    DEFAULT_BASE_URL,
    MAX_BACKOFF_SECONDS,
    SDK_ERRORS,
    backoff_delay,
    cap_retry_after,
    close_client,
    make_client,
    remember_key,
    retry_after_seconds,
    to_provider_error,
)
from .embed import EMBED_BATCH_SIZE, EMBED_WORKERS, KNOWN_DIMENSIONS, CohereEmbedder
from .rerank import CohereReranker, rerank_document
from .rewrite import CohereQueryRewriter

__all__ = [
    "CITATION_OPTIONS",
    "CLIENT_NAME",
    "DEFAULT_BASE_URL",
    "EMBED_BATCH_SIZE",
    "EMBED_WORKERS",
    "KNOWN_DIMENSIONS",
    "MAX_BACKOFF_SECONDS",
    "SDK_ERRORS",
    "CohereEmbedder",
    "CohereGenerator",
    "CohereQueryRewriter",
    "CohereReranker",
    "backoff_delay",
    "cap_retry_after",
    "close_client",
    "make_client",
    "remember_key",
    "rerank_document",
    "retry_after_seconds",
    "to_provider_error",
]
