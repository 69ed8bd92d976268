"""How utterances and episodes are laid out as Chroma records: metadata both ways, and filters over it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from ..types import Episode, Utterance
from .lexical import LexicalRecord

PAGE = 5000


def utterance_metadata(u: Utterance) -> dict[str, Any]:
    """Chroma metadata of an utterance; `speaker_key` is the case-folded name that speaker filters match."""
    meta: dict[str, Any] = {"episode": u.episode_id, "number": u.number}
    if u.speaker:
        meta["speaker"] = u.speaker
        meta["speaker_key"] = u.speaker.casefold()
        if u.speaker_inferred:
            meta["speaker_inferred"] = True
    if u.start is not None:
        meta["start"] = float(u.start)
    if u.end is not None:
        meta["end"] = float(u.end)
    if u.marks:
        meta["marks"] = " ".join(f"{w}:{float(t)!r}" for w, t in u.marks)
    return meta


def _marks(meta: Mapping[str, Any]) -> tuple[tuple[int, float], ...]:
    """`Utterance.marks` from its metadata, `12:34.5 40:51.25` (Chroma metadata holds scalars only)."""
    pairs = (mark.split(":") for mark in str(meta.get("marks") or "").split())
    return tuple((int(w), float(t)) for w, t in pairs)


def utterance_from(meta: Mapping[str, Any], text: str | None) -> Utterance:
    return Utterance(
        episode_id=str(meta["episode"]),
        number=int(meta["number"]),
        text=text or "",
        speaker=meta.get("speaker"),
        start=meta.get("start"),
        end=meta.get("end"),
        speaker_inferred=bool(meta.get("speaker_inferred", False)),
        marks=_marks(meta),
    )


def lexical_record(rid: str, meta: Mapping[str, Any], text: str | None) -> LexicalRecord:
    return LexicalRecord(
        rid,
        meta["episode"],
        int(meta["number"]),
        meta.get("speaker"),
        text or "",
        meta.get("start"),
        meta.get("end"),
        bool(meta.get("speaker_inferred", False)),
        _marks(meta),
    )


def episode_metadata(episode: Episode, outline: str | None = None) -> dict[str, Any]:
    """The whole episode as JSON (Chroma metadata holds scalars only), plus its content hash and, when given,
    its outline (JSON)."""
    data = asdict(episode)
    meta = {"json": json.dumps(data), "content_hash": episode.content_hash}
    return {**meta, "outline": outline} if outline else meta


def episode_from(meta: Mapping[str, Any]) -> Episode:
    data = json.loads(meta["json"])
    data["guests"] = tuple(data.get("guests") or ())
    data["speakers"] = tuple(data.get("speakers") or ())
    data["heading"] = tuple(data.get("heading") or ())
    data["borrowed"] = tuple(data.get("borrowed") or ())
    data["speaker_names"] = tuple((label, name) for label, name in data.get("speaker_names") or ())
    return Episode(**data)


def where_clause(
    episodes: Sequence[str] | None = None, speakers: Sequence[str] | None = None
) -> dict[str, Any] | None:
    """The Chroma `where` filter for these episodes and speakers (speakers in any case), or None for all."""
    parts: list[dict[str, Any]] = []
    if episodes:
        parts.append({"episode": {"$in": list(episodes)}})
    if speakers:
        parts.append({"speaker_key": {"$in": [s.casefold() for s in speakers]}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def read_records(
    utterances: Any, committed: set[str], with_vectors: bool, dimension: int
) -> tuple[list[LexicalRecord], np.ndarray | None]:
    """Every utterance of a `committed` episode from the collection, page by page, in transcript order; with
    `with_vectors`, their stored vectors too, row for row (float32)."""
    records: list[LexicalRecord] = []
    pages: list[np.ndarray] = []
    include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
    offset = 0
    while True:
        got = utterances.get(include=include, limit=PAGE, offset=offset)
        if not got["ids"]:
            break
        keep = []
        for i, (rid, meta, doc) in enumerate(
            zip(got["ids"], got["metadatas"], got["documents"], strict=False)
        ):
            if meta["episode"] in committed:
                keep.append(i)
                records.append(lexical_record(rid, meta, doc))
        if with_vectors and keep:
            pages.append(np.asarray(got["embeddings"], dtype=np.float32)[keep])
        offset += len(got["ids"])
    order = sorted(range(len(records)), key=lambda i: (records[i].episode_id, records[i].number))
    records = [records[i] for i in order]
    if not with_vectors:
        return records, None
    vectors = np.concatenate(pages) if pages else np.zeros((0, dimension), dtype=np.float32)
    return records, vectors[np.asarray(order, dtype=np.int64)] if order else vectors
