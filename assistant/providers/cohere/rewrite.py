"""Follow-up rewriting: one small chat call turns a follow-up into a standalone search query."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cohere

from ...prompts import load_prompt
from ...types import Turn
from .client import SDK_ERRORS, remember_key, to_provider_error
from .fields import field


class CohereQueryRewriter:
    """QueryRewriter protocol: turns a follow-up into a standalone search query with one small chat call."""

    def __init__(self, client: cohere.ClientV2, model: str, prompts_dir: Path, *, max_turns: int = 6) -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self._prompts_dir = prompts_dir
        self._max_turns = max_turns
        load_prompt(prompts_dir, "condense", history="", question="")  # fail at start-up, not mid-chat

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        turns = [t for t in history if t.content.strip()][-self._max_turns :]
        if not turns:
            return question
        prompt = load_prompt(self._prompts_dir, "condense", history=_format_history(turns), question=question)
        try:
            response = self._client.chat(
                model=self.model, messages=[cohere.UserChatMessageV2(content=prompt)], temperature=0.0
            )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        query = _first_line(_message_text(field(response, "message")))
        return query or question


def _format_history(turns: Sequence[Turn], limit: int = 1200) -> str:
    def clip(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    return "\n".join(f"{'User' if t.role == 'user' else 'Assistant'}: {clip(t.content)}" for t in turns)


def _message_text(message: Any) -> str:
    content = field(message, "content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        text
        for item in content
        if field(item, "type") == "text" and isinstance(text := field(item, "text"), str)
    )


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        line = (
            re.sub(r"(?i)^\s*(standalone\s+)?(search\s+)?query\s*:\s*", "", line)
            .strip()
            .strip("\"'`")
            .strip()
        )
        if line:
            return line
    return ""
