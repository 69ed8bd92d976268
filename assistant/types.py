"""Domain types shared by every layer. Standard library only, so any module may import them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Progress = Callable[[int, int, str], None]
"""Called as work advances: (done, total, label),
e.g. utterances embedded so far of all, and the episode id."""


DETAILS = 0
"""The number of an episode's details record (show, title, host, guests, date, link): searchable and citable
like an utterance, shown as "episode details". Transcript utterances are numbered from 1."""


def utterance_id(episode_id: str, number: int) -> str:
    """Stable record id: the same utterance of the same episode always gets the same id."""
    return f"{episode_id}#{number:06d}"


def format_time(seconds: float | None) -> str:
    """`1:02:03` / `2:03` style, the way podcast players show positions."""
    if seconds is None:
        return ""
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class Utterance:
    """One speaker turn as it stands in the transcript: the unit we index and cite."""

    episode_id: str
    number: int
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    speaker_inferred: bool = False
    marks: tuple[tuple[int, float], ...] = ()
    """(words before, seconds) where a timed part of a long turn begins (a caption cue, a sentence the
    transcription service timed), in order: a citation of words far into a turn of several minutes opens
    the recording where they are said (`time_of`), not at the turn's start."""

    @property
    def id(self) -> str:
        return utterance_id(self.episode_id, self.number)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Utterance:
        """An utterance from `dataclasses.asdict`'s dict after a JSON round trip (lists back to tuples)."""
        marks = tuple((int(w), float(t)) for w, t in data.get("marks", ()))
        return cls(**{**data, "marks": marks})

    def quoted_spans(self, quote: str) -> list[tuple[int, int]]:
        """(start, end) in the text of each piece of `quote` it holds, in order: what a reader looking for the
        quoted words in a long turn should see marked. Pieces are split at "…" and quotation marks, and only
        those of three words or more are looked for (a shorter one could stand anywhere)."""
        spans = []
        for piece in _quoted_pieces(quote):
            at = self.text.find(piece)
            if at >= 0:
                spans.append((at, at + len(piece)))
        return sorted(spans)

    def time_of(self, quote: str) -> float | None:
        """When the quoted words are said: the start of the timed part that holds the first piece of `quote`
        found in the text (pieces split at "…" and quotation marks), else the turn's start."""
        if not self.marks or not quote:
            return self.start
        spans = self.quoted_spans(quote)
        if not spans:
            return self.start
        words = len(self.text[: spans[0][0]].split())
        at = bisect.bisect_right(self.marks, (words, float("inf"))) - 1
        return self.marks[at][1] if at >= 0 else self.start

    @property
    def is_details(self) -> bool:
        return self.number == DETAILS

    def who(self) -> str:
        """The speaker as people should read it; "" when the transcript does not label speakers."""
        if self.is_details:
            return "episode details"
        if not self.speaker:
            return ""
        return self.speaker + (" (inferred)" if self.speaker_inferred else "")

    def label(self) -> str:
        """Human reference: `#12, Matt Turck, 3:04`."""
        if self.is_details:
            return "episode details"
        parts = [f"#{self.number}"]
        if self.speaker:
            parts.append(self.who())
        if self.start is not None:
            parts.append(format_time(self.start))
        return ", ".join(parts)


_QUOTE_BREAK = re.compile(r"[…“”\"]|\.\.\.")


def _quoted_pieces(quote: str) -> list[str]:
    """The runs of `quote` between cuts and quotation marks that are long enough to be found only once."""
    return [piece for part in _QUOTE_BREAK.split(quote) if len((piece := part.strip()).split()) >= 3]


@dataclass(frozen=True)
class Episode:
    """One transcript in the library."""

    id: str
    title: str
    show: str | None = None
    source_url: str | None = None
    utterance_count: int = 0
    host: str | None = None
    guests: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    duration: float | None = None
    date: str | None = None
    source_path: str | None = None
    content_hash: str = ""
    format: str = "numbered"
    ingested_at: str | None = None
    heading: tuple[str, ...] = ()
    """Lines of the file above its first utterance (a meeting's name, date and attendees, as Teams and Google
    Meet export them): kept with the episode's details, neither dropped nor quoted as speech."""
    language: str | None = None
    """The transcript's language when it is plainly not English (a py3langid code, "es"); None for English or
    too little text to tell. Told at ingest (`assistant.language.transcript_language`)."""
    speaker_names: tuple[tuple[str, str], ...] = ()
    """(label, name) for each voice the file only labels ("Speaker A") that a user named ("Nadia Brooks"):
    given again at every ingest of the file until other names are given."""
    parsed_hash: str = ""
    """sha256 of what the file was read as (each turn's number, speaker, times and words, and the details):
    a file with the same bytes read differently (by a newer reader) is written again. Empty in stores
    written before 2026-12-02, whose episodes are compared turn by turn instead."""
    words_hash: str = ""
    """sha256 of its spoken words, folded (`ingest.copies.words_hash`): the same transcript in another layout
    is not stored twice. Empty in stores written before 2026-12-02 until the file is ingested again."""
    borrowed: tuple[str, ...] = ()
    """The facts (title, show, host…) its file does not state, taken from a copy of it in another layout
    passed over at ingest (`ingest.copies.with_facts`): kept when the file is ingested again."""
    reader: int = 0
    """The version of ingest's reading that stored it (`ingest.parse.READER`; 0 before 2026-12-02): a lower
    one than today's says that ingesting the file again may keep more of it."""

    def length(self) -> str:
        """How long it runs ("1:01:19"), or "no times": whether its citations can open the recording."""
        return format_time(self.duration) if self.duration is not None else "no times"


