"""WebVTT, SRT, Podcasting 2.0 JSON, Whisper JSON and Otter-style text: parsing, sniffing, errors, ingest."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from pathlib import Path

import pytest

from assistant.errors import ParseError
from assistant.ingest.details import details_utterance
from assistant.ingest.otter import MAX_HEADING_LINES
from assistant.ingest.parse import format_names, parse_file, parse_text, sniff_format
from assistant.ingest.passages import FRAGMENT_PASSAGE_CHARS, PASSAGE_CHARS, SPEECH_CHARS_PER_SECOND, passages
from assistant.ingest.speakers import Piece, display_names, is_label, merge_pieces
from assistant.render import source_link

DATA = Path(__file__).resolve().parent.parent / "data"
FORMATS = DATA / "formats"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def rows(path_or_transcript) -> list[tuple]:
    t = parse_file(path_or_transcript) if isinstance(path_or_transcript, Path) else path_or_transcript
    return [(u.number, u.speaker, u.start, u.end, u.text) for u in t.utterances]


def refused(text: str, fmt: str | None = None, **kwargs: object) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_text(text, Path("x.in"), "x", fmt, **kwargs)  # type: ignore[arg-type]
    assert info.value.path == "x.in"
    return info.value


# --- WebVTT -------------------------------------------------------------------------------------


def test_webvtt_voices_notes_settings_ids_and_merging() -> None:
    path = FORMATS / "garden_voices.vtt"
    t = parse_file(path)
    ep = t.episode
    assert ep.format == "webvtt"
    assert ep.id == "garden_voices"
    assert (ep.title, ep.show, ep.host, ep.guests) == (
        "Slugs, Beer Traps & Patience",
        "Allotment Hour",
        "Ines Carvalho",
        ("Dev Okonkwo",),
    )
    assert ep.source_url == "https://example.org/audio/allotment-14.mp3"
    assert ep.speakers == ("Ines Carvalho", "Dev Okonkwo")
    assert ep.duration == 94.0
    assert ep.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rows(t) == [
        (1, "Ines Carvalho", 1.0, 4.5, "Welcome back to Allotment Hour."),
        # Two cues, one sentence, one speaker (spelled two ways): one utterance, first start, last end.
        (
            2,
            "Ines Carvalho",
            4.8,
            9.0,
            (
                "Today I'm joined by someone who has lost more lettuces than anyone I know, "
                "and lived to tell the tale."
            ),
        ),
        (3, "Dev Okonkwo", 9.5, 12.25, "Guilty. Slugs ate forty heads in one night."),
        # A 3-second pause splits a sentence into two utterances.
        (4, "Dev Okonkwo", 12.5, 15.0, "Beer traps & copper tape both help, but only"),
        (5, "Dev Okonkwo", 18.0, 21.0, "if you check them every morning."),
        # One cue, two voices: two utterances, never one across speakers.
        (6, "Ines Carvalho", 21.5, 23.0, "Every morning?"),
        (7, "Dev Okonkwo", 21.5, 23.0, "Every single one."),
        (8, "Ines Carvalho", 90.0, 94.0, "That is dedication. Thanks, Dev."),
    ]
    assert t.utterances[2].label() == "#3, Dev Okonkwo, 0:09"
    assert source_link(ep, t.utterances[7]) == "https://example.org/audio/allotment-14.mp3#t=90"
    # where the second cue of #2 begins: after 14 words, at 0:07.2; a quote from it opens the recording there
    assert [u.marks for u in t.utterances[:3]] == [(), ((14, 7.2),), ()]
    assert source_link(ep, t.utterances[1], "“… and lived to tell the tale.”").endswith("#t=7")


def test_webvtt_without_voice_tags_reads_speaker_labels() -> None:
    text = (
        "WEBVTT\nKind: captions\nLanguage: en\nTitle: Bus Shelter Minutes\n\n"
        "00:01.000 --> 00:03.000\nCLARA WEBB: The shelter roof\n\n"
        "00:03.100 --> 00:05.000\nstill leaks in the rain.\n\n"
        "00:05.500 --> 00:07.000\nOTIS BELL: I'll call the council.\n\n"
        "00:07.500 --> 00:09.000\n>> Can I add something?\n\n"
        "01:00:00.000 --> 01:00:02.500\nCLARA WEBB: Thank you all.\n"
    )
    t = parse_text(text, Path("shelter.vtt"), "shelter")
    assert t.episode.title == "Bus Shelter Minutes"
    assert rows(t) == [
        (1, "Clara Webb", 1.0, 5.0, "The shelter roof still leaks in the rain."),
        (2, "Otis Bell", 5.5, 7.0, "I'll call the council."),
        (3, None, 7.5, 9.0, "Can I add something?"),
        (4, "Clara Webb", 3600.0, 3602.5, "Thank you all."),
    ]
    assert t.episode.speakers == ("Clara Webb", "Otis Bell")
    assert t.episode.duration == 3602.5


def test_webvtt_note_lines_right_under_the_header_still_give_the_details() -> None:
    text = (
        "WEBVTT\nNOTE title: Weekly product standup\nNOTE hosts: Dana Whitfield\n\n"
        "00:01.000 --> 00:03.000\n<v Dana Whitfield>Morning everyone.\n"
    )
    t = parse_text(text, Path("standup.vtt"), "standup")
    assert t.episode.title == "Weekly product standup"
    assert t.episode.host == "Dana Whitfield"


def test_webvtt_prose_colons_are_not_speakers_and_entities_are_decoded() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHere's the thing: we forgot.\n\n"
        "00:00:02.000 --> 00:00:03.000\nFish &lt;&amp;&gt; chips\n"
    )
    t = parse_text(text, Path("p.vtt"), "p")
    assert rows(t) == [
        (1, None, 1.0, 2.0, "Here's the thing: we forgot."),
        (2, None, 2.0, 3.0, "Fish <&> chips"),
    ]
    assert t.episode.speakers == () and t.episode.title == "p"


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("bad_timestamp.vtt", 6, "cue 2: bad timestamp '00:00:61.000'"),
        ("bad_end_before_start.vtt", 8, "cue 2 ends (0:04.000) before it starts (0:09.000)"),
        ("bad_srt_commas.vtt", 3, "a comma is SRT"),
        ("bad_stray_text.vtt", 6, "text outside any cue"),
        ("bad_no_cues.vtt", None, "no cues found"),
        ("bad_timing.srt", 6, "cue timing line is not `start --> end`"),
        ("bad_end_typo.srt", 6, "times: '00:00:05,000 --> 00:00:0X,000'"),
        ("bad_end_before_start.srt", 6, "cue 2 ends (0:05.000) before it starts (0:08.000)"),
        ("bad_syntax.json", 5, "invalid JSON at line 5, column 5"),
        ("bad_no_segments.json", None, "JSON has no `segments` list"),
        ("bad_segment_time.podcast.json", None, "segment 2: `startTime` is 'soon'"),
        ("bad_end_before_start.whisper.json", None, "segment 2 ends (0:04.000) before it starts (0:05.000)"),
        ("bad_otter_time.txt", 4, "bad timestamp '0:75'"),
        ("bad_otter_text_first.txt", 1, "expected a speaker line"),
    ],
)
def test_malformed_files_name_file_line_and_problem(name: str, line: int | None, fragment: str) -> None:
    path = FORMATS / name
    with pytest.raises(ParseError) as info:
        parse_file(path)
    err = info.value
    assert err.path == str(path) and err.line == line
    assert fragment in str(err)
    assert str(err).startswith(f"{path}:{line}: " if line else f"{path}: ")


@pytest.mark.parametrize(
    ("text", "fmt", "fragment"),
    [
        ("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ada></v>\n", None, "every cue is empty"),
        (
            '{"segments": [{"start": 3.4, "end": 3.3, "text": "hi"}]}',
            None,
            "ends (0:03.300) before it starts (0:03.400)",
        ),
        ("WEBVTT\n\nid\nextra line\n00:01.000 --> 00:02.000\nx\n", None, "text outside any cue"),
        ("WEBVTT\n\n00:01.000 -> 00:02.000\nx\n", None, "text outside any cue"),
        ("1\n00:00:01,000 --> 00:00:02,000\nx\n", "webvtt", "not a WebVTT file"),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n", "srt", "cannot read this as an SRT cue"),
        ("\n\n", "srt", "no cues found"),
        ("\n", "webvtt", "no cues found"),
        ("42", "whisper-json", "not a Whisper transcript object"),
        ('{"segments": "all of them"}', "podcast-json", "`segments` is a str, not a list"),
        ('{"segments": []}', None, "`segments` is empty"),
        ('{"segments": []}', "podcast-json", "`segments` is empty"),
        ('{"segments": [7]}', None, "segment 1 is a int"),
        ('{"segments": [{"startTime": 0, "endTime": 1}]}', None, "segment 1 has no `body`"),
        ('{"segments": [{"startTime": 0, "body": "x"}]}', None, "segment 1 has no `endTime`"),
        ('{"segments": [{"startTime": 0, "endTime": 1, "body": 5}]}', None, "`body` is a int"),
        (
            '{"segments": [{"startTime": 0, "endTime": 1, "body": "x", "speaker": ["Ada"]}]}',
            None,
            "`speaker` is a list",
        ),
        ('{"segments": [{"startTime": -1, "endTime": 1, "body": "x"}]}', None, "negative"),
        ('{"segments": [{"startTime": NaN, "endTime": 1, "body": "x"}]}', None, "not a time in seconds"),
        ('{"segments": [{"startTime": true, "endTime": 1, "body": "x"}]}', None, "not a time in seconds"),
        ('{"segments": [{"start": 0, "end": 1, "text": "x"}]}', "podcast-json", "looks like Whisper JSON"),
        (
            '{"segments": [{"startTime": 0, "endTime": 1, "body": "x"}]}',
            "whisper-json",
            "looks like Podcasting",
        ),
        ('{"segments": [{"start": 0, "end": 1}]}', None, "segment 1 has no `text`"),
        ('[{"start": 0, "end": 1, "text": "a"}, ', None, "invalid JSON at line 1"),
        ("[" * 50_000, "whisper-json", "JSON"),
        ("Ada Quill  0:05\n", None, "every cue is empty"),
        ("[00:00:05] Ada: hi\n[00:99:00] Ada: hi", None, "bad timestamp '00:99:00'"),
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_malformed_variants(text: str, fmt: str | None, fragment: str) -> None:
    assert fragment in str(refused(text, fmt))


def test_an_overlong_cue_is_cut_into_passages_timed_within_it() -> None:
    said = "Steel came late. The crane waited a week. " * 3
    text = f"WEBVTT\n\n00:01.000 --> 00:02.000\nAda: short\n\n00:02.000 --> 00:14.000\nAda: {said}\n"
    t = parse_text(text, Path("x.vtt"), "x", max_utterance_chars=50)
    parts = t.utterances[1:]
    assert [u.text for u in parts] == ["Steel came late. The crane waited a week."] * 3
    assert [(u.start, u.end) for u in parts] == [(2.0, 6.0), (6.0, 10.0), (10.0, 14.0)]
    assert {u.speaker for u in t.utterances} == {"Ada"}
    two = "Steel came late. The crane waited a week. " * 2
    halves = parse_text(text.replace(said, two), Path("x.vtt"), "x", max_utterance_chars=50)
    assert [(u.start, u.end) for u in halves.utterances[1:]] == [(2.0, 8.0), (8.0, 14.0)]  # just over: two


def test_a_long_paragraph_under_a_time_alone_is_cut_into_passages_that_start_at_the_pace_of_speech() -> None:
    said = " ".join(f"Span {n:02d} of the harbour bridge carried its full load." for n in range(30))
    text = f"0:04\n{said}\n3:00\nThanks.\n"  # a transcript copied from YouTube's panel: starts only
    t = parse_text(text, Path("panel.txt"), "panel")
    parts = t.utterances[:-1]
    assert len(parts) == 3 and " ".join(u.text for u in parts) == said
    offsets = [sum(len(u.text) for u in parts[:i]) for i in range(len(parts))]  # characters before, as spoken
    assert [u.start for u in parts] == [round(4.0 + at / SPEECH_CHARS_PER_SECOND, 2) for at in offsets]
    assert {u.end for u in parts} == {None}  # no end is made up
    assert (t.utterances[-1].start, t.utterances[-1].text) == (180.0, "Thanks.")


def test_long_text_is_cut_into_the_fewest_near_equal_passages_of_whole_sentences() -> None:
    sentence = "The crane lifted one more span into place today."  # 48 characters
    assert passages(sentence * 0) == [] and passages("x" * PASSAGE_CHARS) == ["x" * PASSAGE_CHARS]
    text = " ".join([sentence] * 13)  # 636 characters: two passages of 7 and 6 sentences, not 12 and 1
    assert [len(p.split(". ")) for p in passages(text)] == [7, 6]
    text = " ".join([sentence] * 37)  # 1,812: four passages of 9 or 10 sentences
    assert sorted(len(p.split(". ")) for p in passages(text)) == [9, 9, 9, 10]


# --- SRT ----------------------------------------------------------------------------------------


def test_srt_labels_on_speaker_change_multiline_cues_and_dialogue_dashes() -> None:
    t = parse_file(FORMATS / "garden_labels.srt")
    assert t.episode.format == "srt" and t.episode.title == "garden_labels"
    assert t.episode.speakers == ("Marta Silva", "Joel Brandt")
    assert t.episode.duration == 19.0
    assert rows(t) == [
        (1, "Marta Silva", 0.5, 3.0, "Our compost heap finally got warm this week."),
        # Unlabelled cue after a label continues that speaker (captioners label changes only).
        (2, "Marta Silva", 3.1, 5.9, "It reached sixty degrees in the middle."),
        (3, "Joel Brandt", 6.4, 9.0, "Sixty? What did you change?"),
        (4, "Marta Silva", 9.2, 14.0, "More green waste, and I turned it every three days."),
        # Dialogue dashes: two unnamed voices in one cue.
        (5, None, 14.5, 16.0, "Did it smell?"),
        (6, None, 14.5, 16.0, "Only on Tuesdays."),
        (7, "Joel Brandt", 16.5, 19.0, "That is the kind of detail listeners love."),
    ]


@pytest.mark.parametrize("suffix", ["srt", "vtt"])
def test_whisperx_subtitles_name_their_bracketed_speakers(suffix: str) -> None:
    cues = [
        ("00:00:00,000", "00:00:04,200", "[SPEAKER_00]: Welcome back, today we talk about bridges."),
        ("00:00:04,500", "00:00:09,000", "[SPEAKER_01]: Thanks. The steel arrived late."),
        ("00:00:09,500", "00:00:12,000", "[SPEAKER_00]: Why?"),
        ("00:00:12,100", "00:00:16,000", "[a note]: not a speaker, only a bracketed aside."),
    ]
    if suffix == "srt":
        text = "\n".join(f"{n}\n{a} --> {b}\n{line}\n" for n, (a, b, line) in enumerate(cues, 1))
    else:
        body = "\n".join(f"{a.replace(',', '.')} --> {b.replace(',', '.')}\n{line}\n" for a, b, line in cues)
        text = f"WEBVTT\n\n{body}"
    assert rows(parse_text(text, Path(f"w.{suffix}"), "w")) == [
        (1, "Speaker_00", 0.0, 4.2, "Welcome back, today we talk about bridges."),
        (2, "Speaker_01", 4.5, 9.0, "Thanks. The steel arrived late."),
        (3, "Speaker_00", 9.5, 12.0, "Why?"),
        (4, "Speaker_00", 12.1, 16.0, "[a note]: not a speaker, only a bracketed aside."),
    ]


YOUTUBE_AUTO = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.750 align:start position:0%
␠
hello<00:00:00.480><c> everyone</c><00:00:00.960><c> and</c><00:00:01.199><c> welcome</c>

00:00:02.750 --> 00:00:02.760 align:start position:0%
hello everyone and welcome
␠

00:00:02.760 --> 00:00:05.590 align:start position:0%
hello everyone and welcome
to<00:00:03.000><c> the</c><00:00:03.240><c> show</c><00:00:03.500><c> about</c><00:00:03.800><c> bridges</c>

00:00:05.590 --> 00:00:05.600 align:start position:0%
to the show about bridges
␠

00:00:05.600 --> 00:00:08.000 align:start position:0%
to the show about bridges
the<00:00:06.000><c> steel</c><00:00:06.400><c> arrived</c><00:00:06.800><c> late</c>
""".replace("␠", " ")  # YouTube writes a blank line as one space


