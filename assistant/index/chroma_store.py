"""The utterance store on Chroma: one record per utterance, one per episode; the only module that imports chromadb.

An episode's record is written last and deleted first, so it marks the episode as complete: utterance records
without a matching episode record (left by a crash mid-ingest) are invisible to search and are swept on the next
write.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..errors import EmbedderMismatchError, StoreError
from ..types import Episode, Utterance
from .lexical import LexicalRecord

log = logging.getLogger(__name__)

UTTERANCES = "utterances"
EPISODES = "episodes"
PAGE = 5000


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


def where_clause(episodes: Sequence[str] | None = None, speakers: Sequence[str] | None = None) -> dict[str, Any] | None:
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
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.embedder_name = embedder_name
        self.dimension = dimension
        self.location = f"{'https' if ssl else 'http'}://{host}:{port}" if host else str(path)
        settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                self._client = chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=headers, settings=settings)
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
            self._episodes = self._client.get_or_create_collection(EPISODES, embedding_function=None)
            self._utterances = self._open_utterances()
            self.max_batch = int(self._client.get_max_batch_size())
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma store at {self.location}: {exc}") from exc

    def _open_utterances(self) -> Any:
        import chromadb.errors

        try:
            collection = self._client.get_collection(UTTERANCES, embedding_function=None)
        except (chromadb.errors.NotFoundError, ValueError):
            return self._client.create_collection(
                UTTERANCES,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.embedder_name, "dimension": self.dimension},
            )
        built_with = (collection.metadata or {}).get("embedder")
        if built_with != self.embedder_name and collection.count() > 0:
            raise EmbedderMismatchError(
                f"the store at {self.location} was built with the embedder {built_with!r}, not {self.embedder_name!r}; "
                f"use the same embedder (ASSISTANT_EMBEDDER) or rebuild it with `assistant reindex`"
            )
        return collection

    @staticmethod
    def recorded_embedder(path: Path | None = None, *, host: str | None = None, port: int = 8000,
                          ssl: bool = False, headers: dict[str, str] | None = None) -> str | None:
        """Which embedder an existing store was built with, without opening it for writing."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if host:
                client = chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=headers, settings=settings)
            else:
                if path is None or not (path / "chroma.sqlite3").exists():
                    return None
                client = chromadb.PersistentClient(path=str(path), settings=settings)
            collection = client.get_collection(UTTERANCES, embedding_function=None)
        except Exception:
            return None
        if collection.count() == 0:
            return None
        return (collection.metadata or {}).get("embedder")

    # ---- episodes -------------------------------------------------------------------------------------------

    def episodes(self) -> list[Episode]:
        got = self._episodes.get(include=["metadatas"])
        episodes = [_episode_from_meta(m) for m in got["metadatas"] or []]
        return sorted(episodes, key=lambda e: (e.show or "", e.title.casefold(), e.id))

    def episode(self, episode_id: str) -> Episode | None:
        got = self._episodes.get(ids=[episode_id], include=["metadatas"])
        metas = got["metadatas"] or []
        return _episode_from_meta(metas[0]) if metas else None

    def signature(self) -> str:
        """Changes whenever any episode is added, replaced or deleted; keys caches shared across processes."""
        got = self._episodes.get(include=["metadatas"])
        pairs = sorted(zip(got["ids"], [m.get("content_hash", "") for m in got["metadatas"] or []]))
        payload = json.dumps([self.embedder_name, pairs])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    # ---- writing --------------------------------------------------------------------------------------------

    def write_episode(self, episode: Episode, utterances: Sequence[Utterance], vectors: np.ndarray) -> None:
        """Replace an episode: hide the old one, write utterances in batches, sweep leftovers, then commit."""
        if len(utterances) != len(vectors):
            raise StoreError(f"{episode.id}: {len(utterances)} utterances but {len(vectors)} vectors")
        try:
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
                ids=[episode.id], metadatas=[_episode_to_meta(episode)], embeddings=[[0.0]], documents=[episode.title]
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"writing episode {episode.id} to {self.location} failed: {exc}") from exc

    def delete_episode(self, episode_id: str) -> bool:
        existed = self.episode(episode_id) is not None
        self._episodes.delete(ids=[episode_id])
        self._delete_ids(self._ids_of(episode_id))
        return existed

    def sweep_orphans(self) -> int:
        """Delete utterance records whose episode was never committed (a crash mid-ingest)."""
        committed = set(self._episodes.get(include=[])["ids"])
        orphans = [rid for rid, meta in self._iter_records(include=["metadatas"]) if meta["episode"] not in committed]
        self._delete_ids(orphans)
        return len(orphans)

    def _ids_of(self, episode_id: str) -> list[str]:
        return list(self._utterances.get(where={"episode": episode_id}, include=[])["ids"])

    def _delete_ids(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self._utterances.delete(ids=list(ids[start : start + self.max_batch]))

    def _iter_records(self, include: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            got = self._utterances.get(include=include, limit=PAGE, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            yield from zip(ids, got["metadatas"])
            offset += len(ids)

    # ---- reading --------------------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._utterances.count())

    def query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Utterance, float]]:
        """Nearest utterances by cosine similarity (1 - Chroma's cosine distance), best first."""
        if n <= 0 or self.count() == 0:
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

    def get(self, ids: Sequence[str], with_vectors: bool = False) -> dict[str, tuple[Utterance, np.ndarray | None]]:
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

    def utterances_of(self, episode_id: str) -> list[Utterance]:
        got = self._utterances.get(where={"episode": episode_id}, include=["documents", "metadatas"])
        items = [_utterance_from(m, d) for m, d in zip(got["metadatas"], got["documents"])]
        return sorted(items, key=lambda u: u.number)

    def lexical_records(self) -> list[LexicalRecord]:
        """Every committed utterance in transcript order, for building the BM25 index."""
        committed = set(self._episodes.get(include=[])["ids"])
        records: list[LexicalRecord] = []
        offset = 0
        while True:
            got = self._utterances.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            if not got["ids"]:
                break
            for rid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"]):
                if meta["episode"] in committed:
                    records.append(LexicalRecord(rid, meta["episode"], int(meta["number"]), meta.get("speaker"), doc or ""))
            offset += len(got["ids"])
        records.sort(key=lambda r: (r.episode_id, r.number))
        return records

    def committed_episode_ids(self) -> set[str]:
        return set(self._episodes.get(include=[])["ids"])
