"""Rebuild a store's vectors with another embedder, from the utterances the store already holds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np

from .config import Settings
from .errors import StoreError
from .index.chroma_store import ChromaStore
from .index.embedders import document_text, preferred_documents
from .ingest.copies import words_hash
from .ingest.details import details_utterance
from .language import transcript_language
from .library import outline_json
from .store_lock import store_lock
from .types import Episode, Progress, Transcript, Utterance

Entry = tuple[Episode, list[Utterance], np.ndarray, str | None]


def reindex(
    settings: Settings, embedder: str | None = None, progress: Progress | None = None
) -> tuple[str, str, int]:
    """Re-embed every utterance with `embedder` ("cohere", "local", "onnx" or "hashing"; None: the one the
    store was built with, which rebuilds its vectors in today's format); returns (old, new, utterances).

    Everything is read and embedded before the store is touched, so a failure while embedding (no key, model
    missing, service down) leaves the store as it was. `progress` is told (done, total, what is being done):
    "embedding EPISODE" through the records, then "writing EPISODE" through them again.
    """
    from .wiring import make_embedder, recorded_embedder, server_undo_root, store_location

    old = recorded_embedder(settings)
    if old is None:
        raise StoreError(
            f"the store at {settings.chroma_host or settings.store_dir} is empty: nothing to reindex"
        )
    where = store_location(settings)
    path = where.pop("path")
    undo_root = server_undo_root(settings)
    source = ChromaStore(
        path, embedder_name=old, dimension=1, any_embedder=True, undo_root=undo_root, **where
    )
    # An episode whose rewrite was killed is put back first, to be read with the rest.
    with store_lock(settings):
        source.sweep_orphans()
    library: list[tuple[Episode, list[Utterance]]] = []
    for e in source.episodes():
        spoken = source.utterances_of(e.id)
        if e.language is None:  # an episode stored before languages were told (or English: told again)
            e = replace(e, language=transcript_language([u.text for u in spoken]))
        if not e.words_hash:  # stored before copies were told by their words (`ingest.copies`)
            e = replace(e, words_hash=words_hash(Transcript(e, tuple(spoken))))
        library.append((e, [details_utterance(e), *spoken]))

    new_embedder = make_embedder(settings, embedder or old.split(":", 1)[0], old)
    documents = preferred_documents(new_embedder)
    total = sum(len(us) for _, us in library)
    done = 0
    vectors = []
    for episode, utterances in library:

        def tick(n: int, label: str = f"embedding {episode.id}") -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total, label)

        texts = [document_text(u, documents) for u in utterances]
        vectors.append(new_embedder.embed_documents(texts, progress=tick))

    with store_lock(settings):
        target = ChromaStore(
            path,
            embedder_name=new_embedder.name,
            dimension=new_embedder.dimension,
            documents=documents,
            any_embedder=True,  # it holds the old vectors until every new one is written
            undo_root=undo_root,
            **where,
        )
        target.replace_all(  # outlines rest on the vectors: recomputed with the new ones
            _writing(
                (
                    (episode, utterances, matrix, outline_json(episode, utterances[1:], matrix[1:]))
                    for (episode, utterances), matrix in zip(library, vectors, strict=True)
                ),
                total,
                progress,
            )
        )
    return old, new_embedder.name, total - len(library)


def _writing(entries: Iterable[Entry], total: int, progress: Progress | None) -> Iterator[Entry]:
    """The entries as the store takes them, counted as written: writing took 40 s of a 48 s rebuild of
    qmsum/val's 18,835 turns with the hashing embedder, a bar stopped at "embedding" all that time."""
    done = 0
    for entry in entries:
        if progress:
            progress(done, total, f"writing {entry[0].id}")
        yield entry
        done += len(entry[1])
    if progress:
        progress(done, total, "swapping the rebuilt library in")
