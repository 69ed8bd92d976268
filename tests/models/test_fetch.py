"""Fetching from a local stand-in for the hub: verified before use, corrupt and cut downloads refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastembed", reason="fastembed is a project dependency; install the project to run these")
pytest.importorskip("onnx", reason="the tiny test models are built with onnx (the dev extra)")

from assistant.config import Settings  # noqa: E402
from assistant.index.embedders import HashingEmbedder  # noqa: E402
from assistant.models.catalog import ModelSpec  # noqa: E402
from assistant.models.embedder import LocalEmbedder  # noqa: E402
from assistant.models.fetch import ModelFetchError, cached, fetch, hub_files  # noqa: E402
from assistant.models.resolve import auto_embedder, open_embedder  # noqa: E402

from .hub import FakeHub, embedder_onnx, repo_files, serve  # noqa: E402

REPO = "test-org/tiny-embed"
TINY = ModelSpec(
    "tiny-embed",
    "embed",
    "test-org/tiny-embed",
    0.0,
    "MIT",
    "test",
    dimension=8,
    query_prompt="",
    max_tokens=64,
)


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    if not any(m["model"] == REPO for m in TextEmbedding.list_supported_models()):
        TextEmbedding.add_custom_model(
            REPO, PoolingType.MEAN, True, ModelSource(hf=REPO), dim=8, model_file="onnx/model.onnx"
        )


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # huggingface_hub reads it once, at import
    fake = FakeHub({REPO: repo_files(embedder_onnx())})
    with serve(fake) as running:
        monkeypatch.setenv("HF_ENDPOINT", running.url)
        yield running


def test_fetch_verifies_then_loads_and_reuses_the_cache(hub: FakeHub, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert cached(TINY, cache) is None
    folder = fetch(TINY, cache, progress=False)
    assert cached(TINY, cache) == folder
    assert hub.downloads.count("onnx/model.onnx") == 1

    embedder = LocalEmbedder(TINY, folder, cache=cache, hub=hub_files(TINY))
    vectors = embedder.embed_documents(["apple banana", "river bank money", "apple banana"])
    assert embedder.name == "fastembed:tiny-embed" and vectors.shape == (3, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])
    assert np.allclose(embedder.embed_query("apple banana"), vectors[0], atol=1e-6)

    fetch(TINY, cache, progress=False)
    assert hub.downloads.count("onnx/model.onnx") == 1, "a verified file is not downloaded again"


def test_a_corrupt_file_is_deleted_reported_and_never_loaded(hub: FakeHub, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    hub.corrupt.add("onnx/model.onnx")
    with pytest.raises(
        ModelFetchError, match=r"onnx/model.onnx did not match .*deleted.*models fetch tiny-embed"
    ):
        fetch(TINY, cache, progress=False)
    assert cached(TINY, cache) is None
    blobs = list((cache / "models--test-org--tiny-embed" / "blobs").iterdir())
    assert all(b.stat().st_size != len(repo_files(embedder_onnx())["onnx/model.onnx"]) for b in blobs)
    settings = Settings(model_cache=cache, onnx_model=tmp_path / "none", local_model="all-MiniLM-L6-v2")
    with pytest.raises(ModelFetchError, match="tiny-embed is not downloaded"):
        open_embedder(settings, TINY, allow_fetch=False)

    hub.corrupt.clear()
    assert cached(TINY, cache) is None
    folder = fetch(TINY, cache, progress=False)
    assert cached(TINY, cache) == folder


def test_a_cut_connection_leaves_nothing_loadable(hub: FakeHub, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    hub.cut.add("onnx/model.onnx")
    with pytest.raises(ModelFetchError, match="could not download tiny-embed"):
        fetch(TINY, cache, progress=False)
    assert cached(TINY, cache) is None
    hub.cut.clear()
    folder = fetch(TINY, cache, progress=False)
    assert cached(TINY, cache) == folder


def test_offline_falls_back_to_hashing_with_one_line_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lines: list[str] = []
    settings = Settings(model_cache=tmp_path / "cache", onnx_model=tmp_path / "none")
    embedder = auto_embedder(settings, lines.append)
    assert isinstance(embedder, HashingEmbedder)
    assert len(lines) == 1
    assert "hashing fallback" in lines[0] and "HF_HUB_OFFLINE" in lines[0]
    assert lines[0].endswith("fix: `HF_HUB_OFFLINE=0 assistant models fetch all-MiniLM-L6-v2`")


def test_a_chosen_model_that_cannot_be_fetched_gives_way_to_the_default_the_machine_holds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ASSISTANT_LOCAL_MODEL=nomic on a machine that cannot fetch it but holds MiniLM (Chroma's folder):
    MiniLM beats hashing, and the one line says so."""
    from conftest import shared_or_skip

    folder = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lines: list[str] = []
    settings = Settings(model_cache=tmp_path / "cache", onnx_model=folder, local_model="nomic")
    embedder = auto_embedder(settings, lines.append)
    assert embedder.name == "fastembed:all-MiniLM-L6-v2"
    assert embedder.embed_query("when did the steel arrive").shape == (384,)
    assert lines == [
        "answers use all-MiniLM-L6-v2, the default model found here, as nomic-embed-text-v1.5-Q is not "
        "downloaded and HF_HUB_OFFLINE is set; fix: `HF_HUB_OFFLINE=0 assistant models fetch "
        "nomic-embed-text-v1.5-Q`, then `assistant reindex --embedder local` for a library built with "
        "all-MiniLM-L6-v2"
    ]
    nothing_held = Settings(model_cache=tmp_path / "cache", onnx_model=tmp_path / "none", local_model="nomic")
    assert isinstance(auto_embedder(nothing_held, lines.append), HashingEmbedder)
    assert lines[-1].startswith(
        "answers use the hashing fallback as nomic-embed-text-v1.5-Q is not downloaded"
    )


