"""Grounded answers streamed from `/v2/chat`, with our own retries (the SDK never retries a stream)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import cohere

from ...errors import ProviderError
from ...generation.context import documents_for, originals_first, with_replies
from ...prompts import load_prompt
from ...types import AnswerEvent, Hit, Mode, Turn
from .client import SDK_ERRORS, backoff_delay, remember_key, to_provider_error
from .stream import StreamState

log = logging.getLogger(__package__)

CITATION_OPTIONS: Mapping[str, str] = {"mode": "FAST"}
"""Command A supports only FAST/OFF; the spelling the live API accepts is unverified, so it lives here only.
"""


class CohereGenerator:
    """Generator protocol over streamed `/v2/chat` with the hits as documents.

    Transcript text goes only into `documents` (never the system or user message), so the model treats it
    as citable data. Citations come back as document ids, which are our utterance ids.
    """

    mode: Mode = "hosted"

    def __init__(
        self,
        client: cohere.ClientV2,
        model: str,
        prompts_dir: Path,
        max_retries: int = 2,
        *,
        temperature: float = 0.3,
        max_tokens: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        remember_key(client)
        self._client = client
        self.model: str | None = model
        self._system = load_prompt(prompts_dir, "system")
        self._max_retries = max(0, max_retries)
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._sleep = sleep

    def request(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> dict[str, Any]:
        """The chat_stream keyword arguments (public so tests and debugging can see what is sent)."""
        messages: list[dict[str, str]] = [{"role": "system", "content": self._system}]
        messages += [{"role": t.role, "content": t.content} for t in history if t.content.strip()]
        messages.append({"role": "user", "content": question})
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "citation_options": dict(CITATION_OPTIONS),
            "temperature": self._temperature,
        }
        if hits:
            request["documents"] = documents_for(_sent(hits))
        if self._max_tokens:
            request["max_tokens"] = self._max_tokens
        return request

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> Iterator[AnswerEvent]:
        hits = _sent(hits)
        request = self.request(question, hits, history)
        attempt = 0
        while True:
            state = StreamState(with_replies(hits))
            started = False
            events: Any = None
            try:
                events = self._client.chat_stream(**request)
                for event in events:
                    delta = state.feed(event)
                    if delta:
                        started = True
                        yield AnswerEvent(kind="text", text=delta)
                break
            except SDK_ERRORS as exc:
                error = to_provider_error(exc)
                if started:
                    raise ProviderError(
                        f"The answer stream broke off midway: {error}",
                        status=error.status,
                        retryable=error.retryable,
                    ) from None
                if not error.retryable or attempt >= self._max_retries:
                    raise error from None
                delay = backoff_delay(getattr(exc, "headers", None) or {}, attempt)
                attempt += 1
                log.warning(
                    "%s; retrying in %.2f s (attempt %d of %d)",
                    error,
                    delay,
                    attempt + 1,
                    1 + self._max_retries,
                )
                self._sleep(delay)
            finally:
                close = getattr(events, "close", None)
                if callable(close):
                    close()
        answer = state.finish(self.model)
        for citation in answer.citations:
            yield AnswerEvent(kind="citation", citation=citation)
        yield AnswerEvent(kind="done", answer=answer)


def _sent(hits: Sequence[Hit]) -> list[Hit]:
    """Each utterance once, and a cold open's replay of a line not beside the turn it replays: the model
    cites where the line was said (`documents_for` adds each question's reply, `with_replies`)."""
    return originals_first(_unique(hits))


def _unique(hits: Sequence[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out: list[Hit] = []
    for hit in hits:
        if hit.utterance.id not in seen:
            seen.add(hit.utterance.id)
            out.append(hit)
    return out
