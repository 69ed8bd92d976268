"""The utterance store on Chroma: one record per utterance, one per episode;
the only module that imports chromadb.

An episode's record is written last and deleted first, so it marks the episode as complete: utterance records
without a matching episode record (left by a crash mid-ingest) are invisible to search and are swept on the
next write (`sweep_orphans`).

Several processes may share one embedded store (the CLI and the UI). Chroma's embedded engine keeps its vector
index in memory per process and writes it back on every change, so a process holding an index older than the
files on disk would overwrite what another process wrote. Every writer therefore records a new generation
token in `<store>/.generation`, and every process re-opens its client before reading or writing when the token
differs from the one it loaded (writers hold the store's file lock; see `store_lock`). Those tokens and what
is keyed by them live in `store_state`; the layout of the records in `store_records`.

Every failure of Chroma leaves this module as a `StoreError` with a message for people (see `store_guard`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import EmbedderMismatchError, StoreError
from ...types import DETAILS, Episode, Utterance
from .. import store_undo
from ..embedders import WORDS_ONLY
from ..store_guard import guarded, is_connection_error, short, unreachable
from ..store_records import episode_from, episode_metadata, utterance_metadata
from ..store_state import (
    CATALOG_FILE,
    CLIENTS,
    OUTLINES_FILE,
    Memo,
    open_lock,
    read_swept,
    read_token,
    write_swept,
    write_token,
)
from .clients import (
    EPISODES,
    EPISODES_CODEC,
    STAGED_COMPLETE,
    STAGED_EPISODES,
    STAGED_UTTERANCES,
    UTTERANCES,
    persistent_client,
    read_recorded_embedder,
    same,
)
from .reads import StoreReads

log = logging.getLogger(__name__)


class ChromaStore(StoreReads):
    """Embedded (`path`) or server (`host`) Chroma, holding vectors we compute ourselves
    (never Chroma's default)."""

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
        documents: str = WORDS_ONLY,
        any_embedder: bool = False,
        undo_root: Path | None = None,
    ) -> None:
        """`documents`: the format a new store records for its vectors (`index.embedders.preferred_documents`
        of its embedder); an existing store keeps its own. `any_embedder`: opened to be read whatever its
        vectors were made with (`reindex` rebuilds them), never to write vectors. `undo_root`: where a
        server's store keeps its undo log on this machine (`store_undo`; an embedded store keeps it in its
        folder), or None for none."""
        self.embedder_name = embedder_name
        self._any_embedder = any_embedder
        self._new_documents = documents
        self.dimension = dimension
        self._path = None if host else path
        self._undo_root = undo_root if host else path
        self._host = host
        self._port = port
        self._ssl = ssl
        self._headers = headers
        self._token = ""
        self._client: Any = None
        self.location = f"{'https' if ssl else 'http'}://{host}:{port}" if host else str(path)
        if not host and path is None:
            raise StoreError("no store folder and no Chroma server (CHROMA_HOST) configured")
        self._memo = Memo(self._current_token, None if host else Path(str(path)) / CATALOG_FILE)
        self._outlines = Memo(self._current_token, None if host else Path(str(path)) / OUTLINES_FILE)
        if (
            not host
        ):  # opened on first use: a warm CLI command answers from the catalog and saved indexes alone
            built_with = ChromaStore.recorded_embedder(self._path)
            if built_with and built_with != embedder_name and not any_embedder:
                raise EmbedderMismatchError(self._mismatch(built_with))
            return
        try:
            self._connect(initial=True)
        except StoreError:
            raise
        except Exception as exc:
            if host and is_connection_error(exc):
                raise StoreError(unreachable(self, "opening the store", exc)) from exc
            raise StoreError(f"cannot open the Chroma store at {self.location}: {short(exc)}") from exc

    # ---- connection ----------------------------------------------------------------------------------------

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
        with CLIENTS.lock:
            token = read_token(path)
            cached = CLIENTS.get(path)
            if cached is not None and cached[0] == token:
                self._client = cached[1]
                self._open_collections()
            else:
                with open_lock(path):
                    token = read_token(path)
                    self._client = persistent_client(path, fresh=True)
                    self._open_collections()
                CLIENTS.put(path, token, self._client)
            self._token = token

    def _open_collections(self) -> None:
        self._finish_interrupted_swap()
        self._episodes = self._client.get_or_create_collection(EPISODES, embedding_function=None)
        self._utterances = self._open_utterances()
        self.max_batch = int(self._client.get_max_batch_size())

    @property
    def is_server(self) -> bool:
        return bool(self._host)

    def refresh(self) -> None:
        """Embedded only: open on first use, and re-open when another process has written since."""
        if self._path is None or (self._client is not None and read_token(self._path) == self._token):
            return
        try:
            self._connect()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma store at {self.location}: {short(exc)}") from exc

    def _current_token(self) -> str:
        return read_token(self._path) if self._path is not None else ""

    def reconnect(self) -> None:
        """Open a fresh client (after a lost connection to the server)."""
        self._connect()

    def _begin_write(self) -> None:
        """Call with the store lock held, before the first change: readers elsewhere will re-open."""
        if self._path is not None:
            self.refresh()
            self._mark("writing")

    def _end_write(self) -> None:
        if self._path is not None:
            self._mark("clean")
            self._fill_catalog()

    def _fill_catalog(self) -> None:
        """Record what the next process asks first
        (embedder, episodes, signature, count) under the new token."""
        try:
            count = self._count()
            built_with = (self._utterances.metadata or {}).get("embedder") if count else None
            self._memo.get("embedder", lambda: built_with, codec=(same, same))
            self.episodes()
            self.signature()
            self.count()
        except Exception as exc:  # the write itself succeeded; the catalog is only a shortcut
            log.debug("could not record the store catalog: %s", exc)

    def _mark(self, state: str) -> None:
        assert self._path is not None
        with CLIENTS.lock:
            self._token = write_token(self._path, state)
            CLIENTS.put(self._path, self._token, self._client)

    def interrupted_write(self) -> bool:
        """Embedded only: the last writer stopped mid-write (its token still says `writing`)."""
        return self._path is not None and read_token(self._path).startswith("writing:")

    def _open_utterances(self) -> Any:
        import chromadb.errors

        try:
            collection = self._client.get_collection(UTTERANCES, embedding_function=None)
        except (chromadb.errors.NotFoundError, ValueError):
            try:
                return self._create_utterances()
            except Exception:
                # Another process (sharing a server) created it first: use theirs, checked below.
                collection = self._client.get_collection(UTTERANCES, embedding_function=None)
        built_with = (collection.metadata or {}).get("embedder")
        if built_with != self.embedder_name and not self._any_embedder and collection.count() > 0:
            raise EmbedderMismatchError(self._mismatch(built_with))
        return collection

    def _create_utterances(self, name: str = UTTERANCES) -> Any:
        return self._client.create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={
                "embedder": self.embedder_name,
                "dimension": self.dimension,
                "documents": self._new_documents,
            },
        )

    def _made_for_others(self) -> bool:
        """An empty collection made for another embedder or format: by a command run before a model was
        installed, or emptied by deleting every episode. The first writer makes it theirs
        (`_claim_utterances`)."""
        metadata = self._utterances.metadata or {}
        made_for = (metadata.get("embedder"), metadata.get("documents", self._new_documents))
        return made_for != (self.embedder_name, self._new_documents) and self._utterances.count() == 0

    def _mismatch(self, built_with: str | None) -> str:
        return (
            f"the store at {self.location} was built with the embedder {built_with!r}, not "
            f"{self.embedder_name!r}; "
            f"use the same embedder (ASSISTANT_EMBEDDER) or rebuild it with `assistant reindex`"
        )

    @property
    def documents(self) -> str:
        """What this store's vectors are made from (`index.embedders.document_text`): ingest embeds the same,
        so one store never mixes two kinds of vector. `WORDS_ONLY` for a store built before the format was
        recorded, until `assistant reindex` rebuilds it. An empty store's is its embedder's: the first vectors
        written decide it."""
        return (
            str(self._memo.get("documents", self._read_documents, codec=(same, same))) or self._new_documents
        )

    @guarded("reading how the store's vectors were made")
    def _read_documents(self) -> str:
        if self._utterances.count() == 0:
            return ""
        return str((self._utterances.metadata or {}).get("documents") or WORDS_ONLY)

    def _claim_utterances(self) -> None:
        """Before the first vectors go in, the collection records the embedder, dimension and format they are
        made with. An empty collection of another embedder is made anew rather than relabelled: Chroma keeps
        the dimension of vectors it once held."""
        if self._made_for_others():
            self._client.delete_collection(UTTERANCES)
            self._utterances = self._create_utterances()
            return
        metadata = dict(self._utterances.metadata or {})
        if "documents" not in metadata:  # created empty by an older version
            self._utterances.modify(metadata={**metadata, "documents": self.documents})

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
        if host:
            return read_recorded_embedder(None, host=host, port=port, ssl=ssl, headers=headers)
        if path is None or not (path / "chroma.sqlite3").exists():
            return None
        memo = Memo(lambda: read_token(path), path / CATALOG_FILE)
        return memo.get("embedder", lambda: read_recorded_embedder(path), codec=(same, same))

    # ---- episodes ------------------------------------------------------------------------------------------

    def episodes(self) -> list[Episode]:
        return list(self._memo.get("episodes", self._read_episodes, codec=EPISODES_CODEC))

    @guarded("listing episodes")
    def _read_episodes(self) -> tuple[Episode, ...]:
        got = self._episodes.get(include=["metadatas"])
        episodes = [episode_from(m) for m in got["metadatas"] or []]
        return tuple(sorted(episodes, key=lambda e: (e.show or "", e.title.casefold(), e.id)))

    def episode(self, episode_id: str) -> Episode | None:
        """Embedded: from the episode list the catalog keeps, so a command about one episode need not open
        Chroma. A server has no catalog (every read is afresh): one record is read, not the whole list."""
        if self._path is None:
            return self._read_episode(episode_id)
        return next((e for e in self.episodes() if e.id == episode_id), None)

    @guarded("reading an episode")
    def _read_episode(self, episode_id: str) -> Episode | None:
        got = self._episodes.get(ids=[episode_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return episode_from(metas[0]) if metas else None

    def outline(self, episode_id: str) -> str | None:
        """The outline JSON stored with an episode, or None (an older store, or no such episode)."""
        return self._outlines.get(episode_id, lambda: self._read_outline(episode_id), codec=(same, same))

    @guarded("reading an outline")
    def _read_outline(self, episode_id: str) -> str | None:
        got = self._episodes.get(ids=[episode_id], include=["metadatas"])
        metas = got["metadatas"] or []
        value = metas[0].get("outline") if metas else None
        return str(value) if value else None

    def signature(self) -> str:
        """Changes whenever any episode is added, replaced or deleted; keys caches shared across processes.

        Each episode's full record counts (its `ingested_at` too), so an episode rewritten with the same
        content still changes the signature: a cache built while it was being rewritten is never taken as
        current.
        """
        return str(self._memo.get("signature", self._read_signature, codec=(same, same)))

    @guarded("reading the library signature")
    def _read_signature(self) -> str:
        got = self._episodes.get(include=["metadatas"])
        pairs = sorted(
            (rid, m.get("content_hash", ""), hashlib.sha256(str(m.get("json", "")).encode()).hexdigest()[:12])
            for rid, m in zip(got["ids"], got["metadatas"] or [], strict=False)
        )
        payload = json.dumps([self.embedder_name, pairs])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    # ---- writing (callers hold the store lock) -------------------------------------------------------------

    @guarded("writing an episode")
    def write_episode(
        self,
        episode: Episode,
        utterances: Sequence[Utterance],
        vectors: np.ndarray,
        outline: str | None = None,
    ) -> None:
        """Replace an episode: hide the old one, write utterances in batches, sweep leftovers, then commit.

        `outline` (the episode's outline as JSON) is kept on the episode record, so it commits with it. An
        episode written again that fails part-way (a full disk, Chroma's error, Ctrl-C) is put back as it was:
        hidden, its turns would be swept as orphans, and an episode from an upload has no file to read again.
        Killed part-way, it is put back by the next sweep, from the undo log (`store_undo`).
        """
        self._begin_write()
        self._claim_utterances()
        before = self._as_stored(episode.id)
        if before is not None and self._undo_root is not None:
            store_undo.save(self._undo_root, episode.id, self.embedder_name, before)
        try:
            self._put_episode(episode, utterances, vectors, outline)
        except BaseException:
            if before is not None:
                self._put_back(episode.id, before)
            raise
        self._forget_undo(episode.id)
        self._end_write()

    def _as_stored(self, episode_id: str) -> dict[str, Any] | None:
        """An episode's record and turns as Chroma holds them, vectors included (None when it has none)."""
        record = self._episodes.get(ids=[episode_id], include=["metadatas", "documents"])
        if not record["ids"]:
            return None
        rows = self._utterances.get(
            where={"episode": episode_id}, include=["documents", "metadatas", "embeddings"]
        )
        return {"record": record, "rows": rows}

    def _put_back(self, episode_id: str, before: dict[str, Any]) -> None:
        """Best effort: the episode as `_as_stored` read it; the store is then whole again (marked clean). Its
        undo log goes only once it is back, so a failure here leaves it to the next sweep."""
        record, rows = before["record"], before["rows"]
        try:
            kept = set(rows["ids"])
            self._delete_ids([i for i in self._ids_of(episode_id) if i not in kept])
            for start in range(0, len(rows["ids"]), self.max_batch):
                end = start + self.max_batch
                self._utterances.upsert(
                    ids=rows["ids"][start:end],
                    documents=rows["documents"][start:end],
                    metadatas=rows["metadatas"][start:end],
                    embeddings=np.asarray(rows["embeddings"][start:end], dtype=np.float32),
                )
            self._episodes.upsert(
                ids=record["ids"],
                metadatas=record["metadatas"],
                embeddings=[[0.0]],
                documents=record["documents"],
            )
            self._forget_undo(episode_id)
            self._end_write()
        except Exception as exc:  # the next sweep tries again from the undo log (a server's store has none)
            log.error("could not put episode %s back as it was: %s", episode_id, exc)

    def _forget_undo(self, episode_id: str) -> None:
        if self._undo_root is not None:
            store_undo.discard(self._undo_root, episode_id)

    def _undo_stopped_rewrites(self) -> None:
        """An episode whose rewrite was killed is hidden: put back as the undo log holds it. One whose record
        is there was committed (or never hidden), and one saved with another embedder's vectors was read by
        the rebuild that replaced them."""
        if self._undo_root is None:
            return
        for episode_id, embedder, before in store_undo.pending(self._undo_root):
            committed = self._episodes.get(ids=[episode_id], include=[])["ids"]
            if committed or embedder != self.embedder_name:
                self._forget_undo(episode_id)
                continue
            log.warning("putting back episode %s, whose rewrite was stopped, as it was before", episode_id)
            self._begin_write()
            self._put_back(episode_id, before)

    def _put_episode(
        self, episode: Episode, utterances: Sequence[Utterance], vectors: np.ndarray, outline: str | None
    ) -> None:
        if len(utterances) != len(vectors):
            raise StoreError(f"{episode.id}: {len(utterances)} utterances but {len(vectors)} vectors")
        self._episodes.delete(ids=[episode.id])
        for start in range(0, len(utterances), self.max_batch):
            batch = utterances[start : start + self.max_batch]
            self._utterances.upsert(
                ids=[u.id for u in batch],
                documents=[u.text for u in batch],
                metadatas=[utterance_metadata(u) for u in batch],
                embeddings=np.asarray(vectors[start : start + self.max_batch], dtype=np.float32),
            )
        keep = {u.id for u in utterances}
        stale = [i for i in self._ids_of(episode.id) if i not in keep]
        self._delete_ids(stale)
        self._upsert_record(episode, outline)

    @guarded("recording an episode")
    def record_episode(self, episode: Episode) -> None:
        """Rewrite an episode's record alone, its utterances and outline as they are: what a newer version
        keeps of an episode it found unchanged."""
        outline = self.outline(episode.id)
        self._begin_write()
        self._upsert_record(episode, outline)
        self._end_write()

    def _upsert_record(self, episode: Episode, outline: str | None) -> None:
        """The episode's record: written last, it commits the episode (readers list committed ids only)."""
        self._episodes.upsert(
            ids=[episode.id],
            metadatas=[episode_metadata(episode, outline)],
            embeddings=[[0.0]],
            documents=[episode.title],
        )

    @guarded("deleting an episode")
    def delete_episode(self, episode_id: str) -> bool:
        existed = bool(self._episodes.get(ids=[episode_id], include=[])["ids"])
        self._begin_write()
        self._forget_undo(episode_id)
        self._episodes.delete(ids=[episode_id])
        self._delete_ids(self._ids_of(episode_id))
        self._end_write()
        return existed

    @guarded("rebuilding the store")
    def replace_all(
        self, entries: Iterable[tuple[Episode, Sequence[Utterance], np.ndarray, str | None]]
    ) -> None:
        """The whole library written anew (`assistant reindex`), into collections beside the live ones that
        are swapped in only once every episode is written: a failure, Ctrl-C or a kill before that leaves the
        library as it was, with its old vectors; one during the swap itself is finished when the store is
        next opened. Hold the store lock."""
        self._begin_write()
        self._drop(STAGED_EPISODES, STAGED_UTTERANCES)  # left by a rebuild that stopped
        live = (self._episodes, self._utterances)
        try:
            self._episodes = self._client.create_collection(STAGED_EPISODES, embedding_function=None)
            self._utterances = self._create_utterances(STAGED_UTTERANCES)
            for episode, utterances, vectors, outline in entries:
                self._put_episode(episode, utterances, vectors, outline)
            self._episodes.modify(metadata=STAGED_COMPLETE)
        except BaseException:
            self._episodes, self._utterances = live
            self._drop(STAGED_EPISODES, STAGED_UTTERANCES)  # else dropped by the next rebuild
            raise
        self._swap_staged()
        self._open_collections()
        if self._undo_root is not None:
            store_undo.discard_all(self._undo_root)
        self._end_write()

    def _swap_staged(self) -> None:
        """Live collections out, complete staged ones in under the live names, utterances first: each step
        done once whoever finishes it (the rebuild, or the next process to open an interrupted one)."""
        for staged, name in ((STAGED_UTTERANCES, UTTERANCES), (STAGED_EPISODES, EPISODES)):
            try:
                collection = self._client.get_collection(staged, embedding_function=None)
            except Exception:  # swapped in already
                continue
            self._drop(name)
            try:
                collection.modify(name=name)
            except Exception:
                if name not in self._names():
                    raise  # else a process opening the store renamed it (`_finish_interrupted_swap`)
            if name == EPISODES:
                collection.modify(metadata={"staged": "swapped"})  # Chroma keeps no empty metadata

    def _finish_interrupted_swap(self) -> None:
        """A rebuild stopped inside its swap, a live collection dropped and its complete staged one not yet
        renamed, leaves that live name missing: the staged one takes it. Nothing live is dropped here: another
        process may be opening the store at the same moment, and a live collection is never at risk from it.
        Stopped one step earlier (the new utterances in, the old episode records still there), the store works
        as it is, and the next rebuild drops what was left staged."""
        names = self._names()
        if STAGED_EPISODES not in names:
            return
        staged = self._client.get_collection(STAGED_EPISODES, embedding_function=None)
        if (staged.metadata or {}).get("staged") != STAGED_COMPLETE["staged"]:
            return
        for staged_name, name in ((STAGED_UTTERANCES, UTTERANCES), (STAGED_EPISODES, EPISODES)):
            if name in names or staged_name not in names:
                continue
            log.warning("finishing a rebuild of the store interrupted while its collections were swapped")
            with contextlib.suppress(Exception):  # another process renamed it first
                self._client.get_collection(staged_name, embedding_function=None).modify(name=name)

    def _names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self._client.list_collections()}

    def _drop(self, *names: str) -> None:
        for name in names:
            with contextlib.suppress(Exception):  # already gone: nothing to drop
                self._client.delete_collection(name)

    def sweep_orphans(self) -> int:
        """Delete utterance records whose episode was never committed
        (a crash mid-ingest); hold the store lock.

        Embedded store: the clean generation token of the last sweep that left no orphans is kept in
        `<store>/.swept`; while the token is still that one nothing was written since, so the scan (seconds on
        a large library) is skipped. Any write, finished or not, changes the token.
        """
        token = self._current_token()
        if (
            self._path is not None
            and token.startswith("clean:")
            and read_swept(self._path) == token
            and not store_undo.any_pending(self._path)
        ):
            return 0
        return self._sweep_now()

    def mark_swept(self) -> None:
        """Hold the store lock: after `sweep_orphans` and writes that all finished, nothing is orphaned, so
        the next process skips its start-up sweep (and need not open Chroma to answer)."""
        token = self._current_token()
        if self._path is not None and token.startswith("clean:"):
            write_swept(self._path, token)

    @guarded("sweeping unfinished episodes")
    def _sweep_now(self) -> int:
        orphans = self._sweep()
        if self._path is not None and self._token.startswith("clean:"):
            write_swept(self._path, self._token)
        return orphans

    def _sweep(self) -> int:
        self._undo_stopped_rewrites()
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

    # ---- reading -------------------------------------------------------------------------------------------

    def count(self) -> int:
        """Utterance records, including any of an unfinished episode (see `sweep_orphans`); an episode's
        details record is not an utterance."""
        return int(self._memo.get("count", self._read_count, codec=(same, same)))

    @guarded("counting utterances")
    def _read_count(self) -> int:
        details = self._utterances.get(where={"number": DETAILS}, include=[])["ids"]
        return int(self._count()) - len(details)

    def _count(self) -> int:
        """Every record, details included: whether there is anything to search."""
        return int(self._memo.get("records", self._utterances.count, codec=(same, same)))
