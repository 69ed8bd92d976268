"""One writer at a time per store, across processes (CLI and UI at once).

Embedded store: the lock file lives in the store folder. Chroma server: the lock file is per user and per
server address on this machine, so it serialises the app processes of one machine only; several machines
writing to one server at once are not serialised (run ingestion from one place; see the README).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .config import Settings
from .errors import StoreError

DEFAULT_TIMEOUT = 120.0


def server_key(settings: Settings) -> str:
    """What names a Chroma server's files on this machine (its lock, its undo log)."""
    return hashlib.sha256(f"{settings.chroma_host}:{settings.chroma_port}".encode()).hexdigest()[:16]


def lock_path(settings: Settings) -> Path:
    if settings.chroma_host:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("transcript-assistant", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"server-{server_key(settings)}.lock"
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return settings.store_dir / ".write.lock"


@contextmanager
def store_lock(settings: Settings, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the store's write lock; StoreError after `timeout` seconds of another process holding it."""
    lock = FileLock(str(lock_path(settings)))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise StoreError(
            f"another process has been writing to the store for {timeout:.0f} s ({lock.lock_file}); "
            "wait for it to finish and try again"
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def try_store_lock(settings: Settings) -> Iterator[bool]:
    """The write lock if it is free right now (True), else False without waiting:
    for optional housekeeping."""
    lock = FileLock(str(lock_path(settings)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
