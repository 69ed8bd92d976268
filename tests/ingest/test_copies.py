"""The same transcript in another layout (its captions as .srt and .vtt, its text pasted, a PDF of it) is
stored once: every answer would otherwise quote the same lines twice."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant

CUES = [
    ("00:00:01,000", "00:00:06,000", "The council approved the bridge budget in March, two months late."),
    (
        "00:00:06,500",
        "00:00:12,000",
        "Then the steel arrived from the mill and the storm season began early.",
    ),
    ("00:00:12,500", "00:00:18,000", "So the engineers moved the piles before the river rose again."),
]


def srt(cues: list[tuple[str, str, str]]) -> str:
    return "".join(f"{n}\n{a} --> {b}\n{text}\n\n" for n, (a, b, text) in enumerate(cues, 1))


def vtt(cues: list[tuple[str, str, str]]) -> str:
    return "WEBVTT\n\n" + "".join(
        f"{a.replace(',', '.')} --> {b.replace(',', '.')}\n{text.upper()}\n\n" for a, b, text in cues
    )


def pasted(cues: list[tuple[str, str, str]]) -> str:
    """The words alone, one paragraph, punctuation lost, as copied from a transcript page."""
    return " ".join(text for _, _, text in cues).replace(",", "").replace(".", "") + "\n"


def write(folder: Path, files: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in files]


def test_one_transcript_in_three_layouts_is_stored_once_with_its_times(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    write(folder, {"bridge.txt": pasted(CUES), "bridge.srt": srt(CUES), "bridge-captions.vtt": vtt(CUES)})
    a = Assistant.from_settings()
    report = a.ingest(folder)

    assert report.added == ["bridge-captions"] and len(report.ignored) == 2, report
    kept = a.episode("bridge-captions")
    assert kept.duration is not None, "a layout with times is kept over the one without"
    for name in ("bridge.txt", "bridge.srt"):
        assert report.ignored[str(folder / name)] == (
            "the same words as episode 'bridge-captions' (“bridge-captions”) in another layout, so its "
            "lines are not stored twice"
        )
    hits = a.search("steel from the mill", k=5)
    assert [h.utterance.text.lower() for h in hits].count(CUES[1][2].lower()) == 1


def test_a_layout_with_times_met_after_one_without_says_how_to_keep_it(tmp_path: Path) -> None:
    text, captions = write(tmp_path / "in", {"bridge.txt": pasted(CUES), "captions.srt": srt(CUES)})
    a = Assistant.from_settings()
    assert a.ingest(text).added == ["bridge"]
    report = a.ingest(captions)
    assert not report.added and report.ignored == {
        str(captions): "the same words as episode 'bridge' (“bridge”) in another layout, so its lines are "
        "not stored twice; this file has times the stored episode lacks: to keep it instead, delete that "
        "episode (`assistant delete bridge`), then add this file again"
    }
    a.delete("bridge")
    assert a.ingest(captions).added == ["captions"] and a.episode("captions").duration is not None


def test_two_files_of_one_name_holding_the_same_words_are_one_episode(tmp_path: Path) -> None:
    """`episode.srt` and `episode.vtt` side by side had failed as two files claiming one episode id."""
    folder = tmp_path / "in"
    write(folder, {"bridge.txt": pasted(CUES), "bridge.srt": srt(CUES)})
    report = Assistant.from_settings().ingest(folder)
    assert report.added == ["bridge"] and not report.failed
    assert list(report.ignored) == [str(folder / "bridge.txt")]
    assert Assistant.from_settings().episode("bridge").duration is not None

    write(folder, {"bridge.vtt": vtt(CUES[:2])})
    report = Assistant.from_settings(store=tmp_path / "other").ingest(folder)
    assert "is also the id of" in report.failed[str(folder / "bridge.vtt")], "other words: still a clash"


def test_other_words_or_too_few_to_tell_are_stored_apart(tmp_path: Path) -> None:
    other = [*CUES[:2], (CUES[2][0], CUES[2][1], CUES[2][2].replace("river", "tide"))]
    short = [("00:00:01,000", "00:00:02,000", "Thanks for listening.")]
    files = {"a.srt": srt(CUES), "b.srt": srt(other), "c.srt": srt(short), "d.txt": pasted(short)}
    a = Assistant.from_settings()
    report = a.ingest(write(tmp_path / "in", files))
    assert sorted(report.added) == ["a", "b", "c", "d"] and not report.ignored


def test_a_stored_episode_read_again_is_not_its_own_copy(tmp_path: Path) -> None:
    [captions] = write(tmp_path / "in", {"bridge.srt": srt(CUES)})
    a = Assistant.from_settings()
    a.ingest(captions)
    captions.write_text(srt(CUES).replace("00:00:18,000", "00:00:19,000"), encoding="utf-8")
    report = a.ingest(captions)
    assert report.updated == ["bridge"] and not report.ignored


def test_an_episode_stored_before_words_were_kept_is_compared_once_its_file_is_read_again(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    text, captions = write(tmp_path / "in", {"bridge.txt": pasted(CUES), "captions.srt": srt(CUES)})
    a = Assistant.from_settings()
    a.ingest(text)
    a.store.record_episode(replace(a.episode("bridge"), words_hash=""))  # as an earlier version stored it
    assert a.ingest(text).skipped == ["bridge"], "unchanged: nothing written but its words recorded"
    assert a.episode("bridge").words_hash
    assert not a.ingest(captions).added


def test_a_poorer_layout_of_a_stored_episode_under_its_name_does_not_write_over_it(tmp_path: Path) -> None:
    """`bridge.txt` ingested after `bridge.srt` had replaced the episode: its times were gone."""
    captions, text = write(tmp_path / "in", {"bridge.srt": srt(CUES), "bridge.txt": pasted(CUES)})
    a = Assistant.from_settings()
    a.ingest(captions)
    report = a.ingest(text)
    assert not report.updated and list(report.ignored) == [str(text)]
    assert a.episode("bridge").duration is not None and a.store.count() == 3

    captions.unlink()
    a.delete("bridge")
    a.ingest(text)
    captions.write_text(srt(CUES), encoding="utf-8")
    assert a.ingest(captions).updated == ["bridge"], "a richer layout under its name is read again"
    assert a.episode("bridge").duration is not None


NUMBERED = """--- METADATA START ---
Show: Field Notes
Episode: The Bridge Budget
Host: Nadia Brooks
Guests: Tomás Reyes
--- METADATA END ---

