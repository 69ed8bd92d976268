"""Where a catalog model loads from, in order: a folder the settings name, the verified cache, a fetch."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError
from ..index.embedders import Embedder, HashingEmbedder
from ..retrieval.contracts import Reranker
from .catalog import CATALOG, DEFAULT_EMBEDDER, ModelSpec, spec
from .embedder import LocalEmbedder, find_onnx
from .fetch import ModelFetchError, cached, fetch, hub_files, hub_offline

log = logging.getLogger(__name__)
Notify = Callable[[str], None]
_RETRY_AFTER_S = 3600.0
"""After an automatic fetch fails, later runs fall back at once for this long instead of waiting on the
network again; `assistant models fetch` always tries."""


def named_model(name: str, setting: str, kind: str | None = None) -> ModelSpec:
    """The catalog model a setting names (of `kind`, "embed" or "rerank", when given), or a ConfigError
    naming the setting and the known models."""
    try:
        model = spec(name)
    except KeyError as exc:
        raise ConfigError(f"{setting}: {exc.args[0]}") from None
    if kind and model.kind != kind:
        wanted = [key for key, m in CATALOG.items() if m.kind == kind]
        hint = f"; or `embed:{model.key}` to re-score with that embedder" if kind == "rerank" else ""
        raise ConfigError(
            f"{setting}: {model.key} is {'a reranker' if model.kind == 'rerank' else 'an embedder'}, not "
            f"{'an embedder' if kind == 'embed' else 'a reranker'}; the known ones: {', '.join(wanted)}{hint}"
        )
    return model


def check_model_settings(settings: Settings) -> None:
    """Every model the settings name is one the catalog knows: a typo is said when the Assistant starts,
    not silently passed over (a folder for "nomik") nor met as a crash on first use."""
    named_model(settings.local_model, "ASSISTANT_LOCAL_MODEL", "embed")
    for name, _ in settings.model_paths:
        named_model(name, "ASSISTANT_MODEL_PATHS")
    rerank = settings.local_rerank.strip().partition("@")[0]
    if rerank.lower() not in ("", "off", "none"):
        by_embedder = rerank.startswith("embed:")
        named_model(
            rerank.removeprefix("embed:"), "ASSISTANT_LOCAL_RERANK", "embed" if by_embedder else "rerank"
        )


def local_path(settings: Settings, model: ModelSpec) -> Path | None:
    """The folder the settings give for this model: ASSISTANT_MODEL_PATHS, or ASSISTANT_ONNX_MODEL (or
    Chroma's cache) for all-MiniLM-L6-v2, which both hold."""
    for name, folder in settings.model_paths:
        if named_model(name, "ASSISTANT_MODEL_PATHS").key == model.key:
            return folder
    if model.key == DEFAULT_EMBEDDER and find_onnx(settings.onnx_model_dir):
        return settings.onnx_model_dir
    return None


def on_this_machine(settings: Settings, model: ModelSpec) -> bool:
    """A folder the settings name or the model cache holds it: usable without the network."""
    return bool(local_path(settings, model) or cached(model, settings.model_cache_dir, hub_files(model)))


def open_embedder(
    settings: Settings,
    name: str | ModelSpec | None = None,
    *,
    allow_fetch: bool = True,
    progress: bool = True,
) -> Embedder:
    """The local embedder for catalog model `name` (default: settings.local_model), fetching it if needed."""
    model = (
        name
        if isinstance(name, ModelSpec)
        else named_model(name or settings.local_model, "ASSISTANT_LOCAL_MODEL")
    )
    cache = settings.model_cache_dir
    folder = local_path(settings, model)
    if folder is not None:
        return LocalEmbedder(model, Path(folder), cache=cache)
    files = hub_files(model)
    snapshot = cached(model, cache, files)
    if snapshot is None:
        if not allow_fetch or hub_offline():
            raise ModelFetchError(
                f"{model.key} is not downloaded ({'HF_HUB_OFFLINE is set' if hub_offline() else 'no fetch'});"
                " "
                f"run `assistant models fetch {model.key}` with network, or set "
                f"ASSISTANT_MODEL_PATHS={model.key}=FOLDER"
            )
        snapshot = fetch(model, cache, progress=progress)
    return LocalEmbedder(model, snapshot, cache=cache, hub=files)


def auto_embedder(settings: Settings, notify: Notify | None = None) -> Embedder:
    """The offline default: the local model the settings name (fetched once on first use), else the default
    model when this machine holds it, else hashing; each fallback with one line saying why and the fix."""
    model = named_model(settings.local_model, "ASSISTANT_LOCAL_MODEL")
    cache = settings.model_cache_dir
    marker = cache / ".last-failed-fetch"
    recent_failure = marker.is_file() and time.time() - marker.stat().st_mtime < _RETRY_AFTER_S
    try:
        return open_embedder(settings, allow_fetch=not recent_failure)
    except ImportError as exc:
        line = f"answers use the hashing fallback: {exc.name} is not installed; fix: `pip install fastembed`"
        (notify or log.warning)(line)
        return HashingEmbedder()
    except ModelFetchError as exc:
        if not recent_failure and not hub_offline():
            try:
                cache.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:
                pass
        why = "HF_HUB_OFFLINE is set" if hub_offline() else "the model hub could not be reached"
        command = f"{'HF_HUB_OFFLINE=0 ' if hub_offline() else ''}assistant models fetch {model.key}"
        present = _present_default(settings, model)
        used = f"{present.key}, the default model found here," if present else "the hashing fallback"
        line = f"answers use {used} as {model.key} is not downloaded and {why}; fix: `{command}`"
        if present:
            line += f", then `assistant reindex --embedder local` for a library built with {present.key}"
        log.info("%s (%s)", line, exc)
        (notify or log.warning)(line)
        return open_embedder(settings, present, allow_fetch=False) if present else HashingEmbedder()


def _present_default(settings: Settings, wanted: ModelSpec) -> ModelSpec | None:
    """The default model when another was asked for and a folder or the cache already holds it: a user who
    chose a stronger model they cannot fetch is better served by it than by hashing."""
    default = spec(DEFAULT_EMBEDDER)
    if default.key == wanted.key:
        return None
    return default if on_this_machine(settings, default) else None


def open_reranker(settings: Settings, choice: str | None = None) -> Reranker | None:
    """The offline second stage named by `choice` (default settings.local_rerank): `off`, a cross-encoder
    from the catalog, or `embed:MODEL` to re-score with that embedder; `@W` at the end sets the weight of
    the second stage against the first (e.g. `embed:embeddinggemma-300m@0.6`)."""
    from .rerank import CrossEncoderReranker, EmbeddingReranker

    choice = (choice or settings.local_rerank or "off").strip()
    if choice.lower() in ("", "off", "none"):
        return None
    name, _, weight_text = choice.partition("@")
    try:
        weight = float(weight_text) if weight_text else None
    except ValueError:
        raise ConfigError(f"ASSISTANT_LOCAL_RERANK={choice!r}: the weight after @ must be a number") from None
    if name.startswith("embed:"):
        embedder = open_embedder(settings, named_model(name[6:], "ASSISTANT_LOCAL_RERANK"))
        return EmbeddingReranker(embedder, weight=0.5 if weight is None else weight)
    model = named_model(name, "ASSISTANT_LOCAL_RERANK")
    folder = local_path(settings, model)
    if folder is None:
        files = hub_files(model)
        folder = cached(model, settings.model_cache_dir, files) or fetch(model, settings.model_cache_dir)
    return CrossEncoderReranker(model, Path(folder), weight=1.0 if weight is None else weight)
