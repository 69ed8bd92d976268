"""An utterance's vector holds who says it, for embedders measured better so: a question that names a speaker
finds their words by meaning too. Others (MiniLM) keep the words alone.

Stores built before the format was recorded keep embedding words alone (one store never mixes two kinds of
vector), say so in their status when their embedder wants the names, and get them through `assistant
reindex`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from assistant import Assistant, HashingEmbedder, RetrievalConfig
from assistant.cli import cli
from assistant.index.chroma_store.clients import persistent_client

DENSE_ONLY = RetrievalConfig(use_lexical=False, weight_speaker=0.0)

TRANSCRIPT = """--- METADATA START ---
Show: Test Show
Episode: Two Cars
--- METADATA END ---

1
Priya: Morning everyone, the coffee machine is fixed.
2
Priya: I bought a small red car last week.
3
Oskar: I bought a small red car last week.
4
Priya: The weather should clear up by Friday.
"""


def write_transcript(folder: Path, name: str = "two-cars.txt", text: str = TRANSCRIPT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def top_speaker(a: Assistant, question: str) -> str | None:
    return a.search(question, k=1)[0].utterance.speaker


def utterances(store: Path) -> Any:
    return persistent_client(store, fresh=False).get_collection("utterances")


def stored_vector(store: Path, number: int) -> np.ndarray:
    collection = utterances(store)
    got = collection.get(where={"number": number}, include=["embeddings"])
    return np.asarray(got["embeddings"][0])


def strip_documents_format(store: Path) -> None:
    """What a store written before 2026-11-30 looks like: its collection records no `documents` format."""
    collection = utterances(store)
    metadata = {k: v for k, v in (collection.metadata or {}).items() if k != "documents"}
    collection.modify(metadata=metadata)


def test_a_question_naming_a_speaker_finds_their_words_by_meaning(tmp_path: Path, store_dir: Path) -> None:
    a = Assistant.from_settings(retrieval=DENSE_ONLY)
    a.ingest(write_transcript(tmp_path / "in"))
    assert top_speaker(a, "What did Oskar buy last week?") == "Oskar"
    assert top_speaker(a, "What did Priya buy last week?") == "Priya"
    assert a.describe().store_notice == ""


class WordsOnlyHashing(HashingEmbedder):
    speaker_documents = False  # as MiniLM's catalog entry says


def test_an_embedder_that_keeps_words_alone_gets_a_words_only_store(tmp_path: Path, store_dir: Path) -> None:
    a = Assistant.from_settings(embedder=WordsOnlyHashing())
    a.ingest(write_transcript(tmp_path / "in"))
    assert (utterances(store_dir).metadata or {}).get("documents") == "text"
    words = a.embedder.embed_documents(["I bought a small red car last week."])[0]
    assert np.allclose(stored_vector(store_dir, 3), words, atol=1e-6)
    assert a.describe().store_notice == "", "nothing to rebuild: this is the format it wants"


def test_the_episode_details_and_unlabelled_transcripts_embed_their_words(
    tmp_path: Path, store_dir: Path
) -> None:
    a = Assistant.from_settings()
    unlabelled = TRANSCRIPT.replace("Priya: ", "").replace("Oskar: ", "")
    a.ingest(write_transcript(tmp_path / "in", "plain.txt", unlabelled))
    words = a.embedder.embed_documents(["I bought a small red car last week."])[0]
    assert np.allclose(stored_vector(store_dir, 2), words, atol=1e-6)


def test_a_store_from_before_keeps_words_only_until_reindexed(tmp_path: Path, store_dir: Path) -> None:
    first = write_transcript(tmp_path / "in")
    Assistant.from_settings().ingest(first)
    strip_documents_format(store_dir)
    words_only, bye = Assistant.from_settings().embedder.embed_documents(
        ["I bought a small red car last week.", "Bye now."]
    )

    old = Assistant.from_settings(retrieval=DENSE_ONLY)
    assert "assistant reindex" in old.describe().store_notice
    result = CliRunner().invoke(cli, ["status"], obj={})
    assert result.exit_code == 0 and "assistant reindex" in result.output
    old.ingest(write_transcript(tmp_path / "in", "two-cars.txt", TRANSCRIPT + "5\nOskar: Bye now.\n"))
    # the new turn is embedded as the store's vectors were made (words only), not as "Oskar: Bye now."
    assert np.allclose(stored_vector(store_dir, 5), bye, atol=1e-6), "no mixing in one store"

    result = CliRunner().invoke(cli, ["reindex"], obj={})  # the store's own embedder, today's format
    assert result.exit_code == 0 and "hashing:v1:512 -> hashing:v1:512" in result.output, result.output
    new = Assistant.from_settings(retrieval=DENSE_ONLY)
    assert new.describe().store_notice == ""
    assert not np.allclose(stored_vector(store_dir, 3), words_only, atol=1e-6)
    assert top_speaker(new, "What did Oskar buy last week?") == "Oskar"


@pytest.mark.parametrize("documents", ["speaker: text", "text"])
def test_an_empty_store_from_before_records_the_format_of_its_first_vectors(
    tmp_path: Path, store_dir: Path, documents: str
) -> None:
    a = Assistant.from_settings()
    a.ingest(write_transcript(tmp_path / "in"))
    strip_documents_format(store_dir)
    if documents == "speaker: text":  # emptied before its first ingest under the new version
        a.delete("two-cars")
    b = Assistant.from_settings()
    other = TRANSCRIPT.replace("Two Cars", "Other").replace("coffee machine", "printer")  # not a copy
    b.ingest(write_transcript(tmp_path / "in", "other.txt", other))
    collection = utterances(store_dir)
    assert (collection.metadata or {}).get("documents") == documents
