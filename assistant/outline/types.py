"""An episode's outline: contiguous chapters with a title, span and cited key quotes, storable as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.types import Utterance


def _utterance_dict(u: Utterance) -> dict[str, Any]:
    return {
        "episode_id": u.episode_id,
        "number": u.number,
        "text": u.text,
        "speaker": u.speaker,
        "start": u.start,
        "end": u.end,
        "speaker_inferred": u.speaker_inferred,
    }


@dataclass(frozen=True)
class Chapter:
    """Utterances first..last (their own numbers, inclusive) of one topic, and quotes that stand for it."""

    number: int
    title: str
    first: int
    last: int
    start: float | None
    end: float | None
    key_quotes: tuple[Utterance, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "first": self.first,
            "last": self.last,
            "start": self.start,
            "end": self.end,
            "key_quotes": [_utterance_dict(u) for u in self.key_quotes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chapter:
        return cls(
            number=int(data["number"]),
            title=str(data["title"]),
            first=int(data["first"]),
            last=int(data["last"]),
            start=data.get("start"),
            end=data.get("end"),
            key_quotes=tuple(Utterance.from_dict(u) for u in data.get("key_quotes", ())),
        )


@dataclass(frozen=True)
class Outline:
    episode_id: str
    chapters: tuple[Chapter, ...]
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "episode_id": self.episode_id,
            "method": self.method,
            "chapters": [c.to_dict() for c in self.chapters],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outline:
        return cls(
            episode_id=str(data["episode_id"]),
            method=str(data["method"]),
            chapters=tuple(Chapter.from_dict(c) for c in data["chapters"]),
        )
