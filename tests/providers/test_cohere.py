"""The Cohere adapter against the real SDK over httpx.MockTransport: no network, no key."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import cohere
import cohere.errors
import httpx
import numpy as np
import pytest
from cohere.core.api_error import ApiError
from cohere.core.http_sse._exceptions import SSEError
from cohere.core.parse_error import ParsingError

from assistant.config import Settings
from assistant.errors import NeedsKeyError, ProviderError
from assistant.providers.cohere import (
    CITATION_OPTIONS,
    MAX_BACKOFF_SECONDS,
    CohereEmbedder,
    CohereGenerator,
    CohereQueryRewriter,
    CohereReranker,
    backoff_delay,
    cap_retry_after,
    close_client,
    make_client,
    retry_after_seconds,
    to_provider_error,
)
from assistant.types import Answer, AnswerEvent, Hit, Turn, Utterance

from .cohere_fakes import (
    FakeCohere,
    answer_events,
    chat_body,
    embed_body,
    error_response,
    fake_vector,
    has_fixtures,
    load_fixture,
    raising,
    rerank_body,
    sse_response,
    usage_dict,
)

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
MODEL = "command-a-03-2025"
SECRET = "sk-TEST-SECRET-123"
needs_fixtures = pytest.mark.skipif(
    not has_fixtures(), reason="shared Cohere fixtures (../shared/cohere) not present"
)

SQUID = Utterance("ep012", 3, "The giant squid can grow to roughly thirteen metres.", "Dr. Lena Ortiz", 845.0)
LIGHT = Utterance(
    "ep040", 7, "Most deep-sea animals make their own light through bioluminescence.", "Sam Okafor", 1900.0
)
WHALE = Utterance("ep040", 9, "Sperm whales dive to hunt squid.", "Sam Okafor", 1960.0)
BEFORE = Utterance("ep012", 2, "So how big do they get?", "Host", 840.0)


def hit(u: Utterance, score: float = 0.5, **kw: Any) -> Hit:
    return Hit(utterance=u, score=score, episode_title=f"Episode {u.episode_id}", **kw)


HITS = [hit(SQUID, context=(BEFORE,)), hit(LIGHT), hit(WHALE)]


def generator(fake: FakeCohere, max_retries: int = 2, delays: list[float] | None = None) -> CohereGenerator:
    sink = delays if delays is not None else []
    return CohereGenerator(fake.client(), MODEL, PROMPTS, max_retries=max_retries, sleep=sink.append)


def collect(events: Iterator[AnswerEvent]) -> tuple[str, list[AnswerEvent], Answer]:
    events_list = list(events)
    text = "".join(e.text for e in events_list if e.kind == "text")
    done = [e for e in events_list if e.kind == "done"]
    assert len(done) == 1 and done[0].answer is not None and events_list[-1] is done[0]
    return text, events_list, done[0].answer


# --- client and error mapping ------------------------------------------------------------------------


def test_make_client_needs_a_key() -> None:
    with pytest.raises(NeedsKeyError, match="COHERE_API_KEY"):
        make_client(Settings(cohere_api_key=None))


def test_make_client_passes_base_url_timeout_and_retries() -> None:
    fake = FakeCohere(api_key=SECRET)
    fake.queue("embed", error_response(503), error_response(503))
    settings = fake.settings(cohere_base_url="https://gw.example/tenant/cohere", timeout=42.0, max_retries=2)
    client = make_client(settings, fake.httpx_client())
    CohereEmbedder(client).embed_query("hello")
    calls = fake.calls("embed")
    assert len(calls) == 3  # two 503s retried by the SDK, per settings.max_retries
    assert str(calls[0].request.url) == "https://gw.example/tenant/cohere/v2/embed"
    assert calls[0].request.extensions["timeout"]["read"] == 42.0
    assert calls[0].headers["authorization"] == f"Bearer {SECRET}"


def test_make_client_default_base_url_ignores_late_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CO_API_URL", "https://wrong.example")
    fake = FakeCohere()
    client = make_client(Settings(cohere_api_key=fake.api_key), fake.httpx_client())
    CohereEmbedder(client).embed_query("hello")
    assert fake.calls()[0].request.url.host == "api.cohere.com"


def _api_error(cls: type[ApiError], status: int) -> ApiError:
    try:
        return cls(body={"message": "nope"}, headers={})
    except TypeError:
        return cls(status_code=status, body={"message": "nope"}, headers={})


ERROR_CLASSES = [
    (cohere.errors.BadRequestError, 400, False),
    (cohere.errors.UnauthorizedError, 401, False),
    (cohere.errors.ForbiddenError, 403, False),
    (cohere.errors.NotFoundError, 404, False),
    (cohere.errors.UnprocessableEntityError, 422, False),
    (cohere.errors.TooManyRequestsError, 429, True),
    (cohere.errors.InvalidTokenError, 498, False),
    (cohere.errors.ClientClosedRequestError, 499, False),
    (cohere.errors.InternalServerError, 500, True),
    (cohere.errors.NotImplementedError, 501, True),
    (cohere.errors.ServiceUnavailableError, 503, True),
    (cohere.errors.GatewayTimeoutError, 504, True),
]


@pytest.mark.parametrize("cls,status,retryable", ERROR_CLASSES)
def test_every_sdk_error_class_is_mapped(cls: type[ApiError], status: int, retryable: bool) -> None:
    exc = _api_error(cls, status)
    assert exc.status_code == status
    error = to_provider_error(exc)
    assert isinstance(error, ProviderError)
    assert (error.status, error.retryable) == (status, retryable)
    assert f"HTTP {status}" in str(error) and "headers" not in str(error)


def test_error_messages_are_specific() -> None:
    request = httpx.Request("POST", "https://api.cohere.com/v2/chat", extensions={"timeout": {"read": 7.0}})
    assert str(to_provider_error(ApiError(status_code=401, body={}))) == (
        "Cohere rejected the API key (HTTP 401): check COHERE_API_KEY"
    )
    assert "rate limit" in str(to_provider_error(ApiError(status_code=429, body={})))
    bad_gateway = to_provider_error(ApiError(status_code=502, body="<html>bad gateway</html>"))
    assert "service error (HTTP 502)" in str(bad_gateway) and "<html>" not in str(bad_gateway)
    assert bad_gateway.retryable
    timeout = to_provider_error(httpx.ReadTimeout("x", request=request))
    assert "no reply within 7 s" in str(timeout) and not timeout.retryable
    connect = to_provider_error(httpx.ConnectError("refused", request=request))
    assert "Cannot reach Cohere at api.cohere.com" in str(connect) and connect.retryable
    assert "check the network connection or CO_API_URL" in str(connect), "the variable the README names"
    assert to_provider_error(httpx.RemoteProtocolError("eof", request=request)).retryable
    assert "stream that could not be read" in str(to_provider_error(SSEError("bad content type")))
    assert "could not be read" in str(to_provider_error(ParsingError(status_code=200, body="x")))
    detail = to_provider_error(ApiError(status_code=400, body={"message": "invalid model 'x'"}))
    assert str(detail) == "Cohere rejected the request (HTTP 400): invalid model 'x'"


# --- Retry-After: one parser for our stream retries and the SDK's own ---------------------------------


def test_retry_after_reads_seconds_dates_and_milliseconds() -> None:
    in_30_s = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert 27.0 < retry_after_seconds({"Retry-After": in_30_s}) <= 30.0  # type: ignore[operator]
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"Retry-After-Ms": "250", "Retry-After": "9"}) == 0.25  # ms first, as the SDK


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "  "}, None),
        ({"retry-after-ms": "soon", "Retry-After": "3"}, 3.0),  # unreadable ms falls through
        ({"retry-after-ms": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),  # milliseconds are never a date
    ],
)
def test_retry_after_ignores_what_it_cannot_read(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_backoff_delay_is_capped_and_doubles_without_a_header() -> None:
    assert backoff_delay({"Retry-After": "3600"}, 0) == MAX_BACKOFF_SECONDS
    assert backoff_delay({"Retry-After": "-5"}, 0) == 0.0
    assert backoff_delay({"retry-after-ms": "1"}, 3) == 0.001
    assert [backoff_delay({"Retry-After": "later"}, n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


@pytest.mark.parametrize(
    "status, headers, capped",
    [
        (429, {"Retry-After": "3600"}, True),
        (503, {"retry-after-ms": "3600000"}, True),
        (429, {"X-RateLimit-Reset": str(int(time.time()) + 3600)}, True),
        (429, {"Retry-After": "2"}, False),
        (429, {"Retry-After": "soon"}, False),
        (400, {"Retry-After": "3600"}, False),  # not retried by the SDK: left alone
    ],
)
def test_sdk_retry_waits_are_capped(status: int, headers: dict[str, str], capped: bool) -> None:
    response = httpx.Response(status, headers=headers)
    before = response.headers.get("retry-after-ms")
    cap_retry_after(response)
    after = response.headers.get("retry-after-ms")
    assert after == (str(int(MAX_BACKOFF_SECONDS * 1000)) if capped else before)


# --- secrets never leak ------------------------------------------------------------------------------


def _assert_no_secret(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    for text in (str(error), repr(error), caplog.text, *map(str, error.args)):
        assert SECRET not in text
        assert SECRET[:6] not in text  # not even a prefix of it
    assert error.__cause__ is None and error.__suppress_context__


def test_401_gives_clear_message_without_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeCohere(api_key=SECRET)
    fake.queue("chat_stream", error_response(401, "invalid api token"))
    with pytest.raises(ProviderError) as info:
        list(generator(fake).stream("How big?", HITS, []))
    assert str(info.value) == "Cohere rejected the API key (HTTP 401): check COHERE_API_KEY"
    assert info.value.status == 401 and not info.value.retryable
    assert len(fake.calls("chat_stream")) == 1  # not retried
    _assert_no_secret(info.value, caplog)


@pytest.mark.parametrize("route", ["embed", "rerank", "chat", "chat_stream"])
def test_echoed_credentials_are_redacted(route: str, caplog: pytest.LogCaptureFixture) -> None:
    """A gateway that echoes the request back must not get the key into our messages or logs."""
    caplog.set_level(logging.DEBUG)
    fake = FakeCohere(api_key=SECRET)

    def echo(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(
            400, json={"message": f"bad request; Authorization: {request.headers['authorization']}"}
        )

    fake.queue(route, echo)
    client = fake.client()
    calls = {
        "embed": lambda: CohereEmbedder(client).embed_documents(["a"]),
        "rerank": lambda: CohereReranker(client).rerank("q", HITS, 2),
        "chat": lambda: CohereQueryRewriter(client, MODEL, PROMPTS).rewrite("and him?", [Turn("user", "hi")]),
        "chat_stream": lambda: list(CohereGenerator(client, MODEL, PROMPTS).stream("q", HITS, [])),
    }
    with pytest.raises(ProviderError) as info:
        calls[route]()
    assert "HTTP 400" in str(info.value)
    _assert_no_secret(info.value, caplog)


# --- embeddings --------------------------------------------------------------------------------------


def _normalised(texts: list[str], dim: int) -> np.ndarray:
    m = np.array([fake_vector(t, dim) for t in texts], dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_embed_documents_batches_and_keeps_order() -> None:
    fake = FakeCohere(dimension=8)
    embedder = CohereEmbedder(fake.client())
    assert (embedder.name, embedder.dimension) == ("cohere:embed-v4.0", 1536)
    texts = [f"utterance number {i}" for i in range(200)]
    seen: list[int] = []
    matrix = embedder.embed_documents(texts, progress=seen.append)
    bodies = fake.bodies("embed")
    assert sorted(len(b["texts"]) for b in bodies) == [8, 96, 96]
    assert sorted(t for b in bodies for t in b["texts"]) == sorted(texts)
    assert all(b["input_type"] == "search_document" and b["embedding_types"] == ["float"] for b in bodies)
    assert all(b["model"] == "embed-v4.0" and "output_dimension" not in b for b in bodies)
    assert sorted(seen) == [8, 96, 96]
    assert matrix.dtype == np.float32 and matrix.shape == (200, 8)
    np.testing.assert_allclose(matrix, _normalised(texts, 8), rtol=1e-5, atol=1e-6)
    assert embedder.dimension == 8  # read from the first reply


def test_embed_query_uses_search_query() -> None:
    fake = FakeCohere(dimension=8)
    vector = CohereEmbedder(fake.client()).embed_query("how big is the squid")
    body = fake.bodies("embed")[0]
    assert body["input_type"] == "search_query" and body["texts"] == ["how big is the squid"]
    assert vector.shape == (8,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_embed_empty_input_makes_no_request() -> None:
    fake = FakeCohere()
    assert CohereEmbedder(fake.client(), output_dimension=256).embed_documents([]).shape == (0, 256)
    assert fake.calls() == []


def test_output_dimension_is_sent_named_and_enforced() -> None:
    fake = FakeCohere()
    embedder = CohereEmbedder(fake.client(), output_dimension=16)
    assert embedder.name == "cohere:embed-v4.0:16" and embedder.dimension == 16
    assert embedder.embed_query("x").shape == (16,)
    assert fake.bodies("embed")[0]["output_dimension"] == 16
    fake.queue("embed", embed_body([[0.1] * 4]))
    with pytest.raises(ProviderError, match="4-dimensional"):
        embedder.embed_query("y")


@pytest.mark.parametrize(
    "body",
    [
        embed_body([[0.1, 0.2]]),  # one vector for two texts
        {"id": "x", "response_type": "embeddings_by_type"},  # no embeddings at all
        embed_body([[0.1, 0.2], [0.3]]),  # ragged
        embed_body([["a", "b"], ["c", "d"]]),  # not numbers
        {"garbage": True},
    ],
)
def test_malformed_embed_body_raises(body: dict[str, Any]) -> None:
    fake = FakeCohere()
    fake.queue("embed", body)
    with pytest.raises(ProviderError):
        CohereEmbedder(fake.client()).embed_documents(["a", "b"])


def test_embed_error_in_one_batch_fails_the_call() -> None:
    fake = FakeCohere()
    fake.queue("embed", error_response(500))
    with pytest.raises(ProviderError, match="HTTP 500") as info:
        CohereEmbedder(fake.client()).embed_documents([f"t{i}" for i in range(150)])
    assert info.value.retryable


def test_embed_connection_error() -> None:
    fake = FakeCohere()
    fake.queue("embed", raising(httpx.ConnectError, "connection refused"))
    with pytest.raises(ProviderError, match="Cannot reach Cohere at cohere.test") as info:
        CohereEmbedder(fake.client()).embed_query("x")
    assert info.value.retryable


@needs_fixtures
def test_embed_fixture() -> None:
    fixture = load_fixture("embed_response.json")
    fake = FakeCohere()
    fake.queue("embed", fixture)
    embedder = CohereEmbedder(fake.client())
    matrix = embedder.embed_documents(fixture["texts"])
    assert matrix.shape == (2, 4) and embedder.dimension == 4
    expected = np.array(fixture["embeddings"]["float"], dtype=np.float32)
    np.testing.assert_allclose(matrix, expected / np.linalg.norm(expected, axis=1, keepdims=True), rtol=1e-5)


# --- reranking ---------------------------------------------------------------------------------------


def test_rerank_maps_indexes_back_and_records_scores() -> None:
    fake = FakeCohere()
    fake.queue("rerank", rerank_body([(2, 0.91), (0, 0.42)]))
    original = hit(SQUID, 0.1, context=(BEFORE,), scores={"fused": 0.1})
    hits = [original, hit(LIGHT), hit(WHALE)]
    reranker = CohereReranker(fake.client())
    ranked = reranker.rerank("what hunts squid", hits, 2)
    assert reranker.name == "cohere:rerank-v3.5"
    assert [h.utterance for h in ranked] == [WHALE, SQUID]
    assert [h.score for h in ranked] == [0.91, 0.42]
    assert ranked[1].scores == {"fused": 0.1, "rerank": 0.42}
    assert original.scores == {"fused": 0.1}  # a new dict, not the hit's own
    body = fake.bodies("rerank")[0]
    assert body["model"] == "rerank-v3.5" and body["top_n"] == 2 and body["query"] == "what hunts squid"
    docs = body["documents"]
    assert all(isinstance(d, str) for d in docs) and len(docs) == 3
    assert "Dr. Lena Ortiz: The giant squid" in docs[0] and "Host: So how big do they get?" in docs[0]
    assert docs[0].index("Host:") < docs[0].index("Dr. Lena Ortiz:")


def test_rerank_default_fake_and_limits() -> None:
    fake = FakeCohere()
    reranker = CohereReranker(fake.client())
    assert reranker.rerank("q", [], 5) == [] and fake.calls() == []
    ranked = reranker.rerank("sperm whales dive", HITS, 10)
    assert ranked[0].utterance == WHALE and len(ranked) == 3
    assert fake.bodies("rerank")[0]["top_n"] == 3


@pytest.mark.parametrize("body", [rerank_body([(7, 0.9)]), rerank_body([(0, 0.9), (0, 0.8)]), {"id": "x"}])
def test_rerank_malformed_reply_raises(body: dict[str, Any]) -> None:
    fake = FakeCohere()
    fake.queue("rerank", body)
    with pytest.raises(ProviderError):
        CohereReranker(fake.client()).rerank("q", HITS, 2)


def test_rerank_rate_limit() -> None:
    fake = FakeCohere()
    fake.queue("rerank", error_response(429))
    with pytest.raises(ProviderError, match="rate limit") as info:
        CohereReranker(fake.client()).rerank("q", HITS, 2)
    assert info.value.retryable and info.value.status == 429


@needs_fixtures
def test_rerank_fixture() -> None:
    fake = FakeCohere()
    fake.queue("rerank", load_fixture("rerank_response.json"))
    ranked = CohereReranker(fake.client()).rerank("light", HITS[:2], 2)
    assert [h.utterance for h in ranked] == [LIGHT, SQUID]
    assert ranked[0].scores["rerank"] == pytest.approx(0.9132)


# --- grounded answers --------------------------------------------------------------------------------

ANSWER = "Dr. Lena Ortiz says the giant squid reaches thirteen metres, and deep-sea animals make light."


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def test_stream_yields_text_then_citations_then_done() -> None:
    fake = FakeCohere()
    squid = _span(ANSWER, "thirteen metres")
    light = _span(ANSWER, "deep-sea animals make light")
    fake.queue_stream(ANSWER, [(*squid, [SQUID.id]), (*light, [LIGHT.id, SQUID.id])])
    text, events, answer = collect(generator(fake).stream("How big do giant squid get?", HITS, []))
    kinds = [e.kind for e in events]
    assert kinds.index("citation") > max(i for i, k in enumerate(kinds) if k == "text")
    assert kinds.count("text") > 3  # streamed in pieces
    assert text == answer.text == ANSWER
    cited = [e.citation for e in events if e.kind == "citation"]
    assert tuple(cited) == answer.citations
    assert [(c.start, c.end, c.text) for c in answer.citations] == [
        (*squid, "thirteen metres"),
        (*light, "deep-sea animals make light"),
    ]
    assert answer.citations[0].utterances == (SQUID,)
    assert answer.citations[1].utterances == (LIGHT, SQUID)
    assert answer.mode == "hosted" and answer.model == MODEL and answer.notice is None
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (1120, 40)  # usage.tokens preferred
    assert [h.utterance for h in answer.hits] == [SQUID, LIGHT, WHALE]


def test_stream_request_carries_ids_and_keeps_transcript_in_documents() -> None:
    fake = FakeCohere()
    fake.queue_stream("Nothing relevant.")
    history = [Turn("user", "Who is on episode 12?"), Turn("assistant", "Dr. Lena Ortiz.")]
    collect(generator(fake).stream("How big do they get?", HITS, history))
    body = fake.bodies("chat_stream")[0]
    assert body["stream"] is True and body["model"] == MODEL
    assert body["citation_options"] == dict(CITATION_OPTIONS) == {"mode": "FAST"}
    assert body["temperature"] == 0.3 and "safety_mode" not in body
    assert [d["id"] for d in body["documents"]] == [SQUID.id, LIGHT.id, WHALE.id]
    assert body["documents"][0]["data"]["text"] == SQUID.text
    assert body["documents"][0]["data"]["speaker"] == "Dr. Lena Ortiz"
    messages = body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"].startswith("You answer questions about podcast")
    assert messages[-1]["content"] == "How big do they get?"
    assert messages[1]["content"] == "Who is on episode 12?"
    for m in (messages[0], messages[-1]):
        for u in (SQUID, LIGHT, WHALE, BEFORE):
            assert u.text not in m["content"]


def test_a_line_the_cold_open_replays_is_sent_as_the_turn_that_says_it() -> None:
    teaser = Utterance("ep012", 1, "The giant squid can grow to roughly thirteen metres.")
    said = Utterance(
        "ep012", 30, "Honestly, the giant squid can grow to roughly thirteen metres, maybe more."
    )
    fake = FakeCohere()
    fake.queue_stream(ANSWER, [(*_span(ANSWER, "thirteen metres"), [said.id])])
    _, _, answer = collect(generator(fake).stream("How big?", [hit(teaser), hit(LIGHT), hit(said)], []))
    assert [d["id"] for d in fake.bodies("chat_stream")[0]["documents"]] == [said.id, LIGHT.id]
    assert answer.citations[0].utterances == (said,)


def test_stream_without_hits_sends_no_documents() -> None:
    fake = FakeCohere()
    _, _, answer = collect(generator(fake).stream("Anything?", [], []))
    assert "documents" not in fake.bodies("chat_stream")[0]
    assert answer.citations == () and "do not contain" in answer.text


def test_unknown_document_ids_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeCohere()
    squid = _span(ANSWER, "thirteen metres")
    light = _span(ANSWER, "deep-sea animals make light")
    fake.queue_stream(ANSWER, [(*squid, [SQUID.id, "ep999#000001"]), (*light, ["doc:7", "tool-thing"])])
    with caplog.at_level(logging.WARNING, logger="assistant.providers.cohere"):
        _, _, answer = collect(generator(fake).stream("q", HITS, []))
    assert [c.utterances for c in answer.citations] == [(SQUID,)]
    assert "ep999#000001" in caplog.text and "doc:7" in caplog.text


def test_citation_offsets_are_validated_and_repaired() -> None:
    fake = FakeCohere()
    text = "Squid grow to thirteen metres. Whales hunt squid. Light is common."
    events = answer_events(
        text, [(0, 5, [SQUID.id]), (31, 49, [WHALE.id]), (0, 4, [LIGHT.id]), (60, 999, [LIGHT.id])]
    )
    cites = [e for e in events if e["type"] == "citation-start"]
    cites[0]["delta"]["message"]["citations"].update(start=3, end=8)  # shifted, text still "Squid"
    cites[2]["delta"]["message"]["citations"]["text"] = "not in the answer"  # unfindable: dropped
    cites[3]["delta"]["message"]["citations"]["text"] = "Light is common."  # out of range, but findable
    thinking = {
        "type": "citation-start",
        "index": 9,
        "delta": {
            "message": {
                "citations": {
                    "start": 0,
                    "end": 5,
                    "text": "Squid",
                    "type": "THINKING_CONTENT",
                    "sources": [{"type": "document", "id": WHALE.id, "document": {}}],
                }
            }
        },
    }
    events.insert(-2, thinking)
    fake.queue("chat_stream", sse_response(events))
    _, _, answer = collect(generator(fake).stream("q", HITS, []))
    spans = [(c.start, c.end, c.text, c.utterances) for c in answer.citations]
    assert spans == [
        (0, 5, "Squid", (SQUID,)),
        (31, 49, "Whales hunt squid.", (WHALE,)),
        (50, 66, "Light is common.", (LIGHT,)),
    ]
    for c in answer.citations:
        assert answer.text[c.start : c.end] == c.text


def test_thinking_content_is_not_part_of_the_answer() -> None:
    fake = FakeCohere()
    text = "Ortiz says about thirteen metres."
    fake.queue_stream(
        text, [(_span(text, "thirteen metres")[0], len(text) - 1, [SQUID.id])], thinking="hidden plan"
    )
    streamed, _, answer = collect(generator(fake).stream("q", HITS, []))
    assert streamed == answer.text == text
    assert answer.citations[0].text == "thirteen metres"


def _citation_event(n: int, content: int, start: int, end: int, cited: str, source: dict[str, Any]) -> dict:
    cite = {"start": start, "end": end, "text": cited, "sources": [source], "type": "TEXT_CONTENT"}
    return {
        "type": "citation-start",
        "index": n,
        "delta": {"message": {"citations": {**cite, "content_index": content}}},
    }


def test_citations_count_from_their_own_content_item_and_name_only_retrieved_documents() -> None:
    """Two text items (as after a tool call) and a thinking item: a citation's offsets count from the start
    of its own item; one of the thinking item is no part of the answer; a tool's output is no utterance,
    even under a document's id; offsets that miss take the copy of the cited text nearest to them."""
    first, second = "Squid grow large. ", "Squid hunt at night. Whales hunt squid."
    plan = "Squid grow large."
    document = {"type": "document", "id": WHALE.id, "document": {}}
    events: list[dict[str, Any]] = [
        {"type": "message-start", "id": "m", "delta": {"message": {"role": "assistant", "content": []}}},
        {"type": "content-start", "index": 0, "delta": {"message": {"content": {"type": "thinking"}}}},
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"thinking": plan}}}},
        {
            "type": "content-start",
            "index": 1,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        },
        {"type": "content-delta", "index": 1, "delta": {"message": {"content": {"text": first}}}},
        {
            "type": "content-start",
            "index": 2,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        },
        {"type": "content-delta", "index": 2, "delta": {"message": {"content": {"text": second}}}},
        _citation_event(0, 2, second.index("Whales"), len(second), "Whales hunt squid.", document),
        _citation_event(1, 2, 1, 6, "Squid", {**document, "id": SQUID.id}),  # one off: item 2's "Squid"
        _citation_event(2, 0, 0, len(plan), plan, {**document, "id": LIGHT.id}),  # the thinking item's
        _citation_event(3, 1, 0, 5, "Squid", {"type": "tool", "id": LIGHT.id, "tool_output": {}}),
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": usage_dict()}},
    ]
    fake = FakeCohere()
    fake.queue("chat_stream", sse_response(events))
    _, _, answer = collect(generator(fake).stream("q", HITS, []))
    text = first + second
    assert answer.text == text
    assert [(c.start, c.end, c.utterances) for c in answer.citations] == [
        (len(first), len(first) + 5, (SQUID,)),
        (text.index("Whales"), len(text), (WHALE,)),
    ]


