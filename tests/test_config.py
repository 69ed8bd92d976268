"""Settings from the environment and .env, with clear errors and no secrets in repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import ConfigError, Settings


def test_defaults_are_offline_and_need_nothing() -> None:
    s = Settings.from_env({})
    assert not s.has_key and s.mode == "auto" and s.embedder == "auto"
    assert s.store is None and "transcript-assistant" in str(s.store_dir)


def test_every_variable_is_read() -> None:
    s = Settings.from_env(
        {
            "CO_API_KEY": "k1",
            "ASSISTANT_STORE": "/tmp/x",
            "ASSISTANT_ONNX_MODEL": "/m",
            "CHROMA_HOST": "h",
            "CHROMA_PORT": "9000",
            "ASSISTANT_CHAT_MODEL": "c",
            "ASSISTANT_EMBED_MODEL": "e",
            "ASSISTANT_RERANK_MODEL": "r",
            "ASSISTANT_TIMEOUT": "5",
            "ASSISTANT_MAX_RETRIES": "0",
            "ASSISTANT_TOP_K": "3",
            "ASSISTANT_MODE": "offline",
            "ASSISTANT_EMBEDDER": "hashing",
            "CHROMA_AUTH_TOKEN": "t",
            "ASSISTANT_CONTEXT_TOKENS": "900",
        }
    )
    assert (s.cohere_api_key, s.store, s.onnx_model, s.chroma_host, s.chroma_port) == (
        "k1",
        Path("/tmp/x"),
        Path("/m"),
        "h",
        9000,
    )
    assert (s.chat_model, s.embed_model, s.rerank_model, s.timeout, s.max_retries, s.top_k) == (
        "c",
        "e",
        "r",
        5.0,
        0,
        3,
    )
    assert (s.mode, s.embedder, s.chroma_auth_token, s.context_tokens) == ("offline", "hashing", "t", 900)


def test_cohere_api_key_wins_over_co_api_key() -> None:
    assert Settings.from_env({"COHERE_API_KEY": "a", "CO_API_KEY": "b"}).cohere_api_key == "a"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CHROMA_PORT": "eighty"}, "CHROMA_PORT"),
        ({"ASSISTANT_TOP_K": "0"}, "ASSISTANT_TOP_K"),
        ({"ASSISTANT_MODE": "cloud"}, "ASSISTANT_MODE"),
        ({"ASSISTANT_MODE": "hosted"}, "COHERE_API_KEY"),
    ],
)
def test_bad_values_are_named(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_repr_hides_secrets() -> None:
    s = Settings.from_env({"COHERE_API_KEY": "sk-SECRET-42", "CHROMA_AUTH_TOKEN": "tok-SECRET"})
    assert "SECRET" not in repr(s) and "SECRET" not in str(s)


def test_dotenv_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ASSISTANT_TOP_K=4\nASSISTANT_CHAT_MODEL=from-file\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CHAT_MODEL", "from-env")
    s = Settings.from_env()
    assert s.top_k == 4 and s.chat_model == "from-env"


def test_folders_given_as_strings_work_as_paths(tmp_path: Path) -> None:
    from assistant import Assistant

    settings = Settings(store=str(tmp_path / "s"), embedder="hashing", mode="offline")
    assert settings.store == tmp_path / "s" and isinstance(settings.store_dir, Path)
    assert Settings(model_paths=(("m", "~/models/m"),)).model_paths == (("m", Path.home() / "models/m"),)
    a = Assistant.from_settings(settings)
    assert a.ingest(Path(__file__).parent.parent / "samples" / "harbour-bridge.txt").ok
    assert a.search("steel", k=1)


def test_every_variable_the_code_reads_is_documented() -> None:
    """The README's configuration table and `.env.example` name every variable the package and the app read,
    and the variables the messages tell users to check."""
    import re

    root = Path(__file__).resolve().parents[1]
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*root.joinpath("assistant").rglob("*.py"), root / "ui" / "app.py"]
    )
    constants = set(re.findall(r"^([A-Z][A-Z_]*)\s*[:=]", code, flags=re.M))
    named = set(re.findall(r"\b((?:ASSISTANT|COHERE|CO|CHROMA)_[A-Z][A-Z_]*[A-Z])\b", code)) - constants
    assert {"ASSISTANT_LOCAL_MODEL", "CO_API_URL", "CHROMA_AUTH_TOKEN"} <= named, "the search finds them"
    readme = (root / "README.md").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    assert sorted(v for v in named if f"`{v}`" not in readme) == []
    assert sorted(v for v in named if v not in example) == []