""" + "".join(f"{n}\n{text}\n" for n, (_, _, text) in enumerate(CUES, 1))


def test_the_layout_kept_takes_the_facts_its_copy_states_and_keeps_them(tmp_path: Path) -> None:
    """The captions have the times, the numbered copy the show, title, host and guest: kept with the
    captions alone, "Who is the guest?" had nothing to answer from."""
    numbered, captions = write(tmp_path / "in", {"bridge.txt": NUMBERED, "captions.srt": srt(CUES)})
    a = Assistant.from_settings()
    report = a.ingest(tmp_path / "in")
    assert report.added == ["captions"] and list(report.ignored) == [str(numbered)]
    kept = a.episode("captions")
    assert kept.duration is not None and (kept.title, kept.show, kept.host, kept.guests) == (
        "The Bridge Budget",
        "Field Notes",
        "Nadia Brooks",
        ("Tomás Reyes",),
    )
    assert a.search("Who is the guest?", k=1)[0].utterance.number == 0, "the episode details answer"

    assert a.ingest(captions).skipped == ["captions"], "the captions alone, read again: the facts stay"
    assert a.episode("captions").title == "The Bridge Budget"


def test_a_copy_of_a_copy_is_named_with_the_episode_kept(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder, {"a.txt": NUMBERED, "a (1).txt": NUMBERED, "captions.srt": srt(CUES)})
    report = Assistant.from_settings().ingest(folder)
    assert report.added == ["captions"] and sorted(report.ignored) == [
        str(folder / "a (1).txt"),
        str(folder / "a.txt"),
    ]
    assert set(report.ignored.values()) == {
        "the same words as episode 'captions' (“The Bridge Budget”) in another layout, so its lines are not "
        "stored twice"
    }


def test_a_reindex_tells_the_words_of_episodes_stored_before(tmp_path: Path) -> None:
    from dataclasses import replace

    from assistant import Settings
    from assistant.reindex import reindex

    text, captions = write(tmp_path / "in", {"bridge.txt": pasted(CUES), "captions.srt": srt(CUES)})
    settings = Settings(store=tmp_path / "s", embedder="hashing", mode="offline")
    a = Assistant.from_settings(settings=settings)
    a.ingest(text)
    a.store.record_episode(replace(a.episode("bridge"), words_hash=""))  # as an earlier version stored it
    a.close()
    reindex(settings, "hashing")
    b = Assistant.from_settings(settings=settings)
    assert b.episode("bridge").words_hash and not b.ingest(captions).added
