"""The `assistant` command: exit codes, output, and no tracebacks for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import DATA, SAMPLES

from assistant.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={}, catch_exceptions=False)


def test_ingest_episodes_ask_search() -> None:
    result = run("ingest", str(SAMPLES))
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output
    assert "harbour-bridge" in run("episodes").output
    listed = json.loads(run("episodes", "--json").output)
    assert listed[0]["utterance_count"] == 40

    answer = run("ask", "Who pays for the overrun?", "--json")
    assert answer.exit_code == 0
    data = json.loads(answer.output)
    assert data["mode"] == "offline" and data["citations"]
    assert all(c["utterances"][0]["episode_id"] == "harbour-bridge" for c in data["citations"])

    text = run("ask", "How many people cross the bridge each day?")
    assert text.exit_code == 0 and "[1]" in text.output and "Sources:" in text.output

    found = json.loads(run("search", "bat ecologist", "--json", "-k", "3").output)
    assert found[0]["number"] == 30


def test_bad_file_exits_non_zero_without_traceback() -> None:
    result = CliRunner().invoke(cli, ["ingest", str(DATA / "bad_out_of_order.txt")], obj={})
    assert result.exit_code == 1
    assert "bad_out_of_order.txt" in result.output and "Traceback" not in result.output


def test_unknown_episode_is_a_clear_error() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(cli, ["ask", "anything", "--episode", "nope"], obj={})
    assert result.exit_code == 1 and "unknown episode 'nope'" in result.output


def test_chat_keeps_context() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(
        cli, ["chat"], input="Why did the steel arrive late?\nWhere was it from?\n\n", obj={}
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Offline answer") == 2 and "Finland" in result.output


def test_help_runs_as_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "ingest" in done.stdout


def test_flags_fill_what_the_file_lacks(tmp_path: Path) -> None:
    bare = tmp_path / "bare-episode.txt"
    bare.write_text("1\nAna: We shipped the release on Friday.\n2\nBo: Great news.\n", encoding="utf-8")
    result = run(
        "ingest",
        str(bare),
        str(SAMPLES / "harbour-bridge.txt"),
        "--show",
        "Flag Show",
        "--title",
        "Flag Title",
        "--source-url",
        "https://example.org/ep.mp3",
    )
    assert result.exit_code == 0, result.output
    episodes = {e["id"]: e for e in json.loads(run("episodes", "--json").output)}
    assert (episodes["bare-episode"]["show"], episodes["bare-episode"]["title"]) == (
        "Flag Show",
        "Flag Title",
    )
    assert episodes["bare-episode"]["source_url"] == "https://example.org/ep.mp3"
    assert episodes["harbour-bridge"]["show"] == "Field Notes"
    assert episodes["harbour-bridge"]["title"].startswith("Why the Harbour Bridge")


def test_format_can_be_forced() -> None:
    result = CliRunner().invoke(
        cli, ["ingest", str(SAMPLES / "harbour-bridge.txt"), "--format", "webvtt"], obj={}
    )
    assert (
        result.exit_code == 1 and "harbour-bridge.txt" in result.output and "Traceback" not in result.output
    )
