"""Hosted-model faults through the public `Assistant` API (the adapter itself is tested in tests/providers):
every fault ends in a clear message and, for answers, the labelled offline fallback; nothing hangs past the
configured timeout."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SAMPLES
from providers.cohere_fakes import FakeCohere, answer_events, error_response, sse_bytes, sse_response

from assistant import Assistant, ProviderError, Settings
from assistant.index.embedders import HashingEmbedder
from assistant.providers import cohere as cohere_adapter
from assistant.providers.cohere import client as cohere_client
from assistant.providers.cohere import make_client

QUESTION = "Who pays for the overrun?"


@pytest.fixture
def fake() -> FakeCohere:
    return FakeCohere(dimension=64)


def hosted(fake: FakeCohere, store: Path, sleep: Any = None, **settings: Any) -> Assistant:
    """A hosted Assistant on the fake API; `sleep` records the generator's back-off instead of waiting."""
    client = fake.client()
    chosen = fake.settings(**settings)
    generator = None
    if sleep is not None:
        from assistant.providers.cohere import CohereGenerator

        generator = CohereGenerator(
            client, chosen.chat_model, chosen.prompts_dir, chosen.max_retries, sleep=sleep
        )
    a = Assistant.from_settings(store=store, settings=chosen, cohere_client=client, generator=generator)
    a.ingest(SAMPLES)
    return a


def fell_back(a: Assistant, why: str) -> None:
    events = list(a.stream(QUESTION))
    answer = events[-1].answer
    assert answer is not None and answer.mode == "offline" and answer.citations
    assert answer.notice and "offline answer" in answer.notice and re.search(why, answer.notice), (
        answer.notice
    )
    assert [e.kind for e in events].count("done") == 1


def test_stream_breaking_off_mid_answer_falls_back(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    events = answer_events("The council pays for the overrun, says Nadia.", chunk_words=2)

    def broken(request: httpx.Request, body: dict) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            for event in events[:5]:
                yield f"data: {json.dumps(event)}\n\n".encode()
            raise httpx.ReadError("connection reset by peer", request=request)

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    fake.queue("chat_stream", broken)
    fell_back(a, "broke off midway")
    assert len(fake.calls("chat_stream")) == 1, "text was already shown: never retried"


def test_stream_without_message_end_falls_back(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    fake.queue_stream("The council pays.", [(4, 11, ["harbour-bridge#000001"])], message_end=False)
    fell_back(a, "ended early")


@pytest.mark.parametrize(
    "reply, why",
    [
        (
            httpx.Response(200, json={"message": None, "weird": True}),
            "could not be read",
        ),  # JSON, not a stream
        (sse_response(["{not json", '{"type": 42}', "[1, 2"]), "ended early"),  # garbage events
        (
            httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=b"\xff\xfe\x00garbage"
            ),
            "ended early",
        ),
        (sse_response(answer_events("   ")), "empty answer"),
    ],
)
def test_malformed_200_stream_falls_back(
    fake: FakeCohere, tmp_path: Path, reply: httpx.Response, why: str
) -> None:
    a = hosted(fake, tmp_path / "s")
    fake.queue("chat_stream", reply)
    fell_back(a, why)


@pytest.mark.parametrize("body", [{"embeddings": None}, {"embeddings": {"float": [[1.0, "x"]]}}, {}])
def test_malformed_query_embedding_is_a_clear_error(fake: FakeCohere, tmp_path: Path, body: dict) -> None:
    a = hosted(fake, tmp_path / "s")
    fake.queue("embed", body)
    with pytest.raises(ProviderError, match="Cohere embedding service.*(malformed|numeric)"):
        a.ask(QUESTION)


def test_citations_to_unknown_documents_are_dropped(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    text = "The city pays. Another episode says otherwise. The contractor pays too."
    sent: list[str] = []

    def reply(request: httpx.Request, body: dict) -> httpx.Response:
        sent.extend(d["id"] for d in body["documents"])
        citations = [
            (0, 14, ["harbour-bridge#999999"]),
            (15, 46, ["secret-episode#000001", "doc:3"]),
            (47, 71, [sent[0]]),  # a document that was sent: the one citation that must survive
        ]
        return sse_response(answer_events(text, citations))

    fake.queue("chat_stream", reply)
    answer = a.ask(QUESTION)
    assert answer.mode == "hosted" and "harbour-bridge#999999" not in sent
    assert [(c.start, c.end) for c in answer.citations] == [(47, 71)]
    assert [u.id for u in answer.citations[0].utterances] == [sent[0]]


def test_429_without_retry_after_backs_off_then_answers(fake: FakeCohere, tmp_path: Path) -> None:
    delays: list[float] = []
    a = hosted(fake, tmp_path / "s", sleep=delays.append, max_retries=2)
    fake.queue(
        "chat_stream",
        httpx.Response(429, json={"message": "slow down"}),
        httpx.Response(429, json={"message": "slow down"}),
    )
    answer = a.ask(QUESTION)
    assert answer.mode == "hosted" and delays == [0.5, 1.0]


def test_429_retry_after_an_hour_is_capped_on_the_stream(fake: FakeCohere, tmp_path: Path) -> None:
    delays: list[float] = []
    a = hosted(fake, tmp_path / "s", sleep=delays.append, max_retries=2)
    fake.queue("chat_stream", *(error_response(429, headers={"Retry-After": "3600"}) for _ in range(3)))
    fell_back(a, "rate limit")
    assert delays == [cohere_adapter.MAX_BACKOFF_SECONDS] * 2 and len(fake.calls("chat_stream")) == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "3600"},
        {"retry-after-ms": "3600000"},
        {"X-RateLimit-Reset": str(int(time.time()) + 3600)},
    ],
)
def test_sdk_retries_of_the_question_embedding_never_wait_long(
    fake: FakeCohere, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, headers: dict
) -> None:
    """Non-stream calls are retried by the SDK, which would honour a long Retry-After for up to 60 s a
    retry."""
    monkeypatch.setattr(cohere_client, "MAX_BACKOFF_SECONDS", 0.2)
    settings = fake.settings(max_retries=2)
    a = Assistant.from_settings(
        store=tmp_path / "s", settings=settings, cohere_client=make_client(settings, fake.httpx_client())
    )
    a.ingest(SAMPLES)
    fake.queue("embed", *(error_response(429, headers=headers) for _ in range(3)))
    started = time.monotonic()
    with pytest.raises(ProviderError, match="rate limit"):
        a.ask(QUESTION)
    assert time.monotonic() - started < 3.0
    assert len([c for c in fake.calls("embed") if c.body.get("input_type") == "search_query"]) == 3