def test_max_tokens_answer_is_kept_with_notice() -> None:
    fake = FakeCohere()
    fake.queue_stream("The squid can reach thir", finish_reason="MAX_TOKENS")
    _, _, answer = collect(generator(fake).stream("q", HITS, []))
    assert answer.text == "The squid can reach thir" and answer.notice and "length limit" in answer.notice


def test_stream_without_message_end_raises_after_text() -> None:
    fake = FakeCohere()
    fake.queue_stream("The squid is big and", message_end=False)
    received: list[AnswerEvent] = []
    with pytest.raises(ProviderError, match="ended early"):
        received.extend(generator(fake).stream("q", HITS, []))  # keeps what came before the error
    assert received and all(e.kind == "text" for e in received)
    assert len(fake.calls("chat_stream")) == 1


def test_error_in_message_end_raises() -> None:
    fake = FakeCohere()
    fake.queue_stream("Partial", finish_reason="ERROR", error="internal model failure")
    with pytest.raises(ProviderError, match="internal model failure"):
        list(generator(fake).stream("q", HITS, []))


def test_unknown_event_types_are_skipped() -> None:
    fake = FakeCohere()
    events = answer_events("Fine answer.")
    events.insert(2, {"type": "brand-new-event", "delta": {}})
    events.insert(3, "this is not json")
    fake.queue("chat_stream", sse_response(events))
    _, _, answer = collect(generator(fake).stream("q", HITS, []))
    assert answer.text == "Fine answer."