@pytest.mark.parametrize("suffix", ["vtt", "srt"])
def test_youtube_rolling_captions_give_each_line_once(suffix: str) -> None:
    text = YOUTUBE_AUTO
    if suffix == "srt":  # as yt-dlp --convert-subs srt writes them: the same cues, numbered
        cues = re.sub(r"<[^>]+>", "", YOUTUBE_AUTO.split("\n\n", 1)[1]).split("\n\n")
        text = "\n\n".join(f"{n}\n{cue.replace('.', ',', 2)}" for n, cue in enumerate(cues, 1))
    assert rows(parse_text(text, Path(f"yt.{suffix}"), "yt")) == [
        (1, None, 0.0, 2.75, "hello everyone and welcome"),
        (2, None, 2.76, 5.59, "to the show about bridges"),
        (3, None, 5.6, 8.0, "the steel arrived late"),
    ]


def _captions(lines: list[str], gap_after: int | None = None) -> str:
    cues, t = [], 0.0
    for n, line in enumerate(lines):
        cues.append(f"{n + 1}\n00:00:{t:06.3f} --> 00:00:{t + 2.5:06.3f}\n{line}\n".replace(".", ",", 2))
        t += 2.5 + (5.0 if n == gap_after else 0.0)
    return "\n".join(cues)


