"""Against a real `chroma run` server on loopback (slow): restarts, two app processes sharing it, and a
small measurement of ingest and search latency."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, Settings, StoreError
from reliability.helpers import Worker, worker_env, write_transcript

pytestmark = pytest.mark.slow
CHROMA = shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log = path, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ChromaServer:
        assert CHROMA
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [CHROMA, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError("chroma run did not answer its heartbeat in 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA:
        pytest.skip("the `chroma` command (from the chromadb package) is not on PATH")
    s = ChromaServer(tmp_path / "chroma", free_port(), tmp_path / "chroma.log").start()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the per-server lock file
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the per-server undo log


def settings_for(server: ChromaServer, tmp_path: Path) -> Settings:
    return Settings(
        store=tmp_path / "local",
        chroma_host="127.0.0.1",
        chroma_port=server.port,
        embedder="hashing",
        mode="offline",
    )


def test_unreachable_server_is_a_clear_store_error(tmp_path: Path) -> None:
    settings = Settings(chroma_host="127.0.0.1", chroma_port=free_port(), embedder="hashing", mode="offline")
    with pytest.raises(
        StoreError, match=r"cannot reach the Chroma server at http://127\.0\.0\.1:\d+.*chroma run"
    ):
        Assistant.from_settings(settings=settings)


def test_server_restart_while_the_app_runs(server: ChromaServer, tmp_path: Path) -> None:
    write_transcript(tmp_path / "in" / "ep1.txt", "Episode 1", 50, "tag1", seed=1)
    write_transcript(tmp_path / "in2" / "ep2.txt", "Episode 2", 50, "tag2", seed=2)
    a = Assistant.from_settings(settings=settings_for(server, tmp_path))
    assert a.ingest(tmp_path / "in").added == ["ep1"]
    assert "ep1#000007" in [h.utterance.id for h in a.search("tag1word7", k=3)]

    server.stop()
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot reach the Chroma server.*CHROMA_HOST"):
        a.search("tag1word7", k=3)
    assert time.monotonic() - started < 30
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        a.ingest(tmp_path / "in2")

    server.start()
    assert "ep1#000007" in [h.utterance.id for h in a.search("tag1word7", k=3)], "reconnected, data kept"
    again = a.ingest(tmp_path / "in2")
    assert again.added == ["ep2"] and a.store.count() == 100


def test_server_restart_between_requests_reconnects_silently(server: ChromaServer, tmp_path: Path) -> None:
    write_transcript(tmp_path / "in" / "ep1.txt", "Episode 1", 30, "tag1", seed=1)
    a = Assistant.from_settings(settings=settings_for(server, tmp_path))
    a.ingest(tmp_path / "in")
    server.stop()
    server.start()
    assert "ep1#000005" in [h.utterance.id for h in a.search("tag1word5", k=3)]


def one_episode(server: ChromaServer, tmp_path: Path) -> tuple[Settings, Assistant]:
    """The server's store holding one 30-turn episode, `ep1`, whose turns say `tag1word<N>`."""
    write_transcript(tmp_path / "in" / "ep1.txt", "Episode 1", 30, "tag1", seed=1)
    settings = settings_for(server, tmp_path)
    a = Assistant.from_settings(settings=settings)
    a.ingest(tmp_path / "in")
    return settings, a


def test_a_server_store_emptied_by_deletes_takes_the_next_embedder(
    server: ChromaServer, tmp_path: Path
) -> None:
    """The server keeps the dimension of vectors the collection once held, as the embedded store does."""
    from assistant import HashingEmbedder

    settings, first = one_episode(server, tmp_path)
    first.delete("ep1")
    assert first.store.count() == 0
    smaller = Assistant.from_settings(settings=settings, embedder=HashingEmbedder(dimension=64))
    assert smaller.ingest(tmp_path / "in").added == ["ep1"]
    assert "ep1#000005" in [h.utterance.id for h in smaller.search("tag1word5", k=3)]
    with pytest.raises(StoreError, match="hashing:v1:64"):
        Assistant.from_settings(settings=settings)


def test_a_reindex_through_the_server_swaps_its_rebuilt_collections_in(
    server: ChromaServer, tmp_path: Path
) -> None:
    import chromadb

    from assistant.reindex import reindex

    settings, first = one_episode(server, tmp_path)
    before = first.store.count()
    assert reindex(settings, "hashing")[2] == 30
    a = Assistant.from_settings(settings=settings)
    assert a.store.count() == before and "ep1#000005" in [h.utterance.id for h in a.search("tag1word5", k=3)]
    names = sorted(c.name for c in chromadb.HttpClient(host="127.0.0.1", port=server.port).list_collections())
    assert names == ["episodes", "utterances"]


