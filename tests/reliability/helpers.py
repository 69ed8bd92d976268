"""Shared helpers for the reliability tests: synthetic transcripts and a driver for `worker.py` processes."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve().parent / "worker.py"
SPEAKERS = ("Ana Silva", "Ben Okafor", "Chen Wei")
WORDS = (
    "bridge",
    "budget",
    "steel",
    "harbour",
    "council",
    "engineer",
    "storm",
    "clay",
    "piles",
    "approval",
    "weather",
    "concrete",
    "deadline",
    "contract",
    "survey",
    "design",
    "river",
    "traffic",
    "lights",
    "paint",
)


def write_transcript(path: Path, title: str, utterances: int, tag: str, seed: int = 0) -> Path:
    """A numbered transcript whose every utterance holds `tag` plus its number (`tagword17`), so searches can
    tell episodes and utterances apart."""
    rng = random.Random(seed)
    lines = [
        "--- METADATA START ---",
        "Show: Reliability Tests",
        f"Episode: {title}",
        "--- METADATA END ---",
        "",
    ]
    for n in range(1, utterances + 1):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        lines += [str(n), f"{SPEAKERS[n % 3]}: {tag}word{n} {tag} talks about the {words}."]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def worker_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSISTANT_", "COHERE_", "CO_API", "CHROMA_", "WORKER_"))
    }
    env.update({"ASSISTANT_EMBEDDER": "hashing", "ASSISTANT_MODE": "offline", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


class Worker:
    """One `worker.py` process; `call` sends a command and returns its reply, events are kept apart."""

    def __init__(
        self, env: dict[str, str], cwd: Path, stderr_path: Path | None = None, wait: bool = True
    ) -> None:
        # kept open for the process's lifetime; closed in close() and kill()
        self._stderr = open(stderr_path or os.devnull, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=str(cwd),
            text=True,
            bufsize=1,
        )
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        if wait:
            self.ready()

    def ready(self) -> Worker:
        self.wait_event(lambda e: e.get("event") == "ready", timeout=120)
        return self

    @classmethod
    def many(cls, count: int, env: dict[str, str], cwd: Path) -> list[Worker]:
        """Start `count` workers at once (each takes seconds to import), then wait for all."""
        workers = [cls(env, cwd, cwd / f"worker{i}.err", wait=False) for i in range(count)]
        return [w.ready() for w in workers]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            (self.events if "event" in obj else self.replies).put(obj)

    def send(self, op: str, **args: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 300) -> dict[str, Any]:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"worker {self.proc.pid} sent no reply in {timeout} s") from None

    def call(self, op: str, timeout: float = 300, **args: Any) -> dict[str, Any]:
        self.send(op, **args)
        return self.reply(timeout)

    def wait_event(self, match: Callable[[dict[str, Any]], bool], timeout: float = 120) -> dict[str, Any]:
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                code = self.proc.poll()
                raise AssertionError(f"worker event not seen in {timeout} s (exit code {code})") from None
            if match(event):
                return event

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(AssertionError, OSError, ValueError):
                self.call("quit", timeout=30)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL on POSIX
        self.proc.wait()
        self._stderr.close()
