"""Reranking over `/v2/rerank`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cohere

from ...errors import ProviderError
from ...types import Hit, Utterance
from .client import SDK_ERRORS, remember_key, to_provider_error
from .fields import field


def rerank_document(hit: Hit) -> str:
    """v2 rerank takes plain strings: the utterance with its speaker, inside its neighbouring lines."""
    u = hit.utterance
    lines = [f"Episode: {hit.episode_title}"] if hit.episode_title else []
    lines += [_speaker_line(c) for c in hit.context if c.number < u.number]
    lines.append(_speaker_line(u))
    lines += [_speaker_line(c) for c in hit.context if c.number > u.number]
    return "\n".join(lines)


def _speaker_line(u: Utterance) -> str:
    return f"{u.speaker}: {u.text}" if u.speaker else u.text


class CohereReranker:
    """Reranker protocol over `/v2/rerank`; the score becomes the Cohere relevance score."""

    def __init__(self, client: cohere.ClientV2, model: str = "rerank-v3.5") -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self.name = f"cohere:{model}"

    def rerank(self, query: str, hits: Sequence[Hit], top_n: int) -> list[Hit]:
        hits = list(hits)
        if not hits or top_n <= 0:
            return []
        try:
            response = self._client.rerank(
                model=self.model,
                query=query,
                documents=[rerank_document(h) for h in hits],
                top_n=min(top_n, len(hits)),
            )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        results = field(response, "results")
        if not isinstance(results, list):
            raise ProviderError("Cohere returned a rerank reply without results")
        ranked: list[Hit] = []
        seen: set[int] = set()
        for result in results:
            index, score = field(result, "index"), field(result, "relevance_score")
            if (
                not isinstance(index, int)
                or not 0 <= index < len(hits)
                or index in seen
                or not isinstance(score, (int, float))
            ):
                raise ProviderError("Cohere returned a malformed rerank result")
            seen.add(index)
            hit, value = hits[index], float(score)
            ranked.append(replace(hit, score=value, scores={**hit.scores, "rerank": value}))
        ranked.sort(key=lambda h: h.score, reverse=True)
        return ranked[:top_n]
