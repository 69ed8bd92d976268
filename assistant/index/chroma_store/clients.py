"""Opening Chroma clients without a store object: the embedded client, and which embedder a store records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store_records import episode_from, episode_metadata
from ..store_state import open_lock

UTTERANCES = "utterances"
EPISODES = "episodes"
STAGED_UTTERANCES = "utterances.rebuild"
STAGED_EPISODES = "episodes.rebuild"
"""A rebuild (`ChromaStore.replace_all`) writes here, beside the live collections, then swaps them in."""
STAGED_COMPLETE = {"staged": "complete"}
"""The staged episodes' metadata once every episode is written: only then may the live collections go."""


def persistent_client(path: Path, fresh: bool) -> Any:
    """The embedded client; `fresh` drops Chroma's per-process cached instance so files are read again."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    if fresh:
        # Not stopped: threads still using the old instance finish on it; it is freed when unreferenced.
        SharedSystemClient._identifier_to_system.pop(str(path), None)
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def same(value: Any) -> Any:
    return value


EPISODES_CODEC = (
    lambda episodes: [episode_metadata(e) for e in episodes],
    lambda saved: tuple(episode_from(m) for m in saved),
)


def read_recorded_embedder(path: Path | None, **server: Any) -> str | None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if server.get("host"):
            client = chromadb.HttpClient(settings=settings, **server)
        else:
            with open_lock(path):  # type: ignore[arg-type]
                client = chromadb.PersistentClient(path=str(path), settings=settings)
        collection = client.get_collection(UTTERANCES, embedding_function=None)
        if collection.count() == 0:
            return None
    except Exception:  # unreachable or not built yet: opening the store proper reports it clearly
        return None
    embedder = (collection.metadata or {}).get("embedder")
    return str(embedder) if embedder else None
