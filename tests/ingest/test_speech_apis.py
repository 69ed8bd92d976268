"""The JSON speech-to-text services return (AssemblyAI, Deepgram, Rev.ai, ElevenLabs, Amazon Transcribe),
read with speakers and times."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.parse import parse_file, parse_text, sniff_format

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
TURNS = [
    ("Welcome back. The quote came in at twelve thousand.", 0.24, 2.9),
    ("Is that with the steel?", 3.4, 4.6),
]


def rows(transcript: Any) -> list[tuple[Any, ...]]:
    return [(u.number, u.speaker, u.start, u.end, u.text) for u in transcript.utterances]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FORMATS / name).read_text(encoding="utf-8"))
    return data


def parsed(data: object, fmt: str | None = None) -> Any:
    return parse_text(json.dumps(data), Path("call.json"), "call", fmt)


def refused(data: object, fmt: str | None = None) -> ParseError:
    with pytest.raises(ParseError) as info:
        parsed(data, fmt)
    return info.value


@pytest.mark.parametrize(
    ("name", "fmt", "speakers"),
    [
        ("standup.assemblyai.json", "assemblyai-json", ("Speaker A", "Speaker B")),
        ("standup.deepgram.json", "deepgram-json", ("Speaker 0", "Speaker 1")),
        ("standup.rev.json", "rev-json", ("Speaker 0", "Tomás Reyes")),
        ("standup.elevenlabs.json", "elevenlabs-json", ("Speaker 0", "Speaker 1")),
        ("standup.amazon.json", "amazon-transcribe-json", ("Speaker 0", "Speaker 1")),
    ],
)
def test_a_services_speaker_turns_are_the_utterances(
    tmp_path: Path, name: str, fmt: str, speakers: tuple
) -> None:
    renamed = tmp_path / "transcript.txt"  # read by content, whatever the file is called
    shutil.copy(FORMATS / name, renamed)
    t = parse_file(renamed)
    assert t.episode.format == fmt and sniff_format((FORMATS / name).read_text(encoding="utf-8")) == fmt
    assert t.episode.speakers == speakers and t.episode.duration == 4.6
    assert rows(t) == [
        (n, s, start, end, text) for n, s, (text, start, end) in zip((1, 2), speakers, TURNS, strict=True)
    ]


@pytest.mark.parametrize(
    "name",
    ["standup.assemblyai.json", "standup.deepgram.json", "standup.rev.json", "standup.elevenlabs.json"]
    + ["standup.amazon.json"],
)
def test_a_turns_sentences_keep_the_times_the_service_gives_them(name: str) -> None:
    first, second = parse_file(FORMATS / name).utterances
    assert first.marks == ((2, 1.2),) and second.marks == ()  # "The quote came in…" after 2 words, at 1.2 s
    assert first.time_of("“The quote came in at twelve thousand.”") == 1.2
    assert first.time_of("Welcome back. The quote came") == first.start == 0.24


def test_words_that_do_not_spell_the_turn_time_none_of_it() -> None:
    data = load("standup.assemblyai.json")
    data["utterances"][0]["text"] = "Welcome back again. The quote came in at twelve thousand."
    assert parsed(data).utterances[0].marks == ()  # not "after 2 words": "The" is the text's fourth word
    data = load("standup.assemblyai.json")
    data["utterances"][0]["words"][1]["text"] = "back,"
    data["utterances"][0]["text"] = "Welcome back, the quote came in at twelve thousand."
    assert parsed(data).utterances[0].marks == ()  # one sentence: nothing after its start to mark


def test_a_time_within_a_turn_that_does_not_read_costs_that_turn_its_marks_not_the_file() -> None:
    assemblyai = load("standup.assemblyai.json")
    assemblyai["utterances"][0]["words"][3]["start"] = "soon"
    deepgram = load("standup.deepgram.json")
    deepgram["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"][0]["sentences"][1].pop(
        "start"
    )
    rev = load("standup.rev.json")
    [e for e in rev["monologues"][0]["elements"] if e["type"] == "text"][3]["ts"] = -1  # not its first
    for data in (assemblyai, deepgram, rev):
        first, second = parsed(data).utterances
        assert (first.text, first.start, first.marks) == (TURNS[0][0], TURNS[0][1], ())


def test_a_turn_that_never_ends_a_sentence_is_timed_every_twenty_words() -> None:
    said = [f"span{n}" for n in range(50)]  # speech recognition without punctuation
    words = [{"text": w, "start": 500 * n, "end": 500 * n + 400} for n, w in enumerate(said)]
    turn = {"speaker": "A", "start": 0, "end": 25_000, "text": " ".join(said), "words": words}
    (u,) = parsed({"status": "completed", "utterances": [turn]}).utterances
    assert u.marks == ((20, 10.0), (40, 20.0))
    assert u.time_of("… span43 span44 span45 …") == 20.0  # 1.5 s before span43, not 21.5 s (the turn's start)


def test_a_long_turn_cut_into_passages_starts_each_where_its_first_sentence_is_said() -> None:
    said = [f"Span {n} carries the load." for n in range(30)]  # five words a sentence, one word a second
    words = [
        {"text": w, "start": 1000 * (5 * n + i), "end": 1000 * (5 * n + i) + 800}
        for n, sentence in enumerate(said)
        for i, w in enumerate(sentence.split())
    ]
    turn = {"speaker": "A", "start": 0, "end": 150_000, "text": " ".join(said), "words": words}
    data = {"status": "completed", "utterances": [turn]}
    t = parse_text(json.dumps(data), Path("lecture.json"), "lecture", max_utterance_chars=200)
    assert len(t.utterances) > 3 and " ".join(u.text for u in t.utterances) == turn["text"]
    for u in t.utterances:
        first = said.index(u.text[: u.text.index(".") + 1])
        assert u.start == 5.0 * first, u.text  # not the estimate from its characters' place in the turn
        assert u.marks == tuple((5 * k, 5.0 * (first + k)) for k in range(1, len(u.text.split()) // 5))
    assert [u.end for u in t.utterances[:-1]] == [u.start for u in t.utterances[1:]]
    assert t.utterances[-1].end == 150.0
    turn["end"] = (
        100_000  # a turn the service says ends before its last words: no passage ends before it starts
    )
    late = parse_text(json.dumps(data), Path("lecture.json"), "lecture", max_utterance_chars=200).utterances
    assert all(u.end is not None and u.start is not None and u.end >= u.start for u in late)
    assert late[-1].start > 100.0 and late[-1].end == late[-1].start


def test_assemblyai_without_speaker_labels_reads_its_words_as_sentences() -> None:
    data = load("standup.assemblyai.json")
    data["utterances"] = None
    for word in data["words"]:
        word["speaker"] = None
    assert rows(parsed(data)) == [
        (1, None, 0.24, 0.88, "Welcome back."),
        (2, None, 1.2, 2.9, "The quote came in at twelve thousand."),
        (3, None, 3.4, 4.6, "Is that with the steel?"),
    ]


def test_deepgram_without_paragraphs_or_utterances_reads_words_by_speaker_and_pause() -> None:
    data = load("standup.deepgram.json")
    best = data["results"]["channels"][0]["alternatives"][0]
    del best["paragraphs"], data["results"]["utterances"]
    for word in best["words"]:
        word["start"] += 10.0 * (word["start"] >= 1.2)  # a long pause before "The quote"
        word["end"] += 10.0 * (word["start"] >= 1.2)
        del word["speaker"]
    assert rows(parsed(data)) == [
        (1, None, 0.24, 0.88, "Welcome back."),
        (2, None, 11.2, 12.9, "The quote came in at twelve thousand."),
        (3, None, 13.4, 14.6, "Is that with the steel?"),
    ]


def test_diarised_words_without_turns_are_read_as_turns() -> None:  # Deepgram asked for words alone
    data = load("standup.deepgram.json")
    del data["results"]["channels"][0]["alternatives"][0]["paragraphs"], data["results"]["utterances"]
    assert [(u.speaker, u.start, u.end, u.text) for u in parsed(data).utterances] == [
        ("Speaker 0", 0.24, 2.9, TURNS[0][0]),
        ("Speaker 1", 3.4, 4.6, TURNS[1][0]),
    ]


def test_elevenlabs_without_diarisation_reads_sentences_and_leaves_out_sound_events() -> None:
    data = load("standup.elevenlabs.json")
    for word in data["words"]:
        del word["speaker_id"]
    assert [(u.speaker, u.text) for u in parsed(data).utterances] == [
        (None, "Welcome back."),
        (None, "The quote came in at twelve thousand."),
        (None, "Is that with the steel?"),
    ]


def test_amazon_items_without_speakers_take_them_from_the_speaker_segments() -> None:  # output before 2022
    data = load("standup.amazon.json")
    for item in data["results"]["items"]:
        del item["speaker_label"]
    assert [(u.speaker, u.text) for u in parsed(data).utterances] == [
        ("Speaker 0", TURNS[0][0]),
        ("Speaker 1", TURNS[1][0]),
    ]
    data["status"] = "IN_PROGRESS"
    assert "the Amazon Transcribe job's status is 'IN_PROGRESS'" in str(refused(data))


def test_deepgram_utterances_are_read_when_the_request_asked_for_no_paragraphs() -> None:
    data = load("standup.deepgram.json")
    del data["results"]["channels"][0]["alternatives"][0]["paragraphs"]
    data["results"]["utterances"][1]["transcript"] = "Is that with the steel, though?"
    assert [u.text for u in parsed(data).utterances] == [TURNS[0][0], "Is that with the steel, though?"]


def test_deepgram_channels_are_the_voices_of_a_two_channel_call() -> None:
    data = load("standup.deepgram.json")
    best = data["results"]["channels"][0]["alternatives"][0]
    first, second = json.loads(json.dumps(best)), json.loads(json.dumps(best))
    for alternative, keep in ((first, 0), (second, 1)):
        paragraph = alternative["paragraphs"]["paragraphs"][keep]
        del paragraph["speaker"]
        alternative["paragraphs"]["paragraphs"] = [paragraph]
    data["results"]["channels"] = [{"alternatives": [second]}, {"alternatives": [first]}][::-1]
    assert [(u.speaker, u.text) for u in parsed(data).utterances] == [
        ("Channel 1", TURNS[0][0]),
        ("Channel 2", TURNS[1][0]),
    ]


def test_rev_skips_what_it_could_not_make_out() -> None:
    t = parse_file(FORMATS / "standup.rev.json")
    assert "inaudible" not in t.utterances[1].text


def test_an_assemblyai_name_given_to_a_speaker_is_kept() -> None:
    data = load("standup.assemblyai.json")
    data["utterances"][1]["speaker"] = "Tomás Reyes"
    assert [u.speaker for u in parsed(data).utterances] == ["Speaker A", "Tomás Reyes"]


@pytest.mark.parametrize(
    ("change", "fmt", "fragment"),
    [
        (
            lambda d: d.update(status="error", error="Download error, unable to download"),
            None,
            "status is 'error' (Download error",
        ),
        (lambda d: d.update(status="processing"), None, "once its status is 'completed'"),
        (lambda d: d.update(utterances=[], words=[]), None, "neither `utterances` nor `words`"),
        (
            lambda d: d["utterances"][1].update(start="soon"),
            None,
            "utterance 2: `start` is 'soon', not a time",
        ),
        (lambda d: d["utterances"][0].pop("text"), None, "utterance 1 has no `text` text"),
        (lambda d: d["utterances"].append(7), None, "utterance 3 is a int, not an object"),
        (lambda d: d["utterances"][1].update(end=100), None, "ends (0:00.100) before it starts (0:03.400)"),
    ],
)
def test_assemblyai_errors_say_what_and_where(change: Any, fmt: str | None, fragment: str) -> None:
    data = load("standup.assemblyai.json")
    change(data)
    assert fragment in str(refused(data, fmt))


def test_deepgram_and_rev_errors_say_what_and_where() -> None:
    deepgram = load("standup.deepgram.json")
    deepgram["results"] = {"channels": []}
    assert "has no `results.channels`" in str(refused(deepgram, "deepgram"))
    deepgram = load("standup.deepgram.json")
    deepgram["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"][1]["start"] = None
    assert "channel 1 paragraph 2: `start` is None, not a time" in str(refused(deepgram))
    rev = load("standup.rev.json")
    rev["monologues"][0]["elements"] = "Welcome back."
    assert "monologue 1 has no `elements` list" in str(refused(rev))
    assert "not a Rev.ai transcript object" in str(refused([], "rev"))
    assert "the response holds no words" in str(refused({"monologues": []}))


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"utterances": [{"speaker": "A", "start": 0, "end": 900, "text": "Hi."}]}', "assemblyai-json"),
        ('{"audio_duration": 1, "words": [{"text": "Hi.", "start": 0, "end": 900}]}', "assemblyai-json"),
        ('{"metadata": {}, "results": {"channels": [{"alternatives": []}]}}', "deepgram-json"),
        ('{"monologues": []}', "rev-json"),
        (
            '{"words": [{"text": "Hi.", "start": 0, "end": 0.9, "type": "word", "logprob": 0}]}',
            "elevenlabs-json",
        ),
        (
            '{"results": {"transcripts": [], "items": [], "channel_labels": {"channels": []}}}',
            "amazon-transcribe-json",
        ),
        ('{"segments": [{"start": 0, "end": 1, "text": "hi", "words": [{"word": "hi"}]}]}', "whisper-json"),
    ],
)
def test_each_services_json_is_told_from_the_others(text: str, fmt: str) -> None:
    assert sniff_format(text) == fmt


def test_a_deepgram_call_is_asked_about_and_cited_with_its_times(tmp_path: Path) -> None:
    path = tmp_path / "standup.json"
    shutil.copy(FORMATS / "standup.deepgram.json", path)
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assistant.ingest([path])
    answer = assistant.ask("What did the quote come in at?")
    cited = {(u.number, u.speaker, u.start) for c in answer.citations for u in c.utterances}
    assert (1, "Speaker 0", 0.24) in cited


def test_a_long_diarised_turn_is_cut_at_sentence_ends_within_the_limit() -> None:
    sentence = ["The", "steel", "came", "late."]
    words = [
        {"text": w, "start": float(i), "end": i + 0.5, "type": "word", "speaker_id": "speaker_0"}
        for i, w in enumerate(sentence * 6)
    ]
    t = parse_text(json.dumps({"words": words}), Path("long.json"), "long", max_utterance_chars=60)
    assert [u.text for u in t.utterances] == ["The steel came late. The steel came late."] * 3
    assert {u.speaker for u in t.utterances} == {"Speaker 0"} and t.utterances[1].start == 8.0


def test_an_assemblyai_turn_over_the_limit_is_cut_into_passages_of_that_speaker() -> None:  # a lecture
    said = "The load moves to the piers. " * 1000
    turns = [
        {"speaker": "A", "start": 0, "end": 1_800_000, "text": said},
        {"speaker": "B", "start": 1_800_000, "end": 1_801_000, "text": "Thanks."},
    ]
    t = parse_text(json.dumps({"status": "completed", "utterances": turns}), Path("lecture.json"), "lecture")
    lecture = t.utterances[:-1]
    assert len(lecture) > 40 and {u.speaker for u in lecture} == {"Speaker A"}
    assert " ".join(u.text for u in lecture) == said.strip()
    assert lecture[0].start == 0.0 and lecture[-1].end == 1800.0
    assert all(a.end == b.start for a, b in zip(lecture, lecture[1:], strict=False))
    assert t.utterances[-1].text == "Thanks." and t.utterances[-1].speaker == "Speaker B"