def test_caption_lines_that_never_end_a_sentence_are_joined_into_passages() -> None:
    lines = [f"the crane lifted span {n} into place" for n in range(1, 21)]  # 32-33 characters each
    t = parse_text(_captions(lines, gap_after=2), Path("auto.srt"), "auto")
    texts = [u.text for u in t.utterances]
    assert " ".join(texts) == " ".join(lines)
    assert texts[0] == " ".join(lines[:3])  # the pause after the third line ends the first passage
    assert all(len(x) <= FRAGMENT_PASSAGE_CHARS for x in texts) and len(texts) == 4
    assert [(u.start, u.end) for u in t.utterances[:2]] == [(0.0, 7.5), (12.5, t.utterances[1].end)]
    assert t.utterances[0].marks == ((7, 2.5), (14, 5.0))  # each line's start, after 7 words a line


def test_caption_lines_are_joined_across_a_pause_measured_from_each_lines_end() -> None:
    lines = [f"the crane lifted span {n} into place" for n in range(1, 25)]
    # slow speech: each line takes 6 s (read at 15 characters a second it would end after 2.2 s); then
    # a pause of exactly 2 s, a line starting with the one before (an overlapping caption), a 2.5 s pause
    starts = [6.0 * n for n in range(12)] + [74.0, 74.0] + [82.5 + 6 * n for n in range(10)]
    text = "\n".join(
        f"{n}\n{_clock(t)} --> {_clock(t + 6)}\n{line}\n"
        for n, (t, line) in enumerate(zip(starts, lines, strict=True), 1)
    )
    t = parse_text(text, Path("slow.srt"), "slow")
    assert [u.start for u in t.utterances] == [0.0, 48.0, 82.5, 130.5]  # 8 lines of 33 characters at most
    assert [len(u.marks) for u in t.utterances] == [7, 5, 7, 1]  # each joined line's start

    untimed = parse_text("\n".join(lines) + "\n", Path("untimed.txt"), "untimed")  # no times, no pauses
    assert len(untimed.utterances) == 3 and " ".join(u.text for u in untimed.utterances) == " ".join(lines)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"00:{whole // 60:02d}:{whole % 60:02d},{round((seconds - whole) * 1000):03d}"


