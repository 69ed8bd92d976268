"""Each content word's vector from the search model's last layer, for late interaction
(`rerank.LateInteraction`).

fastembed pools a model's outputs into one vector per text, so the token vectors are read here with the
model's own ONNX file and tokenizer, as `query.QueryEncoder` reads a question. Special tokens, punctuation
and the words the keyword search ignores (`text.stopwords`: "the", "what", "did") are left out: they would
match in every candidate and say nothing of which one answers.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..text import stopwords
from .catalog import ModelSpec

_WORDLIKE = re.compile(r"\w")


class TokenEncoder:
    """Tokenizer + ONNX session of an embedder's model; `encode` gives each text's content-token vectors."""

    def __init__(
        self,
        model: ModelSpec,
        onnx_file: Path,
        tokenizer_file: Path,
        *,
        batch_size: int = 16,
        max_tokens: int = 128,
    ) -> None:
        """`max_tokens`: where a long turn is cut; 128 word pieces, the length all-MiniLM-L6-v2's model card
        says it was trained with. On qmsum/val (late interaction over the first 20 candidates) 64 / 128 / 256
        pieces gave hit@1 / 5 / 10 0.464 / 0.776 / 0.878, 0.494 / 0.781 / 0.865 and 0.489 / 0.776 / 0.869 (30
        candidates), a search's p50 / p95 110 / 225, 140 / 360 and 362 / 2,068 ms (eval/RETRIEVAL.md)."""
        self.model = model
        self.max_tokens = max_tokens
        self.onnx_file = onnx_file
        self.tokenizer_file = tokenizer_file
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._parts: tuple[Any, Any, list[str], frozenset[str]] | None = None

    def _load(self) -> tuple[Any, Any, list[str], frozenset[str]]:
        with self._lock:
            if self._parts is None:
                import onnxruntime as ort  # type: ignore[import-untyped]
                from tokenizers import Tokenizer

                try:
                    tokenizer = Tokenizer.from_file(str(self.tokenizer_file))
                    tokenizer.no_padding()
                    tokenizer.enable_truncation(max_length=min(self.model.max_tokens, self.max_tokens))
                    options = ort.SessionOptions()
                    options.intra_op_num_threads = os.cpu_count() or 1  # a question waits on it
                    session = ort.InferenceSession(
                        str(self.onnx_file), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:
                    raise ConfigError(
                        f"cannot load {self.model.key} from {self.onnx_file} ({exc}); fetch it again with "
                        f"`assistant models fetch {self.model.key}`"
                    ) from exc
                special = frozenset(t.content for t in tokenizer.get_added_tokens_decoder().values())
                self._parts = (tokenizer, session, [i.name for i in session.get_inputs()], special)
            return self._parts

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, a (content tokens x dimension) matrix of unit rows; a text with no content token keeps
        its first token, so that every text has a row."""
        tokenizer, session, names, special = self._load()
        skip = stopwords()
        everything = tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(everything[i].ids))  # batches of like lengths
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encodings = [everything[i] for i in batch]
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, e in enumerate(encodings):
                ids[row, : len(e.ids)] = e.ids
                mask[row, : len(e.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = np.asarray(session.run(None, feeds)[0], dtype=np.float32)
            for row, e in enumerate(encodings):
                keep = [
                    n
                    for n, token in enumerate(e.tokens)
                    if token not in special and _WORDLIKE.search(token) and token.lower() not in skip
                ]
                vectors = hidden[row, keep or [0]]
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                out[batch[row]] = (vectors / norms).astype(np.float16)
        return out
