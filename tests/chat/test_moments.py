"""Questions about a moment ("What did they say at 0:30?"): the turns spoken then, found by the timestamps."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES
from providers.cohere_fakes import FakeCohere

from assistant import Assistant, Settings, UnknownSpeakerError
from assistant.chat.moments import asked_moment

CUES = [
    ("Dana Whitfield", "Morning everyone. Let's start with the billing migration."),
    ("Raj Patel", "We moved eighty percent of customers to the new invoicing system."),
    ("Dana Whitfield", "When do you expect to finish?"),
    ("Raj Patel", "End of next sprint, if finance signs off on the proration rules."),
    ("Mei Chen", "The iOS build was rejected because of the new login screen."),
    ("Dana Whitfield", "Any risk for the Android side?"),
    ("Mei Chen", "No, Android shipped on Monday and the crash rate is down."),
    ("Dana Whitfield", "Thanks all, see you next week."),
]


def _vtt(cues: list[tuple[str, str]] = CUES, title: str = "Weekly standup") -> str:
    """One cue every 20 seconds: cue n starts at 20 * (n - 1)."""
    blocks = []
    for n, (who, text) in enumerate(cues):
        start, end = 20 * n, 20 * n + 18
        blocks.append(f"00:{start // 60:02d}:{start % 60:02d}.000 --> 00:{end // 60:02d}:{end % 60:02d}.000")
        blocks.append(f"<v {who}>{text}\n")
    return f"WEBVTT\n\nNOTE\nTitle: {title}\n\n" + "\n".join(blocks)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "standup.vtt").write_text(_vtt(), encoding="utf-8")
    (tmp_path / "lib" / "harbour-bridge.txt").write_text(
        (SAMPLES / "harbour-bridge.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path / "lib"


@pytest.fixture
def library(folder: Path, tmp_path: Path) -> Assistant:
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    assert a.ingest(folder).ok
    return a


def test_what_was_said_at_a_time_quotes_the_turns_from_then_on(library: Assistant) -> None:
    answer = library.ask("What did they say at 1:05 in the standup?")
    numbers = [u.number for u in answer.cited_utterances]
    assert numbers == [4, 5, 6], "from the turn under way at 1:05 (#4 at 1:00) for 45 seconds"
    assert "“Weekly standup”, 1:05 (#4-#6):" in answer.text and not answer.refused
    assert all(answer.text[c.start : c.end] == c.text and len(c.utterances) == 1 for c in answer.citations)
    assert answer.citations[0].text.startswith("1:00 Raj Patel: “End of next sprint")


def test_a_stretch_of_the_episode_and_its_end(library: Assistant) -> None:
    first = library.ask("Summarize the first minute", episode="standup")
    assert [u.number for u in first.cited_utterances] == [1, 2, 3, 4]
    last = library.ask("What was said in the last 30 seconds of the standup?")
    assert [u.number for u in last.cited_utterances] == [7, 8]
    past = library.ask("What did they say 10 minutes in?", episode="standup")
    assert past.refused and "(it ends at 2:38)" in past.text


def test_a_long_stretch_is_quoted_from_end_to_end(tmp_path: Path) -> None:
    long, short = "the fullest turn of this part of the talk", "yes"
    cues = [("Ana", f"{long if n % 3 == 1 else short} {n}.") for n in range(60)]  # 20 minutes
    (tmp_path / "long.vtt").write_text(_vtt(cues, "Long talk"), encoding="utf-8")
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    assert a.ingest(tmp_path / "long.vtt").ok
    answer = a.ask("Summarize the first ten minutes")
    numbers = [u.number for u in answer.cited_utterances]
    assert "(10 of its 31 turns, #1-#31)" in answer.text
    assert len(numbers) == 10 and numbers == sorted(numbers) and numbers[0] <= 4 and numbers[-1] >= 28
    assert all(u.text.startswith("the fullest") for u in answer.cited_utterances), "each part's fullest turn"


def test_a_speaker_filter_keeps_only_their_turns_of_that_moment(library: Assistant) -> None:
    answer = library.ask("What was said in the first minute?", episode="standup", speaker="raj patel")
    assert [u.number for u in answer.cited_utterances] == [2, 4]
    nobody = library.ask("What did they say at 2:30?", episode="standup", speaker="mei chen")
    assert nobody.refused and "Nothing was said by Mei Chen in “Weekly standup” at 2:30" in nobody.text
    with pytest.raises(UnknownSpeakerError):
        library.ask("What did they say at 0:30?", episode="standup", speaker="Bob")


def test_which_episode_is_asked_when_the_question_does_not_say(library: Assistant) -> None:
    answer = library.ask("What happens 1 minute in?")
    assert answer.refused and "Which episode do you mean by 1 minute in?" in answer.text
    assert "“Weekly standup”" in answer.text
    chat = library.chat()
    chat.ask("Why was the iOS build rejected?", episode="standup")
    assert [u.number for u in chat.ask("What did they say at 0:20?").cited_utterances][0] == 2


def test_a_transcript_without_timestamps_says_so(library: Assistant) -> None:
    answer = library.ask("What did they say at 12:30?", episode="harbour-bridge")
    assert answer.refused and "has no timestamps" in answer.text


def test_how_an_episode_ends_or_starts_is_read_in_the_transcripts_order(library: Assistant) -> None:
    """No timestamps needed: the last (or first) turns of the episode the question names."""
    ending = library.ask("How does the harbour bridge episode end?")
    assert [u.number for u in ending.cited_utterances] == [37, 38, 39, 40] and not ending.refused
    assert "found by the transcript's order" in ending.text and "the end (#37-#40):" in ending.text
    start = library.ask("What did they say at the start of the standup meeting?")
    assert [u.number for u in start.cited_utterances] == [1, 2, 3, 4]
    assert "0:00 Dana Whitfield: “Morning everyone." in start.text, "the times shown where there are some"


def test_the_first_or_last_thing_a_speaker_said_is_their_first_or_last_turn(library: Assistant) -> None:
    """Raj speaks only in the standup, Tomás only on the bridge: the speaker picks the episode."""
    last = library.ask("What was the last thing Raj said?")
    assert [(u.episode_id, u.number) for u in last.cited_utterances] == [("standup", 4)]
    assert "the last thing Raj said (#4):" in last.text
    first = library.ask("What were the first words Tomás said?")
    assert [(u.episode_id, u.number) for u in first.cited_utterances] == [("harbour-bridge", 2)]
    asked = library.ask("What was the first question Dana asked?")
    assert [u.number for u in asked.cited_utterances] == [3], "#1, her greeting, asks nothing"
    assert [u.number for u in library.ask("What was Dana's last question?").cited_utterances] == [6]
    opening = library.ask("What's the first thing they talked about in the standup?")
    assert [u.number for u in opening.cited_utterances] == [1, 2, 3, 4], (
        "no one speaker: the opening exchange"
    )
    nobody = library.ask("What was the last thing Melanie said?")  # no such speaker: searched as any question
    assert "found by the transcript's order" not in nobody.text


def test_hosted_the_turns_of_that_moment_are_the_documents(folder: Path, tmp_path: Path) -> None:
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "h", settings=fake.settings(), cohere_client=fake.client())
    assert a.ingest(folder).ok
    answer = a.ask("What was discussed at 0:45?", episode="standup")
    [body] = fake.bodies("chat_stream")
    assert [d["id"] for d in body["documents"]] == [f"standup#00000{n}" for n in (3, 4, 5)]
    assert answer.mode == "hosted" and not fake.calls("rerank")
    ending = a.ask("How does the standup meeting end?")
    body = fake.bodies("chat_stream")[-1]
    assert [d["id"] for d in body["documents"]] == [f"standup#00000{n}" for n in (5, 6, 7, 8)]
    assert ending.mode == "hosted" and not fake.calls("rerank")


@pytest.mark.parametrize(
    ("question", "seconds"),
    [
        ("What did they say at 12:30?", (750, 750)),
        ("What was said at 1:02:03?", (3723, 3723)),
        ("What happens 20 minutes in?", (1200, 1200)),
        ("And an hour in?", (3600, 3600)),
        ("What is discussed at the 45-minute mark?", (2700, 2700)),
        ("Summarize the first five minutes", (0, 300)),
        ("What did they say in the opening minute of the show?", (0, 60)),
        ("What happened at 9:30 am?", None),
        ("Who joined the 9:30 meeting?", None),
        ("How long did the approval take?", None),
        ("It took 20 minutes to agree", None),
        ("Were there last minute changes?", None),
        ("What did they say at the end?", (0, 0)),
        ("What does he think matters at the end of the day?", None),
        ("What happened at the start of the project?", None),
        ("How did it start?", None),
    ],
)
def test_asked_moment(question: str, seconds: tuple[int, int] | None) -> None:
    moment = asked_moment(question)
    assert (None if moment is None else (moment.start, moment.end)) == seconds
