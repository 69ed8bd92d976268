"""A fake Cohere HTTP API on `httpx.MockTransport`, so tests drive the real `cohere` SDK offline.

    fake = FakeCohere()
    fake.stream_answer = ("Ana says it grew.", [(0, 16, ["ep1#000003"])])   # default reply of chat_stream
    fake.queue("chat_stream", error_response(429))                          # one-shot replies come first
    generator = CohereGenerator(fake.client(), "command-a-03-2025", prompts_dir)
    fake.bodies("chat_stream")[0]["documents"]                              # what the SDK sent

Routes: "chat" and "chat_stream" (both POST /v2/chat, told apart by the "stream" flag), "embed", "rerank".
With nothing queued, each route answers with a plausible default built from the request, so UI and eval
tests can run whole conversations against it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cohere
import httpx

from assistant.config import Settings

FIXTURES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "cohere"
BASE_URL = "https://cohere.test"
API_KEY = "test-key"
ROUTES = ("chat", "chat_stream", "embed", "rerank")

CitationSpec = tuple[int, int, Sequence[str]]
"""(start, end, document ids): a citation of `text[start:end]` resting on those documents."""
Handler = Callable[[httpx.Request, dict[str, Any]], httpx.Response]
Reply = httpx.Response | Handler


def fixture_path(name: str) -> Path:
    return FIXTURES_DIR / name


def has_fixtures() -> bool:
    return FIXTURES_DIR.is_dir()


def load_fixture(name: str) -> Any:
    """JSON fixtures parsed, text fixtures as str."""
    text = fixture_path(name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


# --- bodies ------------------------------------------------------------------------------------------


def citation_dict(
    text: str, spec: CitationSpec, documents: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    start, end, ids = spec
    return {
        "start": start,
        "end": end,
        "text": text[start:end],
        "sources": [
            {"type": "document", "id": i, "document": {"id": i, **(documents or {}).get(i, {})}} for i in ids
        ],
        "type": "TEXT_CONTENT",
    }


def usage_dict(input_tokens: int = 120, output_tokens: int = 30) -> dict[str, Any]:
    return {
        "billed_units": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        "tokens": {"input_tokens": input_tokens + 1000, "output_tokens": output_tokens + 10},
    }


def answer_events(
    text: str,
    citations: Sequence[CitationSpec] = (),
    *,
    chunk_words: int = 3,
    finish_reason: str = "COMPLETE",
    usage: dict[str, Any] | None = None,
    thinking: str | None = None,
    message_end: bool = True,
    error: str | None = None,
    documents: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The events of one grounded streamed answer, in the order the API sends them.

    `thinking` adds a thinking content item first (index 0), as reasoning models do; citation offsets stay
    relative to the text item. `message_end=False` simulates a stream cut short.
    """
    events: list[dict[str, Any]] = [
        {
            "type": "message-start",
            "id": "fake-message",
            "delta": {
                "message": {
                    "role": "assistant",
                    "content": [],
                    "tool_plan": "",
                    "tool_calls": [],
                    "citations": [],
                }
            },
        }
    ]
    index = 0
    if thinking is not None:
        events += [
            {
                "type": "content-start",
                "index": 0,
                "delta": {"message": {"content": {"type": "thinking", "thinking": ""}}},
            },
            {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"thinking": thinking}}}},
            {"type": "content-end", "index": 0},
        ]
        index = 1
    events.append(
        {
            "type": "content-start",
            "index": index,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        }
    )
    events += [
        {"type": "content-delta", "index": index, "delta": {"message": {"content": {"text": piece}}}}
        for piece in split_text(text, chunk_words)
    ]
    for n, spec in enumerate(citations):
        cite = citation_dict(text, spec, documents)
        cite["content_index"] = index
        events += [
            {"type": "citation-start", "index": n, "delta": {"message": {"citations": cite}}},
            {"type": "citation-end", "index": n},
        ]
    events.append({"type": "content-end", "index": index})
    if message_end:
        delta: dict[str, Any] = {"finish_reason": finish_reason, "usage": usage or usage_dict()}
        if error:
            delta["error"] = error
        events.append({"type": "message-end", "delta": delta})
    return events


