"""The httpx transports every Cohere request of an evaluation goes through, under the real `cohere.ClientV2`.

See fixtures.py for what each does and how fixtures are keyed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from .errors import FixtureMissing
from .fixtures import FixtureStore, Meter, request_key, response_from, summary


class _Base(httpx.BaseTransport):
    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    def _finish(self, route: str, body: Any, response: httpx.Response, content: bytes) -> httpx.Response:
        self.meter.add(route, body, response.status_code, content, response.headers.get("content-type", ""))
        return response


class MeteredTransport(_Base):
    def __init__(self, inner: httpx.BaseTransport, meter: Meter) -> None:
        super().__init__(meter)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _, route, body = request_key(request)
        response = self.inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        }
        fresh = httpx.Response(response.status_code, headers=headers, content=content, request=request)
        return self._finish(route, body, fresh, content)

    def close(self) -> None:
        self.inner.close()


class RecordingTransport(MeteredTransport):
    def __init__(
        self,
        inner: httpx.BaseTransport,
        meter: Meter,
        store: FixtureStore,
        embedder: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(inner, meter)
        self.store = store
        self.embedder = embedder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key, route, body = request_key(request)
        response = super().handle_request(request)
        self.store.save(key, route, body, response, response.content, crafted=False, embedder=self.embedder())
        return response


class ReplayTransport(_Base):
    def __init__(self, store: FixtureStore, meter: Meter) -> None:
        super().__init__(meter)
        self.store = store

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key, route, body = request_key(request)
        fixture = self.store.load(key, route)
        if fixture is None:
            raise FixtureMissing(
                f"no Cohere fixture for this {route} request in {self.store.folder} (key {key[:12]}; "
                f"{json.dumps(summary(route, body), ensure_ascii=False)[:400]}). Replay only answers "
                "requests recorded before, so the request changed (prompt, retrieval, model or suite). "
                "Re-record with `assistant eval --record DIR` (needs COHERE_API_KEY), or regenerate crafted "
                "fixtures with `assistant eval --write-fixtures DIR`."
            )
        response = response_from(fixture["response"], request)
        return self._finish(route, body, response, response.content)


class CraftingTransport(_Base):
    """Builds every response locally with `craft(route, body)` and keeps it as a crafted fixture."""

    def __init__(
        self,
        craft: Callable[[str, Any], httpx.Response],
        meter: Meter,
        store: FixtureStore,
        embedder: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(meter)
        self.craft = craft
        self.store = store
        self.embedder = embedder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key, route, body = request_key(request)
        response = self.craft(route, body)
        content = response.read()
        self.store.save(key, route, body, response, content, crafted=True, embedder=self.embedder())
        response = httpx.Response(
            response.status_code,
            headers={"content-type": response.headers["content-type"]},
            content=content,
            request=request,
        )
        return self._finish(route, body, response, content)
