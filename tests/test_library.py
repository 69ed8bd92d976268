"""Ingest, re-ingest, replace, delete and bad input, through the public API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA, SAMPLES

from assistant import Assistant, HashingEmbedder, InputError, Settings, StoreError
from assistant.index.embedders import WORDS_ONLY


def snapshot(a: Assistant) -> tuple:
    return (a.store.signature(), a.store.count(), [e.id for e in a.episodes()])


def test_ingest_is_idempotent(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    first = a.ingest(sample_copy)
    assert first.added == ["harbour-bridge"] and first.utterances_written == 40
    count = a.store.count()
    second = a.ingest(sample_copy)
    assert second.skipped == ["harbour-bridge"] and not second.added and second.utterances_written == 0
    assert a.store.count() == count == 40
    episode = a.episode("harbour-bridge")
    assert episode.title == "Why the Harbour Bridge Opened Eight Months Late"
    assert episode.utterance_count == 40 and episode.show == "Field Notes"


OTTER = "Alice Smith  0:03\nHello everyone.\n\nBob Jones  0:10\nThe steel came late.\n"


def test_the_same_file_read_another_way_is_written_again(tmp_path: Path) -> None:
    """Same bytes and speakers, read otherwise (a format forced by mistake then detected; a newer reader)."""
    path = tmp_path / "copied.txt"  # a transcript copied from YouTube: a time alone, then what was said
    path.write_text("0:04\nThe steel came late.\n0:09\nAnd the soil was soft.\n", encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest(path, fmt="plain").added == ["copied"]
    assert [(u.start, u.text) for u in a.transcript("copied")][:2] == [
        (None, "0:04"),
        (None, "The steel came late."),
    ]
    again = a.ingest(path)
    assert again.updated == ["copied"] and again.utterances_written == 2
    assert [(u.start, u.text) for u in a.transcript("copied")] == [
        (4.0, "The steel came late."),
        (9.0, "And the soil was soft."),
    ]
    assert a.ingest(path).skipped == ["copied"]


def test_the_same_file_cut_into_other_turns_is_written_again(tmp_path: Path) -> None:
    """Same bytes, format and details; only the turns differ (a lower utterance limit, a newer reader)."""
    path = tmp_path / "essay.txt"
    path.write_text(" ".join(f"The steel for span {n} came late from the mill." for n in range(40)) + "\n")
    a = Assistant.from_settings(store=tmp_path / "s")
    assert a.ingest(path).added == ["essay"]
    before = a.episode("essay").utterance_count
    a.close()
    short = Assistant.from_settings(Settings(store=tmp_path / "s", max_utterance_chars=300))
    again = short.ingest(path)
    assert again.updated == ["essay"], again
    turns = short.transcript("essay")
    assert len(turns) > before and all(len(u.text) <= 300 for u in turns)


def test_an_episode_stored_before_its_reading_was_hashed_is_compared_turn_by_turn(tmp_path: Path) -> None:
    path = tmp_path / "standup.txt"
    path.write_text(OTTER, encoding="utf-8")
    a = Assistant.from_settings()
    a.ingest(path, fmt="plain")
    stored = a.episode("standup")  # as a store written before 2026-12-02 holds it: no hash of the reading
    turns = a.library.transcript("standup", with_details=True)
    vectors = a.embedder.embed_documents([u.text for u in turns])
    a.store.write_episode(replace(stored, parsed_hash=""), turns, vectors)
    assert a.ingest(path, fmt="plain").skipped == ["standup"]  # read as it was: nothing written
    assert a.episode("standup").parsed_hash  # but the hash of the reading is kept from now on
    assert a.ingest(path).updated == ["standup"]
    stored = a.episode("standup")  # stored before the hash, with details the file no longer gives
    turns = a.library.transcript("standup", with_details=True)
    vectors = a.embedder.embed_documents([u.text for u in turns])
    a.store.write_episode(replace(stored, parsed_hash="", host="Nobody"), turns, vectors)
    assert a.ingest(path).updated == ["standup"] and a.episode("standup").host is None


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.embedded += list(texts)
        return super().embed_documents(texts, progress)


def test_an_edited_line_is_the_only_one_embedded_again(sample_copy: Path, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    a = Assistant.from_settings(store=tmp_path / "counted", embedder=embedder)
    assert a.ingest(sample_copy).utterances_embedded == 40 and len(embedder.embedded) == 41  # and the details
    before = {u.number: u.text for u in a.transcript("harbour-bridge")}
    sample_copy.write_text(
        sample_copy.read_text(encoding="utf-8").replace("forty-two million", "forty-three million"),
        encoding="utf-8",
    )
    embedder.embedded.clear()
    report = a.ingest(sample_copy)
    assert report.updated == ["harbour-bridge"] and report.utterances_written == 40
    assert report.utterances_embedded == 1 and len(embedder.embedded) == 1
    assert "forty-three million" in embedder.embedded[0]
    changed = [u for u in a.transcript("harbour-bridge") if u.text != before[u.number]]
    assert len(changed) == 1 and "forty-three million" in changed[0].text
    hits = a.search("forty-three million", k=1)  # the kept vectors and the new one answer together
    assert hits[0].utterance.number == changed[0].number


def test_changed_file_replaces_its_records(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(sample_copy)
    query = "bat ecologist colony warehouse"  # turn 30, and turn 31 replies to it
    assert any(h.utterance.number > 30 for h in a.search(query, k=5)), "precondition: a later turn is found"
    lines = sample_copy.read_text(encoding="utf-8").splitlines()
    cut = lines.index("31")
    sample_copy.write_text(
        "\n".join(lines[:cut]).replace("forty-two million", "forty-three million") + "\n", encoding="utf-8"
    )
    report = a.ingest(sample_copy)
    assert report.updated == ["harbour-bridge"]
    assert a.store.count() == 30
    assert a.episode("harbour-bridge").utterance_count == 30
    texts = [u.text for u in a.transcript("harbour-bridge")]
    assert any("forty-three million" in t for t in texts) and not any("forty-two" in t for t in texts)
    hits = a.search(query, k=5)
    assert hits and all(h.utterance.number <= 30 for h in hits)


def test_delete_episode(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(sample_copy)
    a.delete("harbour-bridge")
    assert a.episodes() == [] and a.store.count() == 0
    assert a.search("bridge", k=3) == []
    with pytest.raises(InputError, match="unknown episode"):
        a.delete("harbour-bridge")


@pytest.mark.parametrize(
    "name, problem",
    [
        ("bad_empty.txt", "empty"),
        ("bad_truncated.txt", "truncated"),
        ("bad_unterminated_metadata.txt", "METADATA"),
        ("bad_out_of_order.txt", "out of order"),
    ],
)
def test_bad_file_leaves_store_unchanged(sample_copy: Path, name: str, problem: str) -> None:
    a = Assistant.from_settings()
    a.ingest(sample_copy)
    before = snapshot(a)
    report = a.ingest(DATA / name)
    assert not report.ok and not report.added
    message = next(iter(report.failed.values()))
    assert name in message and problem.lower() in message.lower()
    assert snapshot(a) == before


def test_one_bad_file_does_not_block_good_ones(tmp_path: Path, sample_copy: Path) -> None:
    bad = sample_copy.parent / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02binary\x00")
    report = Assistant.from_settings().ingest(sample_copy.parent)
    assert report.added == ["harbour-bridge"]
    assert list(report.failed) == [str(bad.resolve())]


def test_a_copy_of_a_stored_transcript_is_passed_over_and_named(tmp_path: Path) -> None:
    """Two downloads of one episode, or a copy kept under another name: stored twice, every answer would
    quote the same lines twice."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    original = (SAMPLES / "harbour-bridge.txt").read_bytes()
    for name in ("harbour-bridge.txt", "harbour-bridge (1).txt"):
        (folder / name).write_bytes(original)
    a = Assistant.from_settings()
    both = Assistant.from_settings(store=tmp_path / "both").ingest(
        folder
    )  # one batch: the first read is kept
    assert both.added == ["harbour-bridge-1"] and list(both.ignored) == [str(folder / "harbour-bridge.txt")]
    assert a.ingest(folder / "harbour-bridge.txt").added == ["harbour-bridge"]
    report = a.ingest(folder)
    assert report.skipped == ["harbour-bridge"] and not report.added and report.ok
    copy = str(folder / "harbour-bridge (1).txt")
    assert report.ignored == {
        copy: "the same transcript as episode 'harbour-bridge' (“Why the Harbour Bridge Opened Eight Months "
        "Late”), so its lines are not stored twice"
    }
    assert [e.id for e in a.episodes()] == ["harbour-bridge"]

    edited = original.replace(b"Welcome to Field Notes.", b"Welcome back to Field Notes.")
    (folder / "harbour-bridge.txt").write_bytes(edited)  # the stored episode now holds other bytes
    report = a.ingest(folder)
    assert (
        report.updated == ["harbour-bridge"] and report.added == ["harbour-bridge-1"] and not report.ignored
    )
    assert a.store.count() == 80


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        Assistant.from_settings().ingest(tmp_path / "nope.txt")


