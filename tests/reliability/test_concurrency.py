"""Several app processes on one embedded store: writes are serialised by the file lock, and no process
overwrites another's writes with a stale in-memory copy of Chroma's vector index."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.index.lexical import LexicalIndex
from reliability.helpers import Worker, worker_env, write_transcript


def dense_finds_everything(a: Assistant, episodes: dict[str, int], step: int = 97) -> None:
    """Every sampled utterance is its own nearest neighbour in Chroma's vector index."""
    for episode_id, n in episodes.items():
        utterances = a.store.utterances_of(episode_id)
        assert len(utterances) == n
        for u in utterances[::step]:
            top = a.store.nearest(a.embedder.embed_query(u.text), 1)
            assert top and top[0][0] == u.id, f"{u.id} is missing from the vector index"


def saved_lexical_matches_store(a: Assistant) -> None:
    signature = a.store.signature()
    folder = a.settings.store_dir / "lexical" / signature
    index = a.lexical.current()
    saved = LexicalIndex.load(folder, signature)
    assert saved is not None, "the saved keyword index for the current library is missing or unreadable"
    expected = sorted(r.id for r in a.store.lexical_records())
    assert sorted(r.id for r in saved.records) == sorted(r.id for r in index.records) == expected
    assert np.array_equal(saved.scores("tag1word7 tag4word9"), index.scores("tag1word7 tag4word9"))


@pytest.mark.parametrize("n", [100, pytest.param(700, marks=pytest.mark.slow)])
def test_two_processes_ingesting_at_once_are_serialised(tmp_path: Path, n: int) -> None:
    """700 utterances per episode make Chroma persist its vector index, where stale copies used to clash."""
    for i in (1, 2):
        write_transcript(tmp_path / "a" / f"ep{i}.txt", f"Episode {i}", n, f"tag{i}", seed=i)
    for i in (3, 4):
        write_transcript(tmp_path / "b" / f"ep{i}.txt", f"Episode {i}", n, f"tag{i}", seed=i)
    env = worker_env(ASSISTANT_STORE=str(tmp_path / "s"))
    one, two = Worker.many(2, env, tmp_path)
    try:
        one.send("ingest", paths=[str(tmp_path / "a")])
        two.send("ingest", paths=[str(tmp_path / "b")])
        r1, r2 = one.reply(), two.reply()
        assert sorted(r1["added"]) == ["ep1", "ep2"] and sorted(r2["added"]) == ["ep3", "ep4"], (r1, r2)
        for w in (one, two):
            assert w.call("count")["count"] == 4 * n
            assert w.call("episodes")["ids"] == ["ep1", "ep2", "ep3", "ep4"]
            assert "ep4#000009" in w.call("search", q="tag4word9", k=3)["ids"]
            assert "ep1#000007" in w.call("search", q="tag1word7", k=3)["ids"]
        assert one.call("lexical")["signature"] == two.call("lexical")["signature"]
    finally:
        one.close()
        two.close()
    a = Assistant.from_settings(store=tmp_path / "s")
    dense_finds_everything(a, {f"ep{i}": n for i in (1, 2, 3, 4)})
    saved_lexical_matches_store(a)


@pytest.mark.slow
def test_long_lived_processes_take_turns_without_losing_vectors(tmp_path: Path) -> None:
    """CLI and UI both open for a long time:
    A writes, B writes, A writes again (the case that corrupted Chroma)."""
    files = {
        i: write_transcript(tmp_path / "in" / f"ep{i}.txt", f"Episode {i}", 1200, f"tag{i}", seed=i)
        for i in (1, 2, 3)
    }
    env = worker_env(ASSISTANT_STORE=str(tmp_path / "s"))
    a, b = Worker.many(2, env, tmp_path)
    try:
        assert a.call("search", q="anything").get("ids") == []
        assert b.call("search", q="anything").get("ids") == []
        assert a.call("ingest", paths=[str(files[1])])["added"] == ["ep1"]
        assert "ep1#000011" in b.call("search", q="tag1word11", k=3)["ids"]
        assert b.call("ingest", paths=[str(files[2])])["added"] == ["ep2"]
        assert "ep2#000012" in a.call("search", q="tag2word12", k=3)["ids"]
        reply = a.call("ingest", paths=[str(files[3])])
        assert reply["added"] == ["ep3"], reply
        assert "ep2#000013" in a.call("search", q="tag2word13", k=3)["ids"]
    finally:
        a.close()
        b.close()
    fresh = Assistant.from_settings(store=tmp_path / "s")
    dense_finds_everything(fresh, {"ep1": 1200, "ep2": 1200, "ep3": 1200})


def test_two_assistants_in_one_process_see_each_others_writes(tmp_path: Path, sample_copy: Path) -> None:
    writer, reader = (
        Assistant.from_settings(store=tmp_path / "s"),
        Assistant.from_settings(store=tmp_path / "s"),
    )
    assert reader.search("bridge", k=3) == []
    writer.ingest(sample_copy)
    assert reader.search("bat ecologist", k=3)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(len(reader.search("steel arrived late", k=5))))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [5] * 8
