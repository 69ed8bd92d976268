"""Fakes at the level of our own contracts
(like llm's MockModel), injected through `Assistant.from_settings`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from assistant import Answer, AnswerEvent, Citation, Hit, Turn


@dataclass
class FakeGenerator:
    """A hosted-looking generator: yields the enqueued chunks as text deltas and cites the first hit.

    `calls` records what each question was answered from; `between` runs after every chunk is yielded,
    so a test can look at what the caller has shown so far.
    """

    mode: str = "hosted"
    model: str | None = "fake-model"
    replies: list[list[str]] = field(default_factory=list)
    calls: list[tuple[str, tuple[Hit, ...], tuple[Turn, ...]]] = field(default_factory=list)
    between: Callable[[str], None] | None = None

    def enqueue(self, *chunks: str) -> FakeGenerator:
        self.replies.append(list(chunks))
        return self

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> Iterator[AnswerEvent]:
        self.calls.append((question, tuple(hits), tuple(history)))
        chunks = self.replies.pop(0) if self.replies else ["No reply was enqueued."]
        for chunk in chunks:
            yield AnswerEvent(kind="text", text=chunk)
            if self.between:
                self.between(chunk)
        text = "".join(chunks)
        citations: tuple[Citation, ...] = ()
        if hits and text:
            first = chunks[0]
            citations = (Citation(start=0, end=len(first), text=first, utterances=(hits[0].utterance,)),)
            yield AnswerEvent(kind="citation", citation=citations[0])
        answer = Answer(text=text, citations=citations, mode="hosted", model=self.model)  # type: ignore[arg-type]
        yield AnswerEvent(kind="done", answer=answer)