def test_caption_lines_copied_with_their_start_times_only_are_joined_up_to_a_pause() -> None:
    lines = [f"the crane lifted span {n} into place" for n in range(1, 21)]
    starts = [2 * n for n in range(10)] + [60 + 2 * n for n in range(10)]  # 33 characters: about 2.2 s each
    text = "Transcript\n" + "".join(
        f"{s // 60}:{s % 60:02d}\n{line}\n" for s, line in zip(starts, lines, strict=True)
    )
    t = parse_text(text, Path("panel.txt"), "panel")
    assert [u.start for u in t.utterances] == [0.0, 16.0, 60.0, 76.0]
    assert t.utterances[2].text.startswith("the crane lifted span 11 ")


def test_caption_lines_whose_times_run_back_start_a_new_passage() -> None:
    lines = [f"the crane lifted span {n} into place" for n in range(1, 21)]
    # two copies of a panel pasted one after the other: the second starts again near 0:00
    starts = [2 * n for n in range(10)] + [1 + 2 * n for n in range(10)]
    text = "Transcript\n" + "".join(
        f"{s // 60}:{s % 60:02d}\n{line}\n" for s, line in zip(starts, lines, strict=True)
    )
    t = parse_text(text, Path("twice.txt"), "twice")
    assert [u.start for u in t.utterances] == [0.0, 16.0, 1.0, 17.0]


def test_punctuated_or_labelled_captions_keep_their_cues() -> None:
    punctuated = [f"The crane lifted span {n}." for n in range(1, 25)]
    labelled = [f"ADA: the crane lifted span {n}" if n % 2 else f"BEN: span {n} is in" for n in range(1, 25)]
    few = [f"the crane lifted span {n}" for n in range(1, 6)]  # too few lines to tell
    # one line in ten ends a sentence: a transcript that punctuates, if seldom, keeps its cues; one in thirty
    # (a stray "?" of automatic captions) does not
    seldom = [f"the crane lifted span {n}" + ("." if n % 10 == 0 else "") for n in range(1, 31)]
    stray = [f"the crane lifted span {n}" + ("?" if n == 15 else "") for n in range(1, 31)]
    assert len(parse_text(_captions(seldom), Path("s.srt"), "s").utterances) == 30
    assert len(parse_text(_captions(stray), Path("r.srt"), "r").utterances) < 30
    assert len(parse_text(_captions(punctuated), Path("p.srt"), "p").utterances) == 24
    assert len(parse_text(_captions(labelled), Path("l.srt"), "l").utterances) == 24
    assert len(parse_text(_captions(few), Path("f.srt"), "f").utterances) == 5


def test_a_line_said_twice_in_subtitles_that_do_not_roll_stays_twice() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nNo.\n\n"
        "2\n00:00:02,500 --> 00:00:03,000\nNo.\n\n"
        "3\n00:00:03,500 --> 00:00:05,000\nI said no, and I meant it.\n"
    )
    assert [r[4] for r in rows(parse_text(text, Path("no.srt"), "no"))] == [
        "No.",
        "No.",
        "I said no, and I meant it.",
    ]


def test_cues_without_blank_lines_between_them_are_still_cues() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n2\n00:00:03,000 --> 00:00:04,500\nGeneral Kenobi.\n"
    )
    assert rows(parse_text(text, Path("x.srt"), "x")) == [
        (1, None, 1.0, 2.0, "Hello there."),
        (2, None, 3.0, 4.5, "General Kenobi."),
    ]
    err = refused(text.replace("00:00:04,500", "00:00:0X,500"))
    assert err.line == 5 and "00:00:0X,500" in str(err)


def test_a_fraction_of_a_second_in_fewer_than_three_digits_keeps_its_value() -> None:
    text = "00:00:01.5 --> 00:00:02.25\nHello there.\n"
    assert rows(parse_text(text, Path("x.srt"), "x")) == [(1, None, 1.5, 2.25, "Hello there.")]


def test_two_line_captions_whose_first_lines_are_not_recurring_names_stay_words() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\nHey Jude\nDon't make it bad\n\n"
        "2\n00:00:03,000 --> 00:00:06,000\nTake A Sad Song\nAnd make it better\n"
    )
    assert rows(parse_text(text, Path("x.srt"), "x")) == [
        (1, None, 1.0, 3.0, "Hey Jude Don't make it bad"),
        (2, None, 3.0, 6.0, "Take A Sad Song And make it better"),
    ]


def test_srt_without_labels_keeps_speaker_none() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\nNote: the hall was cold.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n-5 degrees.\n"
    )
    assert rows(parse_text(text, Path("c.srt"), "c")) == [
        (1, None, 1.0, 2.5, "Note: the hall was cold."),
        (2, None, 3.0, 4.0, "-5 degrees."),
    ]


def test_srt_position_coordinates_after_the_times_are_not_a_bad_timing_line() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,500  X1:40 X2:600 Y1:20 Y2:50\nLower third.\n"
    assert rows(parse_text(text, Path("p.srt"), "p")) == [(1, None, 1.0, 2.5, "Lower third.")]


# --- JSON ---------------------------------------------------------------------------------------


def test_podcast_json_merges_split_sentences_of_one_speaker_only() -> None:
    t = parse_file(FORMATS / "bakery.podcast.json")
    ep = t.episode
    assert ep.format == "podcast-json"
    assert (ep.title, ep.show, ep.host, ep.guests) == (
        "Sourdough at Altitude",
        "Crumb Theory",
        "Hana Mori",
        ("Olu Bakare",),
    )
    assert ep.speakers == ("Hana Mori", "Olu Bakare")  # "OLU BAKARE" is the same person
    assert ep.duration == 23.0
    assert rows(t) == [
        (1, "Hana Mori", 0.4, 3.1, "Olu, you bake at two thousand metres."),
        (2, "Hana Mori", 3.3, 4.6, "What breaks first?"),
        (3, "Olu Bakare", 5.0, 9.8, "The starter. It rises twice as fast and collapses before noon."),
        (4, "Olu Bakare", 12.5, 14.0, "So I feed it cold water"),  # 3 s pause: new utterance
        (5, "Olu Bakare", 17.0, 19.5, "and less flour at night."),
        (6, None, 20.0, 21.0, "[laughter]"),
        (7, "Hana Mori", 21.2, 23.0, "Cold water. Noted."),
    ]
    assert source_link(ep, t.utterances[2]) == "https://www.youtube.com/watch?v=crumb-theory-7&t=5"


def test_whisper_json_keeps_segments_unattributed_and_unmerged() -> None:
    t = parse_file(FORMATS / "lecture.whisper.json")
    assert t.episode.format == "whisper-json" and t.episode.title == "lecture.whisper"
    assert t.episode.speakers == () and t.episode.duration == 12.75
    assert rows(t) == [
        (1, None, 0.0, 3.2, "Bees do not sleep the way we do."),
        (2, None, 3.2, 6.9, "They rest in short bouts,"),
        (3, None, 6.9, 8.4, "mostly at night."),
        (4, None, 9.1, 12.75, "A tired bee dances less precisely."),
    ]


