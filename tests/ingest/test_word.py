"""Word documents, made with python-docx as Teams, Otter and Google Docs write them, read through the API."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.parse import parse_file

Paragraph = str | tuple[str, ...]  # a tuple: one paragraph whose parts are parted by line breaks


def word(path: Path, paragraphs: list[Paragraph], table: list[list[str]] | None = None) -> Path:
    document = Document()
    for paragraph in paragraphs:
        parts = (paragraph,) if isinstance(paragraph, str) else paragraph
        p = document.add_paragraph(parts[0])
        for part in parts[1:]:
            p.add_run().add_break()
            p.add_run(part)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, text in enumerate(row):
                grid.cell(i, j).text = text
    document.save(path)
    return path


def said(path: Path) -> list[tuple[str | None, float | None, str]]:
    return [(u.speaker, u.start, u.text) for u in parse_file(path).utterances]


def test_teams_speaker_blocks_under_a_heading(tmp_path: Path) -> None:
    path = word(
        tmp_path / "sync.docx",
        [
            "Weekly sync",
            "March 5, 2024, 3:00PM",
            "Alice Smith   0:03",
            "Hello everyone.",
            "Bob Jones   0:10",
            "Hi.",
        ],
    )
    t = parse_file(path)
    assert (t.episode.title, t.episode.format) == ("Weekly sync", "otter")
    assert said(path) == [("Alice Smith", 3.0, "Hello everyone."), ("Bob Jones", 10.0, "Hi.")]


def test_blocks_inside_one_paragraph_with_line_breaks(tmp_path: Path) -> None:  # Microsoft Stream
    path = word(
        tmp_path / "stream.docx",
        [("", "Alice Smith   0:03", "Hello everyone.", ""), ("", "Bob Jones   1:02:10", "Hi.", "")],
    )
    assert said(path) == [("Alice Smith", 3.0, "Hello everyone."), ("Bob Jones", 3730.0, "Hi.")]


def test_a_paragraph_per_utterance_is_one_utterance_each(tmp_path: Path) -> None:
    labels = word(tmp_path / "labels.docx", ["Alice Smith: Hello everyone.", "Bob Jones: Hi."])
    assert said(labels) == [("Alice Smith", None, "Hello everyone."), ("Bob Jones", None, "Hi.")]
    prose = word(
        tmp_path / "prose.docx", ["Today we talk about the harbour bridge.", "The steel arrived late."]
    )
    assert [text for _, _, text in said(prose)] == [
        "Today we talk about the harbour bridge.",
        "The steel arrived late.",
    ]


def test_table_rows_of_time_speaker_and_words(tmp_path: Path) -> None:
    rows = [["0:03", "Alice Smith", "Hello everyone."], ["0:10", "Bob Jones", "Hi."]]
    path = word(tmp_path / "table.docx", ["Transcript"], rows)
    assert said(path) == [("Alice Smith", 3.0, "Hello everyone."), ("Bob Jones", 10.0, "Hi.")]


def test_errors_name_the_paragraph(tmp_path: Path) -> None:
    preface = [f"Preface paragraph {n}." for n in range(1, 10)]
    path = word(tmp_path / "long.docx", [*preface, "Alice Smith   0:03", "Hello.", "Bob Jones   0:10", "Hi."])
    with pytest.raises(ParseError) as info:
        parse_file(path, fmt="otter")
    assert str(info.value).startswith(f"{path}: paragraph 1: expected a speaker line")
    late = word(
        tmp_path / "late.docx", ["Alice Smith: Hello.", "Bob Jones: Hi.", "Bob Jones: At 0:75 sharp."]
    )
    late_time = word(
        tmp_path / "time.docx", ["[00:00:01] Alice: Hello.", "[00:00:04] Bob: Hi.", "[0:75] Bob: Oh."]
    )
    assert said(late)[-1] == ("Bob Jones", None, "At 0:75 sharp.")
    with pytest.raises(ParseError) as info:
        parse_file(late_time)
    assert info.value.line is None and info.value.problem == "paragraph 3: bad timestamp '0:75'"


def test_what_is_no_word_document_is_named(tmp_path: Path) -> None:
    archive = tmp_path / "notes.docx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "Alice: hello")
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    cut = tmp_path / "cut.docx"
    cut.write_bytes(word(tmp_path / "whole.docx", ["Alice: Hello.", "Bob: Hi."]).read_bytes()[:300])
    empty = word(tmp_path / "empty.docx", ["", "  "])
    for path, problem in (
        (archive, "a zip archive, not a Word document (.docx)"),
        (old, "a Word 97-2003 document (.doc) or another old Office file"),
        (cut, "a damaged zip archive or Word document"),
        (empty, "the Word document holds no text"),
    ):
        with pytest.raises(ParseError) as info:
            parse_file(path)
        assert info.value.problem.startswith(problem), path.name


def test_a_folder_of_word_documents_is_ingested_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    word(
        folder / "sync.docx",
        [
            "Weekly sync",
            "Alice Smith   0:03",
            "The printer quoted twelve thousand.",
            "Bob Jones   0:10",
            "Ask two others.",
        ],
    )
    a = Assistant.from_settings()
    report = a.ingest(folder)
    assert report.added == ["sync"] and not report.ignored
    assert "its first line (Weekly sync)" in report.notices["sync"]
    answer = a.ask("What did the printer quote?")
    assert [(u.speaker, u.start) for u in answer.cited_utterances][:1] == [("Alice Smith", 3.0)]
    assert a.ingest(folder).skipped == ["sync"], "the same document again changes nothing"
    uploaded = a.ingest_uploads([("sync.docx", (folder / "sync.docx").read_bytes())])
    assert uploaded.skipped == ["sync"] and not uploaded.failed, "the browser's upload takes Word documents"


def test_a_document_that_unpacks_past_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.ingest import word as word_module

    path = word(tmp_path / "big.docx", ["Alice: " + "words " * 2000, "Bob: Hi."])
    unpacked = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    monkeypatch.setattr(word_module, "MAX_UNPACKED_BYTES", unpacked - 1)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (
        info.value.problem.startswith("the document unpacks to") and info.value.hint == "split the transcript"
    )
    monkeypatch.setattr(word_module, "MAX_UNPACKED_BYTES", unpacked)
    assert len(parse_file(path).utterances) == 2


def test_teams_older_transcripts_give_the_name_above_the_words(tmp_path: Path) -> None:  # before 2022
    path = word(
        tmp_path / "older.docx",
        [
            "0:0:0.0 --> 0:0:5.120",
            "Alice Smith",
            "Hello everyone, let us start.",
            "0:0:5.120 --> 0:0:9.5",
            "Bob Jones",
            "The budget is twelve thousand euros over.",
            "0:0:9.5 --> 0:1:2.40",
            "Alice Smith",
            "Then we cut the second phase.",
        ],
    )
    assert parse_file(path).episode.format == "srt"
    assert said(path) == [
        ("Alice Smith", 0.0, "Hello everyone, let us start."),
        ("Bob Jones", 5.12, "The budget is twelve thousand euros over."),
        ("Alice Smith", 9.5, "Then we cut the second phase."),
    ]
