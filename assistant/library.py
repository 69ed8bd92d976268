"""`Library`: the episodes of one store.
Ingesting, listing, deleting, and sweeping up after a killed ingest."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .config import Settings
from .errors import InputError, NotATranscriptError, ParseError, ProviderError, StoreError
from .index.chroma_store import ChromaStore
from .index.embedders import Embedder, document_text, normalise_rows
from .index.lexical_cache import Snapshot
from .ingest.copies import same_words, with_facts, without_copies, words_hash
from .ingest.details import details_utterance
from .ingest.parse import READER
from .ingest.plain import FORMAT as PLAIN
from .ingest.speakers import speaker_key
from .language import transcript_language, transcript_notice
from .models.catalog import multilingual_embedder, reads_english_only
from .outline.build import METHOD, build_outline, chapter_quotes
from .outline.types import Outline
from .render import plural
from .store_lock import store_lock, try_store_lock
from .text import shortened
from .types import DETAILS, Episode, IngestReport, Progress, Transcript, Utterance

log = logging.getLogger(__name__)


class Library:
    """Writes go through the store's file lock, one process at a time; reads never wait for it."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        settings: Settings,
        snapshot: Callable[[], Snapshot | None] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.snapshot = snapshot
        """The search's index when at hand (None otherwise); it holds every utterance, so transcripts read
        from it need no Chroma."""
        self._outlines: dict[tuple[str, str | None, str], Outline] = {}
        self._outlines_lock = threading.Lock()

    def episodes(self) -> list[Episode]:
        return self.store.episodes()

    def episode(self, episode_id: str) -> Episode:
        """The episode with this id, its file's name, or an unambiguous start of its id or title."""
        found = self.store.episode(episode_id)
        if found is not None:
            return found
        return self.episode(self.resolve(episode_id)) if episode_id else self._unknown(episode_id)

    def transcript(self, episode_id: str, with_details: bool = False) -> list[Utterance]:
        """Every stored utterance of an episode in order, for showing a citation in its context; with its
        details record (number 0, what "episode details" citations point at) first when asked for."""
        episode = self.episode(episode_id).id
        snapshot = self.snapshot() if self.snapshot is not None else None
        return self._stored_utterances(episode, snapshot, with_details)

    def utterances(self, ids: Sequence[str]) -> list[Utterance]:
        """The stored utterances (or details records) with these ids, in the order given; missing ones left
        out."""
        got = self.store.get(list(ids))
        return [got[i][0] for i in ids if i in got]

    def outline(self, ref: str, snapshot: Callable[[], Snapshot] | None = None) -> Outline:
        """The episode's chapters: stored at ingest, or (a store written before outlines, or by an older
        outline method) computed once per process from the stored vectors, taken from the search's
        `snapshot` when it keeps them."""
        episode = self.episode(ref)
        stored = self.store.outline(episode.id)
        if stored:
            outline = Outline.from_dict(json.loads(stored))
            if outline.method == METHOD:
                return outline
        key = (episode.id, episode.ingested_at, episode.content_hash)
        with self._outlines_lock:
            if key not in self._outlines:
                utterances, vectors = self._stored_vectors(episode.id, snapshot() if snapshot else None)
                self._outlines[key] = build_outline(
                    episode.id, utterances, vectors, language=episode.language
                )
            return self._outlines[key]

    def chapter_quotes(
        self,
        ref: str,
        speaker: str | None = None,
        leave_out: Collection[str] = (),
        snapshot: Callable[[], Snapshot] | None = None,
    ) -> list[Utterance]:
        """Per chapter of the episode's outline, the most central of its turns by `speaker` (any speaker when
        None) whose ids are not in `leave_out`: what one person said, or more than was quoted already."""
        episode = self.episode(ref)
        outline = self.outline(episode.id, snapshot)
        utterances = self._stored_utterances(episode.id, snapshot() if snapshot else None)
        wanted = speaker.casefold() if speaker else None

        def keep(u: Utterance) -> bool:
            return u.id not in leave_out and (wanted is None or (u.speaker or "").casefold() == wanted)

        return chapter_quotes(outline, utterances, keep, language=episode.language)

    def _stored_utterances(
        self, episode_id: str, snapshot: Snapshot | None, with_details: bool = False
    ) -> list[Utterance]:
        """The episode's turns (its details record first when asked for), from the search's snapshot when it
        has them (so a warm command need not open the store)."""
        rows = _rows(snapshot, episode_id, with_details) if snapshot is not None else []
        if snapshot is not None and rows:
            return [snapshot.keywords.records[i].utterance() for i in rows]
        return self.store.utterances_of(episode_id, with_details)

    def _stored_vectors(
        self, episode_id: str, snapshot: Snapshot | None, with_details: bool = False
    ) -> tuple[list[Utterance], np.ndarray]:
        """The episode's stored turns (its details record first when asked for) and their vectors, a missing
        vector as a row of zeros."""
        if snapshot is not None and snapshot.vectors is not None:
            rows = _rows(snapshot, episode_id, with_details)
            if rows:
                utterances = [snapshot.keywords.records[i].utterance() for i in rows]
                matrix = np.asarray(snapshot.vectors.matrix[np.asarray(rows)], dtype=np.float32)
                return utterances, normalise_rows(matrix)
        utterances = self.store.utterances_of(episode_id, with_details)
        got = self.store.get([u.id for u in utterances], with_vectors=True)
        stored = [got[u.id][1] for u in utterances]
        matrix = np.zeros((len(utterances), self.embedder.dimension), dtype=np.float32)
        for i, row in enumerate(stored):
            if row is not None:
                matrix[i] = row
        return utterances, normalise_rows(matrix)

    def check_episodes(self, episode: str | Sequence[str] | None) -> list[str] | None:
        """The episode filter as ids, or InputError naming the first reference the library cannot resolve."""
        if not episode:
            return None
        wanted = [episode] if isinstance(episode, str) else list(episode)
        return [self.resolve(e) for e in wanted]

    def resolve(self, ref: str) -> str:
        """An episode id from what a person types: the id, the file's name, or a start of the id or title."""
        episodes = self.store.episodes()
        if any(e.id == ref for e in episodes):
            return ref
        by_file = [e for e in episodes if e.source_path and _file_id(e.source_path) == ref]
        key = _folded(ref)
        found = by_file or [
            e for e in episodes if key and (_folded(e.id).startswith(key) or _folded(e.title).startswith(key))
        ]
        if len(found) == 1:
            return found[0].id
        if found:
            names = ", ".join(f"{e.id} ({e.title})" for e in found[:5])
            raise InputError(f"{ref!r} matches {len(found)} episodes: {names}; give more of the id or title")
        return self._unknown(ref)

    @staticmethod
    def _unknown(ref: str) -> NoReturn:
        raise InputError(f"unknown episode {ref!r}; `assistant episodes` lists them")

    def delete(self, episode_id: str) -> None:
        with store_lock(self.settings):
            if not self.store.delete_episode(episode_id):
                raise InputError(f"unknown episode {episode_id!r}; `assistant episodes` lists them")

    def sweep_if_free(self) -> None:
        """Start-up housekeeping:
        drop records of an episode whose ingest was killed, unless a writer is busy."""
        try:
            with try_store_lock(self.settings) as free:
                if free:
                    self.store.sweep_orphans()
        except (StoreError, OSError) as exc:  # read-only folder or server trouble: searching may still work
            log.warning("skipped the start-up check for unfinished episodes: %s", exc)

    def ingest(
        self,
        paths: str | Path | Iterable[str | Path],
        *,
        progress: Progress | None = None,
        show: str | None = None,
        title: str | None = None,
        source_url: str | None = None,
        fmt: str | None = None,
        speakers: Mapping[str, str] | None = None,
    ) -> IngestReport:
        """Parse every file first, then write changed episodes one by one; a bad file never touches the store.

        `show`, `title` and `source_url` fill in what a file does not say; `fmt` forces a format (see
        `assistant.ingest.parse.format_names()`), otherwise each file's format is detected from its content.
        `speakers` names the voices a diarising service labelled ({"Speaker A": "Nadia Brooks"}); a label a
        file does not use is said in its notice. A file ingested again keeps the names given before (at
        ingest or by `name_speakers`) for the labels `speakers` does not name; `speakers={}` gives the
        file's labels back.
        """
        started = time.perf_counter()
        report = IngestReport()
        transcripts = self._parse_all(paths, report, show=show, title=title, source_url=source_url, fmt=fmt)
        transcripts = [self._named(t, self._names_for(t, speakers), report) for t in transcripts]
        with store_lock(self.settings):
            self.store.sweep_orphans()
            former = self._former_ids(transcripts)
            kept = self._without_copies(transcripts, report, former)
            self._write_changed(kept, report, progress, former)
            self.store.mark_swept()
        report.seconds = time.perf_counter() - started
        return report

    def _without_copies(
        self, transcripts: Sequence[Transcript], report: IngestReport, former: Mapping[str, list[str]]
    ) -> list[Transcript]:
        """A file whose bytes or words another episode holds is passed over and named with that episode
        (`ingest.copies`): stored twice, every answer would quote the same lines twice."""
        replaced = {old for olds in former.values() for old in olds}
        copies = without_copies(transcripts, self.store.episodes(), replaced)
        report.ignored.update(copies.ignored)
        return copies.kept

    def _parse_all(
        self,
        paths: str | Path | Iterable[str | Path],
        report: IngestReport,
        *,
        fmt: str | None,
        **fills: str | None,
    ) -> list[Transcript]:
        given = [paths] if isinstance(paths, (str, Path)) else list(paths)
        for raw in given:
            if "\x00" in str(raw):
                raise InputError(f"{str(raw)!r}: a path cannot contain a NUL character")
        from .ingest.files import expand_paths
        from .ingest.parse import parse_file

        transcripts: list[Transcript] = []
        seen: dict[str, tuple[Path, Transcript]] = {}
        named = {Path(raw).expanduser().resolve() for raw in given}
        for path in expand_paths(given, report.ignored):
            try:
                transcript = parse_file(
                    path,
                    max_bytes=int(self.settings.max_file_mb * 2**20),
                    max_utterance_chars=self.settings.max_utterance_chars,
                    fmt=fmt,
                )
            except NotATranscriptError as exc:
                if path in named:  # named, it was meant to be read
                    report.failed[str(path)] = str(exc)
                else:  # a folder's settings file or package.json
                    report.ignored[str(path)] = f"JSON that holds no transcript ({exc.problem})"
                continue
            except ParseError as exc:
                report.failed[str(path)] = str(exc)
                continue
            transcript = fill_metadata(transcript, path, **fills)
            episode_id = transcript.episode.id
            if episode_id in seen and not same_words(seen[episode_id][1], transcript):
                report.failed[str(path)] = (
                    f"{path}: episode id {episode_id!r} is also the id of {seen[episode_id][0]}; rename one "
                    "of the files"
                )
                continue
            seen.setdefault(episode_id, (path, transcript))  # the same words: one is kept (`without_copies`)
            transcripts.append(transcript)
        return transcripts

    def _names_for(self, transcript: Transcript, speakers: Mapping[str, str] | None) -> Mapping[str, str]:
        """The names given before (kept with the stored episode), with `speakers` over them label by label;
        `speakers={}` none."""
        if speakers is not None and not speakers:
            return {}
        stored = self.store.episode(transcript.episode.id)
        before = dict(stored.speaker_names) if stored is not None else {}
        given = {speaker_key(label) for label in speakers or {}}
        return {**{k: v for k, v in before.items() if speaker_key(k) not in given}, **(speakers or {})}

    def name_speakers(
        self, ref: str, names: Mapping[str, str], progress: Progress | None = None
    ) -> IngestReport:
        """Name speakers of a stored episode, without its file ({"Speaker A": "Nadia Brooks"}: the names it
        shows now, in any case). The episode is written again with them, and its file, ingested again, is
        given them; a name the episode does not show is refused with those it does."""
        from .ingest.speakers import name_speakers

        episode = self.episode(ref)
        named, missing = name_speakers(Transcript(episode, tuple(self.transcript(episode.id))), names)
        if missing:
            raise InputError(_no_such_speakers(episode, missing))
        new = {speaker_key(label): name for label, name in named.episode.speaker_names}
        given = dict(episode.speaker_names)  # the file's label -> the name shown until now
        composed = {label: new.get(speaker_key(name), name) for label, name in given.items()}
        renamed = {speaker_key(name) for name in given.values()}
        for shown in episode.speakers:
            if speaker_key(shown) in new and speaker_key(shown) not in renamed:
                composed[shown] = new[speaker_key(shown)]
        pairs = tuple((label, name) for label, name in composed.items() if label != name)
        transcript = Transcript(replace(named.episode, speaker_names=pairs), named.utterances)
        report = IngestReport()
        started = time.perf_counter()
        with store_lock(self.settings):
            self._write_changed([transcript], report, progress)
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _named(transcript: Transcript, speakers: Mapping[str, str], report: IngestReport) -> Transcript:
        from .ingest.speakers import name_speakers

        if not speakers:
            return transcript
        named, missing = name_speakers(transcript, speakers)
        if missing:
            report.notices[named.episode.id] = _no_such_speakers(named.episode, missing) + "."
        return named

    def _write_changed(
        self,
        transcripts: Sequence[Transcript],
        report: IngestReport,
        progress: Progress | None,
        former: Mapping[str, list[str]] | None = None,
    ) -> None:
        """`former`: `_former_ids` of these transcripts (or more), when the caller has it already."""
        pending: list[tuple[Transcript, bool]] = []
        former = self._former_ids(transcripts) if former is None else former
        for transcript in transcripts:
            existing = self.store.episode(transcript.episode.id)
            if existing is not None:  # what a copy told it, and the file does not, stays
                transcript = with_facts(transcript, [existing], existing.borrowed)
            transcript = Transcript(
                replace(
                    transcript.episode,
                    parsed_hash=parsed_hash(transcript),
                    words_hash=words_hash(transcript),
                ),
                transcript.utterances,
            )
            if existing is not None and self._unchanged(existing, transcript):
                report.skipped.append(transcript.episode.id)
                for old_id in former.get(transcript.episode.id, ()):  # left by a stop before it went
                    self.store.delete_episode(old_id)
            else:
                pending.append((transcript, existing is not None or bool(former.get(transcript.episode.id))))
        total = sum(1 + sum(1 for u in t.utterances if u.text.strip()) for t, _ in pending)
        embedded = 0
        for number, (transcript, existed) in enumerate(pending):
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            spoken = [u for u in transcript.utterances if u.text.strip()]
            language = transcript_language([u.text for u in spoken])
            episode = replace(transcript.episode, ingested_at=now, language=language, reader=READER)
            utterances = [details_utterance(episode)] + spoken

            def tick(n: int, label: str = episode.id) -> None:
                nonlocal embedded
                embedded += n
                if progress:
                    progress(embedded, total, label)

            try:
                texts = [document_text(u, self.store.documents) for u in utterances]
                vectors, fresh = self._vectors(episode.id, texts, tick, existed)
                report.utterances_embedded += sum(1 for i in fresh if i)  # not the details record (0)
                outline = outline_json(episode, utterances[1:], vectors[1:])
                self.store.write_episode(episode, utterances, vectors, outline)
                for old_id in former.get(episode.id, ()):
                    self.store.delete_episode(old_id)
            except (ProviderError, StoreError) as exc:
                report.failed[episode.source_path or episode.id] = f"{episode.id}: {exc}"
                for later, _ in pending[number + 1 :]:
                    report.failed[later.episode.source_path or later.episode.id] = (
                        f"{later.episode.id}: not ingested because an earlier episode failed; run the "
                        "command again"
                    )
                break
            (report.updated if existed else report.added).append(episode.id)
            report.utterances_written += len(utterances) - 1
            notices = [plain_notice(episode)] if episode.format == PLAIN else []
            if episode.heading:
                notices.append(heading_notice(episode))
            if episode.language and reads_english_only(self.embedder):
                notices.append(transcript_notice([episode], self.embedder.name, multilingual_embedder()))
            if notices:
                before = [report.notices[episode.id]] if episode.id in report.notices else []
                report.notices[episode.id] = " ".join([*before, *notices])

    def _vectors(
        self, episode_id: str, texts: Sequence[str], tick: Callable[[int], None], existed: bool
    ) -> tuple[np.ndarray, list[int]]:
        """A vector per text, and which were embedded: a turn the stored episode holds with the same text
        keeps its stored vector (an edited line, a speaker named, a reading improved re-embed only what
        they change)."""
        kept: dict[str, np.ndarray] = {}
        if existed:
            stored, matrix = self._stored_vectors(episode_id, None, with_details=True)
            kept = {
                document_text(u, self.store.documents): v
                for u, v in zip(stored, matrix, strict=True)
                if v.any()
            }
        fresh = [i for i, text in enumerate(texts) if text not in kept]
        if not kept:
            return self.embedder.embed_documents(texts, progress=tick), fresh
        vectors = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            if text in kept:
                vectors[i] = kept[text]
        tick(len(texts) - len(fresh))
        if fresh:
            vectors[fresh] = self.embedder.embed_documents([texts[i] for i in fresh], progress=tick)
        return vectors, fresh

    def _unchanged(self, stored: Episode, parsed: Transcript) -> bool:
        """The same bytes, metadata and speakers, read the same way: by the hash of the reading, or, for an
        episode stored before it was kept, by its stored turns (then the hash is recorded, once). An unchanged
        episode an earlier version read is recorded as read by this one."""
        if not _same(stored, parsed.episode):
            return False
        if stored.parsed_hash:
            read_alike = stored.parsed_hash == parsed.episode.parsed_hash
        else:
            turns = _turns(self.store.utterances_of(stored.id))
            read_alike = _turns(parsed.utterances) == turns and _details(stored) == _details(parsed.episode)
        if not read_alike:
            return False
        current = replace(
            stored,
            parsed_hash=parsed.episode.parsed_hash,
            words_hash=parsed.episode.words_hash,
            reader=READER,
        )
        if current != stored:
            self.store.record_episode(current)
        return True

    def reading_notice(self) -> str:
        """What to say of episodes with times that an earlier version read, before times within long turns
        were kept: their citations open at the turn's start until their files are ingested again ("" if
        none)."""
        older = [e for e in self.episodes() if e.reader < READER and e.duration is not None]
        if not older:
            return ""
        files = [Path(e.source_path) for e in older if e.source_path and Path(e.source_path).is_file()]
        how = f"ingest {'its file' if len(older) == 1 else 'their files'} again"
        if len(files) == len(older):
            folder = Path(os.path.commonpath(files)) if len(files) > 3 else None
            named = [folder] if folder is not None and folder != folder.parent else files
            how += f" (`assistant ingest {' '.join(shlex.quote(str(f)) for f in named)}`)"
        else:
            how += f" (or upload {'it' if len(older) == 1 else 'them'} again)"
        were = "was" if len(older) == 1 else "were"
        return (
            f"{plural(len(older), 'episode')} with times {were} read by an earlier version, which kept no "
            f"times within long turns: {how} so that citations open where the quoted words are said"
        )

    def language_notice(self) -> str:
        """What to say of the library's episodes in a language the search model does not read ("" if none)."""
        foreign = [e for e in self.episodes() if e.language]
        if not foreign or not reads_english_only(self.embedder):
            return ""
        return transcript_notice(foreign, self.embedder.name, multilingual_embedder())

    def _former_ids(self, transcripts: Sequence[Transcript]) -> dict[str, list[str]]:
        """Stored episodes of the same file under another id (ids from an opaque file name became readable):
        re-ingesting that file replaces them instead of adding the episode twice."""
        by_file: dict[str, list[str]] = {}
        for e in self.store.episodes():
            if e.source_path:
                by_file.setdefault(_file_id(e.source_path), []).append(e.id)
        out: dict[str, list[str]] = {}
        for t in transcripts:
            if t.episode.source_path:
                others = [i for i in by_file.get(_file_id(t.episode.source_path), []) if i != t.episode.id]
                if others:
                    out[t.episode.id] = others
        return out


