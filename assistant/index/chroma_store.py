"""The utterance store on Chroma: one record per utterance, one per episode; the only module that imports chromadb.

An episode's record is written last and deleted first, so it marks the episode as complete: utterance records
without a matching episode record (left by a crash mid-ingest) are invisible to search and are swept on the next
write (`sweep_orphans`).

Several processes may share one embedded store (the CLI and the UI). Chroma's embedded engine keeps its vector
index in memory per process and writes it back on every change, so a process holding an index older than the
files on disk would overwrite what another process wrote. Every writer therefore records a new generation token in
`<store>/.generation`, and every process re-opens its client before reading or writing when the token differs from
the one it loaded (writers hold the store's file lock; see `store_lock`).

Every failure of Chroma leaves this module as a `StoreError` with a message for people; against a server, a broken
connection (the server restarted) is retried once on a fresh client before giving up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from ..errors import EmbedderMismatchError, StoreError
from ..types import Episode, Utterance
from .lexical import LexicalRecord

log = logging.getLogger(__name__)

UTTERANCES = "utterances"
EPISODES = "episodes"
PAGE = 5000
GENERATION_FILE = ".generation"
OPEN_LOCK_FILE = ".open.lock"
SWEPT_FILE = ".swept"
RECONNECT_PAUSE = 0.5
"""Seconds to wait before the one retry on a fresh connection (a restarting server needs a moment)."""

F = TypeVar("F", bound=Callable[..., Any])

# Process-wide: per embedded store path, the generation token and client loaded last, so ChromaStore instances
# in one process (CLI and library, UI sessions) share one fresh client instead of re-opening one each.
_FRESH: dict[str, tuple[str, Any]] = {}
_FRESH_LOCK = threading.RLock()


def _read_token(path: Path) -> str:
    try:
        return (path / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _write_token(path: Path, state: str) -> str:
    """A new token (`state:uuid`), written atomically so readers never see half of one."""
    token = f"{state}:{uuid.uuid4().hex}"
    tmp = path / f"{GENERATION_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text(token, encoding="utf-8")
    os.replace(tmp, path / GENERATION_FILE)
    return token


def _read_swept(path: Path) -> str:
    try:
        return (path / SWEPT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _write_swept(path: Path, token: str) -> None:
    """Best effort: a store folder that cannot be written to is simply swept again next time."""
    tmp = path / f"{SWEPT_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        tmp.write_text(token, encoding="utf-8")
        os.replace(tmp, path / SWEPT_FILE)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _open_lock(path: Path) -> Any:
    """Creating a new store runs Chroma's migrations, which two processes must not do at once."""
    from filelock import FileLock

    path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path / OPEN_LOCK_FILE), timeout=120)


