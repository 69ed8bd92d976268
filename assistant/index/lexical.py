"""BM25 over utterances,
each indexed with its neighbours so a lone "Totally." is found through its context."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..text import bm25s, name_tokens, tokenize, tokenizer_id
from ..types import Utterance

FORMAT_VERSION = 6
SHORT_TURN_WORDS = 6
BM25_K1 = 0.9
BM25_B = 0.4
"""Anserini's (Pyserini's) BM25 defaults for passage retrieval, in place of bm25s's 1.5 / 0.75. Spoken turns
run from one word to hundreds, and full length normalisation (b 0.75) ranked short turns that repeat the
question's words above the turn that answers it: "How does he want AI to help doctors?" led with "I want to
save the world with AI, right?" before "I want doctors to spend less time writing up notes…". A grid of k1
0.6-2.0 and b 0-0.9 (eval/RETRIEVAL.md) rose towards b 0.15-0.4 on FriendsQA, QMSum and the seed alike."""
PASSAGE_TOKENS = 16
"""A turn longer than this many words (as BM25 reads them, stop words dropped) is scored in the single-turn
index as passages of this length, each overlapping the next by half, and takes its best passage's score (MaxP,
Dai and Callan 2019). A monologue or an ASR line that runs several speakers together (the seed's #567, 289
words) had been ranked by its length: "Who are Cohere's competitors?" put it 14th though it alone says
"competitors to Cohere". Chosen on QMSum train (16 / 32 / 48: MRR 0.640 / 0.638 / 0.638; whole: 0.636)."""


@dataclass(frozen=True)
class LexicalRecord:
    id: str
    episode_id: str
    number: int
    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None
    speaker_inferred: bool = False
    marks: tuple[tuple[int, float], ...] = ()

    def utterance(self) -> Utterance:
        return Utterance(
            self.episode_id,
            self.number,
            self.text,
            self.speaker,
            self.start,
            self.end,
            self.speaker_inferred,
            self.marks,
        )


class LexicalIndex:
    """Two BM25 indexes whose rows line up with `records`: each turn alone (with its speaker's name), and each
    turn within its neighbours. The first pin-points the exact utterance, the second finds turns through their
    topic.

    Records stand in for utterances at search time, so a search reads neighbours here instead of asking the
    store for them (their vectors, when saved, are in the `VectorSnapshot` built in the same pass).
    """

    def __init__(
        self,
        records: Sequence[LexicalRecord],
        signature: str,
        window: int = 1,
        bm25: tuple[PassageBM25, object] | None = None,
    ) -> None:
        self.records = list(records)
        self.signature = signature
        self.window = window
        self.row_of = {r.id: i for i, r in enumerate(self.records)}
        self._episodes = np.array([r.episode_id for r in self.records], dtype=object)
        self._speakers = np.array([(r.speaker or "").casefold() for r in self.records], dtype=object)
        self._speakers_by_episode: dict[str, list[str]] | None = None
        self._rows_by_episode: dict[str, np.ndarray] | None = None
        self._name_tokens: dict[str, frozenset[str]] = {}
        self._library_speakers: list[str] | None = None
        self._short: np.ndarray | None = None
        if bm25 is None:
            bm25 = (
                PassageBM25.build([r.text for r in self.records], [r.speaker or "" for r in self.records]),
                _build(self._window_texts()),
            )
        self._own, self._window = bm25

    def _window_texts(self) -> list[str]:
        """Own text plus neighbours; a short reply ("Totally.") takes its meaning from the turn before it."""
        texts = []
        records = self.records
        for i, record in enumerate(records):
            parts = [record.text]
            after = 0 if len(record.text.split()) < SHORT_TURN_WORDS else self.window
            for j in range(max(0, i - self.window), min(len(records), i + after + 1)):
                if (
                    j != i
                    and records[j].episode_id == record.episode_id
                    and 0 not in (records[j].number, record.number)
                ):
                    parts.append(records[j].text)
            if record.speaker:
                parts.append(record.speaker)
            texts.append(" ".join(parts))
        return texts

    def __len__(self) -> int:
        return len(self.records)

    @functools.cached_property
    def turns(self) -> np.ndarray:
        """Rows that are utterances, not an episode's details record (number 0)."""
        return np.fromiter((r.number != 0 for r in self.records), dtype=bool, count=len(self.records))

    def speakers(self, episodes: Sequence[str] | None = None) -> list[str]:
        """Distinct speaker names, of the given episodes or of the whole library."""
        if self._speakers_by_episode is None:
            by_episode: dict[str, dict[str, None]] = {}
            for r in self.records:
                if r.speaker:
                    by_episode.setdefault(r.episode_id, {})[r.speaker] = None
            self._speakers_by_episode = {e: list(names) for e, names in by_episode.items()}
        if not episodes and self._library_speakers is not None:
            return list(self._library_speakers)
        chosen = episodes if episodes else list(self._speakers_by_episode)
        names = list(dict.fromkeys(name for e in chosen for name in self._speakers_by_episode.get(e, [])))
        if not episodes:
            self._library_speakers = names
            return list(names)
        return names

    def is_short(self, row: int) -> bool:
        """Whether the row's turn has fewer than SHORT_TURN_WORDS words
        (a reply that leans on the turn before)."""
        if self._short is None:
            self._short = np.fromiter(
                (len(r.text.split()) < SHORT_TURN_WORDS for r in self.records),
                dtype=bool,
                count=len(self.records),
            )
        return bool(self._short[row])

    def rows_of_episode(self, episode_id: str) -> np.ndarray:
        """Row numbers of one episode's records (empty when unknown), from a map built once."""
        if self._rows_by_episode is None:
            by_episode: dict[str, list[int]] = {}
            for i, r in enumerate(self.records):
                by_episode.setdefault(r.episode_id, []).append(i)
            self._rows_by_episode = {e: np.asarray(rows, dtype=np.int64) for e, rows in by_episode.items()}
        return self._rows_by_episode.get(episode_id, np.zeros(0, dtype=np.int64))

    def name_tokens(self, name: str) -> frozenset[str]:
        """The folded words of a speaker name (as `speaker_mentioned` reads them), computed once per name."""
        tokens = self._name_tokens.get(name)
        if tokens is None:
            tokens = self._name_tokens[name] = frozenset(name_tokens(name))
        return tokens

    def mask(
        self, episodes: Sequence[str] | None = None, speakers: Sequence[str] | None = None
    ) -> np.ndarray | None:
        if not episodes and not speakers:
            return None
        keep = np.ones(len(self.records), dtype=bool)
        if episodes:
            chosen = np.zeros(len(self.records), dtype=bool)
            for episode_id in dict.fromkeys(episodes):
                chosen[self.rows_of_episode(episode_id)] = True
            keep &= chosen
        if speakers:
            keep &= np.isin(self._speakers, [s.casefold() for s in speakers])
        return keep

    def scores(self, query: str, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every row for `query`: (turn alone, turn in its window); rows outside `keep` score 0.

        The query is read as a set of words (BM25's k3 = 0): "…a mistake on Google's side?" says Google twice
        as phrasing, not emphasis, and counted twice it had put every turn naming Google above the one saying
        "administrative mistake" (seed hit@5 0.833 -> 0.867, qmsum/val 0.751 -> 0.759, eval/RETRIEVAL.md)."""
        tokens = list(dict.fromkeys(tokenize(query)))
        out = []
        for bm25 in (self._own, self._window):
            known = [t for t in tokens if t in bm25.vocab_dict] if self.records else []  # type: ignore[attr-defined]
            if not known:
                scores = np.zeros(len(self.records), dtype=np.float32)
            else:
                scores = np.asarray(bm25.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]
            out.append(scores if keep is None else np.where(keep, scores, 0.0).astype(np.float32))
        return out[0], out[1]

    def known_share(self, query: str) -> float:
        """The share of the query's words (as BM25 reads them) that the library uses anywhere; 1.0 for a query
        with none. A question in another language than the transcripts' scores near 0."""
        tokens = tokenize(query)
        if not tokens:
            return 1.0
        vocabulary = self._own.vocab_dict
        return sum(t in vocabulary for t in tokens) / len(tokens)

    def save(self, folder: Path) -> None:
        """Write next to the store so a restart does not rebuild;
        `params.json` pins what it was built with."""
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "records.jsonl").open("w", encoding="utf-8") as out:
            for r in self.records:
                out.write(
                    json.dumps(
                        [r.id, r.episode_id, r.number, r.speaker, r.text, r.start, r.end, r.speaker_inferred]
                        + [r.marks]
                    )
                    + "\n"
                )
        if self.records:
            self._own.save(folder / "bm25-own")
            self._window.save(str(folder / "bm25-window"))  # type: ignore[attr-defined]
        (folder / "params.json").write_text(
            json.dumps(_params(self.signature, self.window)), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path, signature: str, window: int = 1) -> LexicalIndex | None:
        """The saved index if it was built from exactly this library, else None (the caller rebuilds). Files
        that do not read under parameters that match are damaged, and raise."""
        try:
            params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if params != _params(signature, window):
            return None
        with (folder / "records.jsonl").open(encoding="utf-8") as lines:
            records = [_record(json.loads(line)) for line in lines]
        bm25 = None
        if records:
            library = bm25s()
            bm25 = (
                PassageBM25.load(folder / "bm25-own"),
                library.BM25.load(str(folder / "bm25-window")),
            )
            if bm25[1].scores.get("num_docs") != len(records):  # records.jsonl cut at a line's end
                raise ValueError(f"{len(records)} records for {bm25[1].scores.get('num_docs')} indexed turns")
        return cls(records, signature, window, bm25)


def _record(fields: list[Any]) -> LexicalRecord:
    record = LexicalRecord(*fields[:8])
    return replace(record, marks=tuple((int(w), float(t)) for w, t in fields[8]))


def saved_matches(folder: Path, signature: str, window: int) -> bool:
    """Whether `folder` holds an index saved for this signature by this version (else it is stale)."""
    try:
        saved = json.loads((folder / "params.json").read_text(encoding="utf-8"))
        return bool(saved == _params(signature, window))
    except (OSError, ValueError):
        return False


def _params(signature: str, window: int) -> dict[str, object]:
    return {
        "format": FORMAT_VERSION,
        "signature": signature,
        "window": window,
        "tokenizer": tokenizer_id(),
        "bm25": [BM25_K1, BM25_B],
        "passage": PASSAGE_TOKENS,
    }


class PassageBM25:
    """BM25 of each turn alone, a long turn scored by its best passage (`PASSAGE_TOKENS`).

    Rows of the index are passages; `starts` holds each turn's first row, so a turn scores its best passage.
    """

    def __init__(self, model: object, starts: np.ndarray) -> None:
        self.model = model
        self.starts = starts
        self._split: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def vocab_dict(self) -> dict[str, int]:
        return getattr(self.model, "vocab_dict", {})

    @classmethod
    def build(cls, texts: Sequence[str], speakers: Sequence[str]) -> PassageBM25:
        passages: list[list[str]] = []
        starts = []
        size, step = PASSAGE_TOKENS, PASSAGE_TOKENS // 2
        names: dict[str, list[str]] = {}
        for text, speaker in zip(texts, speakers, strict=True):
            starts.append(len(passages))
            tokens = tokenize(text)
            if speaker not in names:
                names[speaker] = tokenize(speaker)
            name = names[speaker]
            if len(tokens) <= size:
                passages.append(tokens + name)
                continue
            for begin in range(0, len(tokens) - step, step):
                passages.append(tokens[begin : begin + size] + name)
        return cls(_index(passages), np.asarray(starts, dtype=np.int64))

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        scores = np.asarray(self.model.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
        if len(scores) == len(self.starts):
            return scores
        if self._split is None:
            self._split = _split_turns(self.starts, len(scores))
        rows, passages, offsets = self._split
        out: np.ndarray = scores[self.starts]
        if len(rows):
            out[rows] = np.maximum.reduceat(scores[passages], offsets)
        return out

    def save(self, folder: Path) -> None:
        self.model.save(str(folder))  # type: ignore[attr-defined]
        np.save(folder / "starts.npy", self.starts)

    @classmethod
    def load(cls, folder: Path) -> PassageBM25:
        return cls(bm25s().BM25.load(str(folder)), np.load(folder / "starts.npy"))


def _split_turns(starts: np.ndarray, passages: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The turns of more than one passage, their passages end to end, and where each turn's passages begin
    among them: a maximum over those alone (most turns have one passage) took half the time of one over all
    passages at 100,000 QMSum utterances."""
    counts = np.diff(np.append(starts, passages))
    rows = np.flatnonzero(counts > 1)
    if not len(rows):
        return rows, rows, rows
    lengths = counts[rows]
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    within = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
    return rows, np.repeat(starts[rows], lengths) + within, offsets


def _build(texts: Sequence[str]) -> object:
    return _index([tokenize(t) for t in texts])


def _index(documents: list[list[str]]) -> object:
    bm25 = bm25s().BM25(csc_backend="numpy", k1=BM25_K1, b=BM25_B)
    if documents:
        bm25.index(documents, show_progress=False)
    return bm25


def top_rows(scores: np.ndarray, n: int) -> list[int]:
    """Indexes of the `n` highest positive scores, best first."""
    positive = int(np.count_nonzero(scores > 0))
    n = min(n, positive)
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]
