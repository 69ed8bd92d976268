"""Every test runs offline in a clean environment with its own store folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "COHERE_", "CO_API", "CHROMA_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no test downloads a model; tests/models serve their own hub
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped sample, so tests can change it."""
    target = tmp_path / "in" / "harbour-bridge.txt"
    target.parent.mkdir()
    shutil.copy(SAMPLES / "harbour-bridge.txt", target)
    return target


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the ../shared folder holds development data that is never committed)")
    return path