def test_empty_answer_raises() -> None:
    fake = FakeCohere()
    fake.queue_stream("")
    with pytest.raises(ProviderError, match="empty answer"):
        list(generator(fake).stream("q", HITS, []))


def test_429_then_success_is_retried() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", error_response(429))
    fake.queue_stream("Recovered answer.")
    delays: list[float] = []
    _, _, answer = collect(generator(fake, delays=delays).stream("q", HITS, []))
    assert answer.text == "Recovered answer."
    assert len(fake.calls("chat_stream")) == 2
    assert delays == [0.001]  # retry-after-ms honoured


def test_retry_after_is_capped_and_retries_are_bounded() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", *(error_response(503, headers={"Retry-After": "120"}) for _ in range(5)))
    delays: list[float] = []
    with pytest.raises(ProviderError, match="HTTP 503") as info:
        list(generator(fake, max_retries=2, delays=delays).stream("q", HITS, []))
    assert info.value.retryable
    assert len(fake.calls("chat_stream")) == 3
    assert delays == [4.0, 4.0]  # capped: a user is waiting


def test_retry_uses_real_sleep_when_not_injected() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", error_response(502))
    _, _, answer = collect(
        CohereGenerator(fake.client(), MODEL, PROMPTS, max_retries=1).stream("q", HITS, [])
    )
    assert answer.text and len(fake.calls("chat_stream")) == 2


