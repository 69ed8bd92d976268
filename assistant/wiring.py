"""Choosing parts from settings: which embedder a store needs, and where the store is.
Only `from_settings` calls it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ConfigError, EmbedderMismatchError
from .index.chroma_store import ChromaStore
from .index.embedders import Embedder, HashingEmbedder, preferred_documents


def store_location(settings: Settings) -> dict[str, Any]:
    """Keyword arguments that point `ChromaStore` at the embedded folder or the server the settings name."""
    headers = (
        {"Authorization": f"Bearer {settings.chroma_auth_token}"} if settings.chroma_auth_token else None
    )
    return dict(
        path=None if settings.chroma_host else settings.store_dir,
        host=settings.chroma_host,
        port=settings.chroma_port,
        ssl=settings.chroma_ssl,
        headers=headers,
    )


def server_undo_root(settings: Settings) -> Path | None:
    """Where episodes being written again to a Chroma server are saved on this machine until they commit
    (`index.store_undo`): a process killed mid-rewrite leaves them for this machine's next process."""
    if not settings.chroma_host:
        return None
    from platformdirs import user_data_dir

    from .store_lock import server_key

    return Path(user_data_dir("transcript-assistant", appauthor=False)) / f"server-{server_key(settings)}"


def open_store(settings: Settings, embedder: Embedder) -> ChromaStore:
    where = store_location(settings)
    return ChromaStore(
        where.pop("path"),
        embedder_name=embedder.name,
        dimension=embedder.dimension,
        documents=preferred_documents(embedder),
        undo_root=server_undo_root(settings),
        **where,
    )


def recorded_embedder(settings: Settings) -> str | None:
    """The embedder the store was built with, or None for a new, empty store."""
    where = store_location(settings)
    return ChromaStore.recorded_embedder(where.pop("path"), **where)


def choose_embedder(
    settings: Settings,
    cohere_client: Callable[[], Any],
    notify: Callable[[str], None] | None = None,
    keeps: Callable[[str], None] | None = None,
) -> Embedder:
    """The store's own embedder if it has one; else the setting; else Cohere with a key, the local model
    (fetched once on first use), hashing; `notify` hears the one line saying why it fell back to hashing,
    `keeps` the line saying the library keeps its model though ASSISTANT_LOCAL_MODEL names another."""
    s = settings
    recorded = recorded_embedder(s) if s.embedder == "auto" else None
    if recorded:
        kind = recorded.split(":", 1)[0]
    elif s.embedder != "auto":
        kind = s.embedder
    elif s.has_key and s.mode != "offline":
        kind = "cohere"
    else:
        from .models.resolve import auto_embedder

        return auto_embedder(s, notify)
    embedder = make_embedder(s, kind, recorded, cohere_client=cohere_client)
    if kind == "hashing" and s.embedder == "auto" and notify is not None:
        notify(_hashing_library(s))
    if recorded and embedder.name != recorded:
        raise EmbedderMismatchError(
            f"the store at {s.store_dir} was built with {recorded!r} but {embedder.name!r} is available; "
            f"rebuild it with `assistant reindex`"
        )
    if recorded and kind != "hashing" and s.embedder == "auto" and keeps is not None:
        unused = _local_model_not_in_use(s, embedder)
        if unused:
            keeps(unused)
    return embedder


def _hashing_library(settings: Settings) -> str:
    """What gets a library built with the hashing fallback a sentence model: a reindex alone when the model
    is already here."""
    from .models.catalog import spec
    from .models.resolve import on_this_machine

    built = "this library was built with keyword hashing, not a sentence model"
    if on_this_machine(settings, spec(settings.local_model)):
        return (
            f"{built}; {settings.local_model} is on this machine: `assistant reindex --embedder local` "
            "rebuilds the library with it"
        )
    return (
        f"{built}; for better search run `assistant models fetch {settings.local_model}` (with network) and "
        "`assistant reindex --embedder local`"
    )


