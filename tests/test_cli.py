"""The `assistant` command: exit codes, output, and no tracebacks for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import DATA, SAMPLES

from assistant import Assistant, HashingEmbedder
from assistant.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={}, catch_exceptions=False)


def test_ingest_episodes_ask_search() -> None:
    result = run("ingest", str(SAMPLES))
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output
    assert "harbour-bridge" in run("episodes").output
    listed = json.loads(run("episodes", "--json").stdout)
    assert listed[0]["utterance_count"] == 40

    answer = run("ask", "Who pays for the overrun?", "--json")
    assert answer.exit_code == 0
    data = json.loads(answer.stdout)
    assert data["mode"] == "offline" and data["citations"]
    assert all(c["utterances"][0]["episode_id"] == "harbour-bridge" for c in data["citations"])

    text = run("ask", "How many people cross the bridge each day?")
    assert text.exit_code == 0 and "[1]" in text.output and "Sources:" in text.output

    found = json.loads(run("search", "bat ecologist", "--json", "-k", "3").stdout)
    assert found[0]["number"] == 30


def test_ingest_builds_the_keyword_index_so_the_first_question_does_not() -> None:
    assert run("ingest", str(SAMPLES)).exit_code == 0
    from assistant import Assistant

    assert Assistant.from_settings().search_ready()


def test_bad_file_exits_non_zero_without_traceback() -> None:
    result = CliRunner().invoke(cli, ["ingest", str(DATA / "bad_out_of_order.txt")], obj={})
    assert result.exit_code == 1
    assert "bad_out_of_order.txt" in result.output and "Traceback" not in result.output


def test_unknown_episode_is_a_clear_error() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(cli, ["ask", "anything", "--episode", "nope"], obj={})
    assert result.exit_code == 2 and "unknown episode 'nope'" in result.output, "a usage error"


def test_chat_keeps_context() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(
        cli, ["chat"], input="Why did the steel arrive late?\nWhere was it from?\n\n", obj={}
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Offline answer") == 2 and "Finland" in result.output
    assert "searched beside" not in result.output, "a follow-up with no words of its own is searched whole"
    chained = CliRunner().invoke(
        cli,
        ["chat"],
        input="Why did the steel arrive late?\nWhere was it from?\nAnd how much did it cost?\n\n",
        obj={},
    )
    assert "searched beside your earlier question “Why did the steel arrive late? Where was it from?”" in (
        chained.output
    )


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
    episodes = {e["id"]: e for e in json.loads(run("episodes", "--json").stdout)}
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


def test_new_in_chat_says_a_new_conversation_started() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(
        cli, ["chat"], input="Why did the steel arrive late?\n/new\nWhere was it from?\n\n", obj={}
    )
    assert result.exit_code == 0, result.output
    before, after = result.output.split("New conversation: earlier questions no longer count as context.")
    assert before.count("Offline answer") == 1
    assert "follows on from an earlier question" in after, "after /new, nothing came before it"


def test_an_ingest_stopped_by_ctrl_c_says_what_it_stored_and_how_to_finish(tmp_path: Path) -> None:
    class StoppedOnSecondEpisode(HashingEmbedder):
        calls = 0

        def embed_documents(self, texts, progress=None):
            StoppedOnSecondEpisode.calls += 1
            if StoppedOnSecondEpisode.calls == 2:
                raise KeyboardInterrupt
            return super().embed_documents(texts, progress)

    folder = tmp_path / "season"
    folder.mkdir()
    for name in ("harbour-bridge.txt", "meeting_speakers.txt"):
        source = SAMPLES / name if name.startswith("harbour") else DATA / name
        (folder / name).write_bytes(source.read_bytes())
    stopping = Assistant.from_settings(embedder=StoppedOnSecondEpisode())
    result = CliRunner().invoke(cli, ["ingest", str(folder)], obj={"assistant": stopping})
    assert result.exit_code == 130 and "Traceback" not in result.output and "Aborted" not in result.output
    assert result.stderr.strip() == (
        "interrupted: 1 episode stored whole before the stop (harbour-bridge), none half-written (an episode "
        "cut short is removed at the next write); run the same command again to finish: what is stored is "
        "passed over as unchanged"
    )
    assert [e.id for e in Assistant.from_settings().episodes()] == ["harbour-bridge"]
    finished = run("ingest", str(folder))
    assert "added 1, updated 0, unchanged 1, failed 0" in finished.output
    whole = Assistant.from_settings(store=tmp_path / "whole")
    whole.ingest(folder)
    assert Assistant.from_settings().store.count() == whole.store.count(), "as if never stopped"


def test_chat_commands_are_not_searched_for() -> None:
    run("ingest", str(SAMPLES))
    result = CliRunner().invoke(
        cli, ["chat"], input="/help\n/history\nWhy did the steel arrive late?\n/quit\nWho pays?\n", obj={}
    )
    assert result.exit_code == 0, result.output
    commands = "/new starts a new conversation, /quit (or an empty line, or Ctrl-D) quits."
    assert f"Ask a question; {commands}" in result.stderr
    assert result.stderr.count(commands) == 3 and f"/history is not a command; {commands}" in result.stderr
    assert result.stdout.count("Offline answer") == 1, "one question asked; /quit stopped before the next"


def test_search_leaves_out_hits_that_match_nothing() -> None:
    run("ingest", str(SAMPLES))
    result = run("search", "zebra quantum")
    assert result.exit_code == 0
    assert "no matches for 'zebra quantum'" in result.output
    assert "score" not in result.stdout  # nothing listed as if it were a result
    assert "--all shows them" in result.output
    everything = run("search", "zebra quantum", "--all", "-k", "3")
    assert everything.stdout.count("score") == 3
    marked = json.loads(run("search", "zebra quantum", "--json", "--all", "-k", "3").stdout)
    assert len(marked) == 3 and not any(h["matches"] for h in marked)
    assert json.loads(run("search", "zebra quantum", "--json").stdout) == []

    found = run("search", "steel Finland", "-k", "3")
    assert "no matches" not in found.output and "Finland" in found.stdout
    assert "(score 0.000)" not in found.stdout


def test_counts_read_as_written(tmp_path: Path) -> None:
    one = tmp_path / "one-liner.txt"
    one.write_text("1\nAna: Just the one thing to say.\n", encoding="utf-8")
    result = run("ingest", str(one))
    assert "(1 utterance in" in result.output
    assert run("episodes").output.rstrip().endswith("\t1 utterance, no times")
    status = run("status").output
    assert "1 episode, 1 utterance" in status
    for text in (result.output, status):
        assert not re.search(r"\b1 (episode|utterance|file)s\b", text)


def test_status_speaks_in_words_and_gives_details_apart() -> None:
    lines = run("status").output.splitlines()
    assert (
        lines[0] == "Offline: quotes passages, no language model · search model: keyword hashing (no model)"
    )
    assert "offline because: no COHERE_API_KEY is set" in lines
    assert any(line.startswith("store: ") for line in lines) and "embedder: hashing:v1:512" in lines


class _ModelStandIn(HashingEmbedder):
    """Hashing vectors under the name of the default local model: a store built where that model was."""

    def __init__(self) -> None:
        super().__init__(384)
        self.name = "fastembed:all-MiniLM-L6-v2"


def test_status_without_the_stores_model_says_where_the_store_is_and_what_it_needs(store_dir: Path) -> None:
    with Assistant.from_settings(embedder=_ModelStandIn()) as built:
        assert built.ingest(SAMPLES).ok
    result = CliRunner().invoke(cli, ["status"], obj={})  # HF_HUB_OFFLINE, and an empty model cache
    assert result.exit_code == 1
    assert f"store: {store_dir}" in result.stdout.splitlines()
    assert "embedder (recorded in the store): fastembed:all-MiniLM-L6-v2" in result.stdout
    assert "all-MiniLM-L6-v2 is not downloaded" in result.stderr and "assistant models fetch" in result.stderr
    assert "Traceback" not in result.output


def test_a_store_labelled_with_another_embedder_is_reported_and_rebuilt(store_dir: Path) -> None:
    """Versions before 2026-12-02 could leave a store whose vectors were made by one model and labelled with
    another (created empty with the hashing fallback, filled once a model was set up): every command refused
    it, `status` with a traceback, and `reindex`, the fix it named, refused it too."""
    import chromadb
    from chromadb.config import Settings

    assert run("ingest", str(SAMPLES)).exit_code == 0
    client = chromadb.PersistentClient(path=str(store_dir), settings=Settings(anonymized_telemetry=False))
    utterances = client.get_collection("utterances")
    utterances.modify(metadata={**(utterances.metadata or {}), "embedder": "hashing:v1:64"})
    del client, utterances

    status = CliRunner().invoke(cli, ["status"], obj={})
    assert status.exit_code == 1 and "Traceback" not in status.output
    assert f"store: {store_dir}" in status.stdout
    assert "built with the embedder 'hashing:v1:64'" in status.stderr and "assistant reindex" in status.stderr

    rebuilt = CliRunner().invoke(cli, ["reindex", "--embedder", "hashing"], obj={})
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "re-embedded 40 utterances" in rebuilt.output
    assert run("status").output.splitlines()[-1] == "1 episode, 40 utterances"
    assert json.loads(run("search", "bat ecologist", "--json", "-k", "1").stdout)[0]["number"] == 30


def test_every_file_left_out_or_refused_is_named_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "harbour-bridge.txt").write_bytes((SAMPLES / "harbour-bridge.txt").read_bytes())
    (folder / "random.bin").write_bytes(bytes(range(256)))
    (folder / "noise.txt").write_bytes(bytes(range(256)))
    (folder / "other.json").write_text('{"a": 1}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(folder)], obj={})
    assert result.exit_code == 1
    assert "failed 1, passed over 2" in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("note: ")]
    assert (
        f"skipped: {folder / 'random.bin'}: "
        "not a transcript file type "
        "(expected .dfxp, .docx, .htm, .html, .json, .pdf, .sbv, .srt, .ttml, .txt, .vtt; "
        ".markdown, .md, .xml when named)" in lines
    )
    binary = next(line for line in lines if "noise.txt" in line)
    assert binary.startswith("error: ") and "binary" in binary
    assert not re.search(r"\([^)]*\(", binary), "no parentheses inside parentheses"
    shapes = next(
        line for line in lines if "other.json" in line
    )  # a folder's settings file, not a transcript
    assert (
        shapes
        == f"skipped: {folder / 'other.json'}: JSON that holds no transcript (JSON has no `segments` list)"
    )
    assert len(lines) == 3  # one line per file that was not ingested, none for the one that was


def test_hosted_answers_are_printed_as_they_arrive(tmp_path: Path) -> None:
    from fakes import FakeGenerator

    from assistant import Assistant, Settings

    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing"), generator=FakeGenerator())
    a.ingest(SAMPLES)
    shown: list[str] = []
    a.generator.between = lambda chunk: shown.append(sys.stdout.buffer.getvalue().decode())  # type: ignore[attr-defined]
    a.generator.enqueue("The council ", "pays for the overrun.")  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["ask", "Who pays for the overrun?"], obj={"assistant": a})
    assert result.exit_code == 0, result.output
    assert shown[0].endswith("The council ") and "pays" not in shown[0], (
        "the first words came before the rest"
    )
    assert result.output.index("pays for the overrun.") < result.output.index("Sources:")
    assert "[1] “The council ” ←" in result.output, "each source says which words it backs"


def test_a_speaker_filter_that_matches_no_one_is_a_usage_error_listing_the_speakers(tmp_path: Path) -> None:
    assert run("ingest", str(SAMPLES)).exit_code == 0
    wrong = run("ask", "Who pays for the overrun?", "--speaker", "Matt Turck")
    assert wrong.exit_code == 2
    assert "no speaker is called 'Matt Turck'" in wrong.output and "Tomás Reyes" in wrong.output
    right = run("ask", "Who pays for the overrun?", "--speaker", "tomás reyes")
    assert right.exit_code == 0 and "Sources:" in right.output

    unlabelled = tmp_path / "plain.txt"
    unlabelled.write_text(
        "1\nWe opened the bakery in May.\n2\nThe ovens came from Italy.\n", encoding="utf-8"
    )
    assert run("ingest", str(unlabelled)).exit_code == 0
    none = run("search", "ovens", "--episode", "plain", "--speaker", "Matt Turck")
    assert none.exit_code == 2 and "no speaker labels" in none.output

    hosted_by = tmp_path / "hosted.txt"
    hosted_by.write_text(
        "--- METADATA START ---\nShow: Flour\nEpisode: The Ovens\nHost: Ana Lima & Matt Turck\n"
        "--- METADATA END ---\n\n1\nWelcome to the show.\n2\nThe ovens came from Italy.\n",
        encoding="utf-8",
    )
    assert run("ingest", str(hosted_by)).exit_code == 0
    named = run("ask", "Where did the ovens come from?", "--speaker", "matt turck")
    assert named.exit_code == 2
    assert "named in the details of “The Ovens”" in named.output, named.output
    assert "no speaker labels" in named.output and "Tomás Reyes" in named.output


def test_questions_on_an_empty_library_say_so(tmp_path: Path) -> None:
    for args in (["ask", "hello there"], ["search", "hello"], ["chat"]):
        result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), *args], obj={}, input="\n")
        assert result.exit_code == 1, result.output
        assert "the library is empty" in result.output and "assistant ingest" in result.output
        assert "Traceback" not in result.output


def test_the_api_on_an_empty_library_finds_nothing_without_failing(tmp_path: Path) -> None:
    from assistant import Assistant, Settings

    store = tmp_path / "store"
    with Assistant.from_settings(store=store, settings=Settings(store=store, mode="offline")) as a:
        assert a.search("hello") == []
        answer = a.ask("hello there")
        assert answer.refused and answer.citations == ()


def test_ingest_help_names_every_format_it_can_force() -> None:
    from assistant.ingest.parse import format_names

    shown = CliRunner().invoke(cli, ["ingest", "--help"], terminal_width=200).output
    listed = re.search(r"Force a format \(([^)]*)\)", " ".join(shown.split()))
    assert listed and set(listed.group(1).split(", ")) == set(format_names()), shown


def test_episodes_says_how_long_each_is_or_that_it_has_no_times(tmp_path: Path) -> None:
    timed = tmp_path / "timed.srt"
    timed.write_text("1\n00:01:02,000 --> 00:01:04,500\nAna: Just one more thing.\n", encoding="utf-8")
    untimed = tmp_path / "untimed.txt"
    untimed.write_text("1\nAna: Just the one thing to say.\n", encoding="utf-8")
    run("ingest", str(timed), str(untimed))
    listed = run("episodes").output
    assert "timed\ttimed\t1 utterance, 1:04\n" in listed and "untimed\t1 utterance, no times\n" in listed
