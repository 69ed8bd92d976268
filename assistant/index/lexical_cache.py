"""Keeps the BM25 index in step with the store, also when other processes change it."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Protocol

from .lexical import LexicalIndex, LexicalRecord

log = logging.getLogger(__name__)


class _Source(Protocol):
    def signature(self) -> str: ...

    def lexical_records(self) -> list[LexicalRecord]: ...


class LexicalCache:
    """Rebuilds only when the library's signature changes; saved beside an embedded store to skip start-up work."""

    def __init__(self, source: _Source, folder: Path | None, window: int = 1) -> None:
        self._source = source
        self._folder = folder
        self._window = window
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()

    def current(self) -> LexicalIndex:
        signature = self._source.signature()
        index = self._index
        if index is not None and index.signature == signature:
            return index
        with self._lock:
            if self._index is not None and self._index.signature == signature:
                return self._index
            loaded = LexicalIndex.load(self._folder / signature, signature, self._window) if self._folder else None
            if loaded is None:
                loaded = LexicalIndex(self._source.lexical_records(), signature, self._window)
                if self._folder:
                    self._save(loaded)
            self._index = loaded
            return loaded

    def _save(self, index: LexicalIndex) -> None:
        """Write to a private folder, then rename: readers in other processes never see half an index."""
        assert self._folder is not None
        target = self._folder / index.signature
        tmp = self._folder / f".tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            index.save(tmp)
            try:
                os.replace(tmp, target)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
            for old in self._folder.iterdir():
                if old.name != index.signature and not old.name.startswith(".tmp-"):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            log.warning("could not save the lexical index to %s: %s", self._folder, exc)