def plain_notice(episode: Episode) -> str:
    """Said at ingest of a transcript read as plain text: what its citations can and cannot give."""
    return (
        f"“{episode.title or episode.id}” was read as plain text: no speaker labels, numbers or times were "
        "found, so each paragraph (each line, where no blank line parts them) is one utterance, a long one "
        "cut into passages of about 100 words, cited by its number."
    )


def _no_such_speakers(episode: Episode, labels: Sequence[str]) -> str:
    shown = ", ".join(episode.speakers) or "none: the transcript has no speaker labels"
    named = ", ".join(map(repr, labels))
    return f"“{episode.title or episode.id}” has no speaker {named} (its speakers: {shown})"


def heading_notice(episode: Episode) -> str:
    """Said at ingest of a transcript whose first lines were read as its heading, so that no line of the file
    goes unaccounted for."""
    n = len(episode.heading)
    lines = "its first line" if n == 1 else f"its first {n} lines"
    return (
        f"“{episode.title or episode.id}”: {lines} ({shortened(' · '.join(episode.heading), 100)}) stood "
        "above the first speaker line and were read as the file's heading, kept with the episode's details, "
        "not as utterances."
    )


def outline_json(episode: Episode, utterances: Sequence[Utterance], vectors: np.ndarray) -> str | None:
    """The outline to store with an episode (its utterances without the details record, and their vectors);
    None if it cannot be built, so it is computed when first asked for instead of failing the write."""
    try:
        rows = normalise_rows(np.asarray(vectors, dtype=np.float32))
        outline = build_outline(episode.id, utterances, rows, language=episode.language)
    except Exception as exc:  # an outline is an extra: the episode itself must still be stored
        log.warning("could not outline %s (it will be outlined when asked for): %s", episode.id, exc)
        return None
    return json.dumps(outline.to_dict())


