"""Cohere adapter: embeddings, reranking, grounded streamed answers and query rewriting.

The only module of the project that imports `cohere`. Every SDK or transport failure leaves it as a
`ProviderError` whose message is written for the user and never carries the API key or request headers,
so callers can show it as is and fall back to offline mode.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import cohere
import httpx
import numpy as np
from cohere.core.api_error import ApiError
from cohere.core.http_sse._exceptions import SSEError
from cohere.core.parse_error import ParsingError

from ..config import Settings
from ..errors import NeedsKeyError, ProviderError
from ..generation.context import documents_for
from ..index.embedders import Progress, normalise_rows
from ..prompts import load_prompt
from ..types import Answer, AnswerEvent, Citation, Hit, Mode, Turn, Usage, Utterance

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.cohere.com"
CLIENT_NAME = "transcript-assistant"
CITATION_OPTIONS: Mapping[str, str] = {"mode": "FAST"}
"""Command A supports only FAST/OFF; the spelling the live API accepts is unverified, so it lives here only."""
EMBED_BATCH_SIZE = 96
EMBED_WORKERS = 4
MAX_BACKOFF_SECONDS = 4.0
KNOWN_DIMENSIONS: Mapping[str, int] = {
    "embed-v4.0": 1536,
    "embed-v5.0-pro": 2048,
    "embed-v5.0-fast": 2048,
    "embed-english-v3.0": 1024,
    "embed-multilingual-v3.0": 1024,
    "embed-english-light-v3.0": 384,
    "embed-multilingual-light-v3.0": 384,
}

SDK_ERRORS: tuple[type[BaseException], ...] = (ApiError, ParsingError, httpx.HTTPError)
"""What the SDK raises for a failed call; anything else is a bug of ours and propagates untouched."""


# --- client and errors -------------------------------------------------------------------------------


def make_client(settings: Settings, httpx_client: httpx.Client | None = None) -> cohere.ClientV2:
    """Build the SDK client from settings alone (never from CO_API_URL, which the SDK reads at import).

    `timeout` is always passed: with a custom `httpx_client` the SDK would otherwise send none and
    httpx's 5 s default would cut long answers short.
    """
    if not settings.cohere_api_key:
        raise NeedsKeyError(
            "Hosted mode needs a Cohere API key: set COHERE_API_KEY, or run offline (ASSISTANT_MODE=offline)"
        )
    remember_key(settings.cohere_api_key)
    client = cohere.ClientV2(
        api_key=settings.cohere_api_key,
        base_url=settings.cohere_base_url or DEFAULT_BASE_URL,
        client_name=CLIENT_NAME,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        httpx_client=httpx_client,
    )
    try:
        hooks = client._client_wrapper.httpx_client.httpx_client.event_hooks
        hooks["response"] = [*hooks.get("response", []), cap_retry_after]
    except AttributeError:  # pragma: no cover - a future SDK layout; retries then wait as the SDK decides
        log.debug("could not cap Retry-After on this SDK version")
    return client


def cap_retry_after(response: httpx.Response) -> None:
    """httpx response hook: cap the server's requested wait before the SDK's own retries.

    The SDK honours Retry-After / retry-after-ms / X-RateLimit-Reset for up to 60 s per retry on non-stream
    calls (embed, rerank, rewrite), so a 429 saying "retry in an hour" would hold a question for minutes.
    A user is waiting: never wait more than MAX_BACKOFF_SECONDS per retry.
    """
    status = response.status_code
    if not (status in (408, 409, 429) or status >= 500):
        return
    headers = response.headers
    requested = _seconds(headers.get("retry-after-ms"), scale=0.001)  # the SDK's order of preference
    if requested is None:
        requested = _seconds(headers.get("retry-after"))
    if requested is None and headers.get("x-ratelimit-reset"):
        try:
            requested = float(headers["x-ratelimit-reset"]) - time.time()
        except ValueError:
            requested = None
    if requested is not None and requested > MAX_BACKOFF_SECONDS:
        headers["retry-after-ms"] = str(max(1, int(MAX_BACKOFF_SECONDS * 1000)))  # read first by the SDK


def to_provider_error(exc: BaseException) -> ProviderError:
    """Translate an SDK or httpx failure into a user-facing ProviderError without echoing secrets."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ApiError):
        return _from_status(exc.status_code, exc.body)
    if isinstance(exc, httpx.TimeoutException):
        seconds = _timeout_of(exc)
        within = f"within {seconds:g} s" if seconds else "in time"
        return ProviderError(f"Cohere sent no reply {within}; try again, or raise ASSISTANT_TIMEOUT")
    if isinstance(exc, SSEError):
        return ProviderError(f"Cohere sent a stream that could not be read ({_clean(str(exc))})")
    if isinstance(exc, httpx.ConnectError):
        return ProviderError(
            f"Cannot reach Cohere at {_host_of(exc)}: check the network connection or COHERE_BASE_URL",
            retryable=True,
        )
    if isinstance(exc, httpx.TransportError):
        return ProviderError(f"The connection to Cohere broke ({type(exc).__name__})", retryable=True)
    if isinstance(exc, ParsingError):
        return ProviderError("Cohere sent a reply that could not be read", status=exc.status_code)
    return ProviderError(f"The request to Cohere failed ({type(exc).__name__})")


