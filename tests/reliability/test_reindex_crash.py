"""`assistant reindex` stopped while it writes: killed, or interrupted between swapping its collections in.
The library it holds is never lost: the old one stays whole, or the new one is finished on the next open."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.reindex import reindex
from reliability.helpers import write_transcript

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from chromadb.api.models.Collection import Collection
    from assistant import Settings
    from assistant.reindex import reindex

    real = Collection.upsert

    def upsert(self, **kwargs):  # slowed, and said, so that the test can kill the process mid-write
        time.sleep(0.05)
        real(self, **kwargs)
        print(json.dumps({"collection": self.name, "n": len(kwargs.get("ids") or [])}), flush=True)

    Collection.upsert = upsert
    reindex(Settings(store=sys.argv[1], embedder="hashing", mode="offline"), "hashing")
    print(json.dumps({"done": True}), flush=True)
    """
)


def library(tmp_path: Path) -> tuple[Path, Settings]:
    folder = tmp_path / "in"
    for i in (1, 2, 3):
        write_transcript(folder / f"ep{i}.txt", f"Episode {i}", 60, f"tag{i}", seed=i)
    store = tmp_path / "store"
    settings = Settings(store=store, embedder="hashing", mode="offline")
    assert Assistant.from_settings(settings=settings).ingest(folder).added == ["ep1", "ep2", "ep3"]
    return store, settings


def state(settings: Settings) -> tuple[list[str], int, list[str]]:
    a = Assistant.from_settings(settings=settings)
    return [e.id for e in a.episodes()], a.store.count(), [h.utterance.id for h in a.search("tag3word7", k=3)]


def test_a_reindex_killed_while_it_writes_leaves_the_library_as_it_was(tmp_path: Path) -> None:
    store, settings = library(tmp_path)
    before = state(settings)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None
    written = []
    for line in child.stdout:
        written.append(json.loads(line))
        if str(written[-1].get("collection")).startswith("episodes"):
            break  # one episode of three written again
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    assert not any(w.get("done") for w in written)

    assert state(settings) == before, "the old library whole: its episodes, records and search"
    assert reindex(settings, "hashing")[2] == 180
    assert state(settings) == before


@pytest.mark.parametrize("stop", ["dropping the old episodes", "renaming the new episodes"])
def test_a_reindex_stopped_between_swapping_its_collections_is_finished_on_the_next_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: str
) -> None:
    """The utterances are swapped in, the episodes not yet: the old collection stands (the store works with
    it), or is dropped and the new one not renamed (the next open renames it)."""
    import chromadb
    from chromadb.api.client import Client
    from chromadb.api.models.Collection import Collection
    from chromadb.config import Settings as ChromaSettings

    store, settings = library(tmp_path)
    before = state(settings)
    real_drop, real_modify = Client.delete_collection, Collection.modify

    def drop(self, name):  # type: ignore[no-untyped-def]
        if name == "episodes" and stop.startswith("dropping"):
            raise KeyboardInterrupt
        return real_drop(self, name)

    def modify(self, name=None, metadata=None, configuration=None):  # type: ignore[no-untyped-def]
        if name == "episodes" and stop.startswith("renaming"):
            raise KeyboardInterrupt
        return real_modify(self, name=name, metadata=metadata, configuration=configuration)

    monkeypatch.setattr(Client, "delete_collection", drop)
    monkeypatch.setattr(Collection, "modify", modify)
    with pytest.raises(KeyboardInterrupt):
        reindex(settings, "hashing")
    monkeypatch.setattr(Client, "delete_collection", real_drop)
    monkeypatch.setattr(Collection, "modify", real_modify)

    assert state(settings) == before, "finished, or whole as it is, when the store is opened"
    client = chromadb.PersistentClient(path=str(store), settings=ChromaSettings(anonymized_telemetry=False))
    left = ["episodes.rebuild"] if stop.startswith("dropping") else []  # for the next rebuild to drop
    assert sorted(c.name for c in client.list_collections()) == ["episodes", *left, "utterances"]
    assert reindex(settings, "hashing")[2] == 180 and state(settings) == before
    assert sorted(c.name for c in client.list_collections()) == ["episodes", "utterances"]


def test_ctrl_c_during_a_reindex_says_the_library_is_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.api.models.Collection import Collection
    from click.testing import CliRunner

    from assistant.cli import cli

    store, settings = library(tmp_path)
    before = state(settings)
    real, calls = Collection.upsert, []

    def pressed_on_the_third_write(self, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(self.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, **kwargs)

    monkeypatch.setattr(Collection, "upsert", pressed_on_the_third_write)
    result = CliRunner().invoke(cli, ["--store", str(store), "reindex", "--embedder", "hashing"], obj={})
    monkeypatch.setattr(Collection, "upsert", real)
    assert result.exit_code == 130 and "Traceback" not in result.output
    assert result.stderr.strip().startswith("interrupted: the library is as it was, with the vectors it had")
    assert calls[-1] == "utterances.rebuild"
    assert state(settings) == before
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(store), settings=ChromaSettings(anonymized_telemetry=False))
    assert sorted(c.name for c in client.list_collections()) == ["episodes", "utterances"], (
        "nothing left over"
    )