def test_whisper_top_level_list_and_diarised_speakers() -> None:
    segments = [
        {"start": 0, "end": 1.5, "text": " so the plan is", "speaker": "SPEAKER_00"},
        {"start": 1.5, "end": 3, "text": " to plant in March.", "speaker": "SPEAKER_00"},
        {"start": 3.2, "end": 4, "text": " Agreed.", "speaker": "SPEAKER_01"},
    ]
    t = parse_text(json.dumps(segments), Path("w.json"), "w")
    assert t.episode.format == "whisper-json"
    assert rows(t) == [
        (1, "Speaker_00", 0.0, 3.0, "so the plan is to plant in March."),
        (2, "Speaker_01", 3.2, 4.0, "Agreed."),
    ]


def test_voices_a_service_only_numbers_or_letters_are_speakers_by_that_mark() -> None:  # OpenAI diarised JSON
    segments = [
        {
            "type": "transcript.text.segment",
            "start": 0.2,
            "end": 2.9,
            "text": "Welcome back.",
            "speaker": "A",
        },
        {
            "type": "transcript.text.segment",
            "start": 3.4,
            "end": 4.6,
            "text": "Is that the steel?",
            "speaker": "B",
        },
        {"start": 5.0, "end": 6.0, "text": "It is.", "speaker": 2},
        {"start": 6.5, "end": 7.0, "text": "Good.", "speaker": "Ed"},
    ]
    t = parse_text(json.dumps({"segments": segments}), Path("w.json"), "w")
    assert [u.speaker for u in t.utterances] == ["Speaker A", "Speaker B", "Speaker 2", "Ed"]


# --- Otter-style text ---------------------------------------------------------------------------


def test_rev_text_export_headers_hold_the_time_in_brackets() -> None:
    text = (
        "Speaker 1 (00:00:05):\nWelcome to the show.\n\n"
        "Speaker 2 (00:00:09):\nThanks for having me.\nThe steel arrived late.\n\n"
        "Speaker 1 (01:15):\nWhy?\n"
    )
    t = parse_text(text, Path("rev.txt"), "rev")
    assert t.episode.format == "otter"
    assert rows(t) == [
        (1, "Speaker 1", 5.0, None, "Welcome to the show."),
        (2, "Speaker 2", 9.0, None, "Thanks for having me. The steel arrived late."),
        (3, "Speaker 1", 75.0, None, "Why?"),
    ]


def test_whisper_cpp_lines_give_start_and_end() -> None:
    text = (
        "[00:00:00.000 --> 00:00:04.200]   Welcome to the show, today we talk about bridges.\n"
        "[00:00:04.200 --> 00:00:09.000]   Thanks for having me.\n"
    )
    t = parse_text(text, Path("talk.txt"), "talk")
    assert t.episode.format == "otter"
    assert rows(t) == [
        (1, None, 0.0, 4.2, "Welcome to the show, today we talk about bridges."),
        (2, None, 4.2, 9.0, "Thanks for having me."),
    ]


def test_plain_text_lines_are_utterances() -> None:  # Whisper's .txt output: a segment per line
    t = parse_text(" Welcome to the show.\nThanks for having me.\n\n", Path("w.txt"), "w")
    assert t.episode.format == "plain"
    assert rows(t) == [
        (1, None, None, None, "Welcome to the show."),
        (2, None, None, None, "Thanks for having me."),
    ]


def test_plain_text_paragraphs_are_utterances_with_the_metadata_block() -> None:
    text = (
        "--- METADATA START ---\nShow: Field Notes\nEpisode: Bridges\n--- METADATA END ---\n\n"
        "Welcome to the show. Today we talk\nabout bridges.\n\nThanks for having me.\n"
    )
    t = parse_text(text, Path("p.txt"), "p")
    assert t.episode.format == "plain" and t.episode.title == "Bridges"
    assert [(u.number, u.text) for u in t.utterances] == [
        (1, "Welcome to the show. Today we talk about bridges."),
        (2, "Thanks for having me."),
    ]


def test_plain_text_pasted_as_one_block_is_cut_into_passages_of_whole_sentences() -> None:
    sentences = [f"Sentence {n} says that Dr. Okafor checked bridge {n} twice." for n in range(1, 41)]
    t = parse_text(" ".join(sentences) + "\n", Path("blob.txt"), "blob")
    texts = [u.text for u in t.utterances]
    assert " ".join(texts) == " ".join(sentences)
    assert len(texts) == math.ceil(len(" ".join(sentences)) / PASSAGE_CHARS) == 4
    assert all(len(x) <= PASSAGE_CHARS for x in texts)
    assert all(x.endswith("twice.") for x in texts)  # "Dr." ends no passage


def test_unpunctuated_text_is_cut_into_near_equal_runs_of_words() -> None:  # automatic captions
    words = [f"word{n}" for n in range(400)]
    t = parse_text(" ".join(words) + "\n", Path("cap.txt"), "cap")
    sizes = [len(u.text.split()) for u in t.utterances]
    assert " ".join(u.text for u in t.utterances).split() == words
    assert max(sizes) - min(sizes) <= 1 and all(len(u.text) <= PASSAGE_CHARS for u in t.utterances)


def test_code_or_settings_passed_by_mistake_are_not_read_as_plain_text() -> None:
    settings = '[project]\nname = "transcript-assistant"\ndependencies = ["cohere>=5,<6", "chromadb>=1.5"]\n'
    code = "def main(argv: list[str]) -> int:\n    return run(argv[1:]) or 0\n"
    for text in (settings, code):
        assert sniff_format(text) == "numbered"  # whose error asks for numbered utterances
    assert sniff_format("我们今天讨论桥梁。\n钢材来晚了，因为工厂着火了。\n") == "plain"


def test_a_heading_above_speaker_blocks_is_the_title_not_an_error() -> None:  # Teams' text export
    heading = "Weekly sync\nMarch 5, 2024, 3:00PM\n32m 10s\n"
    text = heading + "\nAlice Smith   0:03\nHello everyone.\n\nBob Jones   0:10\nHi.\n"
    assert sniff_format(text) == "otter", "read as plain text, its speakers and times would be lost"
    t = parse_text(text, Path("sync.txt"), "sync")
    assert t.episode.title == "Weekly sync"
    assert t.episode.heading == ("Weekly sync", "March 5, 2024, 3:00PM", "32m 10s")
    assert [(u.speaker, u.start, u.text) for u in t.utterances] == [
        ("Alice Smith", 3.0, "Hello everyone."),
        ("Bob Jones", 10.0, "Hi."),
    ]
    assert "Heading of the transcript file: Weekly sync · March 5, 2024, 3:00PM · 32m 10s." in (
        details_utterance(t.episode).text
    )