def _from_status(status: int | None, body: Any) -> ProviderError:
    detail = _api_message(body)
    suffix = f": {detail}" if detail else ""
    if status in (401, 498):
        return ProviderError(
            f"Cohere rejected the API key (HTTP {status}): check COHERE_API_KEY", status=status
        )
    if status == 403:
        return ProviderError(
            f"Cohere refused the request (HTTP 403): the API key may not have access to this model{suffix}",
            status=status,
        )
    if status == 404:
        return ProviderError(
            f"Cohere could not find it (HTTP 404): check the model names and COHERE_BASE_URL{suffix}",
            status=status,
        )
    if status == 429:
        return ProviderError(
            "Cohere rate limit reached (HTTP 429): wait a moment and try again", status=status, retryable=True
        )
    if status == 408:
        return ProviderError(
            "Cohere timed out the request (HTTP 408): try again", status=status, retryable=True
        )
    if status == 499:
        return ProviderError("The request to Cohere was cancelled (HTTP 499)", status=status)
    if status is not None and status >= 500:
        return ProviderError(
            f"Cohere service error (HTTP {status}): try again later{suffix}", status=status, retryable=True
        )
    if status is None:
        return ProviderError("The Cohere client could not make the request")
    return ProviderError(f"Cohere rejected the request (HTTP {status}){suffix}", status=status)


_SECRETS = (
    re.compile(r"(?i)(bearer\s+)\S+"),
    re.compile(r"(?i)\b((?:api[-_ ]?key|authorization|token|secret)[\"']?\s*[:=]\s*)[\"']?[^\s,;\"'}]+"),
)


_KNOWN_KEYS: set[str] = set()
"""Every API key this process has given a client; masked verbatim wherever a server echoes one back."""


def remember_key(client_or_key: Any) -> None:
    """Register a key (or a client's key) so `_clean` masks it even without a `Bearer`/`api_key=` prefix."""
    key = (
        client_or_key
        if isinstance(client_or_key, str)
        else getattr(getattr(client_or_key, "_client_wrapper", None), "_token", None)
    )
    if isinstance(key, str) and len(key) >= 6:
        _KNOWN_KEYS.add(key)


def _clean(text: str, limit: int = 200) -> str:
    """One line, bounded, with anything that looks like a credential masked (bodies may echo requests)."""
    text = " ".join(text.split())
    for key in _KNOWN_KEYS:
        text = text.replace(key, "[redacted]")
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _api_message(body: Any) -> str:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return _clean(body["message"])
    if isinstance(body, str) and body.strip() and "<" not in body and len(body) <= 300:
        return _clean(body)
    return ""


def _timeout_of(exc: httpx.TimeoutException) -> float | None:
    try:
        timeouts = exc.request.extensions.get("timeout") or {}
    except RuntimeError:  # raised without a request
        return None
    key = {httpx.ConnectTimeout: "connect", httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}.get(
        type(exc), "read"
    )
    value = timeouts.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _host_of(exc: httpx.RequestError) -> str:
    try:
        return exc.request.url.host or "the configured address"
    except RuntimeError:
        return "the configured address"


def _retry_delay(exc: BaseException, attempt: int) -> float:
    """Honour retry-after-ms / Retry-After like the SDK does for non-stream calls, but capped low: a user is waiting."""
    headers = {k.lower(): v for k, v in (getattr(exc, "headers", None) or {}).items()}
    delay = _seconds(headers.get("retry-after-ms"), scale=0.001)
    if delay is None:
        delay = _seconds(headers.get("retry-after"))
    if delay is None:
        delay = 0.5 * 2**attempt
    return min(max(delay, 0.0), MAX_BACKOFF_SECONDS)


