"""Ingest interrupted by an embedding failure, a store failure, or SIGKILL: nothing half-written stays
visible, and ingesting again completes without duplicates."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from providers.cohere_fakes import FakeCohere, error_response

from assistant import Assistant
from assistant.index.chroma_store import ChromaStore
from reliability.helpers import Worker, worker_env, write_transcript


def three_episodes(folder: Path, n: int = 100) -> list[Path]:
    return [write_transcript(folder / f"ep{i}.txt", f"Episode {i}", n, f"tag{i}", seed=i) for i in (1, 2, 3)]


def all_record_ids(a: Assistant) -> list[str]:
    """Every utterance record, read from Chroma itself (episodes' details records, number 0, left out)."""
    return [i for i in a.store._utterances.get(include=[])["ids"] if not i.endswith("#000000")]


def test_embedding_service_failing_halfway_keeps_done_episodes(tmp_path: Path) -> None:
    """The 4th embed call (second batch of episode 2) fails:
    episode 1 stays, episode 2 is not written at all."""
    fake = FakeCohere(dimension=32)
    three_episodes(tmp_path / "in")
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())

    def ok(request: object, body: dict) -> object:
        return fake._default_embed(body)

    fake.queue("embed", ok, ok, ok, error_response(503))

    report = a.ingest(tmp_path / "in")

    assert report.added == ["ep1"] and not report.ok
    failed = "\n".join(report.failed.values())
    assert "ep2" in failed and "503" in failed and "ep3" in failed and "run the command again" in failed
    assert [e.id for e in a.episodes()] == ["ep1"]
    assert a.store.count() == 100 and all(i.startswith("ep1#") for i in all_record_ids(a))
    assert not [h for h in a.search("tag2word5 tag2", k=10) if h.utterance.episode_id == "ep2"]

    again = a.ingest(tmp_path / "in")
    assert again.ok and again.skipped == ["ep1"] and sorted(again.added) == ["ep2", "ep3"]
    ids = all_record_ids(a)
    assert len(ids) == len(set(ids)) == a.store.count() == 300
    assert "ep2#000005" in [h.utterance.id for h in a.search("tag2word5", k=3)]


