"""The SDK client, its Retry-After policy, and the translation of every SDK failure into a ProviderError."""

from __future__ import annotations

import logging
import re
import time
import weakref
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import cohere
import httpx
from cohere.core.api_error import ApiError
from cohere.core.http_client import get_keepalive_proxy_mounts, get_keepalive_socket_options
from cohere.core.http_sse._exceptions import SSEError
from cohere.core.parse_error import ParsingError

from ...config import Settings
from ...errors import NeedsKeyError, ProviderError

log = logging.getLogger(__package__)

DEFAULT_BASE_URL = "https://api.cohere.com"
CLIENT_NAME = "transcript-assistant"
MAX_BACKOFF_SECONDS = 4.0

SDK_ERRORS: tuple[type[BaseException], ...] = (ApiError, ParsingError, httpx.HTTPError)
"""What the SDK raises for a failed call; anything else is a bug of ours and propagates untouched."""

_OWN_HTTP: weakref.WeakKeyDictionary[cohere.ClientV2, httpx.Client] = weakref.WeakKeyDictionary()
"""The httpx client make_client built for an SDK client; only these are ours to close."""


# --- client ------------------------------------------------------------------------------------------


def make_client(settings: Settings, httpx_client: httpx.Client | None = None) -> cohere.ClientV2:
    """Build the SDK client from settings alone (never from CO_API_URL, which the SDK reads at import).

    Without `httpx_client`, the one the SDK would build (keep-alive probes, proxies from the environment)
    is built here, so `close_client` can close it. `timeout` is always passed: with a custom `httpx_client`
    the SDK would otherwise send none and httpx's 5 s default would cut long answers short.
    """
    if not settings.cohere_api_key:
        raise NeedsKeyError(
            "Hosted mode needs a Cohere API key: set COHERE_API_KEY, or run offline (ASSISTANT_MODE=offline)"
        )
    remember_key(settings.cohere_api_key)
    own = None
    if httpx_client is None:
        own = httpx_client = httpx.Client(
            timeout=settings.timeout,
            follow_redirects=True,
            transport=httpx.HTTPTransport(
                socket_options=get_keepalive_socket_options(idle=60, intvl=30, cnt=5)
            ),
            mounts=get_keepalive_proxy_mounts(idle=60, intvl=30, cnt=5),
        )
    httpx_client.event_hooks["response"] = [*httpx_client.event_hooks.get("response", []), cap_retry_after]
    client = cohere.ClientV2(
        api_key=settings.cohere_api_key,
        base_url=settings.cohere_base_url or DEFAULT_BASE_URL,
        client_name=CLIENT_NAME,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        httpx_client=httpx_client,
    )
    if own is not None:
        _OWN_HTTP[client] = own
    return client


def close_client(client: Any) -> None:
    """Close the connections of a client built by `make_client`; a caller's own httpx client stays open."""
    own = _OWN_HTTP.pop(client, None) if client is not None else None
    if own is not None:
        own.close()


# --- Retry-After -------------------------------------------------------------------------------------


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a reply asks for, read as the SDK reads it: retry-after-ms, else Retry-After in seconds
    or as an HTTP date; None when neither is present and readable. Not clamped: may be negative or huge."""
    lowered = {k.lower(): v for k, v in headers.items()}
    requested = _seconds(lowered.get("retry-after-ms"), scale=0.001)
    if requested is None:
        requested = _seconds(lowered.get("retry-after"))
    return requested


def backoff_delay(headers: Mapping[str, str], attempt: int) -> float:
    """Our own retries (the SDK never retries a stream): the requested wait, else 0.5 s doubling each
    attempt, never more than MAX_BACKOFF_SECONDS since a user is waiting."""
    delay = retry_after_seconds(headers)
    if delay is None:
        delay = 0.5 * 2**attempt
    return min(max(delay, 0.0), MAX_BACKOFF_SECONDS)


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
    requested = retry_after_seconds(headers)
    if requested is None and headers.get("x-ratelimit-reset"):
        try:
            requested = float(headers["x-ratelimit-reset"]) - time.time()
        except ValueError:
            requested = None
    if requested is not None and requested > MAX_BACKOFF_SECONDS:
        headers["retry-after-ms"] = str(max(1, int(MAX_BACKOFF_SECONDS * 1000)))  # read first by the SDK


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


# --- errors ------------------------------------------------------------------------------------------


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
        return ProviderError(f"Cohere sent a stream that could not be read ({clean(str(exc))})")
    if isinstance(exc, httpx.ConnectError):
        return ProviderError(
            f"Cannot reach Cohere at {_host_of(exc)}: check the network connection or CO_API_URL",
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
            f"Cohere could not find it (HTTP 404): check the model names and CO_API_URL{suffix}",
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
    """Register a key (or a client's key) so `clean` masks it even without a `Bearer`/`api_key=` prefix.

    The SDK has no public way to read a client's key; a client built elsewhere is read through its
    private wrapper, and one from `make_client` was registered there already.
    """
    key = (
        client_or_key
        if isinstance(client_or_key, str)
        else getattr(getattr(client_or_key, "_client_wrapper", None), "_token", None)
    )
    if isinstance(key, str) and len(key) >= 6:
        _KNOWN_KEYS.add(key)


def clean(text: str, limit: int = 200) -> str:
    """One line, bounded, with anything that looks like a credential masked (bodies may echo requests)."""
    text = " ".join(text.split())
    for key in _KNOWN_KEYS:
        text = text.replace(key, "[redacted]")
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _api_message(body: Any) -> str:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return clean(body["message"])
    if isinstance(body, str) and body.strip() and "<" not in body and len(body) <= 300:
        return clean(body)
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