def _folded(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _file_id(source_path: str) -> str:
    from .ingest.parse import episode_id_for

    return episode_id_for(Path(source_path))


def _same(stored: Episode, parsed: Episode) -> bool:
    """Re-ingesting an unchanged file (same text, same metadata, same speakers' names) writes nothing."""
    return stored.content_hash == parsed.content_hash and (
        stored.show,
        stored.title,
        stored.source_url,
        stored.speakers,
    ) == (parsed.show, parsed.title, parsed.source_url, parsed.speakers)


def _details(episode: Episode) -> tuple[object, ...]:
    """What an episode's details record is made of, besides the fields `_same` compares."""
    return (episode.host, episode.guests, episode.duration, episode.date, episode.heading, episode.format)


def parsed_hash(transcript: Transcript) -> str:
    """sha256 of the spoken turns and the episode's details as read (not when or how they were stored)."""
    episode = transcript.episode
    details = (episode.title, episode.show, episode.source_url, episode.speakers, *_details(episode))
    said = _turns(transcript.utterances)
    return hashlib.sha256(json.dumps([details, said], ensure_ascii=False).encode()).hexdigest()


def _turns(utterances: Iterable[Utterance]) -> list[tuple[object, ...]]:
    """What a reading of a file is made of, turn by turn (the details record, which has no text, left out)."""
    return [
        (u.number, u.speaker, u.start, u.end, u.text, *([u.marks] if u.marks else []))
        for u in utterances
        if u.text.strip()
    ]


def fill_metadata(transcript: Transcript, path: Path, **given: str | None) -> Transcript:
    """What the file says wins; arguments fill the gaps; the file name is the last resort for the title."""
    episode = transcript.episode
    fills: dict[str, Any] = {}
    show, source_url, title = given.get("show"), given.get("source_url"), given.get("title")
    if show and not episode.show:
        fills["show"] = show
    if source_url and not episode.source_url:
        fills["source_url"] = source_url
    if title and episode.title == path.stem:
        fills["title"] = title
    return Transcript(replace(episode, **fills), transcript.utterances) if fills else transcript


def _rows(snapshot: Snapshot, episode_id: str, with_details: bool = False) -> list[int]:
    """The snapshot's rows of one episode's turns (its details record too when asked for), in order."""
    records = snapshot.keywords.records
    rows = [int(i) for i in snapshot.keywords.rows_of_episode(episode_id)]
    return sorted(
        (i for i in rows if with_details or records[i].number != DETAILS), key=lambda i: records[i].number
    )