def test_google_meets_heading_and_times_alone() -> None:
    text = (
        "Quarterly planning - 2024/03/12 10:58 EDT - Transcript\nAttendees\nAlice Smith, Bob Jones\n"
        "Transcript\n"
        "This editable transcript was computer generated and might contain errors.\n00:00:00\n\n"
        "Alice Smith: Let us review the budget.\nBob Jones: It is twelve thousand euros over.\n00:05:00\n\n"
        "Alice Smith: Why is it over?\n"
    )
    t = parse_text(text, Path("meet.txt"), "meet")
    assert t.episode.title == "Quarterly planning - 2024/03/12 10:58 EDT - Transcript"
    assert len(t.episode.heading) == 5 and t.episode.heading[2] == "Alice Smith, Bob Jones"
    assert [(u.speaker, u.start) for u in t.utterances] == [
        ("Alice Smith", 0.0),
        ("Bob Jones", None),
        ("Alice Smith", 300.0),
    ]


def test_the_line_an_app_writes_under_the_transcript_is_not_speech() -> None:
    otter = "Alice Smith  0:03\nHello everyone.\n\nBob Jones  0:10\nThanks, bye.\n\nTranscribed by https://otter.ai\n"
    assert [u.text for u in parse_text(otter, Path("o.txt"), "o").utterances] == [
        "Hello everyone.",
        "Thanks, bye.",
    ]
    meet = (
        "Weekly sync - Transcript\n00:00:00\n\nAlice Smith: Hello everyone.\nBob Jones: Hi Alice.\n"
        "Alice Smith: Let us start.\nBob Jones: Thanks, bye.\nMeeting ended after 00:06:12 👋\n\n"
    )
    t = parse_text(meet, Path("m.txt"), "m")
    assert t.utterances[-1].text == "Thanks, bye." and t.episode.duration == 372.0


def test_a_title_given_by_metadata_is_kept_over_the_heading() -> None:
    text = (
        "--- METADATA START ---\nTitle: Budget review\n--- METADATA END ---\nWeekly sync\n\n"
        "Alice Smith   0:03\nHello everyone.\n\nBob Jones   0:10\nHi.\n"
    )
    t = parse_text(text, Path("sync.txt"), "sync")
    assert t.episode.title == "Budget review" and t.episode.heading == ("Weekly sync",)


def test_more_lines_above_the_first_speaker_than_a_heading_holds_are_an_error() -> None:
    text = "".join(f"Line {n} of a preface.\n" for n in range(1, MAX_HEADING_LINES + 2))
    text += "\nAlice Smith   0:03\nHello everyone.\n\nBob Jones   0:10\nHi.\n"
    err = refused(text)
    assert err.line == 1 and "expected a speaker line" in err.problem
    assert err.hint.endswith(
        f"the first speaker line comes after {MAX_HEADING_LINES + 1} lines of text, more than a heading "
        f"holds ({MAX_HEADING_LINES}): delete the lines above it, or all but the title"
    )
    one_fewer = parse_text(text[text.index("Line 2") :], Path("sync.txt"), "sync")
    assert len(one_fewer.episode.heading) == MAX_HEADING_LINES and len(one_fewer.utterances) == 2


def test_a_transcript_copied_from_youtube_keeps_its_times() -> None:  # time alone, then what was said
    text = (
        "Transcript\n0:00\nhello and welcome to the show\n0:04\ntoday we talk about the harbour bridge\n"
        "and why it opened late\n\n1:02:03\nthanks for listening\n"
    )
    assert sniff_format(text) == "otter", "as plain text each time would be an utterance of its own"
    t = parse_text(text, Path("yt.txt"), "yt")
    assert t.episode.heading == ("Transcript",)
    assert [(u.speaker, u.start, u.text) for u in t.utterances] == [
        (None, 0.0, "hello and welcome to the show"),
        (None, 4.0, "today we talk about the harbour bridge and why it opened late"),
        (None, 3723.0, "thanks for listening"),
    ]


def test_lines_that_open_with_a_bare_time_keep_it() -> None:  # a transcript tool's "0:04 what was said"
    text = "Transcript\n0:00 hello and welcome\n0:04 today the harbour bridge\nand why it opened late\n"
    text += "1:02:03 bye\n"
    t = parse_text(text, Path("bare.txt"), "bare")
    assert [(u.start, u.text) for u in t.utterances] == [
        (0.0, "hello and welcome"),
        (4.0, "today the harbour bridge and why it opened late"),
        (3723.0, "bye"),
    ]
    prose = "10:30 is when we met.\nThen we walked to the bridge.\nIt was closed.\n"
    assert [u.text for u in parse_text(prose, Path("p.txt"), "p").utterances][0] == "10:30 is when we met."


def test_a_time_alone_on_its_line_starts_the_next_utterance() -> None:  # Google Meet's text transcripts
    text = (
        "00:00:00\n\nAlice Smith: Let us review the budget.\nBob Jones: It is twelve thousand euros over.\n\n"
        "00:05:00\n\nAlice Smith: Why is it over?\nBob Jones: The steel arrived late.\n"
    )
    t = parse_text(text, Path("meet.txt"), "meet")
    assert t.episode.format == "otter"
    assert rows(t) == [
        (1, "Alice Smith", 0.0, None, "Let us review the budget."),
        (2, "Bob Jones", None, None, "It is twelve thousand euros over."),
        (3, "Alice Smith", 300.0, None, "Why is it over?"),
        (4, "Bob Jones", None, None, "The steel arrived late."),
    ]


def test_a_two_line_google_meet_transcript_is_read_as_a_meeting() -> None:
    text = "Bridge sync - Transcript\n00:00:00\n\nAlice Smith: Let us review.\nBob Jones: It is over.\n"
    t = parse_text(text, Path("meet.txt"), "meet")
    assert t.episode.format == "otter" and t.episode.heading == ("Bridge sync - Transcript",)
    assert rows(t) == [
        (1, "Alice Smith", 0.0, None, "Let us review."),
        (2, "Bob Jones", None, None, "It is over."),
    ]


def test_zoom_saved_captions_count_time_from_the_first_caption() -> None:
    """Zoom writes the time of day, not the time into the recording."""
    text = (
        "[Alice Smith] 10:01:23\nHello everyone.\n[Bob Jones] 10:01:30\nHi there,\nsorry I am late.\n\n"
        "[Alice Smith] 10:02:05\nLet us start.\n"
    )
    t = parse_text(text, Path("meeting_saved_closed_caption.txt"), "m")
    assert t.episode.format == "otter"
    assert rows(t) == [
        (1, "Alice Smith", 0.0, None, "Hello everyone."),
        (2, "Bob Jones", 7.0, None, "Hi there, sorry I am late."),
        (3, "Alice Smith", 42.0, None, "Let us start."),
    ]
    late = parse_text(
        "[Ana Ruiz] 23:59:50\nStill here.\n[Ben Okafor] 00:00:05\nHappy new year.\n", Path("m"), "m"
    )
    assert [u.start for u in late.utterances] == [0.0, 15.0]


