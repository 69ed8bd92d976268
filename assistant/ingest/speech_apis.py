"""The JSON that speech-to-text services return, saved as it came: AssemblyAI, Deepgram, Rev.ai,
ElevenLabs and Amazon Transcribe.

    AssemblyAI  {"status": "completed", "utterances": [{"speaker": "A", "start": 250, "end": 4200,
                 "text": "The quote came in at twelve thousand."}], "words": [...]}         (milliseconds)
    Deepgram    {"metadata": {...}, "results": {"channels": [{"alternatives": [{"paragraphs":
                 {"paragraphs": [{"speaker": 0, "start": 0.25, "end": 4.2, "sentences": [...]}]},
                 "words": [...]}]}], "utterances": [...]}}                                        (seconds)
    Rev.ai      {"monologues": [{"speaker": 0, "speaker_name": "Priya Nair", "elements": [{"type": "text",
                 "value": "The", "ts": 0.25, "end_ts": 0.4}, {"type": "punct", "value": " "}, ...]}]}
                                                                                                  (seconds)
    ElevenLabs  {"language_code": "en", "text": "...", "words": [{"text": "The", "start": 0.25, "end": 0.4,
                 "type": "word", "speaker_id": "speaker_0"}, {"text": " ", "type": "spacing"}, ...]}
                                                                                                  (seconds)
    Amazon      {"jobName": "...", "status": "COMPLETED", "results": {"transcripts": [...], "items": [
                 {"type": "pronunciation", "start_time": "0.25", "end_time": "0.4", "speaker_label": "spk_0",
                 "alternatives": [{"content": "The"}]}, {"type": "punctuation", ...}]}}     (seconds, as text)

Each service gives a speaker's turn when diarisation was asked for (AssemblyAI's and Deepgram's
`utterances`, Deepgram's `paragraphs`, Rev.ai's monologues); that is one utterance, its start and end the
turn's. Where only words are timed, diarised words are read as turns (a new one where the speaker changes)
and words without speakers as sentences (a new one at a sentence's end or after a pause of more than two
seconds). Speakers the service only numbers are named as its own tools print them ("Speaker A",
"Speaker 0"); Rev.ai's `speaker_name`, when set, is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ParseError
from ..types import Transcript
from .cues import build_transcript, load_json, seconds
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .podcast_json import looks_json
from .speakers import MERGE_MAX_PAUSE, Piece, diarised_name, ends_sentence, numbered_voice
from .timing import part_marks, word_marks

ASSEMBLYAI = "assemblyai-json"
DEEPGRAM = "deepgram-json"
REV = "rev-json"
ELEVENLABS = "elevenlabs-json"
AMAZON = "amazon-transcribe-json"

_DEEPGRAM = (re.compile(r'"results"\s*:\s*\{'), re.compile(r'"channels"\s*:\s*\['))
_REV = re.compile(r'"monologues"\s*:\s*\[')
_ASSEMBLYAI_TURNS = re.compile(r'"utterances"\s*:\s*\[')
_ASSEMBLYAI_JOB = re.compile(r'"(?:audio_url|audio_duration|speaker_labels)"\s*:')
_ASSEMBLYAI_WORDS = re.compile(r'"words"\s*:\s*\[')
_ELEVENLABS = re.compile(r'"(?:speaker_id|language_probability|logprob)"\s*:')
_AMAZON = (re.compile(r'"transcripts"\s*:\s*\['), re.compile(r'"items"\s*:\s*\['))


def looks_amazon(text: str) -> bool:
    return looks_json(text) and all(p.search(text) for p in _AMAZON)


def looks_elevenlabs(text: str) -> bool:
    return looks_json(text) and bool(_ASSEMBLYAI_WORDS.search(text) and _ELEVENLABS.search(text))


def looks_deepgram(text: str) -> bool:
    return looks_json(text) and all(p.search(text) for p in _DEEPGRAM)


def looks_rev(text: str) -> bool:
    return looks_json(text) and bool(_REV.search(text))


def looks_assemblyai(text: str) -> bool:
    """AssemblyAI's transcript: its speaker turns, or its words beside a field only its jobs have."""
    if not looks_json(text):
        return False
    return bool(_ASSEMBLYAI_TURNS.search(text)) or bool(
        _ASSEMBLYAI_JOB.search(text) and _ASSEMBLYAI_WORDS.search(text)
    )


