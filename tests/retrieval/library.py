"""A keywords-only library of numbered lines, for tests of what BM25 reads in a word."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant import Assistant, RetrievalConfig
from assistant.index.embedders import HashingEmbedder


def keyword_library(tmp_path: Path, name: str, lines: Sequence[str]) -> Assistant:
    """`lines` as turns #1, #2… of one transcript (episode `name`), searched by BM25 alone."""
    path = tmp_path / f"{name}.txt"
    path.write_text("\n".join(f"{n}\n{t}" for n, t in enumerate(lines, start=1)) + "\n", encoding="utf-8")
    a = Assistant.from_settings(embedder=HashingEmbedder(), retrieval=RetrievalConfig(use_dense=False))
    assert a.ingest(path).ok
    return a
