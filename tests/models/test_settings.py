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


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "ASSISTANT_LOCAL_MODEL",
            "nomik",
            "ASSISTANT_LOCAL_MODEL: unknown model 'nomik'; `assistant models` lists",
        ),
        (
            "ASSISTANT_LOCAL_MODEL",
            "ms-marco-MiniLM-L-6-v2",
            "ASSISTANT_LOCAL_MODEL: ms-marco-MiniLM-L-6-v2 is a reranker, not an embedder; the known ones: "
            "all-MiniLM-L6-v2,",
        ),
        ("ASSISTANT_MODEL_PATHS", "nomik=/models/nomic", "ASSISTANT_MODEL_PATHS: unknown model 'nomik'"),
        ("ASSISTANT_LOCAL_RERANK", "ms-marco@0.5", "ASSISTANT_LOCAL_RERANK: unknown model 'ms-marco'"),
        ("ASSISTANT_LOCAL_RERANK", "embed:gemm", "ASSISTANT_LOCAL_RERANK: unknown model 'gemm'"),
        (
            "ASSISTANT_LOCAL_RERANK",
            "minilm",
            "ASSISTANT_LOCAL_RERANK: all-MiniLM-L6-v2 is an embedder, not a reranker; the known ones: "
            "ms-marco-MiniLM-L-6-v2, bge-reranker-v2-m3-int8; or `embed:all-MiniLM-L6-v2` to re-score with "
            "that embedder",
        ),
        (
            "ASSISTANT_LOCAL_RERANK",
            "embed:bge-reranker-v2-m3-int8",
            "ASSISTANT_LOCAL_RERANK: bge-reranker-v2-m3-int8 is a reranker, not an embedder; the known ones: "
            "all-MiniLM",
        ),
    ],
)
def test_a_model_setting_that_names_no_fitting_model_is_a_clear_error_at_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    """Said when the Assistant starts, whatever the store holds: not a KeyError traceback on the first
    search, nor a folder silently passed over."""
    from click.testing import CliRunner

    from assistant import Assistant
    from assistant.cli import cli

    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        Assistant.from_settings()
    assert str(raised.value).startswith(said)
    result = CliRunner().invoke(cli, ["search", "steel"], obj={})
    assert result.exit_code == 1 and "Traceback" not in result.output and said in result.output


def test_model_settings_by_alias_or_library_name_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import Assistant

    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "MiniLM")
    monkeypatch.setenv("ASSISTANT_LOCAL_RERANK", "OFF")
    assert Assistant.from_settings().embedder.name.startswith("hashing"), "no model here: the fallback, said"
    monkeypatch.setenv("ASSISTANT_MODEL_PATHS", "sentence-transformers/all-MiniLM-L6-v2=/nowhere")
    with pytest.raises(
        ConfigError, match="no model.onnx with a tokenizer.json in /nowhere .*for all-MiniLM-L6-v2"
    ):
        Assistant.from_settings()  # the folder is MiniLM's, by fastembed's name for it