def _assemblyai_pieces(data: Mapping[str, Any], path: Path, max_utterance_chars: int) -> list[Piece]:
    status = data.get("status")
    if isinstance(status, str) and status != "completed":
        error = data.get("error")
        raise ParseError(
            path,
            None,
            f"the AssemblyAI transcript's status is {status!r}"
            + (f" ({error})" if isinstance(error, str) and error else ""),
            "save the transcript once its status is 'completed'",
        )
    turns = data.get("utterances")
    if turns:
        pieces = []
        for where, turn in _items(turns, "utterance", path):
            said = _text(turn, "text", where, path)
            words = turn.get("words")
            timed = [
                (w.get("text"), _optional_time(w, "start", 1000)) if isinstance(w, Mapping) else ("", None)
                for w in (words if isinstance(words, list) else [])
            ]
            start, end = _span(turn, where, path, 1000)
            pieces.append(
                Piece(said, where, None, _speaker(turn.get("speaker")), start, end, word_marks(said, timed))
            )
    else:
        words = data.get("words")
        if not words:
            raise ParseError(
                path,
                None,
                "the AssemblyAI transcript has neither `utterances` nor `words`",
                "save the whole transcript response (ask for speaker_labels to get speaker turns)",
            )
        pieces = _from_words(
            [
                (
                    _text(word, "text", where, path),
                    _speaker(word.get("speaker")),
                    *_span(word, where, path, 1000),
                )
                for where, word in _items(words, "word", path)
            ],
            max_utterance_chars,
        )
    return pieces


def _deepgram_pieces(data: Mapping[str, Any], path: Path, max_utterance_chars: int) -> list[Piece]:
    results = data.get("results")
    if not isinstance(results, Mapping):
        results = {}
    channels = results.get("channels")
    if not isinstance(channels, list) or not channels:
        raise ParseError(
            path,
            None,
            "the Deepgram response has no `results.channels`",
            "save the whole response of a pre-recorded transcription",
        )
    several = len(channels) > 1
    best = []
    for c, channel in enumerate(channels):
        alternatives = channel.get("alternatives") if isinstance(channel, Mapping) else None
        first = alternatives[0] if isinstance(alternatives, list) and alternatives else None
        if not isinstance(first, Mapping):
            raise ParseError(path, None, f"channel {c + 1} of the Deepgram response has no alternatives")
        best.append(first)
    turns = results.get("utterances")
    if any(_paragraphs(b) for b in best) or not turns:
        pieces = [
            p for c, b in enumerate(best) for p in _deepgram_channel(b, c, several, path, max_utterance_chars)
        ]
    else:
        pieces = [
            Piece(
                _text(turn, "transcript", where, path),
                where,
                None,
                _channel_speaker(turn.get("speaker"), turn.get("channel"), several),
                *_span(turn, where, path),
            )
            for where, turn in _items(turns, "utterance", path)
        ]
    if several:
        pieces.sort(key=lambda p: p.start if p.start is not None else 0.0)
    return pieces


def _paragraphs(best: Mapping[str, Any]) -> Any:
    paragraphs = best.get("paragraphs")
    return paragraphs.get("paragraphs") if isinstance(paragraphs, Mapping) else None


def _deepgram_channel(
    best: Mapping[str, Any], channel: int, several: bool, path: Path, max_chars: int
) -> list[Piece]:
    """A channel's paragraphs (speaker turns) when the request asked for them, else its timed words."""
    found = _paragraphs(best)
    if found:
        pieces = []
        for where, paragraph in _items(found, f"channel {channel + 1} paragraph", path):
            sentences = paragraph.get("sentences")
            if not isinstance(sentences, list):
                raise ParseError(path, None, f"{where} has no `sentences` list")
            timed = [
                (
                    _text(s, "text", f"{where}, sentence {i}", path),
                    _optional_time(s, "start"),
                )
                for i, (_, s) in enumerate(_items(sentences, "sentence", path), 1)
            ]
            said = " ".join(text for text, _ in timed)
            start, end = _span(paragraph, where, path)
            speaker = _channel_speaker(paragraph.get("speaker"), channel, several)
            pieces.append(Piece(said, where, None, speaker, start, end, part_marks(timed)))
        return pieces
    words = best.get("words") or []
    return _from_words(
        [
            (
                _text(word, "punctuated_word" if "punctuated_word" in word else "word", where, path),
                _channel_speaker(word.get("speaker"), channel, several),
                *_span(word, where, path),
            )
            for where, word in _items(words, f"channel {channel + 1} word", path)
        ],
        max_chars,
    )


