"""Questions and transcripts plainly not in English, where search reads English only, are said to be (in
answers, at ingest, in the status and episode list, after a reindex), and outlined with their own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, SAMPLES, shared_or_skip

from assistant import Assistant, Settings
from assistant.cli import cli
from assistant.models.catalog import spec
from assistant.models.embedder import LocalEmbedder

QUESTIONS = {
    "Spanish": "¿Por qué llegó tarde el acero al puente?",
    "French": "Pourquoi l'acier est-il arrivé en retard sur le chantier du pont ?",
    "German": "Warum kam der Stahl für die Brücke zu spät?",
}


@pytest.fixture(scope="module")
def hashing(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    store = tmp_path_factory.mktemp("hashing")
    a = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    assert a.ingest([SAMPLES / "harbour-bridge.txt"]).ok
    return a


@pytest.mark.parametrize("language", list(QUESTIONS))
def test_a_question_in_another_language_says_what_search_reads_and_how_to_search_by_meaning(
    hashing: Assistant, language: str
) -> None:
    answer = hashing.ask(QUESTIONS[language])
    notice = answer.notice or ""
    assert f"This question looks {language}, and search here matches words, not meaning" in notice, notice
    assert "assistant models fetch embeddinggemma-300m" in notice
    assert "ASSISTANT_LOCAL_MODEL=embeddinggemma-300m assistant reindex --embedder local" in notice
    assert "never use" not in notice, "the language says why; its words need not be listed"


@pytest.mark.parametrize(
    "question",
    [
        "Why did the steel arrive late?",
        "What did they say about quantum chromodynamics and lattice gauge theory?",  # words it never uses
        "Any thoughts on sourdough?",  # short, and every word but one unused
    ],
)
def test_an_english_question_is_not_told_about_languages(hashing: Assistant, question: str) -> None:
    notice = hashing.ask(question).notice or ""
    assert "This question looks" not in notice and "does not look English" not in notice, notice


def test_the_local_english_model_is_named_in_the_notice(tmp_path: Path) -> None:
    folder = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    embedder = LocalEmbedder(spec("all-MiniLM-L6-v2"), folder, cache=tmp_path / "cache", threads=1)
    a = Assistant.from_settings(Settings(store=tmp_path / "s", mode="offline"), embedder=embedder)
    assert a.ingest([SAMPLES / "harbour-bridge.txt"]).ok
    notice = a.ask(QUESTIONS["German"]).notice or ""
    assert "This question looks German, and the search model, MiniLM (local), reads English only" in notice


def test_a_transcript_in_another_language_is_stored_and_said_to_be_found_by_its_words(tmp_path: Path) -> None:
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    report = a.ingest([SAMPLES / "harbour-bridge.txt", DATA / "podcast_spanish.txt"])
    assert report.ok and sorted(report.added) == ["harbour-bridge", "podcast_spanish"]
    assert list(report.notices) == ["podcast_spanish"], "the English transcript is not mentioned"
    notice = report.notices["podcast_spanish"]
    assert notice.startswith("“La panadería de la estación” looks Spanish, and search here matches words")
    assert "ASSISTANT_LOCAL_MODEL=embeddinggemma-300m assistant reindex --embedder local" in notice
    found = a.ask("¿Qué pasó con la harina cuando cerró el molino?", episode="podcast_spanish")
    assert 6 in [u.number for u in found.cited_utterances], "stored and searchable by its words"
    assert "This question looks" not in (found.notice or ""), "the transcripts use the question's words"


def test_the_command_line_notes_a_transcript_in_another_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", str(DATA / "podcast_spanish.txt")], obj={})
    assert result.exit_code == 0, result.output
    assert "added 1" in result.stdout
    assert "note: “La panadería de la estación” looks Spanish" in result.stderr


def test_a_transcript_too_short_to_tell_is_not_judged(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("1\nOkay, Tomás.\n2\nGracias!\n3\nMerci, Nadia.\n", encoding="utf-8")
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    report = a.ingest([path])
    assert report.added == ["short"] and report.notices == {}


def test_the_status_keeps_saying_which_episodes_search_cannot_read_by_meaning(tmp_path: Path) -> None:
    store = tmp_path / "s"
    a = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    assert a.ingest([SAMPLES / "harbour-bridge.txt", DATA / "podcast_spanish.txt"]).ok
    assert {e.id: e.language for e in a.episodes()} == {"harbour-bridge": None, "podcast_spanish": "es"}
    again = Assistant.from_settings(Settings(store=store, embedder="hashing", mode="offline"))
    notice = again.describe().language_notice
    assert notice.startswith("“La panadería de la estación” looks Spanish, and search here matches words")
    assert "To search it by meaning" in notice
    result = CliRunner().invoke(cli, ["--store", str(store), "status"], obj={})
    assert result.exit_code == 0 and f"note: {notice}" in result.stdout
    again.delete("podcast_spanish")
    assert again.describe().language_notice == ""


def test_a_transcript_in_another_language_is_outlined_with_its_own_function_words_left_out(
    tmp_path: Path,
) -> None:
    from stop_words import get_stop_words

    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    assert a.ingest([DATA / "podcast_spanish.txt"]).ok
    (chapter,) = a.outline("podcast_spanish").chapters
    words = chapter.title.lower().replace(",", "").split()
    assert "pan" in words and not set(words) & set(get_stop_words("es")), chapter.title  # was "Una, por, pan"


def test_the_episode_list_names_a_transcript_s_language_when_it_is_not_english(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    assert CliRunner().invoke(cli, ["--store", store, "ingest", str(DATA / "podcast_spanish.txt")], obj={})
    assert CliRunner().invoke(cli, ["--store", store, "ingest", str(SAMPLES / "harbour-bridge.txt")], obj={})
    lines = CliRunner().invoke(cli, ["--store", store, "episodes"], obj={}).stdout.splitlines()
    assert sorted(line.rsplit("\t", 1)[-1] for line in lines) == ["40 utterances, no times", "Spanish"], lines


def test_a_reindex_tells_the_language_of_an_episode_stored_before_languages_were_told(tmp_path: Path) -> None:
    """A store written before 2026-12-02 holds no language: `assistant reindex` reads each episode again."""
    from dataclasses import replace

    from assistant.ingest.details import details_utterance

    settings = Settings(store=tmp_path / "s", embedder="hashing", mode="offline")
    a = Assistant.from_settings(settings)
    assert a.ingest([DATA / "podcast_spanish.txt", SAMPLES / "harbour-bridge.txt"]).ok
    for episode in a.episodes():  # as the older code wrote them: no language
        older = replace(episode, language=None)
        utterances = [details_utterance(older), *a.store.utterances_of(episode.id)]
        a.store.write_episode(older, utterances, a.embedder.embed_documents([u.text for u in utterances]))
    a.close()
    unjudged = Assistant.from_settings(settings)
    assert [e.language for e in unjudged.episodes()] == [None, None]
    assert unjudged.describe().language_notice == ""
    unjudged.close()
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "s"), "reindex"], obj={})
    assert result.exit_code == 0, result.output
    judged = Assistant.from_settings(settings)
    assert {e.id: e.language for e in judged.episodes()} == {"podcast_spanish": "es", "harbour-bridge": None}
    assert "“La panadería de la estación” looks Spanish" in judged.describe().language_notice