def _local_model_not_in_use(settings: Settings, embedder: Embedder) -> str:
    """A library keeps the model it was built with, so ASSISTANT_LOCAL_MODEL naming another one changes
    nothing until a reindex: said, rather than left for the user to wonder why search did not change."""
    from .models.catalog import ModelSpec, spec

    if settings.local_model == Settings.local_model:  # the default, not asked for
        return ""
    wanted = spec(settings.local_model)
    model = getattr(embedder, "model", None)
    if isinstance(model, ModelSpec) and model.key == wanted.key:
        return ""
    return (
        f"this library was built with {embedder.name}, so ASSISTANT_LOCAL_MODEL={settings.local_model} is "
        f"not used; `assistant reindex --embedder local` rebuilds it with {wanted.key}"
    )


def make_embedder(
    settings: Settings, kind: str, recorded: str | None = None, cohere_client: Callable[[], Any] | None = None
) -> Embedder:
    """The embedder of `kind` ("cohere", "onnx" or "hashing"), or a clear error saying what is missing."""
    s = settings
    if kind == "cohere":
        if not s.has_key:
            raise ConfigError(
                f"this store was built with {recorded or 'Cohere embeddings'}, which needs COHERE_API_KEY; "
                "set the key, or rebuild the store offline with `assistant reindex --embedder onnx`"
            )
        from .providers.cohere import CohereEmbedder, make_client

        return CohereEmbedder(cohere_client() if cohere_client else make_client(s), s.embed_model)
    if kind == "onnx":
        from .models.catalog import DEFAULT_EMBEDDER, spec
        from .models.embedder import LocalEmbedder, find_onnx

        found = find_onnx(s.onnx_model_dir)
        if found is None:
            raise ConfigError(
                f"no ONNX model in {s.onnx_model_dir} (needs model.onnx and tokenizer.json); set "
                "ASSISTANT_ONNX_MODEL"
                + (
                    f", or rebuild this store built with {recorded!r} using "
                    "`assistant reindex --embedder hashing`"
                    if recorded
                    else ""
                )
            )
        # Stores built by the former OnnxEmbedder: same model files, same vectors, same name.
        folder = found.parent.parent if found.parent.name == "onnx" else found.parent
        return LocalEmbedder(
            spec(DEFAULT_EMBEDDER), s.onnx_model_dir, cache=s.model_cache_dir, name=f"onnx:{folder.name}"
        )
    if kind == "hashing":
        return HashingEmbedder()
    if kind in ("local", "fastembed"):
        from .models.resolve import named_model, open_embedder

        # "local" is the model the settings name (new stores, reindex); "fastembed" is what a store recorded.
        if kind == "fastembed" and recorded and recorded.startswith("fastembed:"):
            built_with = named_model(recorded.split(":", 1)[1], f"the store was built with {recorded!r}")
            return open_embedder(s, built_with)
        return open_embedder(s)
    raise ConfigError(f"unknown embedder {kind!r}: expected cohere, local, onnx or hashing")


def hosted_reason(settings: Settings) -> str:
    """Why answers are offline ("" when they are hosted)."""
    if not settings.has_key:
        return "no COHERE_API_KEY is set"
    if settings.mode == "offline":
        return "ASSISTANT_MODE=offline"
    return ""


class CohereClientCache:
    """The Cohere client, made on first use
    (offline runs never import the SDK) and closed with the Assistant."""

    def __init__(self, settings: Settings, given: Any | None = None) -> None:
        self.settings = settings
        self.client = given
        self._made = False

    def get(self) -> Any:
        if self.client is None:
            from .providers.cohere import make_client

            self.client = make_client(self.settings)
            self._made = True
        return self.client

    def close(self) -> None:
        """Closes the HTTP connections of a client made here; a client passed in is its owner's to close."""
        if self._made and self.client is not None:
            from .providers.cohere import close_client

            close_client(self.client)
