"""lemminflect's English lemma table, the part the keyword search reads, kept on disk between processes.

lemminflect parses its whole table (70,000 gzipped lines) at the first lookup: 0.23 s of every fresh CLI
question, which tokenises the question before it can search. What `text.lemma` and `text.is_english_word`
read of it (a word's one dictionary form, and whether the table knows the word) loads from a JSON file in
the user's cache folder in about 0.02 s. The file is named by lemminflect's version, so an upgrade builds a
new one (0.7 s, once); a file that cannot be read is rebuilt, and a folder that cannot be written costs the
cache, never the answer.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True)
class LemmaTable:
    only_reading: dict[str, str]
    """Lower-case word -> its dictionary form, for words with exactly one reading that differs from them."""
    known: frozenset[str]
    """Lower-case words lemminflect's table (with its overrides) gives a lemma for."""


@lru_cache(maxsize=1)
def lemma_table() -> LemmaTable:
    path = _path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") == FORMAT and data.get("lemminflect") == _version():
            return LemmaTable(dict(data["only_reading"]), frozenset(data["known"]))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.debug("rebuilding the lemma table %s: %s", path, exc)
    table = _build()
    _save(table, path)
    return table


def readings(word: str) -> set[str]:
    """Every dictionary form lemminflect gives `word`, under any part of speech (its own lookup)."""
    from lemminflect import getAllLemmas

    return {form for forms in getAllLemmas(word).values() for form in forms}


def _build() -> LemmaTable:
    from lemminflect.core.Lemmatizer import Lemmatizer

    lemmatizer = Lemmatizer()
    # The words the table holds are only reachable through its private dictionaries; what each word reads
    # as comes from the public lookup, so the file answers exactly as lemminflect does.
    words = set(lemmatizer._getLemmaDict()) | set(lemmatizer._getOverridesDict())
    only_reading: dict[str, str] = {}
    known = []
    for word in sorted(w for w in words if w == w.lower()):
        found = readings(word)
        if found:
            known.append(word)
        if len(found) == 1 and (form := next(iter(found))) != word:
            only_reading[word] = form
    return LemmaTable(only_reading, frozenset(known))


def _save(table: LemmaTable, path: Path) -> None:
    data = {
        "format": FORMAT,
        "lemminflect": _version(),
        "only_reading": table.only_reading,
        "known": sorted(table.known),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".lemmas-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("lemma table not cached at %s: %s", path, exc)


def _path() -> Path:
    from platformdirs import user_cache_dir

    folder = Path(user_cache_dir("transcript-assistant", appauthor=False))
    return folder / f"lemmas-lemminflect-{_version()}.json"


def _version() -> str:
    from importlib.metadata import version

    return version("lemminflect")
