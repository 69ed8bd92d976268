"""An answer made without a model, told the way a stream tells one: its text, then its citations."""

from __future__ import annotations

from collections.abc import Generator as Steps

from ..types import Answer, AnswerEvent


def told(answer: Answer) -> Steps[AnswerEvent, None, Answer]:
    """Yields the answer's text and then each citation, as a model's stream would; returns the answer."""
    yield AnswerEvent(kind="text", text=answer.text)
    for citation in answer.citations:
        yield AnswerEvent(kind="citation", citation=citation)
    return answer
