"""Whole-episode questions ("What are the key takeaways?"): answered from the episode's outline, not from a
dozen scattered hits. Offline the outline is quoted chapter by chapter; hosted, the chapters' key quotes are
the documents Cohere summarises from, and each summary is kept on disk so it is paid for once."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..costs import PRICES
from ..outline.types import Chapter, Outline
from ..tokens import count_tokens
from ..types import Answer, Citation, Episode, Hit, Usage, Utterance

SUMMARIES = "summaries"
LONG_SUMMARY_QUOTES = 24
"""More key quotes than this (or more input tokens than `LONG_SUMMARY_TOKENS`) and the cost is announced."""
LONG_SUMMARY_TOKENS = 6000
EXPECTED_OUTPUT_TOKENS = 600


def key_quote_hits(chapters: Iterable[Chapter], title: str) -> list[Hit]:
    """The key quotes of `chapters` as hits, in episode order."""
    hits: list[Hit] = []
    for chapter in chapters:
        hits += [Hit(u, 1.0, episode_title=title) for u in chapter.key_quotes]
    return hits


def chapter_scorer(
    outline: Outline, query_vector: np.ndarray, vectors_of: Callable[[Sequence[str]], dict[str, np.ndarray]]
) -> Callable[[Chapter], float]:
    """Closeness of a chapter to the focus: the best cosine of the query to one of its key quotes."""
    ids = [u.id for c in outline.chapters for u in c.key_quotes]
    found = vectors_of(ids)
    q = np.asarray(query_vector, dtype=np.float32)

    def score(chapter: Chapter) -> float:
        sims = [float(found[u.id] @ q) for u in chapter.key_quotes if u.id in found]
        return max(sims, default=-1.0)

    return score


def cost_notice(model: str | None, system: str, question: str, hits: Sequence[Hit]) -> str | None:
    """Before a long hosted summary: how much it sends and what that costs, roughly; None when short."""
    tokens = count_tokens(system) + count_tokens(question) + sum(count_tokens(h.utterance.text) for h in hits)
    if len(hits) <= LONG_SUMMARY_QUOTES and tokens <= LONG_SUMMARY_TOKENS:
        return None
    price = PRICES.get(model or "")
    cost = ""
    if price:
        usd = tokens / 1e6 * price.get("input_per_million", 0.0)
        usd += EXPECTED_OUTPUT_TOKENS / 1e6 * price.get("output_per_million", 0.0)
        cost = f", about ${usd:.3f} at list price"
    return (
        f"This summary sends {len(hits)} key passages (~{tokens:,} tokens) to {model}{cost}; "
        "it is kept, so asking again costs nothing."
    )


class SummaryCache:
    """Hosted summaries on disk (`<store>/summaries/<key>.json`), one per episode version, model, system
    prompt and question; written atomically, so a reader sees a whole file or none."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @staticmethod
    def key(episode: Episode, model: str | None, system: str, question: str) -> str:
        parts = [
            episode.id,
            episode.content_hash,
            episode.ingested_at or "",
            model or "",
            hashlib.sha256(system.encode()).hexdigest(),
            " ".join(question.casefold().split()),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def get(self, key: str) -> Answer | None:
        if self.folder is None:
            return None
        try:
            return answer_from_dict(json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, answer: Answer) -> None:
        """Best effort: a folder that cannot be written to only means paying again next time."""
        if self.folder is None:
            return
        path = self.folder / f"{key}.json"
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(answer_to_dict(answer)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "model": answer.model,
        "usage": asdict(answer.usage),
        "citations": [
            {"start": c.start, "end": c.end, "text": c.text, "utterances": [asdict(u) for u in c.utterances]}
            for c in answer.citations
        ],
    }


def answer_from_dict(data: dict[str, Any]) -> Answer:
    citations = tuple(
        Citation(
            int(c["start"]), int(c["end"]), str(c["text"]), tuple(Utterance(**u) for u in c["utterances"])
        )
        for c in data["citations"]
    )
    return Answer(
        text=str(data["text"]),
        citations=citations,
        mode="hosted",
        model=data.get("model"),
        usage=Usage(**data.get("usage", {})),
    )
