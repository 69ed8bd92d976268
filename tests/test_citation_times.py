"""A quote from far into a long turn opens the recording where it is said, not where the turn starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from long_turn import SAID, TURN_START, said_at, write_long_turn

from assistant import Assistant, Turn, conversation_markdown
from assistant.cli import cli


def test_a_quote_late_in_a_long_turn_is_cited_and_linked_at_the_time_it_is_said(tmp_path: Path) -> None:
    path = write_long_turn(tmp_path / "harbour.json")
    url = "https://example.org/harbour.mp3"
    ingested = CliRunner().invoke(cli, ["ingest", str(path), "--source-url", url], obj={})
    assert ingested.exit_code == 0, ingested.output
    flooded = said_at(SAID[8])
    assert flooded == 136.0  # 2:16, the turn starting at 1:00

    asked = CliRunner().invoke(cli, ["ask", "Why did the cofferdam flood?"], obj={})
    assert asked.exit_code == 0, asked.output
    assert (
        "Speaker B at 2:16: “… The cofferdam flooded twice in March because the pumps failed. …”"
        in asked.output
    )
    assert "utterance #2, 1:00, quoted at 2:16" in asked.output
    scripted = json.loads(
        CliRunner().invoke(cli, ["ask", "Why did the cofferdam flood?", "--json"], obj={}).stdout
    )
    assert [
        (u["number"], u["start"], u["quoted_at"]) for c in scripted["citations"] for u in c["utterances"]
    ] == [(2, TURN_START, flooded)]

    found = CliRunner().invoke(cli, ["search", "cofferdam pumps", "-k", "1"], obj={}).stdout.splitlines()
    assert found[0].startswith(" 1. Speaker B — harbour, utterance #2, 1:00, quoted at 2:16  (score ")
    assert found[1:] == ["    … The cofferdam flooded twice in March because the pumps failed. …"], (
        "a long turn found by a search: the sentences that match, and when they are said"
    )

    a = Assistant.from_settings()  # read back from the store and the saved keyword index
    answer = a.ask("Why did the cofferdam flood?")
    (cited,) = [u for c in answer.citations for u in c.utterances if u.number == 2]
    assert cited.marks == tuple((len(" ".join(SAID[:k]).split()), said_at(SAID[k])) for k in range(1, 12))
    assert a.transcript("harbour")[1].marks == cited.marks
    exported = conversation_markdown(
        [(Turn("user", "Why did the cofferdam flood?"), None), (answer.as_turn(), answer)], a.episodes()
    )
    assert f"({url}#t=136)" in exported and f"({url}#t=60)" not in exported


def test_a_hosted_paraphrase_is_cited_at_the_start_of_the_turn(tmp_path: Path) -> None:
    """A paraphrase matches no words of the turn: the turn's start is the honest place to open."""
    Assistant.from_settings().ingest(write_long_turn(tmp_path / "harbour.json"))
    (turn,) = [u for u in Assistant.from_settings().transcript("harbour") if u.number == 2]
    assert turn.time_of("Their pumps broke, so the dam let water in.") == TURN_START
    assert turn.time_of("“… pumps failed.”") == TURN_START, "too few words to place"
    assert turn.time_of("“The cofferdam flooded twice in March because the pumps failed.”") == 136.0


def test_an_episode_stored_before_its_turns_were_timed_gets_the_times_when_ingested_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.ingest.speech_apis as speech_apis
    import assistant.library

    path = write_long_turn(tmp_path / "harbour.json")
    with monkeypatch.context() as older:
        older.setattr(
            speech_apis, "word_marks", lambda text, words: ()
        )  # a reader that kept no times in turns
        older.setattr(assistant.library, "READER", 1)
        assert Assistant.from_settings().ingest(path).added == ["harbour"]
    assert Assistant.from_settings().transcript("harbour")[1].marks == ()
    assert Assistant.from_settings().describe().reading_notice == (
        "1 episode with times was read by an earlier version, which kept no times within long turns: ingest "
        f"its file again (`assistant ingest {path}`) so that citations open where the quoted words are said"
    )
    status = CliRunner().invoke(cli, ["status"], obj={})
    assert "note: 1 episode with times was read by an earlier version" in status.output
    again = Assistant.from_settings().ingest(path)
    assert again.updated == ["harbour"] and again.utterances_embedded == 0, "same words: vectors kept"
    assert Assistant.from_settings().transcript("harbour")[1].time_of(f"“{SAID[8]}”") == said_at(SAID[8])
    assert Assistant.from_settings().describe().reading_notice == ""
    assert Assistant.from_settings().ingest(path).skipped == ["harbour"]


def test_files_an_earlier_version_read_as_this_one_does_are_recorded_as_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read alike, they are passed over as unchanged, and said no more; a file no longer there is asked for
    again; four files of one folder are named by the folder; transcripts without times are never named."""
    import shutil

    from conftest import SAMPLES

    import assistant.library

    folder = tmp_path / "season"
    folder.mkdir()
    paths = [write_long_turn(folder / f"harbour-{n}.json", f"What went wrong in week {n}?") for n in range(4)]
    shutil.copy(SAMPLES / "harbour-bridge.txt", folder / "untimed.txt")
    with monkeypatch.context() as older:
        older.setattr(assistant.library, "READER", 1)
        assert len(Assistant.from_settings().ingest(folder).added) == 5
    notice = Assistant.from_settings().describe().reading_notice
    assert notice.startswith("4 episodes with times were read by an earlier version") and (
        f"ingest their files again (`assistant ingest {folder}`)" in notice
    )
    paths[0].unlink()
    assert (
        "ingest their files again (or upload them again)"
        in Assistant.from_settings().describe().reading_notice
    )
    report = Assistant.from_settings().ingest(paths[1:])
    assert report.skipped == ["harbour-1", "harbour-2", "harbour-3"] and not report.updated
    assert Assistant.from_settings().describe().reading_notice == (
        "1 episode with times was read by an earlier version, which kept no times within long turns: ingest "
        "its file again (or upload it again) so that citations open where the quoted words are said"
    )
