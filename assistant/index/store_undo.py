"""An episode as it was before it is written again, kept on disk until the new one commits: an undo log.

Writing an episode again hides it (its record deleted) while its turns are rewritten. A failure or Ctrl-C puts
it back from memory; a kill or a power cut in those seconds would leave it hidden, and the next sweep would
remove its turns as orphans: the episode lost, and one uploaded has no file to read again. So its record and
turns, vectors included, are saved under `<store>/.undo/` first (written whole, then renamed in place), and
the next process to sweep the store puts back any episode whose rewrite never committed. No chromadb here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

UNDO_DIR = ".undo"

log = logging.getLogger(__name__)


def _file(store: Path, episode_id: str) -> Path:
    return store / UNDO_DIR / f"{hashlib.sha256(episode_id.encode()).hexdigest()[:24]}.npz"


def save(store: Path, episode_id: str, embedder: str, before: dict[str, Any]) -> None:
    """`before`: the episode's Chroma record and rows (`ChromaStore._as_stored`). On disk, flushed, before the
    rewrite changes anything."""
    rows = before["rows"]
    vectors = np.asarray(rows["embeddings"] if len(rows["ids"]) else [[]], dtype=np.float32)
    state = {
        "episode": episode_id,
        "embedder": embedder,
        "record": {k: before["record"][k] for k in ("ids", "metadatas", "documents")},
        "rows": {k: rows[k] for k in ("ids", "metadatas", "documents")},
    }
    target = _file(store, episode_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as out:
        np.savez(out, vectors=vectors, state=np.array(json.dumps(state)))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, target)


def discard(store: Path, episode_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _file(store, episode_id).unlink()


def discard_all(store: Path) -> None:
    """After a rebuild: what was saved holds the old vectors, and the rebuild read every committed episode."""
    folder = store / UNDO_DIR
    for path in folder.glob("*") if folder.is_dir() else ():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def any_pending(store: Path) -> bool:
    """Cheap: whether `pending` has anything to read (a failed put-back leaves its file for the sweep)."""
    folder = store / UNDO_DIR
    return folder.is_dir() and any(folder.glob("*.npz"))


def pending(store: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(episode id, embedder, `before` as `save` took it) for each rewrite that never finished; a file that
    cannot be read (cut short by a full disk while it was saved, before the rewrite began) is removed."""
    folder = store / UNDO_DIR
    for path in sorted(folder.glob("*.npz")) if folder.is_dir() else ():
        try:
            with np.load(path, allow_pickle=False) as saved:
                state = json.loads(str(saved["state"]))
                vectors = saved["vectors"]
        except (OSError, ValueError, KeyError, EOFError) as exc:
            log.warning("removed an unreadable undo file %s: %s", path.name, exc)
            path.unlink(missing_ok=True)
            continue
        rows = {**state["rows"], "embeddings": vectors}
        yield state["episode"], state["embedder"], {"record": state["record"], "rows": rows}
    for stale in folder.glob("*.tmp") if folder.is_dir() else ():  # a save that never finished
        stale.unlink(missing_ok=True)
