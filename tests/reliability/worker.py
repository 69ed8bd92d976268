"""A long-lived app process for the reliability tests:
one JSON command per stdin line, one JSON reply per line.

    python worker.py            (settings from the environment: ASSISTANT_STORE or CHROMA_HOST/CHROMA_PORT)

Commands: {"op": "ingest", "paths": [...]}, {"op": "search", "q": "...", "k": 5}, {"op": "ask", "q": "..."},
{"op": "episodes"}, {"op": "count"}, {"op": "lexical"}, {"op": "quit"}. Errors come back as {"error": "..."}.

Test hook (this script only, never the product): WORKER_SLOW_UPSERT=<seconds> makes every utterance batch
upsert sleep first and write batches of WORKER_BATCH records, printing {"event": "upserted", "episode": ...,
"n": ...} after each, so a test can SIGKILL the process between two batches of one episode.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))  # the project root, for `assistant`

from assistant import Assistant, AssistantError  # noqa: E402 (needs the sys.path entry above)


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def slow_store(a: Assistant, seconds: float, batch: int) -> None:
    store = a.store
    original_connect = store._connect

    def patch() -> None:
        collection = store._utterances
        if getattr(collection, "_slowed", False):
            return
        real = collection.upsert

        def upsert(**kwargs):  # type: ignore[no-untyped-def]
            time.sleep(seconds)
            real(**kwargs)
            meta = kwargs.get("metadatas") or [{}]
            emit({"event": "upserted", "episode": meta[0].get("episode"), "n": len(kwargs.get("ids") or [])})

        collection.upsert = upsert
        collection._slowed = True
        store.max_batch = batch

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        original_connect(*args, **kwargs)
        patch()

    store._connect = connect
    store.refresh()  # an existing store is opened on first use
    patch()


def main() -> None:
    a = Assistant.from_settings()
    slow = float(os.environ.get("WORKER_SLOW_UPSERT", "0") or 0)
    if slow:
        slow_store(a, slow, int(os.environ.get("WORKER_BATCH", "5")))
    emit({"event": "ready", "pid": os.getpid(), "embedder": a.embedder.name})
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd.get("op")
        try:
            if op == "quit":
                emit({"ok": True})
                return
            if op == "ingest":
                started = time.perf_counter()
                r = a.ingest(cmd["paths"])
                emit(
                    {
                        "added": r.added,
                        "updated": r.updated,
                        "skipped": r.skipped,
                        "failed": r.failed,
                        "written": r.utterances_written,
                        "seconds": time.perf_counter() - started,
                    }
                )
            elif op == "search":
                started = time.perf_counter()
                hits = a.search(cmd["q"], k=cmd.get("k", 5))
                emit(
                    {
                        "ids": [h.utterance.id for h in hits],
                        "texts": [h.utterance.text for h in hits],
                        "seconds": time.perf_counter() - started,
                    }
                )
            elif op == "ask":
                answer = a.ask(cmd["q"])
                emit(
                    {
                        "text": answer.text,
                        "mode": answer.mode,
                        "notice": answer.notice,
                        "cited": [u.id for u in answer.cited_utterances],
                        "retrieved": [h.utterance.id for h in answer.hits],
                    }
                )
            elif op == "episodes":
                emit({"ids": sorted(e.id for e in a.episodes())})
            elif op == "count":
                emit({"count": a.store.count()})
            elif op == "lexical":
                index = a.lexical.current()
                emit({"signature": index.signature, "ids": [r.id for r in index.records]})
            else:
                emit({"error": f"unknown op {op!r}"})
        except AssistantError as exc:
            emit({"error": str(exc), "kind": type(exc).__name__})


if __name__ == "__main__":
    main()
