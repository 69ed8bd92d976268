"""The generator and reranker contracts: hosted and offline implementations are peers behind them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from ..types import AnswerEvent, Hit, Mode, Turn


class Generator(Protocol):
    """Writes an answer from retrieved hits. Yields text deltas, then citations, then one `done` event.

    Every citation it yields must resolve to utterances among `hits`.
    """

    mode: Mode
    model: str | None

    def stream(
        self, question: str, hits: Sequence[Hit], history: Sequence[Turn]
    ) -> Iterator[AnswerEvent]: ...


class QueryRewriter(Protocol):
    """Turns a follow-up question into a standalone search query using the conversation so far."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str: ...


class Reranker(Protocol):
    name: str

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]: ...