def test_store_built_with_another_embedder_is_refused(sample_copy: Path, store_dir: Path) -> None:
    Assistant.from_settings().ingest(sample_copy)

    class OtherEmbedder:
        name = "other:model"
        dimension = 8

        def embed_documents(self, texts, progress=None):  # pragma: no cover - never reached
            raise AssertionError

        def embed_query(self, text):  # pragma: no cover
            raise AssertionError

    with pytest.raises(StoreError, match="reindex"):
        Assistant.from_settings(embedder=OtherEmbedder())


def test_an_empty_store_takes_the_embedder_of_its_first_vectors(sample_copy: Path, store_dir: Path) -> None:
    """A fresh install opens the store with the hashing fallback (`assistant status`), then a model is set up
    and the first ingest uses it: the store is the model's, not refused on the next command as 'built with
    hashing'."""
    assert Assistant.from_settings().store.count() == 0
    model = HashingEmbedder(dimension=64)
    assert Assistant.from_settings(embedder=model).ingest(sample_copy).added == ["harbour-bridge"]
    a = Assistant.from_settings(embedder=model)
    assert a.store.count() == 40 and a.search("bat ecologist", k=1)
    with pytest.raises(StoreError, match="hashing:v1:64"):
        Assistant.from_settings(embedder=HashingEmbedder()).store.count()


