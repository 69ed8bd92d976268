"""Speaker names and turns for the timed formats (WebVTT, SRT, JSON, Otter text).

* `is_label` says whether the text before a colon (`PRIYA NAIR: ...`) is a speaker label rather than prose.
* `display_names` picks one spelling per speaker and episode: `PRIYA NAIR` and `Priya Nair` are one person,
  shown in the mixed-case form when the file (or its metadata) has one, else title-cased.
* `merge_pieces` joins consecutive cues of the same known speaker that split one sentence, so an utterance
  is a turn rather than a two-second subtitle; it never joins across speakers or unlabelled cues.
* `name_speakers` gives the voices a diarising service only labelled ("Speaker A") the names a user knows.

No speaker is ever guessed here. Speaker inference from host/guest metadata is left out on purpose: cue
boundaries are not turn boundaries, so alternating two names over cues would attribute quotes wrongly, and
a citation that names the wrong person is worse than one that names nobody.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..types import Transcript

MERGE_MAX_PAUSE = 2.0  # seconds of silence after which a same-speaker cue starts a new utterance


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPACES = re.compile(r"\s+")
_NOT_IN_NAME = re.compile(r"[,;?!\"“”()\[\]{}<>/\\|=*:]")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_MAX_NAME_WORDS = 4
_MAX_NAME_CHARS = 40
# Lower-case words that may stand inside a name (`Ludwig van Beethoven`, `Maria de la Cruz`).
_PARTICLES = _words(
    """
    van von de da das do dos del della der den di du la le bin ibn al el ten ter y of
    """
)
# Capitalised words that open prose with a colon ("Anyway: ...", "Note: ...") far more often than they name
# anyone.
_NOT_NAMES = _words(
    """
    anyway so well okay ok yes no and but or look listen remember note notes update warning example also
    now then first second third finally basically honestly seriously again wait right see because
    however tip step summary answer question edit ps p.s. nb
    """
)


def speaker_key(name: str) -> str:
    """The identity of a speaker name: case, accents' composition, spacing and a tag do not matter."""
    return clean_name(unicodedata.normalize("NFKC", name)).casefold()


def clean_name(name: str) -> str:
    """The name as shown: spaces evened out, and without a tag that meeting apps add to display names, as
    Teams' `Alice Smith (Guest)` and Zoom's pronouns `Bob Jones (he/him)` (one to three capitalised words,
    or words joined by slashes, in brackets at the end)."""
    name = _SPACES.sub(" ", name).strip()
    tag = _NAME_TAG.search(name)
    if tag and (_PRONOUNS.fullmatch(tag["tag"]) or all(w[:1].isupper() for w in tag["tag"].split())):
        return name[: tag.start()].rstrip() or name
    return name


def diarised_name(label: str) -> str:
    """What a diarising service calls a voice it only tells apart: a letter or a number ("A", "0", as
    AssemblyAI, Deepgram, Rev.ai and OpenAI's diarised JSON write them) shown as "Speaker A" / "Speaker 0",
    the way the services' own tools print them; a name, or `SPEAKER_00`, as written."""
    label = label.strip()
    return f"Speaker {label}" if label.isdigit() or (len(label) == 1 and label.isalpha()) else label


_NUMBERED_VOICE = re.compile(r"(?i)^(?:spk|speaker)[_ ]?(\d+)$")


def numbered_voice(label: str) -> str | None:
    """A voice a service numbers in its own spelling (Amazon's `spk_0`, ElevenLabs' `speaker_0`, Apple
    Podcasts' `SPEAKER_1`) as "Speaker 0"; None for any other label."""
    numbered = _NUMBERED_VOICE.match(label.strip())
    return f"Speaker {numbered[1]}" if numbered else None


_NAME_TAG = re.compile(r" ?\((?P<tag>[^()\s]{1,24}(?: [^()\s]{1,24}){0,2})\)$")
_PRONOUNS = re.compile(r"[^\W\d_]+(?:/[^\W\d_]+)+")


def is_label(name: str) -> bool:
    """Whether `name` (the text before a colon) reads as a speaker label, not as the start of a sentence.

    Up to four words, each capitalised (particles such as `van` or `de` excepted) or all capitals, no
    sentence punctuation, and not a word like `Note` or `Anyway` that opens prose.
    """
    name = clean_name(name)
    if not name or len(name) > _MAX_NAME_CHARS or _NOT_IN_NAME.search(name):
        return False
    if name.casefold() in _NOT_NAMES:
        return False
    words = name.split(" ")
    if len(words) > _MAX_NAME_WORDS:
        return False
    for i, word in enumerate(words):
        if i and word in _PARTICLES:
            continue
        first = word[0]
        if first.islower():
            return False
        if first.isdigit() and i == 0:
            return False
        if not (first.isalnum() or first == "#"):
            return False
    return True


