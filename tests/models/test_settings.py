"""The local-model settings read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError


def test_local_model_settings_from_env() -> None:
    env = {
        "ASSISTANT_LOCAL_MODEL": "nomic",
        "ASSISTANT_MODEL_PATHS": "embeddinggemma-300m=/models/gemma; nomic = ~/nomic ;",
        "ASSISTANT_MODEL_CACHE": "/cache",
        "ASSISTANT_LOCAL_RERANK": "embed:embeddinggemma-300m@0.6",
    }
    s = Settings.from_env(env)
    assert s.local_model == "nomic" and s.local_rerank == "embed:embeddinggemma-300m@0.6"
    assert s.model_paths == (
        ("embeddinggemma-300m", Path("/models/gemma")),
        ("nomic", Path("~/nomic").expanduser()),
    )
    assert s.model_cache_dir == Path("/cache")
    assert hash(s) == hash(Settings.from_env(env)), "settings stay hashable (the UI caches by them)"


def test_defaults_and_bad_paths() -> None:
    s = Settings.from_env({})
    assert s.local_model == "all-MiniLM-L6-v2" and s.local_rerank == "off" and s.model_paths == ()
    with pytest.raises(ConfigError, match="ASSISTANT_MODEL_PATHS.*NAME=FOLDER"):
        Settings.from_env({"ASSISTANT_MODEL_PATHS": "just-a-folder"})
