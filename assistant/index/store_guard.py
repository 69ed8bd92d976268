"""How a failure of Chroma leaves the store: as a `StoreError` with a message for people. Against a server, a
broken connection (the server restarted) is retried once on a fresh client before giving up."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from ..errors import StoreError

log = logging.getLogger(__name__)

RECONNECT_PAUSE = 0.5
"""Seconds to wait before the one retry on a fresh connection (a restarting server needs a moment)."""

F = TypeVar("F", bound=Callable[..., Any])


class Reconnectable(Protocol):
    location: str

    @property
    def is_server(self) -> bool: ...

    def refresh(self) -> None: ...

    def reconnect(self) -> None: ...


def guarded(action: str) -> Callable[[F], F]:
    """Refresh a stale embedded client; turn Chroma failures into StoreError; retry once on reconnecting."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(self: Reconnectable, *args: Any, **kwargs: Any) -> Any:
            try:
                self.refresh()
                return method(self, *args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                if not (self.is_server and is_connection_error(exc)):
                    raise StoreError(
                        f"{action} in the Chroma store at {self.location} failed: {short(exc)}"
                    ) from exc
                log.warning("lost the Chroma server at %s (%s); reconnecting once", self.location, short(exc))
            time.sleep(RECONNECT_PAUSE)
            try:
                self.reconnect()
                return method(self, *args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(unreachable(self, action, exc)) from exc

        return cast(F, run)

    return wrap


def unreachable(store: Reconnectable, action: str, exc: BaseException) -> str:
    """The message for a store that cannot be reached; for a server, what to check."""
    if store.is_server:
        return (
            f"cannot reach the Chroma server at {store.location} ({action}): {short(exc)}; check that "
            "`chroma run` is up and CHROMA_HOST/CHROMA_PORT (and CHROMA_AUTH_TOKEN) are right, then try again"
        )
    return f"{action} in the Chroma store at {store.location} failed: {short(exc)}"


def is_connection_error(exc: BaseException) -> bool:
    """A transport failure (server down or restarted), as opposed to a request Chroma refused."""
    import httpx

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (httpx.TransportError, ConnectionError)):
            return True
        text = str(current)
        if "Could not connect to a Chroma server" in text or "Connection refused" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def short(exc: BaseException, limit: int = 300) -> str:
    """The exception's message on one line, cut to `limit` characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