def _rev_pieces(data: Mapping[str, Any], path: Path, max_utterance_chars: int) -> list[Piece]:
    monologues = data.get("monologues")
    if not isinstance(monologues, list):
        raise ParseError(path, None, "`monologues` is not a list", "save the transcript as Rev.ai returns it")
    pieces = []
    for where, monologue in _items(monologues, "monologue", path):
        elements = monologue.get("elements")
        if not isinstance(elements, list):
            raise ParseError(path, None, f"{where} has no `elements` list")
        said, times, words = [], [], []
        for n, element in enumerate(elements, 1):
            if not isinstance(element, Mapping) or element.get("type") not in ("text", "punct"):
                continue  # "unknown": Rev's <inaudible> and the like, not words
            value = _text(element, "value", f"{where}, element {n}", path)
            if element["type"] == "text":
                times.append(element)
                words.append((value, _optional_time(element, "ts")))
            elif words:
                words[-1] = (words[-1][0] + value.strip(), words[-1][1])
            said.append(value)
        start = _time(times[0], "ts", where, path) if times else None
        end = _time(times[-1], "end_ts", where, path) if times else None
        name = monologue.get("speaker_name")
        speaker = (
            name.strip() if isinstance(name, str) and name.strip() else _speaker(monologue.get("speaker"))
        )
        text = "".join(said).strip()
        pieces.append(Piece(text, where, None, speaker, start, end, word_marks(text, words)))
    return pieces


def _elevenlabs_pieces(data: Mapping[str, Any], path: Path, max_utterance_chars: int) -> list[Piece]:
    words = [
        (_text(word, "text", where, path), _speaker(word.get("speaker_id")), *_span(word, where, path))
        for where, word in _items(data.get("words"), "word", path)
        if word.get("type", "word") == "word"  # not "spacing", nor an "audio_event" such as (laughter)
    ]
    return _from_words(words, max_utterance_chars)


def _amazon_pieces(data: Mapping[str, Any], path: Path, max_utterance_chars: int) -> list[Piece]:
    status = data.get("status")
    if isinstance(status, str) and status.upper() != "COMPLETED":
        raise ParseError(
            path,
            None,
            f"the Amazon Transcribe job's status is {status!r}",
            "save the transcript once the job has COMPLETED",
        )
    results = data.get("results")
    if not isinstance(results, Mapping):
        raise ParseError(path, None, "the Amazon Transcribe transcript has no `results`")
    labelled = _amazon_segments(results, path)
    words: list[tuple[str, str | None, float, float]] = []
    for where, item in _items(results.get("items"), "item", path):
        alternatives = item.get("alternatives")
        best = alternatives[0] if isinstance(alternatives, list) and alternatives else None
        if not isinstance(best, Mapping):
            raise ParseError(path, None, f"{where} has no alternatives")
        said = _text(best, "content", where, path)
        if item.get("type") == "punctuation":
            if words:
                words[-1] = (words[-1][0] + said, *words[-1][1:])
            continue
        start, end = _time(item, "start_time", where, path), _time(item, "end_time", where, path)
        label = item.get("speaker_label") or item.get("channel_label") or _label_at(labelled, start)
        words.append((said, _speaker(label), start, end))
    return _from_words(words, max_utterance_chars)


def _amazon_segments(results: Mapping[str, Any], path: Path) -> list[tuple[float, float, str]]:
    """(start, end, speaker) of the job's speaker segments, for transcripts whose items do not name it."""
    speakers = results.get("speaker_labels")
    segments = speakers.get("segments") if isinstance(speakers, Mapping) else None
    if not isinstance(segments, list):
        return []
    return [
        (_time(s, "start_time", where, path), _time(s, "end_time", where, path), str(s.get("speaker_label")))
        for where, s in _items(segments, "speaker segment", path)
    ]


def _label_at(segments: Sequence[tuple[float, float, str]], start: float) -> str | None:
    return next((label for begin, end, label in segments if begin <= start <= end), None)


# --- shared --------------------------------------------------------------------------------------


