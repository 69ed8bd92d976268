"""Markdown transcripts: the markup goes, the lines stay where they were, the text layouts read the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.files import expand_paths
from assistant.ingest.parse import parse_file

NOTES = """# Bridge sync

_Recorded 3 March_

**Alice Smith:** Let us review the [budget](https://example.org/budget).

**Bob Jones:** It is *twelve thousand* euros over,
because of the `steel`.

- **Alice Smith:** Why?
"""


def test_bold_labels_headings_links_and_emphasis_read_as_a_meeting(tmp_path: Path) -> None:
    path = tmp_path / "sync.md"
    path.write_text(NOTES, encoding="utf-8")
    t = parse_file(path)
    assert t.episode.format == "otter" and t.episode.heading == ("Bridge sync", "Recorded 3 March")
    assert [(u.speaker, u.text) for u in t.utterances] == [
        ("Alice Smith", "Let us review the budget."),
        ("Bob Jones", "It is twelve thousand euros over, because of the steel."),
        ("Alice Smith", "Why?"),
    ]


def test_an_ordered_list_keeps_its_numbers_and_a_code_block_its_lines(tmp_path: Path) -> None:
    numbered = tmp_path / "numbered.md"
    numbered.write_text("1. Ada: The steel came late.\n2. Ben: **Why?**\n", encoding="utf-8")
    t = parse_file(numbered)
    assert t.episode.format == "numbered"  # the list's numbers are the utterances' numbers
    assert [(u.number, u.speaker, u.text) for u in t.utterances] == [
        (1, "Ada", "The steel came late."),
        (2, "Ben", "Why?"),
    ]
    fenced = tmp_path / "fenced.md"
    fenced.write_text("# Call\n\n```\n[00:00:05] Ada: *hi*\n[00:00:09] Ben: yo\n```\n", encoding="utf-8")
    assert [(u.start, u.text) for u in parse_file(fenced).utterances] == [(5.0, "*hi*"), (9.0, "yo")]
    fenced.write_text("# Call\n\n```\n[00:00:05] Ada: hi\n[00:99:09] Ben: yo\n```\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        parse_file(fenced)
    assert info.value.line == 5  # a code block's lines stay where they are in the file


def test_an_images_words_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text("**Ada:** Look at ![the new plan](plan.png) here.\n\n**Ben:** Fine.\n", encoding="utf-8")
    assert [u.text for u in parse_file(path).utterances] == ["Look at the new plan here.", "Fine."]


def test_yaml_front_matter_gives_the_episode_its_title_date_and_link(tmp_path: Path) -> None:
    path = tmp_path / "sync.md"
    front = '---\ntitle: "Bridge sync, week 9"\ndate: 2026-03-03\ntags:\n- steel\n- harbour\nurl: https://example.org/9\n---\n'
    path.write_text(front + NOTES, encoding="utf-8")
    t = parse_file(path)
    assert (t.episode.title, t.episode.date, t.episode.source_url) == (
        "Bridge sync, week 9",
        "2026-03-03",
        "https://example.org/9",
    )
    assert [u.speaker for u in t.utterances] == ["Alice Smith", "Bob Jones", "Alice Smith"]


def test_rules_around_the_talk_are_no_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "ruled.md"
    path.write_text("---\nAlice Smith: Let us review.\nBob Jones: It is over.\n---\n", encoding="utf-8")
    assert [u.speaker for u in parse_file(path).utterances] == ["Alice Smith", "Bob Jones"]


def test_an_error_names_the_markdown_files_own_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("# Sync\n\n**Ada:** [00:00:05] hi\n\n**Ben:** [00:99:00] yo\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 5 and "00:99:00" in str(info.value)


def test_a_markdown_note_named_is_ingested_and_cited_but_a_folders_readme_is_passed_over(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "sync.md").write_text(NOTES, encoding="utf-8")
    (folder / "call.txt").write_text("1\nAda: The steel came late.\n", encoding="utf-8")
    passed_over: dict[str, str] = {}
    assert expand_paths([folder], passed_over) == [(folder / "call.txt").resolve()]
    assert list(passed_over) == [str(folder / "sync.md")] and ".md" in passed_over[str(folder / "sync.md")]
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assert assistant.ingest([folder / "sync.md"]).ok
    answer = assistant.ask("How much over budget is it?")
    assert ("Bob Jones", 2) in {(u.speaker, u.number) for c in answer.citations for u in c.utterances}
