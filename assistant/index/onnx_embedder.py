"""Local sentence embeddings from an ONNX export of a BERT-style model (all-MiniLM-L6-v2 by default).

Chroma's default embedding function pads every text to 256 tokens. Most transcript utterances are far
shorter, so this embedder sorts texts by token length, cuts the sorted list into batches that waste
little padding, and pads each batch only to its own longest text. It uses the same model files and gives
the same vectors for a fraction of the work.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from assistant.errors import ConfigError
from assistant.index.embedders import Progress, normalise_rows

if TYPE_CHECKING:
    import onnxruntime  # type: ignore[import-untyped]
    import tokenizers

ENV_VAR = "ASSISTANT_ONNX_MODEL"
_REQUIRED = ("model.onnx", "tokenizer.json")
Parallel = Literal["batches", "intra_op"]


class OnnxEmbedder:
    """The project's local embedder: mean-pooled, L2-normalised ONNX sentence vectors on CPU.

    Construction only checks that the files exist. The session and the tokenizer load on first use,
    exactly once, even when several threads ask at the same time.

    parallel="batches" (the default) runs `threads` batches at once, each on a single thread. With
    small batches of short utterances this was faster than ONNX Runtime's intra-op threads, and it kept
    its speed on a busy machine where spinning intra-op threads wait on each other. "intra_op" runs one
    batch at a time on `threads` threads.
    """

    batch_overhead_tokens = 16.0

    def __init__(
        self,
        model_dir: Path | str,
        *,
        batch_size: int = 32,
        max_tokens: int = 256,
        threads: int | None = None,
        token_budget: int | None = None,
        parallel: Parallel = "batches",
        query_cache_size: int = 256,
    ) -> None:
        folder = self.find(model_dir)
        if folder is None:
            raise ConfigError(
                f"No ONNX embedding model in {model_dir}: expected {' and '.join(_REQUIRED)} in that folder "
                f"or in its onnx/ subfolder. Point {ENV_VAR} at the folder that holds them "
                f"(e.g. .../all-MiniLM-L6-v2/onnx)."
            )
        if batch_size < 1 or max_tokens < 2 or (threads is not None and threads < 1):
            raise ConfigError(
                f"OnnxEmbedder needs batch_size >= 1, max_tokens >= 2 and threads >= 1 "
                f"(got {batch_size}, {max_tokens}, {threads})."
            )
        if parallel not in ("batches", "intra_op"):
            raise ConfigError(f"OnnxEmbedder parallel must be 'batches' or 'intra_op', not {parallel!r}.")
        self.model_dir = folder
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.threads = threads or os.cpu_count() or 1
        self.parallel = parallel
        # Caps padded tokens per batch so a run of long texts gets smaller batches and bounded memory.
        self.token_budget = token_budget or batch_size * min(max_tokens, 128)
        model_name = folder.parent.name if folder.name == "onnx" else folder.name
        self.name = f"onnx:{model_name}" + ("" if max_tokens == 256 else f":max{max_tokens}")
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: tokenizers.Tokenizer | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._input_names: frozenset[str] = frozenset()
        self._dimension: int | None = None
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size
        self._cache_lock = threading.Lock()

    @staticmethod
    def find(model_dir: Path | str | None) -> Path | None:
        """The folder that actually holds model.onnx and tokenizer.json (model_dir or model_dir/onnx)."""
        if not model_dir:
            return None
        base = Path(model_dir).expanduser()
        for folder in (base, base / "onnx"):
            if all((folder / name).is_file() for name in _REQUIRED):
                return folder.resolve()
        return None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._load()
            assert self._dimension is not None
        return self._dimension

    def _load(self) -> tuple[onnxruntime.InferenceSession, tokenizers.Tokenizer]:
        if self._session is not None and self._tokenizer is not None:
            return self._session, self._tokenizer
        with self._lock:
            if self._session is None or self._tokenizer is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                by_batch = self.parallel == "batches"
                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.intra_op_num_threads = 1 if by_batch else self.threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                try:
                    tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                    session = ort.InferenceSession(
                        str(self.model_dir / "model.onnx"),
                        sess_options=options,
                        providers=["CPUExecutionProvider"],
                    )
                except Exception as exc:
                    raise ConfigError(
                        f"Cannot load the ONNX model in {self.model_dir} ({exc}). "
                        f"Check the files or point {ENV_VAR} at a working copy."
                    ) from exc
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=self.max_tokens)
                self._input_names = frozenset(i.name for i in session.get_inputs())
                self._dimension = self._read_dimension(session)
                if by_batch and self.threads > 1:
                    self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-embed")
                self._tokenizer = tokenizer
                self._session = session
        assert self._session is not None and self._tokenizer is not None
        return self._session, self._tokenizer

    def _read_dimension(self, session: Any) -> int:
        width = session.get_outputs()[0].shape[-1]
        if isinstance(width, int):
            return width
        ids = np.array([[101, 102]], dtype=np.int64)
        return int(self._forward(session, ids, np.ones_like(ids)).shape[-1])

    def _forward(self, session: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        names = self._input_names or {i.name for i in session.get_inputs()}
        hidden: np.ndarray = session.run(None, {k: v for k, v in feeds.items() if k in names})[0]
        return hidden

    def _batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Cuts texts, longest first, into batches minimising padded tokens plus a per-run overhead.

        Cutting the sorted list every batch_size texts pads a whole batch to one outlier. Transcript
        utterance lengths are long-tailed, so for a few hundred texts that wastes a third of the work.
        The best split into contiguous runs of the sorted list is a small dynamic programme.
        """
        order = np.argsort(-lengths, kind="stable")
        widths = np.maximum(lengths[order], 1).astype(np.float64)
        n = len(order)
        cost = np.zeros(n + 1)
        take = np.ones(n, dtype=np.int64)
        for i in range(n - 1, -1, -1):
            limit = min(self.batch_size, max(1, self.token_budget // int(widths[i])), n - i)
            sizes = np.arange(1, limit + 1)
            candidates = self.batch_overhead_tokens + sizes * widths[i] + cost[i + sizes]
            best = int(np.argmin(candidates))
            cost[i] = candidates[best]
            take[i] = best + 1
        batches: list[np.ndarray] = []
        i = 0
        while i < n:
            batches.append(order[i : i + take[i]])
            i += int(take[i])
        return batches

    def _embed_batch(self, session: Any, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        hidden = self._forward(session, ids, mask)
        weights = mask.astype(np.float32)
        pooled: np.ndarray = np.einsum("bsd,bs->bd", hidden, weights) / np.maximum(
            weights.sum(1, keepdims=True), 1e-9
        )
        return pooled

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors in the order of `texts`. Pass many texts per call: the length sort works per call."""
        session, tokenizer = self._load()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        batches = self._batches(lengths)

        def run(batch: np.ndarray) -> np.ndarray:
            return self._embed_batch(session, [encodings[i] for i in batch])

        results = self._pool.map(run, batches) if self._pool and len(batches) > 1 else map(run, batches)
        for batch, vectors in zip(batches, results, strict=True):
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return normalise_rows(out)

    def embed_query(self, text: str) -> np.ndarray:
        with self._cache_lock:
            hit = self._query_cache.get(text)
            if hit is not None:
                self._query_cache.move_to_end(text)
                cached: np.ndarray = hit.copy()
                return cached
        vector: np.ndarray = self.embed_documents([text])[0]
        with self._cache_lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > self._query_cache_size:
                self._query_cache.popitem(last=False)
        fresh: np.ndarray = vector.copy()
        return fresh

    def __repr__(self) -> str:
        return (
            f"OnnxEmbedder({str(self.model_dir)!r}, batch_size={self.batch_size}, "
            f"threads={self.threads}, parallel={self.parallel!r})"
        )
