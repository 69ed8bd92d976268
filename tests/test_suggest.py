"""Suggested first questions come from the library's own episodes, and the library can answer them."""

from __future__ import annotations

from conftest import DATA, SAMPLES

from assistant import Assistant, Chapter, Episode, Outline, Utterance, suggest_questions


def test_questions_name_the_episode_its_guest_and_a_topic_it_keeps_coming_back_to() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES / "harbour-bridge.txt")
    episode = a.episode("harbour-bridge")
    questions = suggest_questions([episode], {episode.id: a.transcript(episode.id)})
    assert questions[0] == "What is “Why the Harbour Bridge Opened Eight Months Late” about?"
    assert questions[1] == "What did Tomás Reyes say about foundations?"  # the guest, not the host
    assert len(questions) == 3 and "Nadia Brooks" not in " ".join(questions)
    for question in questions[1:]:
        assert a.ask(question).citations, question


def test_several_episodes_take_turns_newest_first() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES / "harbour-bridge.txt")
    a.ingest(DATA / "podcast_basic.txt")
    episodes = a.episodes()
    questions = suggest_questions(episodes, {e.id: a.transcript(e.id) for e in episodes}, limit=4)
    newest = max(episodes, key=lambda e: e.ingested_at or "")
    assert questions[0] == f"What is “{newest.title}” about?"
    assert sum(" about?" in q and q.startswith("What is “") for q in questions[:2]) == 2
    assert len(set(questions)) == 4


def test_topic_words_are_what_sets_an_episode_apart() -> None:
    def episode(eid: str, lines: list[str]) -> tuple[Episode, list[Utterance]]:
        utterances = [Utterance(eid, n, text, "Guest") for n, text in enumerate(lines, 1)]
        return Episode(eid, eid.title(), guests=("Guest",), speakers=("Guest",)), utterances

    shared = "The weather was lovely and the weather stayed lovely."
    one = episode("boats", [shared, "Sailing boats need wind.", "Boats, boats everywhere.", "Really, boats."])
    two = episode("bread", [shared, "Sourdough bread rises slowly.", "Bread wants patience.", "More bread."])
    questions = suggest_questions([one[0], two[0]], {e.id: u for e, u in (one, two)}, limit=4)
    assert "What did Guest say about boats?" in questions or "What did Guest say about Boats?" in questions
    assert any("bread" in q.lower() for q in questions[2:])
    assert not any("weather" in q or "lovely" in q or "really" in q.lower() for q in questions)


def test_without_transcripts_titles_and_guests_still_make_questions() -> None:
    e = Episode("ep", "Hiring in a Downturn", guests=("Ana Lima",), host="Bo", speakers=("Bo", "Ana Lima"))
    assert suggest_questions([e]) == [
        "What is “Hiring in a Downturn” about?",
        "What did Ana Lima talk about in “Hiring in a Downturn”?",
    ]
    assert suggest_questions([]) == []


def test_an_episode_with_timestamps_suggests_its_opening_and_a_speakers_question_answers(tmp_path) -> None:
    e = Episode("ep", "Hiring in a Downturn", guests=("Ana Lima",), host="Bo", duration=1800.0)
    assert suggest_questions([e], limit=3) == [
        "What is “Hiring in a Downturn” about?",
        "What did Ana Lima talk about in “Hiring in a Downturn”?",
        "What was said in the first five minutes of “Hiring in a Downturn”?",
    ]
    cues = "".join(
        f"{n}\n00:{n:02d}:00,000 --> 00:{n:02d}:30,000\n{'Ana Lima' if n % 2 else 'Bo'}: "
        f"{'We hire slowly now and train people ourselves.' if n % 2 else 'Why is that?'}\n\n"
        for n in range(1, 12)
    )
    (tmp_path / "hiring.srt").write_text(cues, encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest(tmp_path / "hiring.srt").ok
    episode = a.episodes()[0]
    for question in suggest_questions([episode], {episode.id: a.transcript(episode.id)}, limit=5):
        assert a.ask(question).citations, question


def test_two_forms_of_one_word_are_one_topic() -> None:
    lines = [
        "Models learn.",
        "Models again.",
        "The model learns.",
        "A model again.",
        "Agents act.",
        "Agents plan.",
    ]
    utterances = [Utterance("ep", n, text, "Guest") for n, text in enumerate(lines, 1)]
    e = Episode("ep", "Ep", guests=("Guest",), speakers=("Guest",))
    questions = suggest_questions([e], {"ep": utterances}, limit=4)
    asked = [q.rsplit(" ", 1)[-1].rstrip("?").lower() for q in questions[1:]]
    assert len(asked) == len({w.rstrip("s") for w in asked}), questions


def test_an_outlined_episode_is_asked_about_its_longest_chapters_by_their_names() -> None:
    lines = [
        "Aiden Gomez was an undergrad student.",  # chapter 1, #1-#2
        "Many undergrad students write papers.",
        "I think we already have AGI.",  # chapter 2, #3-#8: the longest
        "People said AGI was close.",
        "AGI is a moving goalpost.",
        "Regulators ask about AGI.",
        "Nobody agrees on AGI.",
        "Drugs came up.",
        "Synthetic data works well here.",  # chapter 3, #9-#12
        "We make synthetic data for banks.",
        "The synthetic data looks real.",
        "People trust the data now.",
    ]
    utterances = [Utterance("ep", n, text) for n, text in enumerate(lines, 1)]

    def chapter(number: int, title: str, first: int, last: int) -> Chapter:
        return Chapter(number, title, first, last, None, None, (utterances[first - 1],))

    outline = Outline(
        "ep",
        (
            chapter(1, "Aiden Gomez, undergrad students", 1, 2),  # a person first: the next term names it
            chapter(2, "AGI, drugs", 3, 8),
            chapter(3, "Synthetic data, banks", 9, 12),
        ),
        "test",
    )
    e = Episode("ep", "The Paper", guests=("Aidan Gomez",))
    questions = suggest_questions([e], {"ep": utterances}, limit=4, outlines={"ep": outline})
    assert questions == [
        "What is “The Paper” about?",
        "What was said about AGI?",  # as the transcript writes it, longest chapter first
        "What was said about synthetic data?",  # not "Synthetic data", as the title capitalises it
        "What was said about undergrad students?",  # "Aiden Gomez" is the guest, as the ASR spelt him
    ]
    assert "people" not in " ".join(questions).lower()  # the most frequent word without chapters
    assert suggest_questions([e], {"ep": utterances}, limit=4)[1:] != questions[1:]