def test_a_store_emptied_by_deletes_takes_the_next_embedder(sample_copy: Path, store_dir: Path) -> None:
    """Chroma keeps the dimension of vectors a collection once held; the next embedder's must still go in."""
    first = Assistant.from_settings()
    first.ingest(sample_copy)
    first.delete("harbour-bridge")
    assert first.store.count() == 0
    first.close()

    class WordsOnly(HashingEmbedder):
        speaker_documents = False
        embedded: list[str] = []

        def embed_documents(self, texts, progress=None):
            self.embedded.extend(texts)
            return super().embed_documents(texts, progress)

    model = WordsOnly(dimension=64)
    assert Assistant.from_settings(embedder=model).ingest(sample_copy).added == ["harbour-bridge"]
    a = Assistant.from_settings(embedder=model)
    assert a.store.count() == 40 and a.search("bat ecologist", k=1)
    assert a.store.documents == WORDS_ONLY, "the format its vectors are made in, not the emptied store's"
    spoken = {u.text for u in a.transcript("harbour-bridge")}
    assert len(model.embedded) == 41 and spoken <= set(model.embedded), "words alone, no speaker before them"


def test_reindex_rebuilds_vectors_with_another_embedder(sample_copy: Path, store_dir: Path) -> None:
    from click.testing import CliRunner

    from assistant.cli import cli

    Assistant.from_settings().ingest(sample_copy)
    before = [h.utterance.id for h in Assistant.from_settings().search("bat ecologist", k=3)]
    outline = Assistant.from_settings().store.outline("harbour-bridge")

    class TinyEmbedder:
        name = "tiny:v1"
        dimension = 4

        def embed_documents(self, texts, progress=None):  # pragma: no cover - not called here
            raise AssertionError

        def embed_query(self, text):  # pragma: no cover
            raise AssertionError

    with pytest.raises(StoreError, match="assistant reindex"):
        Assistant.from_settings(embedder=TinyEmbedder())
    result = CliRunner().invoke(cli, ["reindex", "--embedder", "onnx"], obj={})
    assert result.exit_code == 1 and "ASSISTANT_ONNX_MODEL" in result.output
    assert Assistant.from_settings().store.count() == 40, "a failed reindex leaves the store as it was"
    result = CliRunner().invoke(cli, ["reindex", "--embedder", "hashing"], obj={})
    assert result.exit_code == 0, result.output
    assert "40 utterances" in result.output
    a = Assistant.from_settings()
    assert a.store.count() == 40 and a.episode("harbour-bridge").utterance_count == 40
    assert [h.utterance.id for h in a.search("bat ecologist", k=3)] == before
    assert outline and a.store.outline("harbour-bridge") == outline, "the outline is kept through a reindex"