def _seconds(raw: str | None, scale: float = 1.0) -> float | None:
    """A header value as seconds: a number (times `scale`) or, unscaled, an HTTP date."""
    if not raw or not raw.strip():
        return None
    try:
        return float(raw) * scale
    except ValueError:
        pass
    if scale != 1.0:
        return None
    try:
        return parsedate_to_datetime(raw).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def _get(obj: Any, name: str) -> Any:
    """Attribute or key: lenient SDK parsing may leave dicts where models were expected."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _path(obj: Any, *names: str) -> Any:
    for name in names:
        obj = _get(obj, name)
        if obj is None:
            return None
    return obj


# --- embeddings --------------------------------------------------------------------------------------


class CohereEmbedder:
    """Embedder protocol over `/v2/embed`: documents and queries use their own `input_type`.

    `dimension` starts from `output_dimension` or the model's documented default and is fixed by the
    first reply; every later reply must match it, so a store is never fed mixed widths.
    """

    def __init__(
        self,
        client: cohere.ClientV2,
        model: str = "embed-v4.0",
        output_dimension: int | None = None,
        *,
        batch_size: int = EMBED_BATCH_SIZE,
        workers: int = EMBED_WORKERS,
    ) -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self.name = f"cohere:{model}" + (f":{output_dimension}" if output_dimension else "")
        self.dimension = output_dimension or KNOWN_DIMENSIONS.get(model, 0)
        self._output_dimension = output_dimension
        self._batch_size = max(1, min(batch_size, EMBED_BATCH_SIZE))
        self._workers = max(1, workers)
        self._confirmed = False
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [texts[i : i + self._batch_size] for i in range(0, len(texts), self._batch_size)]
        results: list[np.ndarray | None] = [None] * len(batches)
        if len(batches) == 1:
            results[0] = self._embed(batches[0], "search_document")
            if progress:
                progress(len(batches[0]))
        else:
            with ThreadPoolExecutor(
                min(self._workers, len(batches)), thread_name_prefix="cohere-embed"
            ) as pool:
                futures: dict[Future[np.ndarray], int] = {
                    pool.submit(self._embed, batch, "search_document"): i for i, batch in enumerate(batches)
                }
                try:
                    for future in as_completed(futures):
                        i = futures[future]
                        results[i] = future.result()
                        if progress:
                            progress(len(batches[i]))
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
        return np.vstack([r for r in results if r is not None])

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._embed([text], "search_query")[0]
        return vector

    def _embed(self, texts: list[str], input_type: str) -> np.ndarray:
        options: dict[str, Any] = (
            {"output_dimension": self._output_dimension} if self._output_dimension else {}
        )
        try:
            response = self._post_embed(
                {
                    "texts": texts,
                    "model": self.model,
                    "input_type": input_type,
                    "embedding_types": ["float"],
                    **options,
                }
            )
            if response is None:
                response = self._client.embed(
                    model=self.model, input_type=input_type, texts=texts, embedding_types=["float"], **options
                )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        rows = _path(response, "embeddings", "float_")
        if rows is None:
            rows = _path(response, "embeddings", "float")
        if not isinstance(rows, list) or len(rows) != len(texts):
            got = len(rows) if isinstance(rows, list) else "no"
            raise ProviderError(
                f"Cohere returned {got} embeddings for {len(texts)} texts; the reply is malformed"
            )
        try:
            matrix = np.asarray(rows, dtype=np.float32)
        except (TypeError, ValueError):
            raise ProviderError(
                "Cohere returned embeddings that are not numeric vectors of one length"
            ) from None
        if matrix.ndim != 2 or matrix.shape[1] == 0 or not np.isfinite(matrix).all():
            raise ProviderError("Cohere returned embeddings that are not numeric vectors of one length")
        self._check_width(matrix.shape[1])
        return normalise_rows(matrix)

    def _post_embed(self, body: dict[str, Any]) -> Any | None:
        """POST /v2/embed through the SDK's own HTTP client (base URL, auth, retries, hooks) and return the
        parsed JSON; None when this client has no such layer (then the SDK call is used).

        The SDK's lenient model construction converts every float of the reply one by one (about 2 s of CPU,
        under the GIL, for a batch of 96 vectors of 1536); the JSON is the same data, read in milliseconds.
        Failures raise what the SDK raises for them: ApiError with the status and body, or httpx errors.
        """
        http = getattr(getattr(self._client, "_client_wrapper", None), "httpx_client", None)
        if http is None or not callable(getattr(http, "request", None)):
            return None
        response = http.request(
            "v2/embed", method="POST", json=body, headers={"content-type": "application/json"}
        )
        try:
            data = response.json()
        except ValueError:
            raise ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=response.text
            )
        if not 200 <= response.status_code < 300:
            raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=data)
        return data

    def _check_width(self, width: int) -> None:
        with self._lock:
            if not self._confirmed:
                if self._output_dimension and width != self._output_dimension:
                    raise ProviderError(
                        f"Cohere returned {width}-dimensional embeddings, {self._output_dimension} were asked for"
                    )
                if self.dimension and width != self.dimension:
                    log.info(
                        "%s returns %d dimensions, not the documented %d", self.model, width, self.dimension
                    )
                self.dimension = width
                self._confirmed = True
            elif width != self.dimension:
                raise ProviderError(
                    f"Cohere returned {width}-dimensional embeddings after {self.dimension}-dimensional ones"
                )


# --- reranking ---------------------------------------------------------------------------------------


def rerank_document(hit: Hit) -> str:
    """v2 rerank takes plain strings: the utterance with its speaker, inside its neighbouring lines."""
    u = hit.utterance
    lines = [f"Episode: {hit.episode_title}"] if hit.episode_title else []
    lines += [_speaker_line(c) for c in hit.context if c.number < u.number]
    lines.append(_speaker_line(u))
    lines += [_speaker_line(c) for c in hit.context if c.number > u.number]
    return "\n".join(lines)


def _speaker_line(u: Utterance) -> str:
    return f"{u.speaker}: {u.text}" if u.speaker else u.text


class CohereReranker:
    """Reranker protocol over `/v2/rerank`; the score becomes the Cohere relevance score."""

    def __init__(self, client: cohere.ClientV2, model: str = "rerank-v3.5") -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self.name = f"cohere:{model}"

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        hits = list(hits)
        if not hits or top_n <= 0:
            return []
        try:
            response = self._client.rerank(
                model=self.model,
                query=query,
                documents=[rerank_document(h) for h in hits],
                top_n=min(top_n, len(hits)),
            )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        results = _get(response, "results")
        if not isinstance(results, list):
            raise ProviderError("Cohere returned a rerank reply without results")
        ranked: list[Hit] = []
        seen: set[int] = set()
        for result in results:
            index, score = _get(result, "index"), _get(result, "relevance_score")
            if (
                not isinstance(index, int)
                or not 0 <= index < len(hits)
                or index in seen
                or not isinstance(score, (int, float))
            ):
                raise ProviderError("Cohere returned a malformed rerank result")
            seen.add(index)
            hit, value = hits[index], float(score)
            ranked.append(replace(hit, score=value, scores={**hit.scores, "rerank": value}))
        ranked.sort(key=lambda h: h.score, reverse=True)
        return ranked[:top_n]


# --- grounded answers --------------------------------------------------------------------------------


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
            request["documents"] = documents_for(_unique(hits))
        if self._max_tokens:
            request["max_tokens"] = self._max_tokens
        return request

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> Iterator[AnswerEvent]:
        hits = _unique(hits)
        request = self.request(question, hits, history)
        attempt = 0
        while True:
            state = _StreamState(hits)
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
                delay = _retry_delay(exc, attempt)
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

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        """Consume `stream()` for callers that do not render deltas."""
        for event in self.stream(question, hits, history):
            if event.kind == "done" and event.answer is not None:
                return event.answer
        raise ProviderError("Cohere's answer stream ended without an answer")  # pragma: no cover


def _unique(hits: Sequence[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out: list[Hit] = []
    for hit in hits:
        if hit.utterance.id not in seen:
            seen.add(hit.utterance.id)
            out.append(hit)
    return out


@dataclass
class _Raw:
    start: Any
    end: Any
    text: Any
    sources: Any
    content_index: Any
    type: Any


class _StreamState:
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
        kind = _get(event, "type")
        index = _get(event, "index")
        if kind == "content-start":
            content = _path(event, "delta", "message", "content")
            self._types[index] = _get(content, "type") or "text"
            return self._text(index, _get(content, "text"))
        if kind == "content-delta":
            if self._types.get(index, "text") != "text":
                return ""
            return self._text(index, _path(event, "delta", "message", "content", "text"))
        if kind == "citation-start":
            raw = _path(event, "delta", "message", "citations")
            if isinstance(raw, list):  # the wire sends one citation; tolerate a list anyway
                self._citations += [self._raw(c) for c in raw]
            elif raw is not None:
                self._citations.append(self._raw(raw))
        elif kind == "message-end":
            delta = _get(event, "delta")
            self.ended = True
            self._finish_reason = _get(delta, "finish_reason")
            self._error = _get(delta, "error")
            self._usage = _get(delta, "usage")
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
        return _Raw(*(_get(c, k) for k in ("start", "end", "text", "sources", "content_index", "type")))

    def finish(self, model: str | None) -> Answer:
        if not self.ended:
            raise ProviderError(
                "Cohere's answer stream ended early (no message-end); the answer is incomplete"
            )
        if self._error or self._finish_reason in ("ERROR", "TIMEOUT"):
            why = _clean(str(self._error)) if self._error else self._finish_reason
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
            counts = _get(self._usage, part)
            inp, out = _get(counts, "input_tokens"), _get(counts, "output_tokens")
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
            doc_id = _get(source, "id") or _path(source, "document", "id")
            utterance = self._by_id.get(doc_id) if _get(source, "type") in (None, "document") else None
            if utterance is None:
                log.warning("Dropping a citation source that is not a retrieved utterance: %r", doc_id)
            elif utterance not in utterances:
                utterances.append(utterance)
        if not utterances:
            return None
        base = self._base.get(raw.content_index, 0) if raw.content_index is not None else 0
        start = raw.start + base if isinstance(raw.start, int) else None
        end = raw.end + base if isinstance(raw.end, int) else None
        span = _locate(text, start, end, raw.text if isinstance(raw.text, str) else None)
        if span is None:
            log.warning(
                "Dropping a citation whose span %r..%r does not match the answer text", raw.start, raw.end
            )
            return None
        return span, utterances


def _locate(answer: str, start: int | None, end: int | None, cited: str | None) -> tuple[int, int] | None:
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


# --- follow-up rewriting -----------------------------------------------------------------------------


class CohereQueryRewriter:
    """QueryRewriter protocol: turns a follow-up into a standalone search query with one small chat call."""

    def __init__(self, client: cohere.ClientV2, model: str, prompts_dir: Path, *, max_turns: int = 6) -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self._prompts_dir = prompts_dir
        self._max_turns = max_turns
        load_prompt(prompts_dir, "condense", history="", question="")  # fail at start-up, not mid-chat

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        turns = [t for t in history if t.content.strip()][-self._max_turns :]
        if not turns:
            return question
        prompt = load_prompt(self._prompts_dir, "condense", history=_format_history(turns), question=question)
        try:
            response = self._client.chat(
                model=self.model, messages=[cohere.UserChatMessageV2(content=prompt)], temperature=0.0
            )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        query = _first_line(_message_text(_get(response, "message")))
        return query or question


def _format_history(turns: Sequence[Turn], limit: int = 1200) -> str:
    def clip(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    return "\n".join(f"{'User' if t.role == 'user' else 'Assistant'}: {clip(t.content)}" for t in turns)


def _message_text(message: Any) -> str:
    content = _get(message, "content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        text
        for item in content
        if _get(item, "type") == "text" and isinstance(text := _get(item, "text"), str)
    )


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        line = (
            re.sub(r"(?i)^\s*(standalone\s+)?(search\s+)?query\s*:\s*", "", line)
            .strip()
            .strip("\"'`")
            .strip()
        )
        if line:
            return line
    return ""


# --- wiring ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohereProviders:
    """Every Cohere-backed part, built from one client, for `Assistant.from_settings` to pick from."""

    client: cohere.ClientV2
    embedder: CohereEmbedder
    reranker: CohereReranker
    generator: CohereGenerator
    rewriter: CohereQueryRewriter

    @classmethod
    def from_settings(cls, settings: Settings, httpx_client: httpx.Client | None = None) -> CohereProviders:
        client = make_client(settings, httpx_client)
        return cls(
            client=client,
            embedder=CohereEmbedder(client, settings.embed_model),
            reranker=CohereReranker(client, settings.rerank_model),
            generator=CohereGenerator(
                client, settings.chat_model, settings.prompts_dir, settings.max_retries
            ),
            rewriter=CohereQueryRewriter(client, settings.chat_model, settings.prompts_dir),
        )
