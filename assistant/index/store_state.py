"""What processes sharing one embedded store agree on: generation tokens, sweep markers, the open lock, and
caches keyed by them (one client per store per process, memoised reads).

Chroma's embedded engine keeps its vector index in memory per process and writes it back on every change, so a
process holding an index older than the files on disk would overwrite what another process wrote. Every writer
therefore records a new generation token in `<store>/.generation` before its first change and after its last;
a process whose loaded token differs from the file's re-opens its client. No chromadb here.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

GENERATION_FILE = ".generation"
OPEN_LOCK_FILE = ".open.lock"
SWEPT_FILE = ".swept"
CATALOG_FILE = ".catalog.json"
OUTLINES_FILE = ".outlines.json"
"""Outlines read since the last write, kept apart from the catalog that every command reads whole."""

T = TypeVar("T")


def read_token(path: Path) -> str:
    """The store's current generation token, or "" for a store never written."""
    try:
        return (path / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def write_token(path: Path, state: str) -> str:
    """A new token (`state:uuid`), written atomically so readers never see half of one."""
    token = f"{state}:{uuid.uuid4().hex}"
    tmp = path / f"{GENERATION_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text(token, encoding="utf-8")
    os.replace(tmp, path / GENERATION_FILE)
    return token


def read_swept(path: Path) -> str:
    """The clean token of the last sweep that left no orphans, or ""."""
    try:
        return (path / SWEPT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def write_swept(path: Path, token: str) -> None:
    """Best effort: a store folder that cannot be written to is simply swept again next time."""
    tmp = path / f"{SWEPT_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        tmp.write_text(token, encoding="utf-8")
        os.replace(tmp, path / SWEPT_FILE)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def open_lock(path: Path) -> Any:
    """Creating a new store runs Chroma's migrations, which two processes must not do at once."""
    from filelock import FileLock

    path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path / OPEN_LOCK_FILE), timeout=120)


class SharedClients:
    """Process-wide: per embedded store path, the generation token and client loaded last, so store objects in
    one process (CLI and library, UI sessions) share one fresh client instead of re-opening one each.

    Hold `lock` around reading the token and taking or putting a client, so both stay paired."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._clients: dict[str, tuple[str, Any]] = {}

    def get(self, path: Path) -> tuple[str, Any] | None:
        return self._clients.get(str(path))

    def put(self, path: Path, token: str, client: Any) -> None:
        self._clients[str(path)] = (token, client)


CLIENTS = SharedClients()


class Memo:
    """Reads' results, reused while the generation token stays the same clean one.

    Every writer records a new token before its first change and another after its last, so an unchanged
    `clean:` token means nothing was written since the value was read. Mid-write (`writing:`), on a store
    never written (no token) and against a server (no token either), every call reads afresh.

    With a `file`, values given a codec are also kept on disk beside the token they were read under, so the
    next process (a CLI command) answers "which episodes, which signature" without opening Chroma at all.
    """

    def __init__(self, token: Callable[[], str], file: Path | None = None) -> None:
        self._token = token
        self._file = file
        self._values: dict[str, tuple[str, Any]] = {}

    def get(self, key: str, compute: Callable[[], T], codec: Codec | None = None) -> T:
        token = self._token()
        if not token.startswith("clean:"):
            return compute()
        hit = self._values.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]  # type: ignore[no-any-return]
        saved = self._saved(token) if codec else {}
        value: T
        if codec and key in saved:
            value = codec[1](saved[key])
        else:
            value = compute()
            if codec and self._token() == token:  # read again: computing may have saved other values
                self._save(token, {**self._saved(token), key: codec[0](value)})
        if self._token() == token:
            self._values[key] = (token, value)
        return value

    def _saved(self, token: str) -> dict[str, Any]:
        if self._file is None:
            return {}
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        values = data.get("values") if isinstance(data, dict) and data.get("token") == token else None
        return values if isinstance(values, dict) else {}

    def _save(self, token: str, values: dict[str, Any]) -> None:
        """Best effort and atomic:
        a reader sees the old file or the new one, and a token mismatch ignores both."""
        if self._file is None:
            return
        tmp = self._file.with_name(f"{self._file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps({"token": token, "values": values}), encoding="utf-8")
            os.replace(tmp, self._file)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]
"""(to JSON-able, from JSON-able) for a value a `Memo` keeps on disk."""
