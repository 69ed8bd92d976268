"""Each content word's vector from the search model's last layer, for late interaction
(`rerank.LateInteraction`).

fastembed pools a model's outputs into one vector per text, so the token vectors are read here with the
model's own ONNX file and tokenizer, as `query.QueryEncoder` reads a question. Special tokens, punctuation
and the words the keyword search ignores (`text.stopwords`: "the", "what", "did") are left out: they would
match in every candidate and say nothing of which one answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..text import stopwords
from .query import QueryEncoder

_WORDLIKE = re.compile(r"\w")


class TokenEncoder:
    """An embedder's model for token vectors, through the question path's tokenizer and session: one load of
    the model per process (a second session cost a CLI question 0.3 s more to start)."""

    def __init__(self, question: QueryEncoder, *, batch_size: int = 16, max_tokens: int = 128) -> None:
        """`max_tokens`: where a long turn is cut; 128 word pieces, the length all-MiniLM-L6-v2's model card
        says it was trained with. On qmsum/val (late interaction over the first 20 candidates) 64 / 128 / 256
        pieces gave hit@1 / 5 / 10 0.464 / 0.776 / 0.878, 0.494 / 0.781 / 0.865 and 0.489 / 0.776 / 0.869 (30
        candidates), a search's p50 / p95 110 / 225, 140 / 360 and 362 / 2,068 ms (eval/RETRIEVAL.md)."""
        self.question = question
        self.model = question.model
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    def load(self) -> tuple[Any, Any, list[str]]:
        """(tokenizer, session, input names), loaded on first use (thread-safe: a warm-up may be loading)."""
        return self.question.load()

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, a (content tokens x dimension) matrix of unit rows; a text with no content token keeps
        its first token, so that every text has a row."""
        tokenizer, session, names = self.load()
        special = frozenset(t.content for t in tokenizer.get_added_tokens_decoder().values())
        skip = stopwords()
        everything = [_cut(e, self.max_tokens) for e in tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(everything[i][0]))  # batches of like lengths
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(everything[i][0]) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, : len(everything[i][0])] = everything[i][0]
                mask[row, : len(everything[i][0])] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = np.asarray(session.run(None, feeds)[0], dtype=np.float32)
            for row, i in enumerate(batch):
                keep = [
                    n
                    for n, token in enumerate(everything[i][1])
                    if token not in special and _WORDLIKE.search(token) and token.lower() not in skip
                ]
                vectors = hidden[row, keep or [0]]
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                out[i] = (vectors / norms).astype(np.float16)
        return out


def _cut(encoding: Any, limit: int) -> tuple[list[int], list[str]]:
    """The encoding's ids and tokens within `limit`, its closing special token kept, as a tokenizer's own
    truncation keeps it."""
    ids, tokens = list(encoding.ids), list(encoding.tokens)
    if len(ids) <= limit:
        return ids, tokens
    return ids[: limit - 1] + ids[-1:], tokens[: limit - 1] + tokens[-1:]