def test_an_episode_killed_while_written_again_to_a_server_is_put_back(
    server: ChromaServer, tmp_path: Path
) -> None:
    """The server's store has no folder here: the episode is saved on this machine until it commits, and
    this machine's next process puts it back (it had been lost, swept as orphans)."""
    settings, a = one_episode(server, tmp_path)
    before = [(u.number, u.text) for u in a.transcript("ep1")]
    path = tmp_path / "in" / "ep1.txt"
    path.write_text(path.read_text().replace("talks about", "speaks of"))
    env = worker_env(
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(server.port),
        ASSISTANT_STORE=str(tmp_path / "local"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        WORKER_SLOW_UPSERT="0.05",
        WORKER_BATCH="10",
    )
    child = Worker(env, tmp_path, tmp_path / "child.err")
    child.send("ingest", paths=[str(path)])
    child.wait_event(lambda e: e.get("episode") == "ep1", timeout=120)
    child.wait_event(lambda e: e.get("episode") == "ep1", timeout=30)  # two batches of new turns are in
    child.proc.send_signal(signal.SIGKILL)
    child.proc.wait(timeout=30)

    b = Assistant.from_settings(settings=settings)
    assert [(u.number, u.text) for u in b.transcript("ep1")] == before
    assert b.ingest(path).updated == ["ep1"] and "speaks of" in b.transcript("ep1")[0].text


def test_two_app_processes_share_one_server(server: ChromaServer, tmp_path: Path) -> None:
    write_transcript(tmp_path / "a" / "ep1.txt", "Episode 1", 200, "tag1", seed=1)
    write_transcript(tmp_path / "b" / "ep2.txt", "Episode 2", 200, "tag2", seed=2)
    env = worker_env(
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(server.port),
        ASSISTANT_STORE=str(tmp_path / "local"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    one, two = Worker.many(2, env, tmp_path)
    try:
        assert two.call("search", q="tag1word3")["ids"] == []
        assert one.call("ingest", paths=[str(tmp_path / "a")])["added"] == ["ep1"]
        assert "ep1#000003" in two.call("search", q="tag1word3", k=3)["ids"], "the other process sees it"
        answer = two.call("ask", q="What does tag1word3 say?")
        assert answer["mode"] == "offline" and any(c.startswith("ep1#") for c in answer["retrieved"])
        one.send("ingest", paths=[str(tmp_path / "b")])
        two.send("ingest", paths=[str(tmp_path / "b")])
        replies = [one.reply(), two.reply()]
        assert sorted(r["added"] + r["skipped"] for r in replies) == [["ep2"], ["ep2"]]
        assert one.call("lexical")["signature"] == two.call("lexical")["signature"]
        assert one.call("count")["count"] == two.call("count")["count"] == 400
        assert "ep2#000011" in one.call("search", q="tag2word11", k=3)["ids"]
    finally:
        one.close()
        two.close()


def test_measure_ingest_and_search_through_the_server(server: ChromaServer, tmp_path: Path) -> None:
    """Not a benchmark: a record of what one loopback server does with a few thousand utterances."""
    for i in range(1, 6):
        write_transcript(tmp_path / "in" / f"ep{i}.txt", f"Episode {i}", 800, f"tag{i}", seed=i)
    a = Assistant.from_settings(settings=settings_for(server, tmp_path))
    started = time.perf_counter()
    report = a.ingest(tmp_path / "in")
    ingest_s = time.perf_counter() - started
    assert report.ok and report.utterances_written == 4000
    first = time.perf_counter()
    a.search("tag3word100", k=5)  # builds the keyword index from the server's documents
    first_s = time.perf_counter() - first
    times = []
    for n in range(1, 31):
        t = time.perf_counter()
        hits = a.search(f"tag{n % 5 + 1}word{n * 7}", k=5)
        times.append(time.perf_counter() - t)
        assert hits
    line = (
        f"chroma server, 4000 utterances (hashing embedder): ingest {ingest_s:.1f} s "
        f"({4000 / ingest_s:.0f} utterances/s); first search {first_s * 1000:.0f} ms; search median "
        f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    print(line)
    (Path(os.environ.get("RELIABILITY_MEASURE_OUT", tmp_path / "measure.txt"))).write_text(line + "\n")
