"""What the model sees: retrieved utterances as citable documents, packed into a token budget."""

from __future__ import annotations

from typing import Sequence

from ..tokens import count_tokens
from ..types import Hit, format_time


def document_for(hit: Hit) -> dict[str, object]:
    """One Cohere document per utterance; the id is our utterance id, so citations map straight back."""
    u = hit.utterance
    data: dict[str, str] = {"episode": hit.episode_title or u.episode_id, "utterance": str(u.number)}
    if u.speaker:
        data["speaker"] = u.speaker + (" (inferred)" if u.speaker_inferred else "")
    if u.start is not None:
        data["time"] = format_time(u.start)
    if hit.context:
        before = [c for c in hit.context if c.number < u.number]
        after = [c for c in hit.context if c.number > u.number]
        if before:
            data["context_before"] = " ".join(_line(c) for c in before)
        if after:
            data["context_after"] = " ".join(_line(c) for c in after)
    data["text"] = u.text
    return {"id": u.id, "data": data}


def _line(u: object) -> str:
    speaker = getattr(u, "speaker", None)
    text = getattr(u, "text", "")
    return f"{speaker}: {text}" if speaker else str(text)


def document_tokens(hit: Hit) -> int:
    doc = document_for(hit)
    data = doc["data"]
    assert isinstance(data, dict)
    return count_tokens(" ".join(f"{k}: {v}" for k, v in data.items())) + 4


def pack(hits: Sequence[Hit], budget_tokens: int) -> list[Hit]:
    """Best hits first until the budget is spent; a hit that does not fit is skipped, smaller ones may follow."""
    packed: list[Hit] = []
    used = 0
    for hit in hits:
        cost = document_tokens(hit)
        if used + cost > budget_tokens:
            continue
        packed.append(hit)
        used += cost
    return packed
