"""What retrieval asks of the parts plugged into it; hosted and offline versions are peers behind it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..types import Hit, Turn


class QueryRewriter(Protocol):
    """Turns a follow-up question into a standalone search query using the conversation so far."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str: ...


class Reranker(Protocol):
    name: str

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]: ...
