"""Keyword search reads irregular forms from a table kept between processes, which answers as lemminflect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lemminflect import getAllLemmas
from lemminflect.core.Lemmatizer import Lemmatizer

from assistant.text import is_english_word, lemma, stopwords, tokenize

# What a fresh process tokenises, and whether lemminflect had to parse its own table to do it.
PROBE = """
import json
from assistant.text import is_english_word, tokenize
from lemminflect.core.Lemmatizer import Lemmatizer
tokens = tokenize("The children wrote it and went home")
parsed = hasattr(Lemmatizer(), "lemma_dict")
print(json.dumps([tokens, is_english_word("project"), is_english_word("nadia"), parsed]))
"""
EXPECTED = [["child", "write", "go", "home"], True, False]


def _fresh_process(cache: Path) -> list[object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    result: list[object] = json.loads(done.stdout)
    return result


def _table_files(cache: Path) -> list[Path]:
    return sorted((cache / "transcript-assistant").glob("lemmas-*.json"))


def test_a_second_process_reads_the_kept_table_not_lemminflects(tmp_path: Path) -> None:
    first = _fresh_process(tmp_path)
    assert first == [*EXPECTED, True]
    assert len(_table_files(tmp_path)) == 1
    second = _fresh_process(tmp_path)
    assert second == [*EXPECTED, False]


def test_a_damaged_table_is_rebuilt(tmp_path: Path) -> None:
    _fresh_process(tmp_path)
    (kept,) = _table_files(tmp_path)
    kept.write_text('{"format": 1, "lemminflect": "0.2.3", "only_rea', encoding="utf-8")
    assert _fresh_process(tmp_path) == [*EXPECTED, True]
    assert "only_reading" in json.loads(kept.read_text(encoding="utf-8"))
    assert _fresh_process(tmp_path) == [*EXPECTED, False]


def test_a_cache_folder_that_cannot_be_written_costs_only_the_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    assert _fresh_process(blocked) == [*EXPECTED, True]
    assert _fresh_process(blocked) == [*EXPECTED, True]


def _lemminflect_lemma(word: str) -> str:
    readings = {form for forms in getAllLemmas(word).values() for form in forms}
    if len(readings) != 1:
        return word
    form = readings.pop()
    return word if form in stopwords() else form


@pytest.mark.parametrize("step", [0, 1, 2])
def test_the_table_answers_as_lemminflect_does(step: int) -> None:
    lemmatizer = Lemmatizer()
    words = sorted(set(lemmatizer._getLemmaDict()) | set(lemmatizer._getOverridesDict()))
    sample = words[step::30] + [w.upper() for w in words[step::300]] + ["nadia", "Written", "qwertyx"]
    assert [lemma(w) for w in sample] == [_lemminflect_lemma(w) for w in sample]
    assert [is_english_word(w) for w in sample] == [bool(getAllLemmas(w)) for w in sample]


def test_questions_still_read_irregular_forms() -> None:
    assert tokenize("Who taught the children? It was written down.") == ["teach", "child", "write", "down"]