def test_timeout_is_not_retried() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", raising(httpx.ReadTimeout, "read timed out"))
    with pytest.raises(ProviderError, match=r"no reply within 5 s") as info:
        list(generator(fake).stream("q", HITS, []))
    assert not info.value.retryable and len(fake.calls("chat_stream")) == 1


def test_connection_error_is_retried_then_reported() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", *(raising(httpx.ConnectError, "refused") for _ in range(3)))
    delays: list[float] = []
    with pytest.raises(ProviderError, match="Cannot reach Cohere") as info:
        list(generator(fake, max_retries=2, delays=delays).stream("q", HITS, []))
    assert info.value.retryable and len(fake.calls("chat_stream")) == 3
    assert delays == [0.5, 1.0]


def test_failure_after_text_is_not_retried() -> None:
    fake = FakeCohere()
    events = answer_events("One two three four five six.", chunk_words=2)

    def broken(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        def chunks() -> Iterator[bytes]:
            for event in events[:4]:
                yield f"data: {json.dumps(event)}\n\n".encode()
            raise httpx.ReadError("connection reset", request=request)

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    fake.queue("chat_stream", broken)
    received: list[str] = []
    with pytest.raises(ProviderError, match="broke off midway"):
        for event in generator(fake).stream("q", HITS, []):
            received.append(event.text)
    assert "".join(received) == "One two three four "
    assert len(fake.calls("chat_stream")) == 1


def test_non_sse_reply_raises() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", httpx.Response(200, json=chat_body("not a stream")))
    with pytest.raises(ProviderError, match="stream that could not be read"):
        list(generator(fake).stream("q", HITS, []))


def test_default_fake_answer_cites_the_first_hit() -> None:
    fake = FakeCohere()
    _, _, answer = collect(generator(fake).stream("How big?", HITS, []))
    assert answer.text == f"Dr. Lena Ortiz says: {SQUID.text}"
    assert answer.citations[0].utterances == (SQUID,) and answer.citations[0].text == SQUID.text


def _fixture_stream(rename: bool) -> bytes:
    text = load_fixture("chat_stream.txt")
    if rename:
        text = text.replace("ep012-chunk-0003", SQUID.id).replace("ep040-chunk-0007", LIGHT.id)
    return text.encode()


@needs_fixtures
def test_fixture_stream_maps_citations_to_utterances() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", sse_response(_fixture_stream(rename=True)))
    text, _, answer = collect(generator(fake).stream("q", HITS, []))
    expected = load_fixture("chat_response.json")["message"]["content"][0]["text"]
    assert text == answer.text == expected
    assert [(c.start, c.end, c.text) for c in answer.citations] == [
        (55, 76, "about thirteen metres"),
        (104, 128, "produce their own light."),
    ]
    assert [c.utterances for c in answer.citations] == [(SQUID,), (LIGHT,)]
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (1398, 61)


@needs_fixtures
def test_fixture_stream_with_foreign_ids_keeps_text_drops_citations() -> None:
    fake = FakeCohere()
    fake.queue("chat_stream", sse_response(_fixture_stream(rename=False)))
    _, events, answer = collect(generator(fake).stream("q", HITS, []))
    assert answer.text.startswith("According to Dr. Lena Ortiz") and answer.citations == ()
    assert not [e for e in events if e.kind == "citation"]


# --- follow-up rewriting -----------------------------------------------------------------------------

HISTORY = [
    Turn("user", "What did Sam Okafor say about light?"),
    Turn("assistant", "He said most deep-sea animals glow."),
]


def test_rewrite_without_history_makes_no_call() -> None:
    fake = FakeCohere()
    assert (
        CohereQueryRewriter(fake.client(), MODEL, PROMPTS).rewrite("How big are squid?", [])
        == "How big are squid?"
    )
    assert fake.calls() == []


def test_rewrite_with_history() -> None:
    fake = FakeCohere()
    fake.queue("chat", chat_body('  "Sam Okafor deep-sea bioluminescence which animals"  \n'))
    query = CohereQueryRewriter(fake.client(), MODEL, PROMPTS).rewrite("Which animals did he mean?", HISTORY)
    assert query == "Sam Okafor deep-sea bioluminescence which animals"
    body = fake.bodies("chat")[0]
    assert "stream" not in body or body["stream"] is False
    prompt = body["messages"][-1]["content"]
    assert "User: What did Sam Okafor say about light?" in prompt
    assert "Assistant: He said most deep-sea animals glow." in prompt
    assert "Which animals did he mean?" in prompt and "$" not in prompt


def test_rewrite_skips_thinking_and_prefixes() -> None:
    fake = FakeCohere()
    fake.queue("chat", chat_body("Query: squid size ep012", thinking="let me think"))
    assert (
        CohereQueryRewriter(fake.client(), MODEL, PROMPTS).rewrite("and that?", HISTORY) == "squid size ep012"
    )


@pytest.mark.parametrize("body", [{"garbage": 1}, chat_body("   "), {"message": {"content": None}}])
def test_rewrite_falls_back_on_empty_reply(body: dict[str, Any]) -> None:
    fake = FakeCohere()
    fake.queue("chat", body)
    assert CohereQueryRewriter(fake.client(), MODEL, PROMPTS).rewrite("and him?", HISTORY) == "and him?"


def test_rewrite_errors_become_provider_errors() -> None:
    fake = FakeCohere()
    fake.queue("chat", error_response(500))
    with pytest.raises(ProviderError, match="HTTP 500"):
        CohereQueryRewriter(fake.client(), MODEL, PROMPTS).rewrite("and him?", HISTORY)


# --- closing -----------------------------------------------------------------------------------------


def test_close_client_closes_the_connections_make_client_built() -> None:
    client = make_client(FakeCohere().settings())
    close_client(client)
    with pytest.raises(RuntimeError, match="closed"):  # refused before any connection is tried
        CohereEmbedder(client).embed_query("x")


def test_close_client_leaves_a_callers_httpx_client_open() -> None:
    fake = FakeCohere()
    http = fake.httpx_client()
    client = make_client(fake.settings(), http)
    close_client(client)
    close_client(None)
    assert not http.is_closed
    CohereEmbedder(client).embed_query("x")
    assert len(fake.calls("embed")) == 1
