"""LocalEmbedder on the real all-MiniLM-L6-v2 files; tests that need them skip when ../shared is absent."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastembed", reason="fastembed is a project dependency; install the project to run these")

from assistant.errors import ConfigError  # noqa: E402
from assistant.models.batching import plan_batches  # noqa: E402
from assistant.models.catalog import spec  # noqa: E402
from assistant.models.embedder import LocalEmbedder, find_onnx  # noqa: E402

_DEFAULT = Path(__file__).resolve().parents[2].parent / "shared/models/all-MiniLM-L6-v2/onnx"
MODEL_DIR = Path(os.environ.get("ASSISTANT_ONNX_MODEL") or _DEFAULT)
FOUND = find_onnx(MODEL_DIR)
needs_model = pytest.mark.skipif(
    FOUND is None,
    reason=f"no model.onnx + tokenizer.json in {MODEL_DIR}; set ASSISTANT_ONNX_MODEL to run these",
)
MINILM = spec("all-MiniLM-L6-v2")
_CHROMA_FILES = ("config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json")

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
def embedder(tmp_path_factory: pytest.TempPathFactory) -> LocalEmbedder:
    return LocalEmbedder(MINILM, MODEL_DIR, cache=tmp_path_factory.mktemp("cache"), batch_size=2, threads=1)


@pytest.fixture(scope="module")
def chroma() -> Callable[[list[str]], np.ndarray]:
    """Chroma's default function on the same files (the reference the project's vectors always matched)."""
    assert FOUND is not None
    if not all((FOUND.parent / name).is_file() for name in _CHROMA_FILES):
        pytest.skip(f"{FOUND.parent} lacks some of Chroma's cache files {_CHROMA_FILES}")
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    ef = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    ef.DOWNLOAD_PATH = FOUND.parent.parent  # type: ignore[misc]

    def no_download(*_: Any, **__: Any) -> None:
        raise AssertionError("Chroma tried to download its model")

    ef._download = no_download  # type: ignore[method-assign,assignment]
    return lambda texts: np.asarray(ef(texts), dtype=np.float32)


def test_batches_are_length_sorted_and_within_budget() -> None:
    lengths = np.array([3, 30, 5, 12, 2, 12, 7, 30, 9])
    batches = plan_batches(lengths, batch_size=4, token_budget=40)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    widths = [int(lengths[b].max()) for b in batches]
    assert widths == sorted(widths, reverse=True)
    assert all(len(b) <= 4 and (len(b) == 1 or len(b) * lengths[b].max() <= 40) for b in batches)


def test_an_outlier_gets_its_own_batch() -> None:
    batches = plan_batches(np.array([6] * 20 + [60] + [5] * 11), batch_size=32)
    assert batches[0].tolist() == [20] and sum(len(b) for b in batches) == 32


@needs_model
def test_name_dimension_and_normalised(embedder: LocalEmbedder) -> None:
    assert embedder.name == "fastembed:all-MiniLM-L6-v2"
    vectors = embedder.embed_documents(TEXTS)
    assert embedder.dimension == 384
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)


@needs_model
def test_matches_chroma_default(embedder: LocalEmbedder, chroma: Callable[[list[str]], np.ndarray]) -> None:
    cosine = np.sum(embedder.embed_documents(TEXTS) * chroma(TEXTS), axis=1)
    assert cosine.min() > 0.999, cosine


@needs_model
def test_order_preserved_batch_equals_single_and_threads_agree(
    embedder: LocalEmbedder, tmp_path: Path
) -> None:
    batch = embedder.embed_documents(TEXTS)
    single = np.stack([embedder.embed_documents([t])[0] for t in TEXTS])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS[::-1])[::-1], batch, atol=1e-5)
    two = LocalEmbedder(MINILM, MODEL_DIR, cache=tmp_path, batch_size=2, threads=2)
    np.testing.assert_allclose(two.embed_documents(TEXTS), batch, atol=1e-5)


@needs_model
def test_empty_string_long_text_and_progress(embedder: LocalEmbedder) -> None:
    vectors = embedder.embed_documents(["", "word " * 600])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    seen: list[int] = []
    embedder.embed_documents(TEXTS, progress=seen.append)
    assert sum(seen) == len(TEXTS) and len(seen) >= len(TEXTS) // 2


@needs_model
def test_query_cache_returns_copies(embedder: LocalEmbedder) -> None:
    first = embedder.embed_query("who wrote the transformers paper?")
    first[:] = 0
    second = embedder.embed_query("who wrote the transformers paper?")
    np.testing.assert_allclose(np.linalg.norm(second), 1.0, atol=1e-5)
    np.testing.assert_allclose(
        second, embedder.embed_documents(["who wrote the transformers paper?"])[0], atol=1e-6
    )


@needs_model
def test_concurrent_first_use_loads_once(tmp_path: Path) -> None:
    fresh = LocalEmbedder(MINILM, MODEL_DIR, cache=tmp_path, threads=1)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(fresh.embed_query("hello"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(np.allclose(r, results[0]) for r in results)


def test_missing_and_broken_files_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no model.onnx"):
        LocalEmbedder(MINILM, tmp_path / "nowhere", cache=tmp_path / "cache")
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}")
    embedder = LocalEmbedder(MINILM, tmp_path, cache=tmp_path / "cache")
    with pytest.raises(ConfigError, match="cannot load all-MiniLM-L6-v2"):
        embedder.embed_query("hello")


@needs_model
def test_a_store_remembers_its_model_and_reindex_switches_it(tmp_path: Path) -> None:
    from conftest import SAMPLES

    from assistant import Assistant
    from assistant.config import Settings
    from assistant.reindex import reindex

    settings = Settings(store=tmp_path / "store", model_cache=tmp_path / "cache", onnx_model=MODEL_DIR)
    built = Assistant.from_settings(settings=settings.with_(embedder="hashing"))
    built.ingest(SAMPLES / "harbour-bridge.txt")
    built.close()
    old, new, count = reindex(settings, "local")
    assert (old, new) == ("hashing:v1:512", "fastembed:all-MiniLM-L6-v2") and count > 0
    reopened = Assistant.from_settings(settings=settings)
    assert reopened.embedder.name == "fastembed:all-MiniLM-L6-v2"
    assert reopened.search("when did the steel arrive", k=3)


@needs_model
def test_a_question_before_any_document_gets_the_same_vector_without_fastembed(tmp_path: Path) -> None:
    """The CLI's fast path: one query read through the ONNX file directly, equal to fastembed's vector."""
    import json
    import subprocess
    import sys

    folder = MODEL_DIR
    probe = (
        "import sys, json; from pathlib import Path\n"
        "from assistant.models.catalog import spec\n"
        "from assistant.models.embedder import LocalEmbedder\n"
        f"e = LocalEmbedder(spec('all-MiniLM-L6-v2'), Path({str(folder)!r}), cache=Path({str(tmp_path)!r}))\n"
        "v = e.embed_query('How did the internship start?')\n"
        "print(json.dumps({'fastembed': 'fastembed' in sys.modules, 'v': [float(x) for x in v]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["fastembed"] is False
    library = LocalEmbedder(spec("all-MiniLM-L6-v2"), folder, cache=tmp_path)
    library._load()
    expected = library.embed_query("How did the internship start?")
    assert float(np.asarray(seen["v"], dtype=np.float32) @ expected) > 1 - 1e-5


@needs_model
def test_onnx_runtime_keeps_no_device_id_and_reports_nothing(tmp_path: Path) -> None:
    """ONNX Runtime 1.29+ keeps a telemetry database and device id in ~/.cache/Microsoft unless told."""
    import subprocess
    import sys

    probe = (
        "from pathlib import Path\n"
        "from assistant.models.catalog import spec\n"
        "from assistant.models.embedder import LocalEmbedder\n"
        f"e = LocalEmbedder(spec('all-MiniLM-L6-v2'), Path({str(MODEL_DIR)!r}), "
        f"cache=Path({str(tmp_path)!r}))\n"
        "e.embed_query('hello')\n"
        "e.embed_documents(['hello there'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    home = tmp_path / "home"
    home.mkdir()
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    subprocess.run([sys.executable, "-c", probe], env=env, check=True, timeout=120, capture_output=True)
    assert not (home / ".cache" / "Microsoft").exists()  # onnxruntime 1.32 creates it without the setting