def test_reindex_to_the_local_onnx_model(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner
    from conftest import shared_or_skip

    from assistant.cli import cli

    model = shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")
    Assistant.from_settings().ingest(sample_copy)
    assert Assistant.from_settings().embedder.name.startswith("hashing")
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(model))
    result = CliRunner().invoke(cli, ["reindex", "--embedder", "onnx"], obj={})
    assert result.exit_code == 0, result.output
    a = Assistant.from_settings()
    assert a.embedder.name == "onnx:all-MiniLM-L6-v2" and a.store.count() == 40
    assert 22 in [h.utterance.number for h in a.search("How much did the footbridge cost in the end?", k=5)]
    fresh = Assistant.from_settings(store=tmp_path / "fresh")
    fresh.ingest(sample_copy)
    assert a.outline("harbour-bridge") == fresh.outline("harbour-bridge"), "outlined with the new vectors"


def test_a_hashing_library_is_told_how_to_get_a_sentence_model(sample_copy: Path) -> None:
    Assistant.from_settings().ingest(sample_copy)  # no model on this machine: the hashing fallback
    assert Assistant.from_settings().model_notice == (
        "this library was built with keyword hashing, not a sentence model; for better search run "
        "`assistant models fetch all-MiniLM-L6-v2` (with network) and `assistant reindex --embedder local`"
    )


def test_a_hashing_library_with_the_model_at_hand_is_told_to_reindex_only(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import shared_or_skip

    Assistant.from_settings().ingest(sample_copy)
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")))
    a = Assistant.from_settings()
    assert a.embedder.name == "hashing:v1:512", "the library keeps its vectors until it is rebuilt"
    assert a.model_notice == (
        "this library was built with keyword hashing, not a sentence model; all-MiniLM-L6-v2 is on this "
        "machine: `assistant reindex --embedder local` rebuilds the library with it"
    )


def test_a_library_keeps_its_model_and_says_when_another_is_asked_for(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import shared_or_skip

    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")))
    Assistant.from_settings().ingest(sample_copy)
    assert Assistant.from_settings().library_notice == ""
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "nomic")
    a = Assistant.from_settings()
    assert a.embedder.name == "fastembed:all-MiniLM-L6-v2" and a.model_notice == ""
    assert a.library_notice == (
        "this library was built with fastembed:all-MiniLM-L6-v2, so ASSISTANT_LOCAL_MODEL=nomic is not used; "
        "`assistant reindex --embedder local` rebuilds it with nomic-embed-text-v1.5-Q"
    )
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "minilm")
    assert Assistant.from_settings().library_notice == "", "the same model by its alias"


