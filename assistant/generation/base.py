"""The generator contract: hosted and offline implementations are peers behind it."""

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