def test_a_time_in_brackets_between_the_speaker_and_the_colon_is_the_start() -> None:  # web pages' layout
    text = "Nadia Brooks [00:00:03]: Welcome.\nTomás Reyes (0:07): Thanks for having me.\nand the team.\n"
    assert rows(parse_text(text, Path("x.txt"), "x")) == [
        (1, "Nadia Brooks", 3.0, None, "Welcome."),
        (2, "Tomás Reyes", 7.0, None, "Thanks for having me. and the team."),
    ]


def test_a_time_in_brackets_after_the_speaker_is_the_start() -> None:  # `Name: [00:00:03] text`
    text = (
        "Alice Smith: [00:00:03] Hello everyone.\nBob Jones: [00:01:10] Hi there.\n"
        "Alice Smith: (1:02:03) Right.\n"
    )
    assert rows(parse_text(text, Path("x.txt"), "x")) == [
        (1, "Alice Smith", 3.0, None, "Hello everyone."),
        (2, "Bob Jones", 70.0, None, "Hi there."),
        (3, "Alice Smith", 3723.0, None, "Right."),
    ]


def test_otter_speaker_blocks() -> None:
    t = parse_file(FORMATS / "otter_blocks.txt")
    assert t.episode.format == "otter"
    assert t.episode.speakers == ("Rosa Lindqvist", "Sam Adeyemi")
    assert t.episode.duration is None  # only start times
    assert rows(t) == [
        (
            1,
            "Rosa Lindqvist",
            3.0,
            None,
            "Okay, we're recording. This is the volunteer check-in for the seed library.",
        ),
        (
            2,
            "Sam Adeyemi",
            11.0,
            None,
            (
                "Thanks, Rosa. Quick update: we catalogued two hundred packets of tomato seed, most of them "
                "donated by one family."
            ),
        ),
        (3, "Rosa Lindqvist", 24.0, None, "Two hundred? Where do we even put them?"),
        (4, "Sam Adeyemi", 41.0, None, "The old card catalogue drawers. They fit perfectly."),
    ]


def test_otter_timestamped_lines_with_metadata_block() -> None:
    t = parse_file(FORMATS / "otter_lines.txt")
    ep = t.episode
    assert (ep.format, ep.title, ep.show, ep.host, ep.guests) == (
        "otter",
        "The Lighthouse Keeper's Logbook",
        "Night Shift Radio",
        "Aiko Tanaka",
        ("Ben Hollis",),
    )
    assert rows(t) == [
        (1, "Aiko Tanaka", 2.0, None, "Tonight's guest kept a lighthouse for eleven years."),
        (
            2,
            "Ben Hollis",
            8.0,
            None,
            "Twelve, if you count the winter I spent repainting it. The paint froze on the brush twice.",
        ),
        (3, "Aiko Tanaka", 19.0, None, "What did you write in the logbook?"),
        (4, "Ben Hollis", 23.0, None, "Weather, ships, and once a whale that stayed for an hour."),
    ]
    assert source_link(ep, t.utterances[1]) == "https://podcasts.example.net/night-shift/lighthouse"


def test_otter_name_lines_without_times() -> None:
    t = parse_file(FORMATS / "names_only.txt")
    assert [(u.speaker, u.start) for u in t.utterances] == [("Greta", None), ("Paulo", None)] * 2
    assert t.episode.speakers == ("Greta", "Paulo")


def test_otter_hour_timestamps_and_unnamed_stamped_lines() -> None:
    t = parse_text("[1:02:03] Ada: late\n(1:02:09) applause from the room\n", Path("o.txt"), "o")
    assert rows(t) == [(1, "Ada", 3723.0, None, "late"), (2, None, 3729.0, None, "applause from the room")]


# --- sniffing and forcing -----------------------------------------------------------------------

GOOD = {
    "garden_voices.vtt": "webvtt",
    "garden_labels.srt": "srt",
    "bakery.podcast.json": "podcast-json",
    "lecture.whisper.json": "whisper-json",
    "otter_blocks.txt": "otter",
    "otter_lines.txt": "otter",
    "names_only.txt": "otter",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(GOOD.items()))
def test_sniffing_is_by_content_not_extension(tmp_path: Path, name: str, fmt: str) -> None:
    assert sniff_format((FORMATS / name).read_text(encoding="utf-8")) == fmt
    renamed = tmp_path / "transcript.txt"
    shutil.copy(FORMATS / name, renamed)
    assert parse_file(renamed).episode.format == fmt


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.name)
def test_numbered_layout_is_not_mistaken_for_another(path: Path) -> None:
    assert sniff_format(path.read_text(encoding="utf-8")) == "numbered"


@pytest.mark.parametrize(
    "text",
    [
        "1\nPriya: hi\n2\nTom: [00:01:02] hello",
        "--- METADATA START ---\nShow: X\n--- METADATA END ---\n1\nAda: hi\n2\nBen: hello",
        (
            "Draft, do not share\n--- METADATA START ---\nShow: X\nHost: Y\nEpisode: Z\n"
            "--- METADATA END ---\n1\nA: a\n2\nB: b\n3\nC: c"
        ),
        "1 [00:00:01] Ada: hi",
        "1\n00:00 was the time on the clock\n2\nyes",
    ],
)
def test_numbered_lookalikes_stay_numbered(text: str) -> None:
    assert sniff_format(text) == "numbered"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("\n\nWEBVTT\n\n00:01.000 --> 00:02.000\nhi\n", "webvtt"),
        ("00:00:01,000 --> 00:00:02,000\nhi\n", "srt"),
        ('  {"segments": [{"start": 0, "end": 1, "text": "hi"}]}', "whisper-json"),
        ('{"version": "1.0.0", "segments": []}', "whisper-json"),
        ('{"segments": [{"body": "hi"}]}', "podcast-json"),
        ("[]", "whisper-json"),
        ("[00:00:01] Ada: hi", "otter"),
        ("Just some prose: nothing more.", "plain"),
        ("Chapter One: The Start\nIt was cold.", "plain"),
        ("WEBVTTX\n", "numbered"),  # a broken header gets an error, not a transcript of the header
        ("1\n00:00:01,000 -> 00:00:02,000\nHi.\n", "numbered"),
        ("Hello.\n2\nWorld.\n", "numbered"),  # utterance 1 missing, not plain text
    ],
)
def test_sniffers_tell_layouts_apart(text: str, fmt: str) -> None:
    assert sniff_format(text) == fmt