def _persistent_client(path: Path, fresh: bool) -> Any:
    """The embedded client; `fresh` drops Chroma's per-process cached instance so files are read again."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    if fresh:
        # Not stopped: threads still using the old instance finish on it; it is freed when unreferenced.
        SharedSystemClient._identifier_to_system.pop(str(path), None)
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _is_connection_error(exc: BaseException) -> bool:
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


def _guarded(action: str) -> Callable[[F], F]:
    """Refresh a stale embedded client first; turn Chroma failures into StoreError; retry once after reconnecting."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(self: ChromaStore, *args: Any, **kwargs: Any) -> Any:
            try:
                self._ensure_fresh()
                return method(self, *args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                if not (self._host and _is_connection_error(exc)):
                    raise StoreError(
                        f"{action} in the Chroma store at {self.location} failed: {_short(exc)}"
                    ) from exc
                log.warning(
                    "lost the Chroma server at %s (%s); reconnecting once", self.location, _short(exc)
                )
            time.sleep(RECONNECT_PAUSE)
            try:
                self._connect()
                return method(self, *args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(self._unreachable(action, exc)) from exc

        return cast(F, run)

    return wrap


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _utterance_metadata(u: Utterance) -> dict[str, Any]:
    meta: dict[str, Any] = {"episode": u.episode_id, "number": u.number}
    if u.speaker:
        meta["speaker"] = u.speaker
        meta["speaker_key"] = u.speaker.casefold()
        if u.speaker_inferred:
            meta["speaker_inferred"] = True
    if u.start is not None:
        meta["start"] = float(u.start)
    if u.end is not None:
        meta["end"] = float(u.end)
    return meta


def _utterance_from(meta: dict[str, Any], text: str | None) -> Utterance:
    return Utterance(
        episode_id=str(meta["episode"]),
        number=int(meta["number"]),
        text=text or "",
        speaker=meta.get("speaker"),
        start=meta.get("start"),
        end=meta.get("end"),
        speaker_inferred=bool(meta.get("speaker_inferred", False)),
    )


def _episode_to_meta(episode: Episode) -> dict[str, Any]:
    data = asdict(episode)
    return {"json": json.dumps(data), "content_hash": episode.content_hash}


def _episode_from_meta(meta: dict[str, Any]) -> Episode:
    data = json.loads(meta["json"])
    data["guests"] = tuple(data.get("guests") or ())
    data["speakers"] = tuple(data.get("speakers") or ())
    return Episode(**data)


def where_clause(
    episodes: Sequence[str] | None = None, speakers: Sequence[str] | None = None
) -> dict[str, Any] | None:
    parts: list[dict[str, Any]] = []
    if episodes:
        parts.append({"episode": {"$in": list(episodes)}})
    if speakers:
        parts.append({"speaker_key": {"$in": [s.casefold() for s in speakers]}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


class ChromaStore:
    """Embedded (`path`) or server (`host`) Chroma, holding vectors we compute ourselves (never Chroma's default)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        headers: dict[str, str] | None = None,
        embedder_name: str,
        dimension: int,
    ) -> None:
        self.embedder_name = embedder_name
        self.dimension = dimension
        self._path = None if host else path
        self._host = host
        self._port = port
        self._ssl = ssl
        self._headers = headers
        self._token = ""
        self._memo: dict[str, tuple[str, Any]] = {}
        self.location = f"{'https' if ssl else 'http'}://{host}:{port}" if host else str(path)
        if not host and path is None:
            raise StoreError("no store folder and no Chroma server (CHROMA_HOST) configured")
        try:
            self._connect(initial=True)
        except StoreError:
            raise
        except Exception as exc:
            if host and _is_connection_error(exc):
                raise StoreError(self._unreachable("opening the store", exc)) from exc
            raise StoreError(f"cannot open the Chroma store at {self.location}: {_short(exc)}") from exc

    # ---- connection -----------------------------------------------------------------------------------------

    def _unreachable(self, action: str, exc: BaseException) -> str:
        if self._host:
            return (
                f"cannot reach the Chroma server at {self.location} ({action}): {_short(exc)}; check that "
                "`chroma run` is up and CHROMA_HOST/CHROMA_PORT (and CHROMA_AUTH_TOKEN) are right, then try again"
            )
        return f"{action} in the Chroma store at {self.location} failed: {_short(exc)}"

    def _connect(self, initial: bool = False) -> None:
        """(Re)open the client and both collections."""
        if self._host:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            self._client = chromadb.HttpClient(
                host=self._host,
                port=self._port,
                ssl=self._ssl,
                headers=self._headers,
                settings=ChromaSettings(anonymized_telemetry=False),
            )
            self._open_collections()
            return
        assert self._path is not None
        path = self._path
        with _FRESH_LOCK:
            token = _read_token(path)
            cached = _FRESH.get(str(path))
            if cached is not None and cached[0] == token:
                self._client = cached[1]
                self._open_collections()
            else:
                with _open_lock(path):
                    token = _read_token(path)
                    self._client = _persistent_client(path, fresh=True)
                    self._open_collections()
                _FRESH[str(path)] = (token, self._client)
            self._token = token

    def _open_collections(self) -> None:
        self._episodes = self._client.get_or_create_collection(EPISODES, embedding_function=None)
        self._utterances = self._open_utterances()
        self.max_batch = int(self._client.get_max_batch_size())

    def _ensure_fresh(self) -> None:
        """Embedded only: re-open when another process has written since this one loaded the store."""
        if self._path is None or _read_token(self._path) == self._token:
            return
        self._connect()

    def _begin_write(self) -> None:
        """Call with the store lock held, before the first change: readers elsewhere will re-open."""
        if self._path is not None:
            self._ensure_fresh()
            self._mark("writing")

    def _end_write(self) -> None:
        if self._path is not None:
            self._mark("clean")

    def _mark(self, state: str) -> None:
        assert self._path is not None
        with _FRESH_LOCK:
            self._token = _write_token(self._path, state)
            _FRESH[str(self._path)] = (self._token, self._client)

    def _memoised(self, key: str, compute: Callable[[], Any]) -> Any:
        """Embedded only: a read's result, reused while the generation token stays the same clean one.

        Every writer records a new token before its first change and another after its last, so an unchanged
        `clean:` token means nothing was written since the value was read. Mid-write (`writing:`), on a store
        never written (no token) and against a server, every call reads afresh.
        """
        token = self._token
        if self._path is None or not token.startswith("clean:"):
            return compute()
        hit = self._memo.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]
        value = compute()
        if self._token == token:
            self._memo[key] = (token, value)
        return value

    def interrupted_write(self) -> bool:
        """Embedded only: the last writer stopped mid-write (its token still says `writing`)."""
        return self._path is not None and _read_token(self._path).startswith("writing:")

    def _open_utterances(self) -> Any:
        import chromadb.errors

        try:
            collection = self._client.get_collection(UTTERANCES, embedding_function=None)
        except (chromadb.errors.NotFoundError, ValueError):
            try:
                return self._client.create_collection(
                    UTTERANCES,
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"embedder": self.embedder_name, "dimension": self.dimension},
                )
            except Exception:
                # Another process (sharing a server) created it first: use theirs, checked below.
                collection = self._client.get_collection(UTTERANCES, embedding_function=None)
        built_with = (collection.metadata or {}).get("embedder")
        if built_with != self.embedder_name and collection.count() > 0:
            raise EmbedderMismatchError(
                f"the store at {self.location} was built with the embedder {built_with!r}, not {self.embedder_name!r}; "
                f"use the same embedder (ASSISTANT_EMBEDDER) or rebuild it with `assistant reindex`"
            )
        return collection

    @staticmethod
    def recorded_embedder(
        path: Path | None = None,
        *,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        headers: dict[str, str] | None = None,
    ) -> str | None:
        """Which embedder an existing store was built with, without opening it for writing."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(
                    host=host, port=port, ssl=ssl, headers=headers, settings=settings
                )
            else:
                if path is None or not (path / "chroma.sqlite3").exists():
                    return None
                with _open_lock(path):
                    client = chromadb.PersistentClient(path=str(path), settings=settings)
            collection = client.get_collection(UTTERANCES, embedding_function=None)
            if collection.count() == 0:
                return None
        except Exception:  # unreachable or not built yet: opening the store proper reports it clearly
            return None
        return (collection.metadata or {}).get("embedder")

    # ---- episodes -------------------------------------------------------------------------------------------

    @_guarded("listing episodes")
    def episodes(self) -> list[Episode]:
        return list(self._memoised("episodes", self._read_episodes))

    def _read_episodes(self) -> tuple[Episode, ...]:
        got = self._episodes.get(include=["metadatas"])
        episodes = [_episode_from_meta(m) for m in got["metadatas"] or []]
        return tuple(sorted(episodes, key=lambda e: (e.show or "", e.title.casefold(), e.id)))

    @_guarded("reading an episode")
    def episode(self, episode_id: str) -> Episode | None:
        got = self._episodes.get(ids=[episode_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return _episode_from_meta(metas[0]) if metas else None

    @_guarded("reading the library signature")
    def signature(self) -> str:
        """Changes whenever any episode is added, replaced or deleted; keys caches shared across processes.

        Each episode's full record counts (its `ingested_at` too), so an episode rewritten with the same content
        still changes the signature: a cache built while it was being rewritten is never taken as current.
        """
        return str(self._memoised("signature", self._read_signature))

    def _read_signature(self) -> str:
        got = self._episodes.get(include=["metadatas"])
        pairs = sorted(
            (rid, m.get("content_hash", ""), hashlib.sha256(str(m.get("json", "")).encode()).hexdigest()[:12])
            for rid, m in zip(got["ids"], got["metadatas"] or [])
        )
        payload = json.dumps([self.embedder_name, pairs])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    # ---- writing (callers hold the store lock) --------------------------------------------------------------

    @_guarded("writing an episode")
    def write_episode(self, episode: Episode, utterances: Sequence[Utterance], vectors: np.ndarray) -> None:
        """Replace an episode: hide the old one, write utterances in batches, sweep leftovers, then commit."""
        if len(utterances) != len(vectors):
            raise StoreError(f"{episode.id}: {len(utterances)} utterances but {len(vectors)} vectors")
        self._begin_write()
        self._episodes.delete(ids=[episode.id])
        for start in range(0, len(utterances), self.max_batch):
            batch = utterances[start : start + self.max_batch]
            self._utterances.upsert(
                ids=[u.id for u in batch],
                documents=[u.text for u in batch],
                metadatas=[_utterance_metadata(u) for u in batch],
                embeddings=np.asarray(vectors[start : start + self.max_batch], dtype=np.float32),
            )
        keep = {u.id for u in utterances}
        stale = [i for i in self._ids_of(episode.id) if i not in keep]
        self._delete_ids(stale)
        self._episodes.upsert(
            ids=[episode.id],
            metadatas=[_episode_to_meta(episode)],
            embeddings=[[0.0]],
            documents=[episode.title],
        )
        self._end_write()

    @_guarded("deleting an episode")
    def delete_episode(self, episode_id: str) -> bool:
        existed = bool(self._episodes.get(ids=[episode_id], include=[])["ids"])
        self._begin_write()
        self._episodes.delete(ids=[episode_id])
        self._delete_ids(self._ids_of(episode_id))
        self._end_write()
        return existed

    @_guarded("emptying the store")
    def drop_all(self) -> None:
        """Delete every episode and utterance (and the embedder the store was built with); hold the store lock."""
        self._begin_write()
        for name in (EPISODES, UTTERANCES):
            try:
                self._client.delete_collection(name)
            except Exception:  # already gone: nothing to drop
                pass
        self._end_write()

    @_guarded("sweeping unfinished episodes")
    def sweep_orphans(self) -> int:
        """Delete utterance records whose episode was never committed (a crash mid-ingest); hold the store lock.

        Embedded store: the clean generation token of the last sweep that left no orphans is kept in
        `<store>/.swept`; while the token is still that one nothing was written since, so the scan (seconds on
        a large library) is skipped. Any write, finished or not, changes the token.
        """
        token = self._token
        if self._path is not None and token.startswith("clean:") and _read_swept(self._path) == token:
            return 0
        orphans = self._sweep()
        if self._path is not None and self._token.startswith("clean:"):
            _write_swept(self._path, self._token)
        return orphans

    def _sweep(self) -> int:
        committed = sorted(self._episodes.get(include=[])["ids"])
        where = {"episode": {"$nin": committed}} if committed else None
        orphans = list(self._utterances.get(where=where, include=[])["ids"])
        if orphans or self.interrupted_write():
            self._begin_write()
            self._delete_ids(orphans)
            self._end_write()
        if orphans:
            log.warning(
                "removed %d utterance records of unfinished episodes from %s", len(orphans), self.location
            )
        return len(orphans)

    def _ids_of(self, episode_id: str) -> list[str]:
        return list(self._utterances.get(where={"episode": episode_id}, include=[])["ids"])

    def _delete_ids(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self._utterances.delete(ids=list(ids[start : start + self.max_batch]))

    # ---- reading --------------------------------------------------------------------------------------------

    @_guarded("counting utterances")
    def count(self) -> int:
        """Utterance records, including any of an unfinished episode (see `sweep_orphans`)."""
        return self._count()

    def _count(self) -> int:
        return int(self._memoised("count", self._utterances.count))

    @_guarded("searching")
    def query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Utterance, float]]:
        """Nearest utterances by cosine similarity (1 - Chroma's cosine distance), best first."""
        if n <= 0 or self._count() == 0:
            return []
        got = self._utterances.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_utterance_from(meta, doc), 1.0 - float(dist))
            for meta, doc, dist in zip(got["metadatas"][0], got["documents"][0], got["distances"][0])
        ]

    @_guarded("searching")
    def nearest(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Like `query`, but only (utterance id, cosine similarity): no documents or metadata are read."""
        if n <= 0 or self._count() == 0:
            return []
        got = self._utterances.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["distances"],
        )
        return [(rid, 1.0 - float(dist)) for rid, dist in zip(got["ids"][0], got["distances"][0])]

    @_guarded("reading utterances")
    def get(
        self, ids: Sequence[str], with_vectors: bool = False
    ) -> dict[str, tuple[Utterance, np.ndarray | None]]:
        if not ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        got = self._utterances.get(ids=list(ids), include=include)
        vectors = got.get("embeddings") if with_vectors else None
        out: dict[str, tuple[Utterance, np.ndarray | None]] = {}
        for i, rid in enumerate(got["ids"]):
            vector = np.asarray(vectors[i], dtype=np.float32) if vectors is not None else None
            out[rid] = (_utterance_from(got["metadatas"][i], got["documents"][i]), vector)
        return out

    @_guarded("reading a transcript")
    def utterances_of(self, episode_id: str) -> list[Utterance]:
        got = self._utterances.get(where={"episode": episode_id}, include=["documents", "metadatas"])
        items = [_utterance_from(m, d) for m, d in zip(got["metadatas"], got["documents"])]
        return sorted(items, key=lambda u: u.number)

    @_guarded("reading utterances for the keyword index")
    def lexical_records(self) -> list[LexicalRecord]:
        """Every committed utterance in transcript order, for building the BM25 index."""
        return self._snapshot(with_vectors=False)[0]

    @_guarded("reading utterances for the keyword index")
    def lexical_snapshot(self) -> tuple[list[LexicalRecord], np.ndarray]:
        """`lexical_records` and, row for row, their stored vectors (float32), read in the same pass."""
        records, vectors = self._snapshot(with_vectors=True)
        assert vectors is not None
        return records, vectors

    def _snapshot(self, with_vectors: bool) -> tuple[list[LexicalRecord], np.ndarray | None]:
        committed = set(self._episodes.get(include=[])["ids"])
        records: list[LexicalRecord] = []
        pages: list[np.ndarray] = []
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        offset = 0
        while True:
            got = self._utterances.get(include=include, limit=PAGE, offset=offset)
            if not got["ids"]:
                break
            keep = []
            for i, (rid, meta, doc) in enumerate(zip(got["ids"], got["metadatas"], got["documents"])):
                if meta["episode"] in committed:
                    keep.append(i)
                    records.append(
                        LexicalRecord(
                            rid,
                            meta["episode"],
                            int(meta["number"]),
                            meta.get("speaker"),
                            doc or "",
                            meta.get("start"),
                            meta.get("end"),
                            bool(meta.get("speaker_inferred", False)),
                        )
                    )
            if with_vectors and keep:
                pages.append(np.asarray(got["embeddings"], dtype=np.float32)[keep])
            offset += len(got["ids"])
        order = sorted(range(len(records)), key=lambda i: (records[i].episode_id, records[i].number))
        records = [records[i] for i in order]
        if not with_vectors:
            return records, None
        vectors = np.concatenate(pages) if pages else np.zeros((0, self.dimension), dtype=np.float32)
        return records, vectors[np.asarray(order, dtype=np.int64)] if order else vectors

    @_guarded("listing episodes")
    def committed_episode_ids(self) -> set[str]:
        return set(self._memoised("episode_ids", lambda: frozenset(self._episodes.get(include=[])["ids"])))
