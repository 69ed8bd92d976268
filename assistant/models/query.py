"""One question's vector without importing fastembed: the model's own ONNX file and tokenizer, read directly.

A CLI question embeds one short text; importing fastembed (with the hub client it loads) costs about 0.7 s
of the command's start, more than the rest of the answer. Documents are always embedded by fastembed; this
path gives the same vectors for queries (tested to a cosine of 1 - 1e-6), and is used only until fastembed is
loaded anyway.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .catalog import ModelSpec


class QueryEncoder:
    """Tokenizer + ONNX session + the catalog's pooling, for single texts."""

    def __init__(self, model: ModelSpec, folder: Path, onnx_file: Path | None = None) -> None:
        self.model = model
        self.folder = folder
        self.onnx_file = onnx_file or folder / "model.onnx"
        self._lock = threading.Lock()
        self._parts: tuple[Any, Any, list[str]] | None = None

    def load(self) -> tuple[Any, Any, list[str]]:
        """The tokenizer and session, loaded on first use (thread-safe: a warm-up may be loading them)."""
        with self._lock:
            if self._parts is None:
                import onnxruntime as ort  # type: ignore[import-untyped]
                from tokenizers import Tokenizer

                try:
                    tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                    tokenizer.no_padding()
                    tokenizer.enable_truncation(max_length=self.model.max_tokens)
                    options = ort.SessionOptions()
                    # Every core: late interaction reads 20 passages through this session too (`tokens.py`;
                    # 412 ms on two threads against 818 ms on one), and one short question loses nothing.
                    options.intra_op_num_threads = os.cpu_count() or 1
                    # Optimising the graph, and prepacking the weights, take longer than the short texts
                    # they would speed up: 50 ms off a CLI question's start against 5 ms more per question.
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
                    options.add_session_config_entry("session.disable_prepacking", "1")
                    session = ort.InferenceSession(
                        str(self.onnx_file), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # the same words as the library path: a broken or partial file
                    raise ConfigError(
                        f"cannot load {self.model.key} from {self.folder} ({exc}); fetch it again with "
                        f"`assistant models fetch {self.model.key}`"
                    ) from exc
                self._parts = (tokenizer, session, [i.name for i in session.get_inputs()])
            return self._parts

    def encode(self, text: str) -> np.ndarray:
        tokenizer, session, names = self.load()
        encoding = tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        if self.model.pooling == "none":
            vector = np.asarray(session.run([self.model.output], feeds)[0][0], dtype=np.float32)
        else:
            hidden = np.asarray(session.run(None, feeds)[0][0], dtype=np.float32)
            if self.model.pooling == "cls":
                vector = hidden[0]
            else:
                weights = mask[0].astype(np.float32)[:, None]
                vector = (hidden * weights).sum(0) / max(float(weights.sum()), 1e-9)
        norm = float(np.linalg.norm(vector))
        result: np.ndarray = (vector / norm if norm > 0 else vector).astype(np.float32)
        return result