def test_401_everywhere_is_one_clear_message(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    fake.check_key = False
    fake.queue("embed", httpx.Response(401, json={"message": "invalid api token"}))
    with pytest.raises(ProviderError, match="rejected the API key.*COHERE_API_KEY"):
        a.search(QUESTION)


# --- a real socket that stalls: the configured timeout bounds the wait ------------------------------------


class _Stalling(BaseHTTPRequestHandler):
    stall = 30.0
    partial = False

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.partial:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(sse_bytes(answer_events("The council pays for", chunk_words=2)[:3]))
            self.wfile.flush()
        time.sleep(self.stall)

    def log_message(self, *args: Any) -> None:
        pass


class _Identity:
    name = "identity"

    def rerank(self, query: str, hits: list, top_n: int) -> list:
        return list(hits)[:top_n]


@pytest.mark.parametrize("partial", [False, True], ids=["no-reply", "stalls-mid-stream"])
def test_stalled_server_is_cut_off_by_the_timeout(tmp_path: Path, partial: bool) -> None:
    handler = type("Handler", (_Stalling,), {"partial": partial, "stall": 20.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(
            cohere_api_key="k",
            cohere_base_url=f"http://127.0.0.1:{server.server_port}",
            timeout=0.5,
            max_retries=2,
            embedder="hashing",
        )
        a = Assistant.from_settings(
            store=tmp_path / "s", settings=settings, embedder=HashingEmbedder(), reranker=_Identity()
        )
        a.ingest(SAMPLES)
        assert a.mode == "hosted"
        started = time.monotonic()
        fell_back(a, "broke off midway" if partial else r"no reply within 0\.5 s")
        assert time.monotonic() - started < 5.0
    finally:
        server.shutdown()
        server.server_close()


class _Bridge(BaseHTTPRequestHandler):
    """The fake over a real socket, for an Assistant whose Cohere client (and its connections) it builds."""

    server: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        request = httpx.Request("POST", f"http://fake{self.path}", headers=dict(self.headers), content=body)
        response = self.server.fake.handle(request)
        content = response.read()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


def test_own_client_caps_long_retry_after_and_close_releases_it(
    fake: FakeCohere, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohere_client, "MAX_BACKOFF_SECONDS", 0.2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bridge)
    server.daemon_threads = True
    server.fake = fake  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = fake.settings(cohere_base_url=f"http://127.0.0.1:{server.server_port}", max_retries=1)
        a = Assistant.from_settings(store=tmp_path / "s", settings=settings)
        a.ingest(SAMPLES)
        fake.queue("embed", error_response(429, headers={"Retry-After": "3600"}))
        started = time.monotonic()
        assert a.search(QUESTION)
        assert time.monotonic() - started < 3.0
        queries = [c for c in fake.calls("embed") if c.body.get("input_type") == "search_query"]
        assert len(queries) == 2  # the 429, then its retry
        asked = len(fake.calls("embed"))
        a.close()
        with pytest.raises(RuntimeError, match="closed"):
            a.search(QUESTION)
        assert len(fake.calls("embed")) == asked
    finally:
        server.shutdown()
        server.server_close()