def test_a_local_folder_without_tokenizer_settings_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = tmp_path / "export"
    (folder).mkdir()
    files = repo_files(embedder_onnx(), model_file="model.onnx")
    for name in ("model.onnx", "tokenizer.json"):
        (folder / name).write_bytes(files[name])
    folder.chmod(0o555)
    embedder = LocalEmbedder(TINY, folder, cache=tmp_path / "cache")
    vectors = embedder.embed_documents(["tea coffee", "apple"])
    assert vectors.shape == (2, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_first_use_fetches_the_default_model_once_then_works_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real MiniLM files served as the hub's repository of the default model: a fresh install fetches them
    on first use, and the next start needs no network."""
    from conftest import SAMPLES, shared_or_skip
    from huggingface_hub import constants

    from assistant import Assistant
    from assistant.models.catalog import DEFAULT_EMBEDDER, spec

    folder = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    repo = hub_files(spec(DEFAULT_EMBEDDER))
    files = {
        name: (folder / Path(name).name).read_bytes() for name in repo.files if (folder / name).is_file()
    }
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    settings = Settings(
        store=tmp_path / "store", model_cache=tmp_path / "cache", onnx_model=tmp_path / "none"
    )
    with serve(FakeHub({repo.repo: files})) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        first = Assistant.from_settings(settings=settings)
        assert first.embedder.name == "fastembed:all-MiniLM-L6-v2"
        first.ingest(SAMPLES / "harbour-bridge.txt")
        assert hub.downloads.count(repo.model_file) == 1
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    again = Assistant.from_settings(settings=settings)
    assert again.embedder.name == "fastembed:all-MiniLM-L6-v2"
    assert again.search("when did the steel arrive", k=3)


def test_an_unreachable_hub_falls_back_and_is_not_retried_on_every_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    from huggingface_hub import constants

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    settings = Settings(model_cache=tmp_path / "cache", onnx_model=tmp_path / "none")
    lines: list[str] = []
    assert isinstance(auto_embedder(settings, lines.append), HashingEmbedder)
    assert lines[-1].endswith(
        "the model hub could not be reached; fix: `assistant models fetch all-MiniLM-L6-v2`"
    )
    with serve(FakeHub({})) as hub:  # a reachable hub now, but the recent failure is remembered
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        assert isinstance(auto_embedder(settings, lines.append), HashingEmbedder)
        assert hub.requests == [] and len(lines) == 2