def test_store_failing_mid_episode_leaves_it_invisible_then_swept(tmp_path: Path, monkeypatch) -> None:
    three_episodes(tmp_path / "in", n=40)
    a = Assistant.from_settings(store=tmp_path / "s")
    a.ingest(tmp_path / "in" / "ep1.txt")
    a.store.max_batch = 10
    real = a.store._utterances.upsert
    calls = {"n": 0}

    def flaky(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return real(**kwargs)

    monkeypatch.setattr(a.store._utterances, "upsert", flaky)
    report = a.ingest(tmp_path / "in")
    monkeypatch.setattr(a.store._utterances, "upsert", real)

    assert "disk full" in report.failed[str((tmp_path / "in" / "ep2.txt").resolve())]
    assert [e.id for e in a.episodes()] == ["ep1"]
    assert a.store.count() == 59, (
        "20 records of ep2 (its details and 19 utterances) were written before the failure"
    )
    assert all(h.utterance.episode_id == "ep1" for h in a.search("tag2word3 tag2", k=10))
    assert [r.episode_id for r in a.lexical.current().records].count("ep2") == 0

    assert a.store.sweep_orphans() == 20 and a.store.count() == 40
    again = a.ingest(tmp_path / "in")
    assert sorted(again.added) == ["ep2", "ep3"] and a.store.count() == 120


@pytest.mark.parametrize("reopen", ["assistant", pytest.param("ingest", marks=pytest.mark.slow)])
def test_sigkill_during_ingest_then_restart_is_consistent(tmp_path: Path, reopen: str) -> None:
    """A real child process is SIGKILLed between two utterance batches of its second episode."""
    three_episodes(tmp_path / "in", n=60)
    store = tmp_path / "s"
    env = worker_env(ASSISTANT_STORE=str(store), WORKER_SLOW_UPSERT="0.05", WORKER_BATCH="10")
    child = Worker(env, tmp_path, tmp_path / "child.err")
    child.send("ingest", paths=[str(tmp_path / "in")])
    child.wait_event(lambda e: e.get("episode") == "ep2" and e.get("n") == 10, timeout=120)
    child.wait_event(lambda e: e.get("episode") == "ep2", timeout=30)  # two batches of ep2 are in
    child.proc.send_signal(signal.SIGKILL)
    child.proc.wait(timeout=30)
    assert child.proc.returncode == -signal.SIGKILL

    raw = ChromaStore(store, embedder_name=ChromaStore.recorded_embedder(store) or "", dimension=0)
    assert [e.id for e in raw.episodes()] == ["ep1"]
    assert raw.count() > 60, "the child died with records of ep2 written but not committed"

    a = Assistant.from_settings(store=store)
    if reopen == "assistant":  # the start-up sweep already ran
        assert a.store.count() == 60
    assert [e.id for e in a.episodes()] == ["ep1"]
    assert all(h.utterance.episode_id == "ep1" for h in a.search("tag2word1 tag2", k=10))

    report = a.ingest(tmp_path / "in")
    assert report.ok and report.skipped == ["ep1"] and sorted(report.added) == ["ep2", "ep3"]
    ids = all_record_ids(a)
    assert len(ids) == len(set(ids)) == a.store.count() == 180
    for n in (1, 30, 60):
        assert f"ep2#{n:06d}" in [h.utterance.id for h in a.search(f"tag2word{n}", k=3)]


@pytest.mark.parametrize(
    "stop", [RuntimeError("disk full (simulated)"), KeyboardInterrupt()], ids=["error", "ctrl-c"]
)
def test_an_episode_written_again_that_stops_part_way_is_put_back_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException
) -> None:
    """Hidden while it was written again, the episode had been swept as orphans at the next write: lost,
    and an uploaded one has no file to read again."""
    path = three_episodes(tmp_path / "in", n=40)[1]
    a = Assistant.from_settings(store=tmp_path / "s")
    a.ingest(path)

    def seen() -> tuple[object, ...]:
        turns = [(u.number, u.speaker, u.text) for u in a.transcript("ep2")]
        return turns, a.store.count(), [h.utterance.id for h in a.search("tag2word7 tag2", k=3)]

    before = seen()
    path.write_text(path.read_text().replace("talks about", "speaks of"))  # every turn changed
    a.store.max_batch = 10
    real = a.store._utterances.upsert
    calls = {"n": 0}

    def stopping(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # two batches of the new turns are in
            raise stop
        return real(**kwargs)

    monkeypatch.setattr(a.store._utterances, "upsert", stopping)
    if isinstance(stop, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            a.ingest(path)
    else:
        assert "disk full" in a.ingest(path).failed[str(path.resolve())]
    monkeypatch.setattr(a.store._utterances, "upsert", real)

    assert seen() == before
    assert a.store.sweep_orphans() == 0 and seen() == before
    assert a.ingest(path).updated == ["ep2"] and "speaks of" in a.transcript("ep2")[0].text


def test_an_episode_that_could_not_be_put_back_at_once_is_put_back_by_the_next_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = three_episodes(tmp_path / "in", n=40)[1]
    a = Assistant.from_settings(store=tmp_path / "s")
    a.ingest(path)
    before = [(u.number, u.text) for u in a.transcript("ep2")]
    path.write_text(path.read_text().replace("talks about", "speaks of"))
    a.store.max_batch = 10
    real_utterances, real_episodes = a.store._utterances.upsert, a.store._episodes.upsert
    calls = {"n": 0}

    def stopping(**kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return real_utterances(**kwargs)

    def refusing(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("still full")

    monkeypatch.setattr(a.store._utterances, "upsert", stopping)
    monkeypatch.setattr(a.store._episodes, "upsert", refusing)
    assert "disk full" in a.ingest(path).failed[str(path.resolve())]
    monkeypatch.setattr(a.store._utterances, "upsert", real_utterances)
    monkeypatch.setattr(a.store._episodes, "upsert", real_episodes)
    assert a.episodes() == []

    b = Assistant.from_settings(store=tmp_path / "s")
    assert [(u.number, u.text) for u in b.transcript("ep2")] == before and b.store.count() == 40


@pytest.mark.parametrize("then", ["open", "reindex"])
def test_an_episode_written_again_and_killed_part_way_is_put_back_by_the_next_process(
    tmp_path: Path, then: str
) -> None:
    """SIGKILL (or a power cut) while an episode's turns are rewritten: nothing in the process can put it
    back, and its hidden turns had been swept as orphans by the next process, the episode lost."""
    from assistant import Settings
    from assistant.reindex import reindex

    path = three_episodes(tmp_path / "in", n=60)[1]
    store = tmp_path / "s"
    settings = Settings(store=store, embedder="hashing", mode="offline")
    a = Assistant.from_settings(settings=settings)
    a.ingest(path)
    before = [(u.number, u.speaker, u.text) for u in a.transcript("ep2")]
    path.write_text(path.read_text().replace("talks about", "speaks of"))  # every turn changed

    child = Worker(
        worker_env(ASSISTANT_STORE=str(store), WORKER_SLOW_UPSERT="0.05", WORKER_BATCH="10"),
        tmp_path,
        tmp_path / "child.err",
    )
    child.send("ingest", paths=[str(path)])
    child.wait_event(lambda e: e.get("episode") == "ep2", timeout=120)
    child.wait_event(lambda e: e.get("episode") == "ep2", timeout=30)  # two batches of new turns are in
    child.proc.send_signal(signal.SIGKILL)
    child.proc.wait(timeout=30)
    raw = ChromaStore(store, embedder_name=ChromaStore.recorded_embedder(store) or "", dimension=0)
    assert raw.episodes() == [], "the child died with ep2 hidden, part of its turns rewritten"

    if then == "reindex":  # before any other process has opened the store
        assert reindex(settings, "hashing")[2] == 60
    b = Assistant.from_settings(settings=settings)
    assert [e.id for e in b.episodes()] == ["ep2"]
    assert [(u.number, u.speaker, u.text) for u in b.transcript("ep2")] == before
    assert b.store.count() == 60 and "ep2#000007" in [h.utterance.id for h in b.search("tag2word7", k=3)]
    assert not list((store / ".undo").glob("*")), "put back once, then forgotten"
    assert b.ingest(path).updated == ["ep2"] and "speaks of" in b.transcript("ep2")[0].text


def test_a_terminated_ingest_ends_as_ctrl_c_does(tmp_path: Path) -> None:
    """SIGTERM (a process manager's stop, `kill`): the ingest says what it stored whole, exit 130."""
    import subprocess
    import sys
    import textwrap

    three_episodes(tmp_path / "in", n=60)
    child_code = textwrap.dedent(
        """
        import sys, time
        from chromadb.api.models.Collection import Collection
        from assistant.cli import main

        real = Collection.upsert

        def upsert(self, **kwargs):  # slowed, and said, so that the test stops it mid-ingest
            real(self, **kwargs)
            if self.name == "episodes":
                print("committed", flush=True)
                time.sleep(30)

        Collection.upsert = upsert
        sys.argv = ["assistant", "--store", sys.argv[1], "ingest", sys.argv[2]]
        main()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", child_code, str(tmp_path / "s"), str(tmp_path / "in")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ASSISTANT_EMBEDDER": "hashing"},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "committed"
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted: 1 episode stored whole before the stop (ep1)" in err and "Traceback" not in err
    assert [e.id for e in Assistant.from_settings(store=tmp_path / "s").episodes()] == ["ep1"]