def split_text(text: str, words: int = 3) -> list[str]:
    """Deltas of a few words each; joined they give `text` back exactly."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), max(1, words))] or [text]


def sse_bytes(
    events: Iterable[dict[str, Any] | str], *, event_lines: bool = True, done: bool = False
) -> bytes:
    """Server-sent events as the API writes them; a str item is sent as a raw data line."""
    out: list[str] = []
    for event in events:
        if isinstance(event, str):
            out.append(f"data: {event}\n\n")
            continue
        head = f"event: {event['type']}\n" if event_lines and "type" in event else ""
        out.append(f"{head}data: {json.dumps(event)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def sse_response(
    events: Iterable[dict[str, Any] | str] | bytes | str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = (
        events.encode()
        if isinstance(events, str)
        else events
        if isinstance(events, bytes)
        else sse_bytes(events)
    )
    return httpx.Response(200, headers={"content-type": "text/event-stream", **(headers or {})}, content=body)


def chat_body(
    text: str,
    citations: Sequence[CitationSpec] = (),
    *,
    finish_reason: str = "COMPLETE",
    thinking: str | None = None,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = (
        [{"type": "thinking", "thinking": thinking}] if thinking is not None else []
    )
    content.append({"type": "text", "text": text})
    return {
        "id": "fake-chat",
        "message": {
            "role": "assistant",
            "content": content,
            "citations": [citation_dict(text, c) for c in citations] or None,
        },
        "finish_reason": finish_reason,
        "usage": usage_dict(),
    }


def embed_body(vectors: Sequence[Sequence[float]], texts: Sequence[str] | None = None) -> dict[str, Any]:
    return {
        "id": "fake-embed",
        "embeddings": {"float": [list(v) for v in vectors]},
        "texts": list(texts) if texts is not None else None,
        "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 10}},
        "response_type": "embeddings_by_type",
    }


def rerank_body(results: Sequence[tuple[int, float]]) -> dict[str, Any]:
    return {
        "id": "fake-rerank",
        "results": [{"index": i, "relevance_score": s} for i, s in results],
        "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}},
    }


def error_response(
    status: int, message: str | None = None, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An API error;
    429 and 5xx get `retry-after-ms: 1` unless told otherwise, so retries in tests take no time."""
    given = {k.lower() for k in headers or {}}
    fast = (status == 429 or status >= 500) and not given & {"retry-after", "retry-after-ms"}
    extra = {"retry-after-ms": "1"} if fast else {}
    return httpx.Response(
        status, json={"message": message or f"fake error {status}"}, headers={**extra, **(headers or {})}
    )


