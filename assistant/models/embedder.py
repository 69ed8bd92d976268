"""A local sentence embedder run by fastembed: a catalog model from the hub cache or from a local folder.

fastembed runs the tokenizer, the ONNX session and the pooling. Two things stay ours because they measurably
pay (eval/MODELS.md): batches planned by token length (fastembed pads fixed-size batches in input order),
and one single-threaded batch per core at a time, which kept its speed on a busy machine where intra-op
threads wait on each other.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..index.embedders import Progress, normalise_rows
from .batching import plan_batches
from .catalog import ModelSpec
from .fetch import HubFiles, library_description
from .query import QueryEncoder
from .tokens import TokenEncoder

_ONNX_NAMES = ("model.onnx", "onnx/model.onnx")


class LocalEmbedder:
    """Catalog model `model` loaded from `folder`: a verified hub snapshot, or a plain local folder
    (model.onnx and tokenizer.json, at the top or in onnx/), adapted to the layout fastembed expects."""

    def __init__(
        self,
        model: ModelSpec,
        folder: Path,
        *,
        cache: Path,
        hub: HubFiles | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        query_cache_size: int = 256,
        name: str | None = None,
    ) -> None:
        if model.kind != "embed":
            raise ConfigError(f"{model.key} is a reranker, not an embedder")
        self.model = model
        self.name = name or f"fastembed:{model.key}"
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.threads, "local-embed") if self.threads > 1 else None
        self.relevance_floor = model.relevance_floor
        self.fusion = dict(model.fusion)
        self.speaker_documents = model.speaker_documents
        # Registering with fastembed imports it (half a second): done on first use, not at start-up.
        if hub is not None:
            self.folder = folder
            self._hub_file: str | None = hub.model_file
        else:
            self.folder = local_folder(model, folder, cache)
            self._hub_file = None
        self._lock = threading.Lock()
        self._engine: Any = None
        self._queries_direct: QueryEncoder | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size
        self._query_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def _load(self) -> Any:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from fastembed import TextEmbedding

                    if self._hub_file is not None:
                        registered = _register(self.model, self._hub_file, _additional(self.model), "hub")
                    else:
                        registered = _register(self.model, "model.onnx", [], "local")
                    try:
                        engine = TextEmbedding(
                            registered,
                            specific_model_path=str(self.folder),
                            threads=1,
                            cuda=False,
                        )
                    except Exception as exc:
                        raise ConfigError(
                            f"cannot load {self.model.key} from {self.folder} ({exc}); fetch it again with "
                            f"`assistant models fetch {self.model.key}`"
                        ) from exc
                    engine.model.tokenizer.enable_truncation(max_length=self.model.max_tokens)  # type: ignore[attr-defined]
                    self._engine = engine
        return self._engine

    def _embed(self, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        engine = self._load()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = engine.model.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((sum(e.attention_mask) for e in encoded), dtype=np.int64, count=len(encoded))
        batches = plan_batches(lengths, self.batch_size, self.batch_size * min(self.model.max_tokens, 128))

        def run(batch: np.ndarray) -> np.ndarray:
            return np.stack(list(engine.embed([texts[i] for i in batch], batch_size=len(batch))))

        results = self._pool.map(run, batches) if self._pool and len(batches) > 1 else map(run, batches)
        for batch, vectors in zip(batches, results, strict=True):
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return normalise_rows(out)

    def _query_encoder(self) -> QueryEncoder:
        if self._queries_direct is None:
            self._queries_direct = QueryEncoder(self.model, self.folder)
        return self._queries_direct

    def prepare_queries(self) -> None:
        """Load what the next `embed_query` needs, so a caller can start it early, in the background."""
        if self._engine is None and self._hub_file is None:
            self._query_encoder().load()

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        prompt = self.model.document_prompt
        return self._embed([prompt + t for t in texts], progress)

    def embed_query(self, text: str) -> np.ndarray:
        with self._query_lock:
            hit = self._queries.get(text)
            if hit is not None:
                self._queries.move_to_end(text)
                cached: np.ndarray = hit.copy()
                return cached
        if self._engine is None and self._hub_file is None:  # a question before any document: skip fastembed
            vector: np.ndarray = self._query_encoder().encode(self.model.query_prompt + text)
        else:
            vector = self._embed([self.model.query_prompt + text], None)[0]
        with self._query_lock:
            self._queries[text] = vector
            while len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
        answer: np.ndarray = vector.copy()
        return answer

    def token_encoder(self) -> TokenEncoder | None:
        """Content-token vectors from this model (`models.tokens`), where its catalog entry says late
        interaction ranks better with it; None otherwise."""
        if not self.model.late_interaction:
            return None
        if self._hub_file is None:  # the question path's session, loaded once for both
            return TokenEncoder(self._query_encoder())
        return TokenEncoder(QueryEncoder(self.model, self.folder, self.folder / self._hub_file))

    def __repr__(self) -> str:
        return f"LocalEmbedder({self.model.key!r}, {str(self.folder)!r})"


def find_onnx(folder: Path) -> Path | None:
    for name in _ONNX_NAMES:
        if (folder / name).is_file() and (folder / name).parent.joinpath("tokenizer.json").is_file():
            return folder / name
    if (folder / "model.onnx").is_file() and (folder.parent / "tokenizer.json").is_file():
        return folder / "model.onnx"
    return None


def local_folder(model: ModelSpec, source: Path, cache: Path) -> Path:
    """A folder fastembed can load, made of links to `source`'s files plus the tokenizer settings it needs.

    Plain exports often lack tokenizer_config.json (fastembed reads the pad token and length limit there),
    and the source folder may be read-only, so the adapted folder lives in our cache.
    """
    source = source.expanduser().resolve()
    onnx = find_onnx(source)
    if onnx is None:
        raise ConfigError(
            f"no model.onnx with a tokenizer.json in {source} (or its onnx/ subfolder) for {model.key}"
        )
    home = onnx.parent if (onnx.parent / "tokenizer.json").is_file() else onnx.parent.parent
    tag = hashlib.sha1(str(onnx).encode()).hexdigest()[:10]
    target = cache / "local" / f"{model.key}-{tag}"
    target.mkdir(parents=True, exist_ok=True)
    links = {"model.onnx": onnx}
    links.update({p.name: p for p in onnx.parent.glob("*.onnx_data")})
    for name in ("tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"):
        if (home / name).is_file():
            links[name] = home / name
    for name, path in links.items():
        link = target / name
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == path:
                continue
            link.unlink()
        link.symlink_to(path)
    config = target / "tokenizer_config.json"
    if "tokenizer_config.json" not in links:
        if config.is_symlink():
            config.unlink()
        config.write_text(json.dumps({"model_max_length": model.max_tokens, "pad_token": model.pad_token}))
    return target


def _additional(model: ModelSpec) -> list[str]:
    return list(library_description(model).additional_files)


def _register(model: ModelSpec, model_file: str, additional: list[str], where: str) -> str:
    """Registers the model with fastembed under our own name, with the pooling the catalog says."""
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType
    from fastembed.text.custom_text_embedding import CustomTextEmbedding

    name = f"assistant-{where}/{model.key}"
    if any(m.model == name for m in CustomTextEmbedding.SUPPORTED_MODELS):
        return name
    pooling = {"mean": PoolingType.MEAN, "cls": PoolingType.CLS, "none": PoolingType.DISABLED}[model.pooling]
    TextEmbedding.add_custom_model(
        name,
        pooling=pooling,
        normalization=True,
        sources=ModelSource(hf=library_description(model).sources.hf),
        dim=model.dimension,
        model_file=model_file,
        license=model.licence,
        size_in_gb=model.size_gb,
        additional_files=additional,
        output_name=model.output,
    )
    return name
