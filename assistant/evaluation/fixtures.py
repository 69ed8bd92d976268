"""Cohere HTTP fixtures: record real exchanges, replay them offline through the real SDK, or craft them.

Every request to Cohere goes through one of the httpx transports of transports.py, under the real
`cohere.ClientV2`:

- `MeteredTransport`: live calls, counting billed units per model (for tokens and cost).
- `RecordingTransport`: live calls, each request/response saved as a fixture file.
- `ReplayTransport`: answers from fixture files only; a request with no fixture raises `FixtureMissing`,
  an EvalError that nothing in the assistant catches,
  so a replayed evaluation can never quietly fall back offline.
- `CraftingTransport`: no network at all; builds each response from the documented response shapes
  (see ../shared/cohere/NOTES.md) and the suite's gold data, and saves it as a fixture marked `crafted`.

A fixture is keyed by the SHA-256 of the route and the canonical JSON request body minus VOLATILE_FIELDS.
So anything that changes what is sent (prompt, retrieved documents, model, question) needs new fixtures.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

VOLATILE_FIELDS = frozenset({"priority"})
"""Top-level request fields left out of the key: scheduling hints that do not change the reply."""
MANIFEST = "manifest.json"
CRAFTED_NOTE = (
    "fixtures: crafted. These Cohere responses were not produced by Cohere: "
    "`assistant eval --write-fixtures` built them from the documented response shapes. "
    "Chat answers quote the gold utterances that were among the retrieved documents "
    "(an oracle writer limited to what retrieval found) and refuse otherwise; "
    "rerank scores are the share of query words found in each document. "
    "They test the hosted plumbing (documents, citations, rerank, follow-up rewriting), not Cohere's quality."
)


# ---- keys -----------------------------------------------------------------------------------------------


def route_of(request: httpx.Request, body: Any) -> str:
    path = request.url.path.rstrip("/")
    tail = "/".join(path.split("/")[-2:])
    if tail == "v2/chat":
        return "chat_stream" if isinstance(body, dict) and body.get("stream") else "chat"
    return {"v2/rerank": "rerank", "v2/embed": "embed"}.get(tail, tail.replace("/", "_") or "root")


def request_body(request: httpx.Request) -> Any:
    raw = request.content or b""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def canonical(body: Any) -> str:
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in VOLATILE_FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def request_key(request: httpx.Request) -> tuple[str, str, Any]:
    """(key, route, parsed body) of one request."""
    body = request_body(request)
    route = route_of(request, body)
    path = "/".join(request.url.path.rstrip("/").split("/")[-2:])
    digest = hashlib.sha256(f"{request.method} {path}\n{canonical(body)}".encode()).hexdigest()
    return digest, route, body


def summary(route: str, body: Any) -> dict[str, Any]:
    """What a person needs to recognise a request in a fixture file or a miss message."""
    if not isinstance(body, dict):
        return {"route": route}
    out: dict[str, Any] = {"route": route, "model": body.get("model")}
    describe = _DESCRIBE.get("chat" if route == "chat_stream" else route)
    if describe is not None:
        out.update(describe(body))
    return out


def _describe_chat(body: dict[str, Any]) -> dict[str, Any]:
    users = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1].get("content") if users else ""
    if isinstance(content, list):
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return {
        "message": _clip(str(content), 160),
        "turns": len(body.get("messages") or []),
        "documents": [d.get("id") for d in body.get("documents") or [] if isinstance(d, dict)],
    }


def _describe_rerank(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "query": _clip(str(body.get("query", "")), 160),
        "documents": len(body.get("documents") or []),
        "top_n": body.get("top_n"),
    }


def _describe_embed(body: dict[str, Any]) -> dict[str, Any]:
    return {"input_type": body.get("input_type"), "texts": len(body.get("texts") or [])}


_DESCRIBE = {"chat": _describe_chat, "rerank": _describe_rerank, "embed": _describe_embed}


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---- metering -------------------------------------------------------------------------------------------


@dataclass
class Meter:
    """Billed units per model and requests per route, from responses; thread-safe."""

    usage: dict[str, dict[str, float]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, route: str, body: Any, status: int, content: bytes, content_type: str) -> None:
        model = str(body.get("model")) if isinstance(body, dict) and body.get("model") else route
        counts = {"input_tokens": 0.0, "output_tokens": 0.0, "search_units": 0.0}
        if 200 <= status < 300:
            counts.update(_billed(route, content, content_type))
        with self._lock:
            self.requests[route] = self.requests.get(route, 0) + 1
            if status >= 400:  # the assistant may fall back quietly (rerank keeps the fused order): count it
                failed = f"{route} HTTP {status}"
                self.requests[failed] = self.requests.get(failed, 0) + 1
            bucket = self.usage.setdefault(
                model, {"input_tokens": 0.0, "output_tokens": 0.0, "search_units": 0.0}
            )
            for k, v in counts.items():
                bucket[k] += v

    def snapshot(self) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
        with self._lock:
            return {m: dict(c) for m, c in self.usage.items()}, dict(self.requests)

    @staticmethod
    def delta(
        before: tuple[dict[str, dict[str, float]], dict[str, int]],
        after: tuple[dict[str, dict[str, float]], dict[str, int]],
    ) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
        usage = {
            m: {k: v - before[0].get(m, {}).get(k, 0.0) for k, v in counts.items()}
            for m, counts in after[0].items()
        }
        usage = {m: c for m, c in usage.items() if any(c.values())}
        requests = {r: n - before[1].get(r, 0) for r, n in after[1].items() if n - before[1].get(r, 0)}
        return usage, requests


def _billed(route: str, content: bytes, content_type: str) -> dict[str, float]:
    text = content.decode("utf-8", "replace")
    if "event-stream" in content_type:
        usage = _stream_usage(text)
    else:
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        usage = data.get("usage") if route in ("chat", "chat_stream") else data.get("meta")
    if not isinstance(usage, dict):
        return {"search_units": 1.0} if route == "rerank" else {}
    billed = usage.get("billed_units") or usage.get("tokens") or {}
    out = {k: float(billed.get(k) or 0) for k in ("input_tokens", "output_tokens", "search_units")}
    if route == "rerank" and not out["search_units"]:
        out["search_units"] = 1.0
    return out


def _stream_usage(text: str) -> Any:
    """The usage of the last message-end event of a server-sent event stream."""
    usage: Any = None
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        try:
            event = json.loads(line[5:].strip())
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("type") == "message-end":
            usage = (event.get("delta") or {}).get("usage")
    return usage


# ---- fixture files --------------------------------------------------------------------------------------


class FixtureStore:
    """One JSON file per exchange:
    `<route>-<key prefix>.json` holding the request summary and the response."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self.written: set[str] = set()

    def path(self, key: str, route: str) -> Path:
        return self.folder / f"{route}-{key[:20]}.json"

    def load(self, key: str, route: str) -> dict[str, Any] | None:
        path = self.path(key, route)
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return data

    def save(
        self,
        key: str,
        route: str,
        request: Any,
        response: httpx.Response,
        content: bytes,
        *,
        crafted: bool,
        embedder: str | None = None,
    ) -> None:
        content_type = response.headers.get("content-type", "application/json")
        stored: dict[str, Any] = {"status": response.status_code, "content_type": content_type}
        text = content.decode("utf-8", "replace")
        if "json" in content_type:
            try:
                stored["json"] = json.loads(text)
            except ValueError:
                stored["text"] = text
        else:
            stored["text"] = text
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.path(key, route)
            embedders: list[str] = []
            if path.is_file():
                try:
                    embedders = list(json.loads(path.read_text(encoding="utf-8")).get("embedders") or [])
                except (ValueError, OSError):
                    embedders = []
            if embedder and embedder not in embedders:
                embedders.append(embedder)
            data = {
                "key": key,
                "crafted": crafted,
                "embedders": sorted(embedders),
                "request": summary(route, request),
                "response": stored,
            }
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            self.written.add(path.name)

    def prune(self, embedders: set[str]) -> int:
        """After a complete crafted run:
        drop these embedders from fixtures this run did not write; delete orphans."""
        removed = 0
        for path in sorted(self.folder.glob("*.json")):
            if path.name == MANIFEST or path.name in self.written:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                continue
            left = [e for e in data.get("embedders") or [] if e not in embedders]
            if left:
                data["embedders"] = left
                path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            else:
                path.unlink()
                removed += 1
        return removed


def response_from(stored: Mapping[str, Any], request: httpx.Request) -> httpx.Response:
    content_type = stored.get("content_type", "application/json")
    if "json" in stored:
        content = json.dumps(stored["json"]).encode()
    else:
        content = str(stored.get("text", "")).encode()
    return httpx.Response(
        int(stored.get("status", 200)),
        headers={"content-type": content_type},
        content=content,
        request=request,
    )


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None


def write_manifest(
    folder: Path, *, crafted: bool, suite: str, embedders: set[str], configs: list[str]
) -> None:
    old = read_manifest(folder) or {}
    keep = set(old.get("embedders") or []) if old.get("crafted") == crafted else set()
    files = sorted(p.name for p in Path(folder).glob("*.json") if p.name != MANIFEST)
    data = {
        "crafted": crafted,
        "note": CRAFTED_NOTE
        if crafted
        else "recorded from the live Cohere API with `assistant eval --record`",
        "suite": suite,
        "embedders": sorted(keep | embedders),
        "configs": configs,
        "updated": datetime.now(timezone.utc).date().isoformat(),
        "fixtures": len(files),
    }
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / MANIFEST).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