def test_fmt_forces_a_layout_and_accepts_aliases() -> None:
    text = (FORMATS / "names_only.txt").read_text(encoding="utf-8")
    err = refused(text, "numbered")
    assert "expected utterance 1" in str(err)
    vtt = (FORMATS / "garden_voices.vtt").read_text(encoding="utf-8")
    assert parse_text(vtt, Path("a.txt"), "a", "vtt").episode.format == "webvtt"
    assert parse_text(vtt, Path("a.txt"), "a", "WebVTT").episode.format == "webvtt"
    err = refused(vtt, "docx")
    assert "unknown transcript format 'docx'" in str(err) and "whisper-json" in str(err)
    assert set(format_names()) == {
        "ttml",
        "sbv",
        "webvtt",
        "srt",
        "amazon-transcribe-json",
        "deepgram-json",
        "rev-json",
        "elevenlabs-json",
        "assemblyai-json",
        "podcast-json",
        "whisper-json",
        "otter",
        "plain",
        "numbered",
    }


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared development data not found at {SHARED}")
def test_shared_benchmark_transcripts_sniff_as_numbered() -> None:
    paths = sorted(SHARED.rglob("*.txt"))
    assert paths
    assert {p.name: sniff_format(p.read_text(encoding="utf-8")) for p in paths} == {
        p.name: "numbered" for p in paths
    }


# --- speaker names and merging ------------------------------------------------------------------


def test_display_names_prefer_mixed_case_then_metadata_then_title_case() -> None:
    names = display_names(["PRIYA NAIR", "Priya  Nair", "TOM REED", "dj kofi"], preferred=["DJ Kofi"])
    assert names == {"priya nair": "Priya Nair", "tom reed": "Tom Reed", "dj kofi": "DJ Kofi"}


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("PRIYA NAIR", True),
        ("Priya Nair", True),
        ("Ludwig van Beethoven", True),
        ("Dr. Lena Ortiz", True),
        ("Speaker 1", True),
        ("Élodie", True),
        ("Q", True),
        ("Here's the thing", False),
        ("Note", False),
        ("10", False),
        ("so", False),
        ("a b c d e", False),
        ("Why, though", False),
        ("", False),
        ("Alice Smith (Guest)", True),
        ("Bob Jones (he/him)", True),
        ("Budget (revised)", False),
        ("Alice Smith (an old friend of mine)", False),
    ],
)
def test_is_label(name: str, ok: bool) -> None:
    assert is_label(name) is ok


def test_tags_meeting_apps_add_to_names_are_not_part_of_the_speaker() -> None:
    teams = (
        "Alice Smith (Guest)   0:03\nHello everyone.\n\nBob Jones   0:10\nHi.\n\nAlice Smith   0:12\nBye.\n"
    )
    t = parse_text(teams, Path("sync.txt"), "sync")
    assert [(u.speaker, u.start) for u in t.utterances] == [
        ("Alice Smith", 3.0),
        ("Bob Jones", 10.0),
        ("Alice Smith", 12.0),
    ]
    assert t.episode.speakers == ("Alice Smith", "Bob Jones")
    zoom = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nAlice Smith (She/Her): Hello everyone.\n\n"
        "2\n00:00:03.000 --> 00:00:05.000\nBob Jones: Hi.\n"
    )
    assert [(u.speaker, u.text) for u in parse_text(zoom, Path("z.vtt"), "z").utterances] == [
        ("Alice Smith", "Hello everyone."),
        ("Bob Jones", "Hi."),
    ]


def test_merge_pieces_rules() -> None:
    def p(text: str, speaker: str | None, start: float, end: float) -> Piece:
        return Piece(text, "cue", None, speaker, start, end)

    merged = merge_pieces(
        [
            p("we planted", "A", 0, 1),
            p("the beans", "A", 1.5, 2),  # same speaker, mid-sentence, short pause: joined
            p("too early.", "A", 3.9, 5),  # 1.9 s pause: still joined
            p("Then frost", "A", 5, 6),  # previous ended a sentence: new
            p("came.", "B", 6, 7),  # other speaker: new
            p("and then", None, 7, 8),
            p("more", None, 8, 9),  # unknown speakers are never joined
            p("so long", "B", 9, 10),
            p("after", "B", 12.5, 13),  # 2.5 s pause: new
        ],
        max_chars=1000,
    )
    assert [(m.text, m.speaker, m.start, m.end) for m in merged] == [
        ("we planted the beans too early.", "A", 0, 5),
        ("Then frost", "A", 5, 6),
        ("came.", "B", 6, 7),
        ("and then", None, 7, 8),
        ("more", None, 8, 9),
        ("so long", "B", 9, 10),
        ("after", "B", 12.5, 13),
    ]
    backwards = merge_pieces([p("at ten", "A", 10, 11), p("at two", "A", 2, 3)], max_chars=1000)
    assert [(m.text, m.start, m.end) for m in backwards] == [("at ten", 10, 11), ("at two", 2, 3)]
    overlapping = merge_pieces([p("long cue", "A", 0, 9), p("inside it", "A", 1, 2)], max_chars=1000)
    assert [(m.text, m.start, m.end) for m in overlapping] == [("long cue inside it", 0, 9)]
    capped = merge_pieces([p("x" * 6, "A", 0, 1), p("y" * 6, "A", 1, 2)], max_chars=12)
    assert [m.text for m in capped] == ["xxxxxx", "yyyyyy"]


# --- a folder of mixed formats, through the public API ------------------------------------------


def test_ingest_folder_of_mixed_formats(tmp_path: Path) -> None:
    from assistant import Assistant

    folder = tmp_path / "inbox"
    (folder / "nested").mkdir(parents=True)
    for name in GOOD:
        shutil.copy(FORMATS / name, folder / name)
    shutil.copy(DATA / "meeting_speakers.txt", folder / "nested" / "meeting_speakers.txt")
    seen: list[tuple[int, int]] = []
    a = Assistant.from_settings(store=tmp_path / "store")
    report = a.ingest(folder, progress=lambda done, total, label: seen.append((done, total)))
    assert report.ok, report.failed
    assert sorted(report.added) == sorted(
        [
            "garden_voices",
            "garden_labels",
            "bakery.podcast",
            "lecture.whisper",
            "otter_blocks",
            "otter_lines",
            "names_only",
            "meeting_speakers",
        ]
    )
    assert seen and seen[-1][0] == seen[-1][1]
    formats = {e.id: e.format for e in a.episodes()}
    assert formats["garden_voices"] == "webvtt" and formats["meeting_speakers"] == "numbered"

    episode = a.episode("garden_voices")
    assert episode.speakers == ("Ines Carvalho", "Dev Okonkwo") and episode.duration == 94.0
    hits = a.search("slugs ate forty heads of lettuce", k=3)
    top = hits[0].utterance
    assert (top.episode_id, top.number, top.speaker, top.start, top.end) == (
        "garden_voices",
        3,
        "Dev Okonkwo",
        9.5,
        12.25,
    )
    assert source_link(episode, top) == "https://example.org/audio/allotment-14.mp3#t=9"
    stored = a.transcript("bakery.podcast")
    assert [(u.number, u.speaker, u.start) for u in stored][:3] == [
        (1, "Hana Mori", 0.4),
        (2, "Hana Mori", 3.3),
        (3, "Olu Bakare", 5.0),
    ]
