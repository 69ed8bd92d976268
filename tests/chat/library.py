"""Small offline libraries the chat tests ask questions of, and a hosted one that counts its Cohere calls."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings

OVENS_DETAILS = (
    "--- METADATA START ---\nShow: Flour\nEpisode: The Ovens\nHost: Ana Lima\nGuests: Tomás Reyes\n"
    "--- METADATA END ---\n\n"
)
"""The details of an episode whose transcript labels no speaker: its turns follow."""


def offline_library(tmp_path: Path, written: Mapping[str, str], *files: Path) -> Assistant:
    """An offline library (hashing vectors) of `files` and of each text in `written`, saved as NAME.txt."""
    for name, text in written.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    assert a.ingest([*files, *(tmp_path / f"{name}.txt" for name in written)]).ok
    return a


def hosted_library(tmp_path: Path, *files: Path) -> tuple[Assistant, Any]:
    """A hosted library of `files` on the fake Cohere service, and that fake (its `calls()` are counted)."""
    from providers.cohere_fakes import FakeCohere

    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    assert a.ingest(list(files)).ok
    return a, fake