def display_names(names: Iterable[str], preferred: Iterable[str] = ()) -> dict[str, str]:
    """speaker_key -> the one display form for the episode.

    A mixed-case spelling wins (from `preferred` first, e.g. the metadata's host and guests, then from the
    file in order of appearance); a name only ever written in one case is title-cased (`PRIYA` -> `Priya`).
    """
    seen: dict[str, list[str]] = {}
    for name in names:
        name = clean_name(name)
        if name:
            seen.setdefault(speaker_key(name), []).append(name)
    hints: dict[str, str] = {}
    for name in preferred:
        name = clean_name(name)
        if name and _mixed_case(name):
            hints.setdefault(speaker_key(name), name)
    out: dict[str, str] = {}
    for key, forms in seen.items():
        mixed = next((f for f in forms if _mixed_case(f)), None)
        out[key] = hints.get(key) or mixed or _title(forms[0])
    return out


def _mixed_case(name: str) -> bool:
    return name != name.upper() and name != name.lower()


def _title(name: str) -> str:
    if name != name.upper() and name != name.lower():
        return name
    # str.title() would give "O'Brien" -> "O'Brien" but also "SPEAKER_00" -> "Speaker_00"; that is fine.
    return name.title() if any(c.isalpha() for c in name) else name


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()))


@dataclass(frozen=True)
class Piece:
    """One cue (or one voice of a cue) before merging: what the file says, with where it says it.

    `where` names the cue for error messages ("cue 3", "segment 12"); `line` is the file line, when known.
    """

    text: str
    where: str
    line: int | None = None
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    marks: tuple[tuple[int, float], ...] = ()
    """Where timed parts after the first begin: (words before, seconds), as `Utterance.marks`."""

    def joined(self, after: Piece) -> Piece:
        """This piece with `after` read on from it: one text, `after`'s start kept as a mark."""
        words = len(self.text.split())
        marks = [*self.marks]
        if after.start is not None:
            marks.append((words, after.start))
        marks += [(words + w, t) for w, t in after.marks]
        ends = [t for t in (self.end, after.end) if t is not None]
        return replace(
            self, text=f"{self.text} {after.text}", end=max(ends) if ends else None, marks=tuple(marks)
        )


def merge_pieces(
    pieces: Sequence[Piece], *, max_chars: int, max_pause: float = MERGE_MAX_PAUSE
) -> list[Piece]:
    """Join a cue to the one before when both have the same known speaker and it continues a sentence.

    A new utterance starts when the speaker changes or is unknown, when the previous cue ended a sentence,
    when there is a pause of more than `max_pause` seconds between them, when the cue starts before the
    previous one (out of time order), or when the joined text would exceed `max_chars`. The merged
    utterance keeps the first cue's start and the last cue's end (the latest, if cues overlap).
    """
    out: list[Piece] = []
    for piece in pieces:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, piece, max_chars, max_pause):
            out[-1] = prev.joined(piece)
        else:
            out.append(piece)
    return out


def _continues(prev: Piece, piece: Piece, max_chars: int, max_pause: float) -> bool:
    if (
        prev.speaker is None
        or piece.speaker is None
        or speaker_key(prev.speaker) != speaker_key(piece.speaker)
    ):
        return False
    if ends_sentence(prev.text):
        return False
    if prev.end is not None and piece.start is not None and piece.start - prev.end > max_pause:
        return False
    if prev.start is not None and piece.start is not None and piece.start < prev.start:
        return False  # cues out of time order are not one sentence
    return len(prev.text) + 1 + len(piece.text) <= max_chars


def name_speakers(transcript: Transcript, names: Mapping[str, str]) -> tuple[Transcript, list[str]]:
    """The transcript with its speakers named as `names` says ({"Speaker A": "Nadia Brooks"}: the labels a
    diarising service gives, matched in any case and spacing), and the labels it does not use. Two labels
    given one name become one speaker (a voice the service split in two)."""
    wanted = {speaker_key(label): clean_name(name) for label, name in names.items() if clean_name(name)}
    labels = {speaker_key(u.speaker): u.speaker for u in transcript.utterances if u.speaker}
    missing = [label for label in names if speaker_key(label) not in labels]
    given = tuple(
        (labels[key], name) for key, name in wanted.items() if key in labels and labels[key] != name
    )
    if not given:
        return transcript, missing
    utterances = tuple(
        replace(u, speaker=wanted.get(speaker_key(u.speaker), u.speaker)) if u.speaker else u
        for u in transcript.utterances
    )
    speakers = tuple(dict.fromkeys(u.speaker for u in utterances if u.speaker))
    episode = replace(transcript.episode, speakers=speakers, speaker_names=given)
    return Transcript(episode, utterances), missing