def test_files_a_folder_holds_that_are_no_transcripts_are_named(tmp_path: Path, sample_copy: Path) -> None:
    (sample_copy.parent / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (sample_copy.parent / ".DS_Store").write_bytes(b"\x00")
    for hidden in (".venv/lib/site-packages/pkg/LICENSE.txt", ".git/HEAD"):  # a project folder's
        (sample_copy.parent / hidden).parent.mkdir(parents=True, exist_ok=True)
        (sample_copy.parent / hidden).write_text("Ada: Permission is hereby granted, free of charge.\n")
    report = Assistant.from_settings().ingest(sample_copy.parent)
    assert report.added == ["harbour-bridge"] and report.ok
    assert report.ignored == {
        str(sample_copy.parent / "cover.jpg"): "not a transcript file type "
        "(expected .dfxp, .docx, .htm, .html, .json, .pdf, .sbv, .srt, .ttml, .txt, .vtt; "
        ".markdown, .md, .xml when named)"
    }


def test_what_a_folders_gitignore_leaves_out_is_not_read_and_is_named(
    tmp_path: Path, sample_copy: Path
) -> None:
    folder = sample_copy.parent
    talk = "Ada: Permission is hereby granted, free of charge.\n"
    for path in ("venv/lib/LICENSE.txt", "node_modules/pkg/README.txt", "drafts/old.txt", "drafts/keep.txt"):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(talk)
    (folder / "venv" / ".gitignore").write_text("*\n")  # as `python -m venv` writes it since 3.13
    # `[z-a]` is no pattern to git, which passes it over
    (folder / ".gitignore").write_text("# tools\nnode_modules/\n[z-a]\nkeep.txt\n")
    (folder / "drafts" / ".gitignore").write_text("*.txt\n!keep.txt\n")
    report = Assistant.from_settings().ingest(folder)
    assert sorted(report.added) == ["harbour-bridge", "keep"] and report.ok
    assert report.ignored == {
        str(folder / "drafts" / "old.txt"): "left out by .gitignore",
        str(folder / "node_modules"): "folder left out by .gitignore (not searched)",
        str(folder / "venv" / "lib"): "folder left out by .gitignore (not searched)",
    }


def test_a_gitignore_above_the_folder_counts_inside_its_git_repository_only(tmp_path: Path) -> None:
    repository = tmp_path / "show"
    for name in ("episodes/pilot.txt", "episodes/drafts/cut.txt", "episodes/pilot.bak.txt"):
        (repository / name).parent.mkdir(parents=True, exist_ok=True)
        (repository / name).write_text(f"Ada: The steel for {name} came late.\n")  # each its own transcript
    (repository / ".gitignore").write_text("episodes/drafts/\n*.bak.txt\n")
    (repository / ".git").mkdir()
    report = Assistant.from_settings(store=tmp_path / "a").ingest(repository / "episodes")
    assert report.added == ["pilot"]
    assert set(report.ignored) == {str(repository / "episodes" / n) for n in ("drafts", "pilot.bak.txt")}
    (repository / "episodes" / ".git").mkdir()  # a repository of its own inside: the outer rules stop at it
    report = Assistant.from_settings(store=tmp_path / "b").ingest(repository / "episodes")
    assert sorted(report.added) == ["cut", "pilot", "pilot.bak"] and not report.ignored
    (repository / "episodes" / ".git").rmdir()
    (repository / ".git").rmdir()  # no repository: a .gitignore above the named folder says nothing of it
    report = Assistant.from_settings(store=tmp_path / "c").ingest(repository / "episodes")
    assert sorted(report.added) == ["cut", "pilot", "pilot.bak"] and not report.ignored


def test_a_folder_whose_transcripts_a_gitignore_leaves_out_says_so(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt", "c.txt", "d.txt", "e.vtt"):
        (tmp_path / name).write_text("Ada: The steel came late.\n")
    (tmp_path / ".gitignore").write_text("*.txt\n*.vtt\n")
    with pytest.raises(InputError) as caught:
        Assistant.from_settings().ingest(tmp_path)
    assert str(caught.value).endswith("in this folder; .gitignore leaves out a.txt, b.txt, c.txt and 2 more")
    for name in ("c.txt", "d.txt", "e.vtt"):
        (tmp_path / name).unlink()
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "f.txt").write_text("Ada: The steel came late.\n")
    (tmp_path / ".gitignore").write_text("*.txt\ndrafts/\n")
    with pytest.raises(InputError) as caught:
        Assistant.from_settings().ingest(tmp_path)
    assert str(caught.value).endswith("in this folder; .gitignore leaves out a.txt, b.txt, drafts/")
    (tmp_path / "g.txt").write_text("Ada: The steel came late.\n")
    with pytest.raises(InputError) as caught:
        Assistant.from_settings().ingest(tmp_path)
    assert str(caught.value).endswith(
        "in this folder; .gitignore leaves out a.txt, b.txt, drafts/ and 1 more"
    )


def test_a_json_file_in_a_folder_that_holds_no_transcript_is_passed_over_but_refused_when_named(
    sample_copy: Path,
) -> None:
    folder = sample_copy.parent
    (folder / "package.json").write_text('{"name": "notes", "version": "1.0.0"}')
    (folder / "broken.json").write_text('{"segments": [{"start": "soon", "end": 2, "text": "Hi."}]}')
    report = Assistant.from_settings().ingest(folder)
    assert report.added == ["harbour-bridge"]
    assert report.ignored == {
        str(folder / "package.json"): "JSON that holds no transcript (JSON has no `segments` list)"
    }
    assert list(report.failed) == [str(folder / "broken.json")], "a transcript that is wrong stays an error"
    named = Assistant.from_settings().ingest(folder / "package.json")
    assert named.failed[str(folder / "package.json")].endswith(
        'JSON has no `segments` list (a JSON transcript is Whisper output, {"segments": [{start, end, text}, '
        '...]} or {"text": "..."}, or Podcasting 2.0, {"segments": [{startTime, endTime, body}, ...]}, or a '
        "bare list of either's segments, or the response of AssemblyAI, Deepgram, Rev.ai, ElevenLabs or "
        "Amazon Transcribe)"
    )


def test_openais_json_response_of_the_words_alone_is_read_as_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text('{"text": "The steel came late. The crane waited a week.\\n\\nThen the soil was soft."}')
    a = Assistant.from_settings()
    report = a.ingest(path)
    assert report.added == ["call"] and "read as plain text" in report.notices["call"]
    assert [u.text for u in a.transcript("call")] == [
        "The steel came late. The crane waited a week.",
        "Then the soil was soft.",
    ]


def test_upload_messages_leave_the_name_to_the_caller() -> None:
    a = Assistant.from_settings()
    bad = (DATA / "bad_out_of_order.txt").read_bytes()
    report = a.ingest_uploads([("empty.txt", b""), ("broken episode.txt", bad), ("song.mp3", b"ID3")])
    assert report.failed["empty.txt"].startswith("file is empty")
    assert report.failed["broken episode.txt"].startswith("line 5: numbering out of order")
    assert report.failed["song.mp3"].startswith("not a transcript file type")
    assert not any(name in message for name, message in report.failed.items())


def test_describe_says_how_answers_are_made_in_words(store_dir: Path) -> None:
    status = Assistant.from_settings().describe()
    assert (status.mode, status.reason, status.answer_model) == ("offline", "no COHERE_API_KEY is set", None)
    assert (
        status.summary
        == "Offline: quotes passages, no language model · search model: keyword hashing (no model)"
    )
    assert (status.embedder, status.store) == ("hashing:v1:512", str(store_dir))


def test_opaque_file_names_get_readable_ids_and_episodes_resolve_by_title(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "harbour-bridge.txt", folder / "000_081a4311286ebea2.txt")
    repeat = (SAMPLES / "harbour-bridge.txt").read_text(encoding="utf-8") + "41\nNadia Brooks: Once more.\n"
    (folder / "harbour-bridge-repeat.txt").write_text(repeat, encoding="utf-8")  # same title, other words
    a = Assistant.from_settings()
    assert a.ingest(folder).ok
    readable = next(e for e in a.episodes() if e.source_path and "081a43" in e.source_path)
    assert readable.id == "why-the-harbour-bridge-opened-eight"
    assert a.library.resolve("000_081a4311286ebea2") == readable.id, "the file's name still finds it"
    assert a.library.resolve("harbour-bridge-rep") == "harbour-bridge-repeat"
    with pytest.raises(InputError, match="matches 2 episodes"):
        a.library.resolve("why the harbour")
    hits = a.search("bat ecologist", episode="harbour-bridge-rep")
    assert hits and {h.utterance.episode_id for h in hits} == {"harbour-bridge-repeat"}
    with pytest.raises(InputError, match="unknown episode 'nothing-like-it'"):
        a.search("bat ecologist", episode="nothing-like-it")


def test_an_episode_stored_under_its_file_name_is_replaced_not_doubled(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    opaque = folder / "000_081a4311286ebea2.txt"
    shutil.copy(SAMPLES / "harbour-bridge.txt", opaque)
    a = Assistant.from_settings()
    from assistant.ingest.parse import parse_file

    old = parse_file(opaque, episode_id="000_081a4311286ebea2")  # as an earlier version stored it
    vectors = a.embedder.embed_documents([u.text for u in old.utterances])
    a.store.write_episode(old.episode, list(old.utterances), vectors)
    assert [e.id for e in a.episodes()] == ["000_081a4311286ebea2"]
    report = a.ingest(opaque)
    assert report.updated == ["why-the-harbour-bridge-opened-eight"] and not report.added
    assert [e.id for e in a.episodes()] == ["why-the-harbour-bridge-opened-eight"]
    assert a.store.count() == 40
    assert a.ingest(opaque).skipped == ["why-the-harbour-bridge-opened-eight"]

    a.store.write_episode(old.episode, list(old.utterances), vectors)  # a stop between writing and deleting
    assert len(a.episodes()) == 2
    assert a.ingest(opaque).skipped == ["why-the-harbour-bridge-opened-eight"]
    assert [e.id for e in a.episodes()] == ["why-the-harbour-bridge-opened-eight"], "the old id went too"
    assert a.store.count() == 40


def test_the_keyword_index_is_built_when_asked_and_kept_for_the_next_process(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(sample_copy)
    assert not a.search_ready(), "an ingest leaves the keyword index to build"
    a.prepare_search()
    assert a.search_ready()
    assert Assistant.from_settings().search_ready(), "a new process loads the saved index instead of building"
    a.delete("harbour-bridge")
    assert not a.search_ready()


def test_plain_text_is_stored_and_said_to_have_no_speakers_or_times(tmp_path: Path) -> None:
    path = tmp_path / "bridges.txt"
    path.write_text(
        "Welcome to the show. Today we talk about the harbour bridge.\n\n"
        "The steel arrived late because the mill in Finland had a fire.\n",
        encoding="utf-8",
    )
    a = Assistant.from_settings()
    report = a.ingest(path)
    assert report.added == ["bridges"] and report.notices["bridges"].startswith(
        "“bridges” was read as plain text:"
    )
    answer = a.ask("Why did the steel arrive late?")
    assert [u.number for u in answer.cited_utterances][:1] == [2]
    assert not a.ingest(DATA / "kickoff_meeting.txt").notices, "a numbered transcript gets no such notice"


def test_a_files_heading_is_kept_with_its_details_and_said_at_ingest(tmp_path: Path) -> None:
    path = tmp_path / "sync.txt"
    path.write_text(
        "Weekly sync\nAttendees\nPriya Nair, Tom Reed\n\n"
        "Priya Nair   0:03\nThe quote from the printer came in at twelve thousand dollars.\n\n"
        "Tom Reed   0:10\nThen we ask two other printers by Friday.\n",
        encoding="utf-8",
    )
    a = Assistant.from_settings()
    report = a.ingest(path)
    assert report.notices["sync"] == (
        "“Weekly sync”: its first 3 lines (Weekly sync · Attendees · Priya Nair, Tom Reed) stood above the "
        "first speaker line and were read as the file's heading, kept with the episode's details, not as "
        "utterances."
    )
    assert [u.speaker for u in a.library.transcript("sync")] == ["Priya Nair", "Tom Reed"]
    assert a.episodes()[0].heading == ("Weekly sync", "Attendees", "Priya Nair, Tom Reed"), (
        "stored and read back"
    )
