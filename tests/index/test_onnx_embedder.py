"""OnnxEmbedder against the real model files; tests that need them skip when ../shared is absent."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.index.onnx_embedder import OnnxEmbedder

_DEFAULT = Path(__file__).resolve().parents[2].parent / "shared/models/all-MiniLM-L6-v2/onnx"
MODEL_DIR = Path(os.environ.get("ASSISTANT_ONNX_MODEL") or _DEFAULT)
FOUND = OnnxEmbedder.find(MODEL_DIR)
needs_model = pytest.mark.skipif(
    FOUND is None,
    reason=(
        f"no ONNX model (model.onnx + tokenizer.json) in {MODEL_DIR}; set ASSISTANT_ONNX_MODEL to run these"
    ),
)
_CHROMA_FILES = (
    "config.json",
    "model.onnx",
    "special_tokens_map.json",
    "tokenizer_config.json",
    "tokenizer.json",
    "vocab.txt",
)

TEXTS = [
    "I want to save the world with AI.",
    "",
    "Yep.",
    (
        "In 2017, Aiden was a third-year undergrad student who cold-emailed Google Brain, landed an "
        "internship, and ended up co-authoring Attention Is All You Need, the seminal Transformers paper."
    ),
    "So, which is my bar? Mah! Number one.",
    "We don't hire undergrad students. " * 12,
    "Noam happened to be around, and then you had some conversations with other folks.",
]


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    assert FOUND is not None
    return OnnxEmbedder(FOUND, batch_size=2, threads=1)


@pytest.fixture(scope="module")
def chroma() -> Callable[[list[str]], np.ndarray]:
    """Chroma's default function on the same files (one thread, like ours here); a download attempt fails."""
    assert FOUND is not None
    if not all((FOUND / name).is_file() for name in _CHROMA_FILES):
        pytest.skip(f"{FOUND} lacks some of Chroma's cache files {_CHROMA_FILES}")
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    ef = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    ef.DOWNLOAD_PATH = FOUND.parent  # type: ignore[misc]

    def no_download(*_: Any, **__: Any) -> None:
        raise AssertionError("Chroma tried to download its model")

    ef._download = no_download  # type: ignore[method-assign,assignment]
    import onnxruntime as ort  # type: ignore[import-untyped]

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    ef.__dict__["model"] = ort.InferenceSession(
        str(FOUND / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return lambda texts: np.asarray(ef(texts), dtype=np.float32)


def test_missing_folder_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        OnnxEmbedder(tmp_path / "nowhere")
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and "ASSISTANT_ONNX_MODEL" in message
    assert OnnxEmbedder.find(tmp_path) is None and OnnxEmbedder.find(None) is None


def test_find_accepts_folder_or_its_parent(tmp_path: Path) -> None:
    onnx = tmp_path / "some-model" / "onnx"
    onnx.mkdir(parents=True)
    (onnx / "model.onnx").write_bytes(b"")
    assert OnnxEmbedder.find(onnx.parent) is None
    (onnx / "tokenizer.json").write_text("{}")
    assert OnnxEmbedder.find(onnx.parent) == onnx.resolve() == OnnxEmbedder.find(onnx)
    embedder = OnnxEmbedder(onnx.parent)
    assert embedder.name == "onnx:some-model" and embedder._session is None


def test_batches_are_length_sorted_and_within_budget(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"")
    (tmp_path / "tokenizer.json").write_text("{}")
    embedder = OnnxEmbedder(tmp_path, batch_size=4, token_budget=40)
    lengths = np.array([3, 30, 5, 12, 2, 12, 7, 30, 9])
    batches = embedder._batches(lengths)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    widths = [int(lengths[b].max()) for b in batches]
    assert widths == sorted(widths, reverse=True)
    assert all(len(b) <= 4 and (len(b) == 1 or len(b) * lengths[b].max() <= 40) for b in batches)


def test_an_outlier_gets_its_own_batch(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"")
    (tmp_path / "tokenizer.json").write_text("{}")
    lengths = np.array([6] * 20 + [60] + [5] * 11)
    batches = OnnxEmbedder(tmp_path, batch_size=32)._batches(lengths)
    assert batches[0].tolist() == [20] and sum(len(b) for b in batches) == 32


@needs_model
def test_name_dimension_and_normalised(embedder: OnnxEmbedder) -> None:
    assert embedder.name == "onnx:all-MiniLM-L6-v2"
    vectors = embedder.embed_documents(TEXTS)
    assert embedder.dimension == 384
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)


@needs_model
def test_matches_chroma_default(embedder: OnnxEmbedder, chroma: Callable[[list[str]], np.ndarray]) -> None:
    ours = embedder.embed_documents(TEXTS)
    theirs = chroma(TEXTS)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() > 0.999, cosine


@needs_model
def test_order_preserved_and_batch_equals_single(embedder: OnnxEmbedder) -> None:
    batch = embedder.embed_documents(TEXTS)
    single = np.stack([embedder.embed_documents([t])[0] for t in TEXTS])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    reversed_batch = embedder.embed_documents(TEXTS[::-1])
    np.testing.assert_allclose(reversed_batch[::-1], batch, atol=1e-5)


@needs_model
@pytest.mark.parametrize("parallel", ["batches", "intra_op"])
def test_thread_modes_agree(embedder: OnnxEmbedder, parallel: str) -> None:
    assert FOUND is not None
    other = OnnxEmbedder(FOUND, batch_size=2, threads=2, parallel=parallel)  # type: ignore[arg-type]
    np.testing.assert_allclose(other.embed_documents(TEXTS), embedder.embed_documents(TEXTS), atol=1e-5)


@needs_model
def test_empty_string_and_long_text(embedder: OnnxEmbedder) -> None:
    vectors = embedder.embed_documents(["", "word " * 600])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
def test_progress_counts_every_text(embedder: OnnxEmbedder) -> None:
    seen: list[int] = []
    embedder.embed_documents(TEXTS, progress=seen.append)
    assert sum(seen) == len(TEXTS) and len(seen) >= len(TEXTS) // 2


@needs_model
def test_query_cache_returns_copies(embedder: OnnxEmbedder) -> None:
    first = embedder.embed_query("who wrote the transformers paper?")
    first[:] = 0
    second = embedder.embed_query("who wrote the transformers paper?")
    np.testing.assert_allclose(np.linalg.norm(second), 1.0, atol=1e-5)
    np.testing.assert_allclose(
        second, embedder.embed_documents(["who wrote the transformers paper?"])[0], atol=1e-6
    )


@needs_model
def test_concurrent_first_use_loads_once() -> None:
    assert FOUND is not None
    fresh = OnnxEmbedder(FOUND, threads=1)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(fresh.embed_query("hello"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(np.allclose(r, results[0]) for r in results)


def test_broken_files_raise_config_error_on_first_use(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}")
    embedder = OnnxEmbedder(tmp_path)
    with pytest.raises(ConfigError, match="ASSISTANT_ONNX_MODEL"):
        embedder.embed_query("hello")
