"""Keeps the BM25 index and the vector snapshot in step with the store, also when other processes change it.

The index is keyed by the store's signature, which changes with every committed episode write. A build reads
the signature before and after reading the records; if they differ another process committed meanwhile, so the
build is used for this one request but neither kept as current nor saved (the next request rebuilds). Saved
indexes live beside an embedded store, one folder per signature, written to a private folder and renamed into
place, so other processes never load half of one; a folder that cannot be loaded is simply rebuilt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .lexical import LexicalIndex, LexicalRecord, saved_matches
from .vectors import VectorSnapshot

log = logging.getLogger(__name__)

KEEP_SAVED = 3
"""Saved indexes kept (newest first): another process may still be loading one of the older ones."""
BUILD_ATTEMPTS = 3


class _Source(Protocol):
    def signature(self) -> str: ...

    def lexical_records(self) -> list[LexicalRecord]: ...


@dataclass(frozen=True)
class Snapshot:
    """The keyword index and, row for row, the stored vectors (None when not kept; the store serves them)."""

    keywords: LexicalIndex
    vectors: VectorSnapshot | None = None

    def __post_init__(self) -> None:
        if self.vectors is not None and len(self.vectors) != len(self.keywords):
            object.__setattr__(self, "vectors", None)

    @property
    def signature(self) -> str:
        return self.keywords.signature


class LexicalCache:
    """Rebuilds only when the library's signature changes;
    saved beside an embedded store to skip start-up work."""

    def __init__(self, source: _Source, folder: Path | None, window: int = 1) -> None:
        self._source = source
        self._folder = folder
        self._window = window
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def saves(self) -> bool:
        """Whether a built index is saved beside the store; else it lasts as long as this process."""
        return self._folder is not None

    def ready(self) -> bool:
        """Whether the index of the library as it is now is at hand (in memory or saved), so that the next
        search does not build it."""
        signature = self._source.signature()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.signature == signature:
            return True
        return self._folder is not None and saved_matches(self._folder / signature, signature, self._window)

    def at_hand(self) -> Snapshot | None:
        """The snapshot when `ready`, else None: a read of one episode should not build the whole index."""
        return self.snapshot() if self.ready() else None

    def current(self) -> LexicalIndex:
        """The keyword index of the library as it is now."""
        return self.snapshot().keywords

    def snapshot(self) -> Snapshot:
        """The keyword index and vector snapshot of the library as it is now, built in one pass."""
        signature = self._source.signature()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.signature == signature:
            return snapshot
        with self._lock:
            if self._snapshot is not None and self._snapshot.signature == signature:
                return self._snapshot
            loaded = self._load(signature)
            if loaded is not None:
                self._snapshot = loaded
                return loaded
            for _attempt in range(BUILD_ATTEMPTS):
                records, matrix = self._read()
                built = Snapshot(
                    LexicalIndex(records, signature, self._window),
                    VectorSnapshot(matrix) if matrix is not None else None,
                )
                after = self._source.signature()
                if after == signature:
                    if self._folder:
                        built = self._save(built)
                    self._snapshot = built
                    return built
                log.info("the library changed while the keyword index was built; building again")
                signature = after
            # Still changing (a long ingest elsewhere): answer from this build, keep nothing.
            return Snapshot(
                LexicalIndex(built.keywords.records, "unstable:" + signature, self._window), built.vectors
            )

    def _read(self) -> tuple[list[LexicalRecord], np.ndarray | None]:
        """Records, plus their vectors when the index is saved to disk (then served from a memory map)."""
        snapshot = getattr(self._source, "lexical_snapshot", None)
        if self._folder and snapshot is not None:
            records, vectors = snapshot()
            return records, vectors
        return self._source.lexical_records(), None

    def _load(self, signature: str) -> Snapshot | None:
        if not self._folder:
            return None
        folder = self._folder / signature
        try:
            keywords = LexicalIndex.load(folder, signature, self._window)
            if keywords is None:
                return None
            vectors = VectorSnapshot.load(folder)
            if vectors is not None and len(vectors) != len(keywords):
                raise ValueError(f"{len(vectors)} vectors for {len(keywords)} records")
            return Snapshot(keywords, vectors)
        except Exception as exc:  # a file cut short (a full disk), half deleted: rebuilt, the search kept
            log.warning("the saved keyword index in %s is damaged (%s); building it again", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)  # else `_save` keeps it, and every process rebuilds
            return None

    def _save(self, snapshot: Snapshot) -> Snapshot:
        """Write to a private folder, then rename: readers in other processes never see half an index.

        Returns the snapshot to keep: its vectors served from the saved file when it could be written."""
        assert self._folder is not None
        index, vectors = snapshot.keywords, snapshot.vectors
        target = self._folder / index.signature
        tmp = self._folder / f".tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(tmp, ignore_errors=True)
            index.save(tmp)
            if vectors is not None:
                vectors.save(tmp)
            try:
                os.replace(tmp, target)
            except OSError:  # another process saved the same signature first, or an older format sits there
                if not saved_matches(target, index.signature, self._window):
                    shutil.rmtree(target, ignore_errors=True)
                    with contextlib.suppress(OSError):
                        os.replace(tmp, target)
                shutil.rmtree(tmp, ignore_errors=True)
            if vectors is not None:  # serve from the saved file: pages in on use, not held in memory
                try:
                    mapped = VectorSnapshot.load(target)
                except (OSError, ValueError):
                    mapped = None
                if mapped is not None and mapped.matrix.shape == vectors.matrix.shape:
                    snapshot = Snapshot(index, mapped)
            self._prune(index.signature)
        except OSError as exc:
            log.warning("could not save the lexical index to %s: %s", self._folder, exc)
        return snapshot

    def _prune(self, keep: str) -> None:
        assert self._folder is not None
        saved = []
        for entry in self._folder.iterdir():
            if entry.name == keep or entry.name.startswith(".tmp-"):
                continue
            try:
                saved.append((entry.stat().st_mtime, entry))
            except OSError:
                continue
        saved.sort(reverse=True)
        for _mtime, old in saved[KEEP_SAVED - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