def _service(
    name: str, fmt: str, read: Callable[[Mapping[str, Any], Path, int], list[Piece]]
) -> Callable[..., Transcript]:
    """The parser of one service's JSON: `read` turns the response into pieces."""

    def parse(
        text: str, path: Path, episode_id: str, *, max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS
    ) -> Transcript:
        path = Path(path)
        pieces = read(_object(load_json(text, path), path, name), path, max_utterance_chars)
        if not pieces:
            raise ParseError(path, None, "no utterances found: the response holds no words")
        return build_transcript(
            pieces, path=path, episode_id=episode_id, fmt=fmt, meta={}, max_chars=max_utterance_chars
        )

    return parse


parse_assemblyai = _service("AssemblyAI", ASSEMBLYAI, _assemblyai_pieces)
parse_deepgram = _service("Deepgram", DEEPGRAM, _deepgram_pieces)
parse_rev = _service("Rev.ai", REV, _rev_pieces)
parse_elevenlabs = _service("ElevenLabs", ELEVENLABS, _elevenlabs_pieces)
parse_amazon = _service("Amazon Transcribe", AMAZON, _amazon_pieces)


def _from_words(words: Sequence[tuple[str, str | None, float, float]], max_chars: int) -> list[Piece]:
    """Timed words as utterances. Diarised words make a speaker's turn (a new one where the speaker changes,
    or at a sentence's end before it would pass `max_chars`); words without a speaker make sentences (a new
    one after a word that ends a sentence, or after a pause of more than `MERGE_MAX_PAUSE` seconds)."""
    pieces: list[Piece] = []
    current: list[tuple[str, str | None, float, float]] = []
    size = 0

    def close() -> None:
        nonlocal size
        if current:
            said = [(w[0].strip(), w[2]) for w in current if w[0].strip()]
            text = " ".join(word for word, _ in said)
            where = f"the words from {current[0][2]:.2f} s"
            marks = word_marks(text, said)
            pieces.append(Piece(text, where, None, current[0][1], current[0][2], current[-1][3], marks))
            current.clear()
            size = 0

    for word in words:
        said, speaker, start, _ = word
        if current and (
            speaker != current[-1][1] or (speaker is None and start - current[-1][3] > MERGE_MAX_PAUSE)
        ):
            close()
        current.append(word)
        size += len(said) + 1
        if ends_sentence(said) and (speaker is None or size > max_chars // 2):
            close()
    close()
    return pieces


def _object(data: Any, path: Path, service: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ParseError(path, None, f"JSON holds a {type(data).__name__}, not a {service} transcript object")
    return data


def _items(items: Any, kind: str, path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(items, list):
        raise ParseError(path, None, f"the {kind}s are a {type(items).__name__}, not a list")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise ParseError(path, None, f"{kind} {n} is a {type(item).__name__}, not an object")
        out.append((f"{kind} {n}", item))
    return out


def _text(item: Mapping[str, Any], key: str, where: str, path: Path) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        problem = "has no" if value is None else f"has a {type(value).__name__} as its"
        raise ParseError(path, None, f"{where} {problem} `{key}` text")
    return value


def _span(item: Mapping[str, Any], where: str, path: Path, per_second: float = 1.0) -> tuple[float, float]:
    """The item's `start` and `end`, in seconds."""
    return _time(item, "start", where, path, per_second), _time(item, "end", where, path, per_second)


def _time(item: Mapping[str, Any], key: str, where: str, path: Path, per_second: float = 1.0) -> float:
    value = seconds(item.get(key))
    if value is None:
        raise ParseError(
            path,
            None,
            f"{where}: `{key}` is {item.get(key)!r}, not a time",
            "every timed item needs its start and end",
        )
    return value / per_second


def _optional_time(item: Mapping[str, Any], key: str, per_second: float = 1.0) -> float | None:
    """A time used only to place a citation within a turn: None where the file gives none that reads, so
    a malformed one costs that turn its marks, never the file (`timing.word_marks`)."""
    value = seconds(item.get(key))
    return None if value is None or value < 0 else value / per_second


def _speaker(value: Any) -> str | None:
    """A service's speaker: its number or letter, or Amazon's `spk_0` and ElevenLabs' `speaker_0`, as
    "Speaker 0" / "Speaker A"; a name it was given as is."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return numbered_voice(str(value)) or diarised_name(str(value)) or None


def _channel_speaker(speaker: Any, channel: Any, several: bool) -> str | None:
    """Deepgram's diarised speaker; with several channels and no diarisation, the channel is the voice."""
    named = _speaker(speaker)
    if named or not several or not isinstance(channel, int) or isinstance(channel, bool):
        return named
    return f"Channel {channel + 1}"