def raising(exc_type: type[httpx.RequestError], message: str = "simulated") -> Handler:
    """A reply that raises a transport error, e.g.
    `raising(httpx.ReadTimeout)` or `raising(httpx.ConnectError)`."""

    def handler(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        raise exc_type(message, request=request)

    return handler


def fake_vector(text: str, dimension: int) -> list[float]:
    """Deterministic pseudo-embedding: the same text always gets the same vector."""
    values: list[float] = []
    counter = 0
    while len(values) < dimension:
        digest = hashlib.blake2b(f"{counter}:{text}".encode(), digest_size=32).digest()
        values += [(b - 127.5) / 127.5 for b in digest]
        counter += 1
    return values[:dimension]


# --- the fake ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    route: str
    request: httpx.Request
    body: dict[str, Any]

    @property
    def headers(self) -> httpx.Headers:
        return self.request.headers


class FakeCohere:
    """Routes, records and answers the SDK's requests; queued replies win over the defaults."""

    def __init__(self, *, api_key: str = API_KEY, dimension: int = 1536, check_key: bool = True) -> None:
        self.api_key = api_key
        self.dimension = dimension
        self.check_key = check_key
        self.requests: list[Recorded] = []
        self.stream_answer: tuple[str, Sequence[CitationSpec]] | None = None
        self.chat_text = "standalone search query"
        self._queues: dict[str, deque[Reply]] = {route: deque() for route in ROUTES}
        self._lock = threading.Lock()
        self.transport = httpx.MockTransport(self.handle)

    # configuration

    def queue(self, route: str, *replies: Reply | dict[str, Any]) -> FakeCohere:
        """One-shot replies for `route`, used in order; a dict is sent as a 200 JSON body."""
        if route not in self._queues:
            raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
        with self._lock:
            for reply in replies:
                self._queues[route].append(
                    httpx.Response(200, json=reply) if isinstance(reply, dict) else reply
                )
        return self

    def queue_stream(self, text: str, citations: Sequence[CitationSpec] = (), **options: Any) -> FakeCohere:
        return self.queue("chat_stream", sse_response(answer_events(text, citations, **options)))

    # clients

    def httpx_client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport)

    def client(
        self, *, timeout: float = 5.0, max_retries: int = 0, base_url: str = BASE_URL
    ) -> cohere.ClientV2:
        return cohere.ClientV2(
            api_key=self.api_key,
            base_url=base_url,
            httpx_client=self.httpx_client(),
            timeout=timeout,
            max_retries=max_retries,
        )

    def settings(self, **overrides: Any) -> Settings:
        """Settings pointing at this fake; pass `httpx_client=fake.httpx_client()` to `make_client` too."""
        values: dict[str, Any] = {
            "cohere_api_key": self.api_key,
            "cohere_base_url": BASE_URL,
            "max_retries": 0,
            "timeout": 5.0,
            **overrides,
        }
        return Settings(**values)

    # inspection

    def calls(self, route: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if route is None or r.route == route]

    def bodies(self, route: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.calls(route)]

    # transport

    def handle(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = {}
        route = self._route(request, body)
        with self._lock:
            self.requests.append(Recorded(route or request.url.path, request, body))
            reply = self._queues[route].popleft() if route and self._queues[route] else None
        if route is None:
            return httpx.Response(404, json={"message": f"no route for {request.method} {request.url.path}"})
        if self.check_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return httpx.Response(401, json={"message": "invalid api token"})
        if reply is None:
            defaults: dict[str, Callable[[dict[str, Any]], httpx.Response]] = {
                "chat": self._default_chat,
                "chat_stream": self._default_chat_stream,
                "embed": self._default_embed,
                "rerank": self._default_rerank,
            }
            return defaults[route](body)
        return reply if isinstance(reply, httpx.Response) else reply(request, body)

    @staticmethod
    def _route(request: httpx.Request, body: dict[str, Any]) -> str | None:
        path = request.url.path.rstrip("/")
        if request.method != "POST":
            return None
        if path.endswith("/v2/chat"):
            return "chat_stream" if body.get("stream") else "chat"
        if path.endswith("/v2/embed"):
            return "embed"
        if path.endswith("/v2/rerank"):
            return "rerank"
        return None

    # defaults

    def _default_chat_stream(self, body: dict[str, Any]) -> httpx.Response:
        if self.stream_answer is not None:
            return sse_response(answer_events(*self.stream_answer))
        documents = body.get("documents") or []
        if not documents:
            return sse_response(answer_events("The documents do not contain an answer to that."))
        first = documents[0]
        data = first.get("data", {}) if isinstance(first, dict) else {"text": str(first)}
        quote = str(data.get("text", "")).strip() or "(empty)"
        lead = f"{data['speaker']} says: " if data.get("speaker") else "The transcript says: "
        text = lead + quote
        doc_id = first.get("id", "doc:0") if isinstance(first, dict) else "doc:0"
        return sse_response(answer_events(text, [(len(lead), len(text), [doc_id])]))

    def _default_chat(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=chat_body(self.chat_text))

    def _default_embed(self, body: dict[str, Any]) -> httpx.Response:
        dimension = int(body.get("output_dimension") or self.dimension)
        texts = body.get("texts") or []
        return httpx.Response(200, json=embed_body([fake_vector(t, dimension) for t in texts], texts))

    def _default_rerank(self, body: dict[str, Any]) -> httpx.Response:
        words = set(re.findall(r"\w+", str(body.get("query", "")).lower()))
        documents = [str(d) for d in body.get("documents") or []]
        scores = [len(words & set(re.findall(r"\w+", d.lower()))) / (len(words) or 1) for d in documents]
        order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
        top_n = body.get("top_n") or len(documents)
        return httpx.Response(200, json=rerank_body([(i, round(scores[i], 4)) for i in order[:top_n]]))
