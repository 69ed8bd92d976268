"""Uploads saved for a batch whose server was stopped mid-ingest are removed by the next batch, unless
another session's batch is still using them: someone's transcripts are not left on disk for no one."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES
from filelock import FileLock

from assistant import Assistant


def test_a_batch_left_by_a_killed_server_goes_and_one_in_use_stays(store_dir: Path) -> None:
    uploads = store_dir / "uploads"
    killed = uploads / "batch-killed"
    killed.mkdir(parents=True)
    (killed / "interview.txt").write_text("1\nAna: private words.\n", encoding="utf-8")
    holder = subprocess.Popen(  # a server process holding its batch's lock, then killed
        [
            sys.executable,
            "-c",
            f"from filelock import FileLock; lock = FileLock({str(killed) + '.lock'!r}); lock.acquire(); "
            "print('held', flush=True); import time; time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    old = uploads / "batch-from-an-older-version"
    old.mkdir()
    (old / "notes.txt").write_text("1\nBen: more private words.\n", encoding="utf-8")
    busy = uploads / "batch-busy"
    busy.mkdir()

    with FileLock(str(busy) + ".lock"):  # another session's batch, under way
        Assistant.from_settings().ingest_uploads([("a.txt", (SAMPLES / "harbour-bridge.txt").read_bytes())])
        assert killed.exists(), "its owner is alive: kept"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        report = Assistant.from_settings().ingest_uploads([("b.txt", b"1\nCy: other words here.\n")])
        assert report.added == ["b"]
        assert sorted(p.name for p in uploads.iterdir()) == ["batch-busy", "batch-busy.lock"]
