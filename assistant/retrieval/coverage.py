"""Which words of a question the searched transcripts never use: an honest hint for extractive answers."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..index.lexical import LexicalIndex
from ..text import common_words, fold, is_question, stemmer, tokenize
from ..types import Utterance

_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class WordCounts:
    """How many utterances use each content word of a question: in the searched scope and in the library.

    Keyed by the word as typed (lowercase), in question order. BM25 weighs words by library-wide counts, so
    `library` and `utterances` (the library's size) are what put a BM25 score on a scale."""

    scope: dict[str, int] = field(default_factory=dict)
    library: dict[str, int] = field(default_factory=dict)
    utterances: int = 0
    details: frozenset[str] = frozenset()
    """Words of the question that the searched episodes' details (title, host, guests…) use."""

    @property
    def absent(self) -> list[str]:
        return [w for w, n in self.scope.items() if n == 0]

    @property
    def unknown(self) -> list[str]:
        """Absent from what was said and from the episodes' details: "Aidan", the guest's name in the details
        of an episode whose speech recognition wrote "Aiden", is not unknown to it. Common words ("rather")
        are left out: their absence says nothing about the question's subject."""
        common = common_words()
        return [w for w in self.absent if w not in self.details and w.replace("’", "'") not in common]

    def unknown_names(self, question: str) -> list[str]:
        """Names the question writes (runs of capitalised words past its first word) none of whose words the
        searched transcripts use: "Melanie" rules a question out more surely than a common word; "Noam
        Shazeer" does not when the talk says "Noam Shazir", as speech recognition spells it."""
        unknown = set(self.unknown)
        return [" ".join(run) for run in names_in(question) if all(w.lower() in unknown for w in run)]


def names_in(question: str) -> list[list[str]]:
    """The runs of capitalised words past the question's first word: the names it writes, as typed."""
    runs: list[list[str]] = []
    end = -1
    for match in list(_WORD.finditer(question))[1:]:
        word = match.group()
        if not word[0].isupper():
            continue
        if runs and not question[end : match.start()].strip():
            runs[-1].append(word)
        else:
            runs.append([word])
        end = match.end()
    return runs


def word_counts(
    index: LexicalIndex,
    question: str,
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> WordCounts:
    keep = index.mask(episodes, speakers)
    turns = index.turns  # what was said: an episode's details record is not a turn
    details = ~turns if keep is None else ~turns & keep
    scope: dict[str, int] = {}
    library: dict[str, int] = {}
    named: set[str] = set()
    for word in _WORD.findall(question):
        key = word.lower()
        if not tokenize(word) or key in scope:
            continue
        turn, _ = index.scores(word, None)
        said = _says_compound(index, word, turn > 0)
        used = said & turns
        library[key] = int(used.sum())
        scope[key] = int(used.sum() if keep is None else (used & keep).sum())
        if (said & details).any():
            named.add(key)
    return WordCounts(scope, library, int(turns.sum()), frozenset(named))


_HYPHENS = re.compile(r"[-‐‑]")


def _says_compound(index: LexicalIndex, word: str, rows: np.ndarray) -> np.ndarray:
    """`rows` (those whose words the keyword index matches with `word`'s) narrowed, for a hyphenated word, to
    those that say the compound, joined, hyphenated or as two words ("open source", "wood-fired oven"): the
    index also matches its parts apart, and "open" and "sources" do not say "open-source"."""
    parts = [p for p in _HYPHENS.split(fold(word)) if p]
    if len(parts) < 2:
        return rows
    stem = stemmer().stemWord(parts[-1])  # "e-books" says "e-book", "wood-fired" "wood fire"
    last = os.path.commonprefix([stem, parts[-1]])  # "self-study": "stud", not Snowball's "studi"
    compound = re.compile(r"\b" + r"[\s‐‑-]*".join(map(re.escape, [*parts[:-1], last])))
    out: np.ndarray = rows.copy()
    for row in np.flatnonzero(rows):
        record = index.records[int(row)]
        out[row] = bool(compound.search(fold(f"{record.speaker or ''} {record.text}")))
    return out


def as_typed(words: Sequence[str], text: str) -> list[str]:
    """The words (keys of `WordCounts`) as `text` first writes them: "Melanie", not "melanie"."""
    typed: dict[str, str] = {}
    for word in _WORD.findall(text):
        typed.setdefault(word.lower(), word)
    return [typed.get(w, w) for w in words]


def spelled_like(
    index: LexicalIndex,
    words: Sequence[str],
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
    most: int = 2,
) -> dict[str, str]:
    """For each of `words` the searched turns never use, the name they use that is spelt closest to it, within
    the edits a fuzzy search allows (Lucene's AUTO: none up to 2 letters, 1 up to 5, 2 beyond, never more than
    `most`; a swap of two letters is one), among the words the transcripts mostly write with a capital (in
    capitals, for a word in capitals): speech recognition writes "Neurops" for NeurIPS, "Lukash" for Łukasz.
    Ask it for names: common words have near neighbours that mean something else ("evaluation" for
    "valuation")."""
    if not words:
        return {}
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    keep = index.mask(episodes, speakers)
    searched = index.turns if keep is None else index.turns & keep
    counts: Counter[str] = Counter()
    for row in np.flatnonzero(searched):
        record = index.records[int(row)]
        counts.update(_WORD.findall(f"{record.speaker or ''} {record.text}"))
    spelt: dict[str, str] = {}
    for form, _ in counts.most_common():  # the most used casing, and the most used word among equals
        spelt.setdefault(form.lower(), form)
    names = [
        w for w in spelt if spelt[w][0].isupper()
    ]  # a name is spelt like a name: "Kirsty" is not "first"
    acronyms = [w for w in names if spelt[w].isupper()]  # "LSD" is near "LCD", not "LED"'s "led"
    found = {}
    for word in words:
        edits = min(most, 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2)
        among = acronyms if word.isupper() else names
        best = process.extractOne(word.lower(), among, scorer=OSA.distance, score_cutoff=edits)
        if edits and best is not None:
            found[word] = spelt[best[0]]
    return found


def respellings(
    index: LexicalIndex,
    question: str,
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> dict[str, str]:
    """The words of the names `question` writes that the searched transcripts never use, each with the name
    they use one edit away (`spelled_like`): "Pheobe" is searched for as "Phoebe", "Changler" as "Chandler",
    "Tomas Reyez" as "Tomas Reyes", as a search engine shows results for the spelling its pages use. Two edits
    make other names ("Africa", "America"), and a name is respelt only when each of its unknown words is
    ("Mona Lisa" is not "Mon Lisa")."""
    runs = names_in(question)
    if not runs:
        return {}
    unknown = set(word_counts(index, question, episodes, speakers).unknown)
    names = [[_POSSESSIVE.sub("", w) for w in run if w.lower() in unknown] for run in runs]
    found = spelled_like(index, [w for name in names for w in name], episodes, speakers, most=1)
    return {w: found[w] for name in names if all(w in found for w in name) for w in name}


def respell(text: str, spellings: dict[str, str]) -> str:
    """`text` with each word of `spellings` (as typed) written the other way."""
    if not spellings:
        return text
    typed = re.compile(rf"(?<![\w'’-])({'|'.join(map(re.escape, spellings))})(?![\w-])")
    return typed.sub(lambda match: spellings[match.group(1)], text)


def said_in_another_form(
    index: LexicalIndex,
    words: Sequence[str],
    episodes: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
) -> set[str]:
    """Those of `words` the searched turns use in another inflection ("lost" for "lose", "bought" for "buy"):
    Snowball keeps irregular forms apart, so a word the keyword index never saw may still have been said."""
    keep = index.mask(episodes, speakers)
    said = set()
    for word in words:
        forms = _other_forms(word.lower())
        if not forms:
            continue
        turn, _ = index.scores(" ".join(sorted(forms)), None)
        used = (turn > 0) & index.turns
        if (used if keep is None else used & keep).any():
            said.add(word)
    return said


def _other_forms(word: str) -> set[str]:
    """The other inflections of `word` and of its lemmas, from lemminflect's tables (none for a name)."""
    from lemminflect import getAllInflections, getAllLemmas

    lemmas = {lemma for found in getAllLemmas(word).values() for lemma in found} | {word}
    forms = {form for lemma in lemmas for found in getAllInflections(lemma).values() for form in found}
    return (forms | lemmas) - {word}


class Mention(NamedTuple):
    """How an episode uses a topic's words: the record using them most, and how many turns use them all."""

    best: Utterance
    turns: int


def mentions(index: LexicalIndex, topic: str, episodes: Sequence[str] | None = None) -> dict[str, Mention]:
    """Per episode that uses every content word of `topic`: its record that uses them most (by BM25), a turn
    that states rather than asks, else one that asks, else the episode's details record ("Aidan Gomez" is the
    guest where speech recognition wrote "Aiden"); and how many of its turns use them."""
    words = [w for w in _WORD.findall(topic) if tokenize(w)]
    if not words or not len(index):
        return {}
    keep = index.mask(episodes)
    used = np.ones(len(index), dtype=bool) if keep is None else keep.copy()
    weight = np.zeros(len(index), dtype=np.float32)
    for word in words:
        turn, _ = index.scores(word, None)
        used &= turn > 0
        weight += turn
    needed = {t for w in words for t in tokenize(w)}
    found: dict[str, tuple[bool, bool, float, int]] = {}
    turns: dict[str, int] = {}
    for row in np.flatnonzero(used):
        record = index.records[row]
        if not needed <= set(tokenize(record.text)):  # the index reads a turn with its speaker's name
            continue
        is_turn = bool(index.turns[row])
        turns[record.episode_id] = turns.get(record.episode_id, 0) + is_turn
        rank = (is_turn, not is_question(record.text), float(weight[row]), -int(row))
        if record.episode_id not in found or rank > found[record.episode_id]:
            found[record.episode_id] = rank
    return {e: Mention(index.records[-rank[-1]].utterance(), turns[e]) for e, rank in found.items()}
