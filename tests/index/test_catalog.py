"""A warm command answers from the store's catalog and saved indexes, without opening Chroma."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "harbour-bridge.txt"

PROBE = """
import json, sys
from assistant import Assistant
a = Assistant.from_settings()
answer = a.ask(sys.argv[1])
print(json.dumps({"cited": len(answer.citations), "episodes": [e.id for e in a.episodes()],
                  "turns": len(a.transcript("harbour-bridge", with_details=True)),
                  "chromadb": "chromadb" in sys.modules}))
"""


def _probe(store: Path, question: str = "Why did the bridge open late?") -> dict[str, object]:
    env = {
        **os.environ,
        "ASSISTANT_STORE": str(store),
        "ASSISTANT_EMBEDDER": "hashing",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, question], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "question",
    [
        "Why did the bridge open late?",  # a search
        "Who is Tomás Reyes?",  # answers read from the transcript itself
        "What did Nadia ask?",
        "Who speaks the most?",
    ],
)
def test_warm_ask_never_imports_chromadb(tmp_path: Path, question: str) -> None:
    store = tmp_path / "store"
    a = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    a.ingest(SAMPLE)
    a.search("bridge")  # saves the keyword index and vectors beside the store
    turns = len(a.transcript("harbour-bridge", with_details=True))
    seen = _probe(store, question)
    assert seen == {
        "cited": seen["cited"],
        "episodes": ["harbour-bridge"],
        "turns": turns,
        "chromadb": False,
    }
    assert seen["cited"]


def test_an_outline_read_once_is_read_again_without_chromadb(tmp_path: Path) -> None:
    """Outlines live on the episode records; one read since the last write is kept beside the store, so the
    next `assistant outline` or "What topics did they cover?" needs no Chroma."""
    store = tmp_path / "store"
    a = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    a.ingest(SAMPLE)
    a.search("bridge")
    chapters = a.outline("harbour-bridge").chapters
    seen = _probe(store, "What topics did they cover?")
    assert seen["chromadb"] is False and seen["cited"] >= len(chapters)


def test_catalog_of_an_older_generation_is_ignored(tmp_path: Path) -> None:
    store = tmp_path / "store"
    a = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    a.ingest(SAMPLE)
    catalog = json.loads((store / ".catalog.json").read_text())
    assert catalog["values"]["embedder"] == "hashing:v1:512"
    a.delete("harbour-bridge")
    (store / ".catalog.json").write_text(json.dumps(catalog))  # a stale file from before the delete
    fresh = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    assert fresh.episodes() == [] and fresh.store.count() == 0


def test_reading_one_transcript_does_not_build_the_whole_keyword_index(tmp_path: Path) -> None:
    """Right after an ingest the index is stale: a transcript is read from the store, and the next question
    still says it builds the index first (`search_ready`)."""
    a = Assistant.from_settings(Settings(store=tmp_path / "store", embedder="hashing", mode="offline"))
    a.ingest(SAMPLE)
    assert not a.search_ready()
    turns = a.transcript("harbour-bridge", with_details=True)
    assert turns[0].is_details and [u.number for u in turns[1:]] == list(range(1, len(turns)))
    assert not a.search_ready()
    a.search("bridge")
    assert a.search_ready() and a.transcript("harbour-bridge", with_details=True) == turns
