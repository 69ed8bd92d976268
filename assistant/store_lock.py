"""One writer at a time per store, across processes (CLI and UI at once)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from .config import Settings
from .errors import StoreError


def lock_path(settings: Settings) -> Path:
    if settings.chroma_host:
        from platformdirs import user_cache_dir

        key = hashlib.sha256(f"{settings.chroma_host}:{settings.chroma_port}".encode()).hexdigest()[:16]
        folder = Path(user_cache_dir("transcript-assistant", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"server-{key}.lock"
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return settings.store_dir / ".write.lock"


@contextmanager
def store_lock(settings: Settings, timeout: float = 120.0) -> Iterator[None]:
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
