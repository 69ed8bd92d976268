"""Naming the voices a transcription service only labelled ("Speaker A") at ingest: API and CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.cli import cli
from assistant.errors import InputError

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "formats" / "standup.assemblyai.json"


def copied(tmp_path: Path, data: dict | None = None) -> Path:
    path = tmp_path / "standup.json"
    if data is None:
        shutil.copy(FIXTURE, path)
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    return path


def speakers(assistant: Assistant) -> list[str | None]:
    (episode,) = assistant.episodes()
    return [u.speaker for u in assistant.library.transcript(episode.id)]


def test_labels_are_named_and_a_label_the_file_lacks_is_said(tmp_path: Path) -> None:
    assistant = Assistant.from_settings(store=tmp_path / "store")
    report = assistant.ingest(
        [copied(tmp_path)], speakers={"speaker a": "Nadia Brooks", "Speaker C": "Ben Okafor"}
    )
    assert report.added == ["standup"]
    assert speakers(assistant) == ["Nadia Brooks", "Speaker B"]
    assert assistant.episodes()[0].speakers == ("Nadia Brooks", "Speaker B")
    assert report.notices["standup"] == (
        "“standup” has no speaker 'Speaker C' (its speakers: Nadia Brooks, Speaker B)."
    )
    answer = assistant.ask("What did Nadia Brooks say about the quote?")
    assert any(u.speaker == "Nadia Brooks" for c in answer.citations for u in c.utterances)


def test_new_names_update_the_episode_and_the_same_names_change_nothing(tmp_path: Path) -> None:
    assistant = Assistant.from_settings(store=tmp_path / "store")
    path = copied(tmp_path)
    names = {"Speaker A": "Nadia Brooks", "Speaker B": "Tomás Reyes"}
    assert assistant.ingest([path]).added == ["standup"]
    assert assistant.ingest([path], speakers=names).updated == ["standup"]
    assert speakers(assistant) == ["Nadia Brooks", "Tomás Reyes"]
    assert assistant.ingest([path], speakers=names).skipped == ["standup"]
    assert assistant.ingest([path]).skipped == ["standup"]  # the names given before are kept
    assert assistant.ingest([path], speakers={"speaker b": "Tom Reyes"}).updated == ["standup"]
    assert speakers(assistant) == ["Nadia Brooks", "Tom Reyes"]  # one name changed, the other kept
    assert assistant.ingest([path], speakers={}).updated == ["standup"]  # the file's labels again
    assert speakers(assistant) == ["Speaker A", "Speaker B"]


def test_two_labels_given_one_name_are_one_speaker(tmp_path: Path) -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["utterances"].append({"speaker": "C", "start": 5000, "end": 6000, "text": "And the cables?"})
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assistant.ingest(
        [copied(tmp_path, data)], speakers={"Speaker B": "Tomás Reyes", "Speaker C": "Tomás Reyes"}
    )
    assert speakers(assistant) == ["Speaker A", "Tomás Reyes", "Tomás Reyes"]
    assert assistant.episodes()[0].speakers == ("Speaker A", "Tomás Reyes")


def test_the_cli_names_speakers_and_refuses_a_value_without_a_name(tmp_path: Path) -> None:
    path = copied(tmp_path)
    runner = CliRunner()
    done = runner.invoke(cli, ["ingest", str(path), "--speaker", "Speaker A=Nadia Brooks"], obj={})
    assert done.exit_code == 0, done.output
    listed = json.loads(runner.invoke(cli, ["episodes", "--json"], obj={}).stdout)
    assert listed[0]["speakers"] == ["Nadia Brooks", "Speaker B"]
    refused = runner.invoke(cli, ["ingest", str(path), "--speaker", "Nadia Brooks"], obj={})
    assert refused.exit_code == 2
    assert (
        "'Nadia Brooks' is not LABEL=NAME; write it like --speaker 'Speaker A=Nadia Brooks'" in refused.output
    )


def test_speakers_are_named_without_the_file_and_the_file_keeps_the_names(tmp_path: Path) -> None:
    assistant = Assistant.from_settings(store=tmp_path / "store")
    path = copied(tmp_path)
    assistant.ingest([path])
    assistant.name_speakers("standup", {"speaker a": "Nadia"})
    assert speakers(assistant) == ["Nadia", "Speaker B"]
    assistant.name_speakers("standup", {"Nadia": "Nadia Brooks", "Speaker B": "Tomás Reyes"})
    assert speakers(assistant) == ["Nadia Brooks", "Tomás Reyes"]
    assert assistant.episode("standup").speaker_names == (
        ("Speaker A", "Nadia Brooks"),
        ("Speaker B", "Tomás Reyes"),
    )
    assert assistant.ingest([path]).skipped == ["standup"]  # the file, read again, is given the same names
    assert speakers(assistant) == ["Nadia Brooks", "Tomás Reyes"]
    with pytest.raises(
        InputError, match=r"has no speaker 'Speaker A' \(its speakers: Nadia Brooks, Tomás Reyes\)"
    ):
        assistant.name_speakers("standup", {"Speaker A": "Ann"})


def test_the_cli_lists_and_names_an_episodes_speakers(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(copied(tmp_path))], obj={}).exit_code == 0
    done = runner.invoke(cli, ["name-speakers", "standup", "Speaker B=Tomás Reyes"], obj={})
    assert done.exit_code == 0, done.output
    listed = runner.invoke(cli, ["name-speakers", "standup"], obj={})
    assert listed.stdout.splitlines() == ["Speaker A", "Tomás Reyes\t(named; the file says Speaker B)"]
    again = runner.invoke(cli, ["ingest", str(tmp_path / "standup.json")], obj={})
    assert "unchanged 1" in again.stdout, again.output  # the names stay
    wrong = runner.invoke(cli, ["name-speakers", "standup", "Speaker C=Ann"], obj={})
    assert wrong.exit_code == 2 and "has no speaker 'Speaker C'" in wrong.output