@dataclass(frozen=True)
class Transcript:
    """A parsed file before it reaches the store: episode metadata plus its utterances in order."""

    episode: Episode
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class Hit:
    """A retrieved utterance with its fused relevance score (higher is better)."""

    utterance: Utterance
    score: float
    episode_title: str = ""
    context: tuple[Utterance, ...] = ()
    scores: dict[str, float] = field(default_factory=dict, compare=False)
    carried_on: tuple[Utterance, ...] = ()
    """For a hit that asks: the turns after its reply that carry the reply on (one speaker's answer split into
    sentences, as speech recognition without speaker labels writes it)."""


@dataclass(frozen=True)
class Citation:
    """A span of the answer text (`start`..`end`, character offsets) and the utterances it rests on."""

    start: int
    end: int
    text: str
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


Mode = Literal["hosted", "offline"]


@dataclass(frozen=True)
class Answer:
    """A grounded answer: every citation resolves to an utterance that was retrieved for it."""

    text: str
    citations: tuple[Citation, ...]
    mode: Mode
    hits: tuple[Hit, ...] = ()
    usage: Usage = Usage()
    timings: dict[str, float] = field(default_factory=dict)
    model: str | None = None
    notice: str | None = None
    query: str = ""
    """What was searched: the question, or the standalone rewrite of a follow-up."""
    follow_up_of: str = ""
    """The earlier question searched beside `query` at reduced weight (an offline follow-up with words of its
    own; `retrieval.query`), or ""."""
    refused: bool = False
    """True when the answer declines (nothing relevant found, or a hosted answer with no citation)."""

    def as_turn(self) -> Turn:
        """This answer as a history turn, remembering which episodes and utterances it cited."""
        cited = self.cited_utterances
        episodes = tuple(dict.fromkeys(u.episode_id for u in cited))
        return Turn("assistant", self.text, episodes, tuple(u.id for u in cited))

    @property
    def cited_utterances(self) -> list[Utterance]:
        seen: dict[str, Utterance] = {}
        for citation in self.citations:
            for u in citation.utterances:
                seen.setdefault(u.id, u)
        return list(seen.values())


EventKind = Literal["notice", "text", "citation", "done"]


@dataclass(frozen=True)
class AnswerEvent:
    """One step of a streamed answer: text deltas first, then citations, then `done` with the Answer."""

    kind: EventKind
    text: str = ""
    citation: Citation | None = None
    answer: Answer | None = None


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, as kept in history."""

    role: Literal["user", "assistant"]
    content: str
    episodes: tuple[str, ...] = ()
    """For an answer: the episodes it cited, so a follow-up can stay where the conversation is."""
    cited: tuple[str, ...] = ()
    """For an answer: the ids of the utterances it cited, so "Tell me more" can lead with others."""


@dataclass(frozen=True)
class Status:
    """How an Assistant answers and searches, in words for people (`summary`), with the technical details
    (`embedder` id, `store` location) kept apart for whoever asks."""

    mode: Mode
    reason: str
    """Why answers are offline ("" when hosted)."""
    answer_model: str | None
    search_model: str
    """The search model in words, e.g. `MiniLM (local)`."""
    embedder: str
    store: str
    model_notice: str = ""
    """One line when search fell back to hashing: why, and the exact command that gets the local model."""
    store_notice: str = ""
    """One line when the store's vectors predate speakers' names in them, or are another model's than
    ASSISTANT_LOCAL_MODEL names, and the command to rebuild."""
    language_notice: str = ""
    """One line when episodes are in a language the search model does not read, and the command to switch."""
    reading_notice: str = ""
    """One line when episodes were read by an earlier version that kept less of their files, and the command
    that reads them again."""

    @property
    def answers(self) -> str:
        if self.mode == "hosted":
            return f"Hosted: answers by Cohere {self.answer_model}"
        return "Offline: quotes passages, no language model"

    @property
    def summary(self) -> str:
        return f"{self.answers} · search model: {self.search_model}"


def search_model_words(embedder_id: str) -> str:
    """`onnx:all-MiniLM-L6-v2` -> `MiniLM (local)`: the embedder id as a user would name the model."""
    kind, _, rest = embedder_id.partition(":")
    model = rest.split(":")[0]
    if kind == "hashing":
        return "keyword hashing (no model)"
    if kind == "cohere":
        return f"Cohere {model} (hosted)"
    if kind in ("onnx", "fastembed"):
        known = {"minilm": "MiniLM", "nomic": "Nomic Embed", "embeddinggemma": "EmbeddingGemma"}
        name = next((v for k, v in known.items() if k in model.lower()), model)
        return f"{name} (local)"
    return embedder_id


@dataclass
class IngestReport:
    """What one `ingest` call did, per episode id; `failed` and `ignored` name files with the reason.

    `failed` holds files that were meant to be read and could not be; `ignored`, files a folder held that are
    no transcript by their type, files and folders its `.gitignore` files leave out, and copies of a
    transcript another episode holds, passed over without making the ingest fail.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)
    notices: dict[str, str] = field(default_factory=dict)
    """Per episode id, what its reader should know though it was stored: a transcript read as plain text (no
    speakers or times to cite), or in a language the search model does not read."""
    utterances_written: int = 0
    utterances_embedded: int = 0
    """Of those written, how many were embedded: a turn an updated episode holds with the same text keeps its
    stored vector."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed
