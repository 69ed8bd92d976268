"""QMSum topic segmentation as reference chapters, and cached utterance vectors for the outline evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.index.embedders import WORDS_ONLY, document_text
from assistant.types import Transcript


@dataclass(frozen=True)
class GoldTopic:
    title: str
    spans: tuple[tuple[int, int], ...]  # 1-based inclusive utterance numbers


@dataclass(frozen=True)
class Meeting:
    transcript: Transcript
    topics: tuple[GoldTopic, ...]


def reference_labels(topics: Sequence[GoldTopic], n_turns: int) -> list[int]:
    """One topic label per turn (0-based list over turns 1..n), from spans that may overlap or leave gaps.

    Convention: where spans overlap, the topic whose span starts later holds the turn (a new topic has
    begun); a turn no span covers keeps the label of the turn before it (turns before the first span take
    the first covered label). Chapter boundaries are where the label changes, so a topic that returns
    after another one counts as a new chapter.
    """
    owner: list[tuple[int, int] | None] = [None] * n_turns
    for index, topic in enumerate(topics):
        for first, last in topic.spans:
            for turn in range(max(first, 1), min(last, n_turns) + 1):
                current = owner[turn - 1]
                if current is None or first >= current[0]:
                    owner[turn - 1] = (first, index)
    labels: list[int | None] = [o[1] if o else None for o in owner]
    first_known = next((label for label in labels if label is not None), 0)
    out: list[int] = []
    previous = first_known
    for label in labels:
        previous = previous if label is None else label
        out.append(previous)
    return out


def labels_to_boundaries(labels: Sequence[int]) -> list[int]:
    """Indices i (0-based) such that a new chapter starts at turn i (i > 0)."""
    return [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]


def load_topics(path: Path) -> dict[str, tuple[int, tuple[GoldTopic, ...]]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        topics = tuple(
            GoldTopic(t["topic"], tuple((int(a), int(b)) for a, b in t["spans"])) for t in row["topics"]
        )
        out[row["episode"]] = (int(row["n_turns"]), topics)
    return out


def load_split(folder: Path) -> list[Meeting]:
    """Meetings of one qmsum split, parsed with the project's parser, with their gold topics."""
    from assistant.ingest.parse import parse_file

    topics = load_topics(folder / "topics.jsonl")
    meetings = []
    for path in sorted((folder / "transcripts").glob("*.txt")):
        if path.stem not in topics:
            continue
        meetings.append(Meeting(parse_file(path), topics[path.stem][1]))
    return meetings


def cached_vectors(
    transcript: Transcript,
    embed: Callable[[list[str]], np.ndarray],
    cache: Path,
    model_name: str,
    documents: str = WORDS_ONLY,
) -> np.ndarray:
    """Utterance vectors of one transcript, made as ingest makes them (`document_text` in the embedder's
    `documents` format), read from `cache` when this file was embedded before."""
    safe = model_name.replace("/", "_").replace(":", "_")
    key = transcript.episode.content_hash or transcript.episode.id
    path = cache / safe / documents.replace(": ", "-") / f"{transcript.episode.id}-{key[:16]}.npy"
    if path.exists():
        saved: np.ndarray = np.load(path)
        return saved
    vectors = embed([document_text(u, documents) for u in transcript.utterances])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
