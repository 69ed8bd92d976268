"""Settings: explicit arguments, then environment (and `.env`), then defaults. Read only when asked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMA_ONNX_CACHE = Path.home() / ".cache" / "chroma" / "onnx_models" / "all-MiniLM-L6-v2" / "onnx"

EMBEDDERS = ("auto", "cohere", "local", "onnx", "hashing")
MODES = ("auto", "offline", "hosted")


MODEL_CACHE_ENV = ("ASSISTANT_MODEL_CACHE", "FASTEMBED_CACHE_PATH")


def default_model_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The model library's cache folder. fastembed's own default is in the temp folder, which reboots empty,
    so without FASTEMBED_CACHE_PATH the models go to a per-user cache folder instead."""
    env = os.environ if env is None else env
    for name in MODEL_CACHE_ENV:
        if env.get(name, "").strip():
            return Path(env[name]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("transcript-assistant", appauthor=False)) / "fastembed"


def default_store_dir() -> Path:
    """Per-user data dir, so the CLI and the UI share one library by default."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("transcript-assistant", appauthor=False)) / "store"


@dataclass(frozen=True)
class Settings:
    """Every knob, each with an environment variable (see `.env.example` and the README)."""

    store: Path | None = None
    cohere_api_key: str | None = None
    cohere_base_url: str | None = None
    mode: str = "auto"
    embedder: str = "auto"
    onnx_model: Path | None = None
    local_model: str = "all-MiniLM-L6-v2"
    """The catalog model local embeddings use (`assistant models` lists them)."""
    model_paths: tuple[tuple[str, Path], ...] = ()
    """(catalog name, local folder holding that model) pairs, for machines that cannot download."""
    model_cache: Path | None = None
    local_rerank: str = "off"
    """Offline second stage: off, a cross-encoder from the catalog, or `embed:MODEL` to re-score with it."""
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_auth_token: str | None = None
    chat_model: str = "command-a-03-2025"
    embed_model: str = "embed-v4.0"
    rerank_model: str = "rerank-v3.5"
    timeout: float = 60.0
    max_retries: int = 2
    context_tokens: int = 3000
    top_k: int = 12
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    max_file_mb: float = 50.0
    max_question_chars: int = 2000
    max_utterance_chars: int = 20000
    max_upload_files: int = 50

    def __post_init__(self) -> None:
        """Folders given as strings (`Settings(store="library")`) become paths, as the environment's do."""
        for name in ("store", "onnx_model", "model_cache", "prompts_dir"):
            value = getattr(self, name)
            if isinstance(value, str | os.PathLike) and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value).expanduser())
        if any(not isinstance(folder, Path) for _, folder in self.model_paths):
            paths = tuple((name, Path(folder).expanduser()) for name, folder in self.model_paths)
            object.__setattr__(self, "model_paths", paths)

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("cohere_api_key", "chroma_auth_token"):
            if shown[secret]:
                shown[secret] = "***"
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def store_dir(self) -> Path:
        return self.store or default_store_dir()

    @property
    def onnx_model_dir(self) -> Path:
        return self.onnx_model or CHROMA_ONNX_CACHE

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or default_model_cache_dir()

    @property
    def has_key(self) -> bool:
        return bool(self.cohere_api_key)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True, **overrides: Any
    ) -> Settings:
        """Build from `env` (default: `os.environ` plus a `.env` in the working directory)."""
        if env is None:
            if dotenv:
                from dotenv import dotenv_values

                file_values = {k: v for k, v in dotenv_values(".env").items() if v is not None}
                env = {**file_values, **os.environ}
            else:
                env = dict(os.environ)

        def get(*names: str) -> str | None:
            for name in names:
                value = env.get(name)
                if value is not None and value.strip() != "":
                    return value.strip()
            return None

        def number(name: str, kind: type, default: Any, minimum: float = 1e-9) -> Any:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum:g}, got {raw!r}")
            return value

        def choice(name: str, allowed: tuple[str, ...]) -> str:
            value = (get(name) or "auto").lower()
            if value not in allowed:
                raise ConfigError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
            return value

        store = get("ASSISTANT_STORE")
        onnx = get("ASSISTANT_ONNX_MODEL")
        prompts = get("ASSISTANT_PROMPTS_DIR")
        cache = get("ASSISTANT_MODEL_CACHE")
        values: dict[str, Any] = dict(
            store=Path(store).expanduser() if store else None,
            cohere_api_key=get("COHERE_API_KEY", "CO_API_KEY"),
            cohere_base_url=get("CO_API_URL", "COHERE_BASE_URL"),
            mode=choice("ASSISTANT_MODE", MODES),
            embedder=choice("ASSISTANT_EMBEDDER", EMBEDDERS),
            onnx_model=Path(onnx).expanduser() if onnx else None,
            local_model=get("ASSISTANT_LOCAL_MODEL") or cls.local_model,
            model_paths=_model_paths(get("ASSISTANT_MODEL_PATHS")),
            model_cache=Path(cache).expanduser() if cache else None,
            local_rerank=get("ASSISTANT_LOCAL_RERANK") or cls.local_rerank,
            chroma_host=get("CHROMA_HOST"),
            chroma_port=number("CHROMA_PORT", int, 8000),
            chroma_ssl=(get("CHROMA_SSL") or "").lower() in ("1", "true", "yes"),
            chroma_auth_token=get("CHROMA_AUTH_TOKEN"),
            chat_model=get("ASSISTANT_CHAT_MODEL") or cls.chat_model,
            embed_model=get("ASSISTANT_EMBED_MODEL") or cls.embed_model,
            rerank_model=get("ASSISTANT_RERANK_MODEL") or cls.rerank_model,
            timeout=number("ASSISTANT_TIMEOUT", float, cls.timeout),
            max_retries=number("ASSISTANT_MAX_RETRIES", int, cls.max_retries, minimum=0),
            context_tokens=number("ASSISTANT_CONTEXT_TOKENS", int, cls.context_tokens),
            top_k=number("ASSISTANT_TOP_K", int, cls.top_k),
            prompts_dir=Path(prompts) if prompts else cls.prompts_dir,
            max_file_mb=number("ASSISTANT_MAX_FILE_MB", float, cls.max_file_mb),
            max_question_chars=number("ASSISTANT_MAX_QUESTION_CHARS", int, cls.max_question_chars),
            max_utterance_chars=number("ASSISTANT_MAX_UTTERANCE_CHARS", int, cls.max_utterance_chars),
            max_upload_files=number("ASSISTANT_MAX_UPLOAD_FILES", int, cls.max_upload_files, minimum=1),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.mode == "hosted" and not settings.has_key:
            raise ConfigError(
                "ASSISTANT_MODE=hosted needs COHERE_API_KEY (or CO_API_KEY); unset it to run offline"
            )
        return settings


def _model_paths(raw: str | None) -> tuple[tuple[str, Path], ...]:
    """`name=folder;name=folder` (ASSISTANT_MODEL_PATHS); a tuple keeps Settings hashable."""
    paths: dict[str, Path] = {}
    for item in (raw or "").split(";"):
        if not item.strip():
            continue
        name, sep, folder = item.partition("=")
        if not sep or not name.strip() or not folder.strip():
            raise ConfigError(f"ASSISTANT_MODEL_PATHS: {item.strip()!r} is not NAME=FOLDER")
        paths[name.strip()] = Path(folder.strip()).expanduser()
    return tuple(paths.items())
