"""`assistant reindex` says what it is doing all the way: writing the library takes as long as embedding it
or longer, and its bar had stood at "embedding" the whole time."""

from __future__ import annotations

from pathlib import Path

from reliability.helpers import write_transcript

from assistant import Assistant, Settings
from assistant.reindex import reindex


def test_a_rebuild_reports_embedding_then_writing_each_episode(tmp_path: Path) -> None:
    for i in (1, 2, 3):
        write_transcript(tmp_path / "in" / f"ep{i}.txt", f"Episode {i}", 20, f"tag{i}", seed=i)
    settings = Settings(store=tmp_path / "store", embedder="hashing", mode="offline")
    Assistant.from_settings(settings=settings).ingest(tmp_path / "in")
    told: list[tuple[int, int, str]] = []

    assert reindex(settings, "hashing", lambda *args: told.append(args))[2] == 60

    phases = [doing.split()[0] for _, _, doing in told]
    assert phases == sorted(phases, key=["embedding", "writing", "swapping"].index), "one phase after another"
    writing = [(done, doing) for done, _, doing in told if doing.startswith("writing")]
    assert writing == [(0, "writing ep1"), (21, "writing ep2"), (42, "writing ep3")], "details record each"
    assert told[-1] == (63, 63, "swapping the rebuilt library in")
    assert max(done for done, _, doing in told if doing.startswith("embedding")) == 63
