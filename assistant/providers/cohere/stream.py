"""Rebuilding one streamed answer from SDK events, with its citations resolved to retrieved utterances."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import ProviderError
from ...types import Answer, Citation, Hit, Usage, Utterance
from .client import clean
from .fields import field, path

log = logging.getLogger(__package__)


@dataclass
class _Raw:
    start: Any
    end: Any
    text: Any
    sources: Any
    content_index: Any
    type: Any


class StreamState:
    """Rebuilds one streamed answer: text of `text` content items, citations, and the message-end."""

    def __init__(self, hits: Sequence[Hit]) -> None:
        self._hits = tuple(hits)
        self._by_id = {h.utterance.id: h.utterance for h in hits}
        self._types: dict[int, str] = {}
        self._base: dict[int, int] = {}
        self._parts: list[str] = []
        self._length = 0
        self._citations: list[_Raw] = []
        self.ended = False
        self._finish_reason: str | None = None
        self._error: str | None = None
        self._usage: Any = None

    def feed(self, event: Any) -> str:
        """Take one SDK event; return the answer text it adds (possibly empty)."""
        kind = field(event, "type")
        index = field(event, "index")
        if kind == "content-start":
            content = path(event, "delta", "message", "content")
            self._types[index] = field(content, "type") or "text"
            return self._text(index, field(content, "text"))
        if kind == "content-delta":
            if self._types.get(index, "text") != "text":
                return ""
            return self._text(index, path(event, "delta", "message", "content", "text"))
        if kind == "citation-start":
            raw = path(event, "delta", "message", "citations")
            if isinstance(raw, list):  # the wire sends one citation; tolerate a list anyway
                self._citations += [self._raw(c) for c in raw]
            elif raw is not None:
                self._citations.append(self._raw(raw))
        elif kind == "message-end":
            delta = field(event, "delta")
            self.ended = True
            self._finish_reason = field(delta, "finish_reason")
            self._error = field(delta, "error")
            self._usage = field(delta, "usage")
        return ""

    def _text(self, index: Any, text: Any) -> str:
        if not isinstance(text, str) or not text:
            return ""
        self._base.setdefault(index, self._length)
        self._parts.append(text)
        self._length += len(text)
        return text

    @staticmethod
    def _raw(c: Any) -> _Raw:
        return _Raw(*(field(c, k) for k in ("start", "end", "text", "sources", "content_index", "type")))

    def finish(self, model: str | None) -> Answer:
        if not self.ended:
            raise ProviderError(
                "Cohere's answer stream ended early (no message-end); the answer is incomplete"
            )
        if self._error or self._finish_reason in ("ERROR", "TIMEOUT"):
            why = clean(str(self._error)) if self._error else self._finish_reason
            raise ProviderError(f"Cohere could not finish the answer ({why})")
        text = "".join(self._parts)
        if not text.strip():
            raise ProviderError("Cohere returned an empty answer")
        notice = None
        if self._finish_reason == "MAX_TOKENS":
            notice = "The answer reached the model's length limit and may stop mid-sentence."
        citations = self._resolve_all(text)
        return Answer(
            text=text,
            citations=citations,
            mode="hosted",
            refused=not citations,
            hits=self._hits,
            usage=self._usage_of(),
            model=model,
            notice=notice,
        )

    def _usage_of(self) -> Usage:
        for part in ("tokens", "billed_units"):
            counts = field(self._usage, part)
            inp, out = field(counts, "input_tokens"), field(counts, "output_tokens")
            if isinstance(inp, (int, float)) or isinstance(out, (int, float)):
                return Usage(input_tokens=int(inp or 0), output_tokens=int(out or 0))
        return Usage()

    def _resolve_all(self, text: str) -> tuple[Citation, ...]:
        merged: dict[tuple[int, int], list[Utterance]] = {}
        for raw in self._citations:
            resolved = self._resolve(raw, text)
            if resolved is None:
                continue
            span, utterances = resolved
            bucket = merged.setdefault(span, [])
            bucket += [u for u in utterances if u not in bucket]
        return tuple(
            Citation(start, end, text[start:end], tuple(us)) for (start, end), us in sorted(merged.items())
        )

    def _resolve(self, raw: _Raw, text: str) -> tuple[tuple[int, int], list[Utterance]] | None:
        if raw.type in ("THINKING_CONTENT", "PLAN"):
            return None
        if raw.content_index is not None and self._types.get(raw.content_index, "text") != "text":
            return None
        utterances: list[Utterance] = []
        for source in raw.sources or []:
            doc_id = field(source, "id") or path(source, "document", "id")
            utterance = self._by_id.get(doc_id) if field(source, "type") in (None, "document") else None
            if utterance is None:
                log.warning("Dropping a citation source that is not a retrieved utterance: %r", doc_id)
            elif utterance not in utterances:
                utterances.append(utterance)
        if not utterances:
            return None
        base = self._base.get(raw.content_index, 0) if raw.content_index is not None else 0
        start = raw.start + base if isinstance(raw.start, int) else None
        end = raw.end + base if isinstance(raw.end, int) else None
        span = locate(text, start, end, raw.text if isinstance(raw.text, str) else None)
        if span is None:
            log.warning(
                "Dropping a citation whose span %r..%r does not match the answer text", raw.start, raw.end
            )
            return None
        return span, utterances


def locate(answer: str, start: int | None, end: int | None, cited: str | None) -> tuple[int, int] | None:
    """Trust the offsets when they select the cited text; otherwise find that text nearest to them."""
    if (
        start is not None
        and end is not None
        and 0 <= start < end <= len(answer)
        and (cited is None or answer[start:end] == cited)
    ):
        return start, end
    if not cited or not cited.strip():
        return None
    cited = cited.strip()
    positions = [m.start() for m in re.finditer(re.escape(cited), answer)]
    if not positions:
        return None
    best = min(positions, key=lambda p: abs(p - (start or 0)))
    return best, best + len(cited)
