"""Conversations: standalone questions ignore history; follow-ups are rewritten and stay in their episode."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SAMPLES

from assistant import Assistant, Settings, Turn


@pytest.fixture
def library(tmp_path: Path) -> Assistant:
    a = Assistant.from_settings(Settings(store=tmp_path / "s", embedder="hashing", mode="offline"))
    assert a.ingest(
        [SAMPLES / "harbour-bridge.txt", DATA / "meeting_speakers.txt", DATA / "podcast_basic.txt"]
    ).ok
    return a


def test_a_standalone_question_gets_the_same_answer_with_or_without_history(library: Assistant) -> None:
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    for question in (
        "What is the capital of France?",
        "Who pays for the budget overrun?",
        'Who says "we are all here for you"?',  # common words only, but no remnant of an earlier question
    ):
        alone = library.ask(question)
        after = library.ask(question, history=history)
        assert after.query == alone.query == question
        assert after.text == alone.text
        assert [h.utterance.id for h in after.hits] == [h.utterance.id for h in alone.hits]


@pytest.mark.parametrize("follow_up", ["And after that?", "Why?", "How so?", "How long?", "Like what?"])
def test_a_follow_up_with_no_words_of_its_own_is_searched_with_the_question_before(
    library: Assistant, follow_up: str
) -> None:
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    answer = library.ask(follow_up, history=history)
    assert answer.query == f"Why did the steel arrive late? {follow_up}" and answer.follow_up_of == ""


def test_a_follow_up_with_words_of_its_own_is_searched_by_them_beside_the_question_before(
    library: Assistant,
) -> None:
    history = [
        Turn("user", "Why is there a bat ecologist?"),
        Turn("assistant", "The lights dim after midnight."),
    ]
    answer = library.ask("And what about the cyclists?", history=history)
    assert answer.query == "And what about the cyclists?"
    assert answer.follow_up_of == "Why is there a bat ecologist?"
    assert "cyclists" in answer.cited_utterances[0].text.lower(), answer.text
    joined = library.ask("Why is there a bat ecologist? And what about the cyclists?")
    assert "cyclists" not in joined.cited_utterances[0].text.lower(), "searched as one text, the earlier wins"


def test_a_follow_up_that_names_its_subject_is_judged_by_it_not_by_the_question_before(
    library: Assistant,
) -> None:
    unanswered = [Turn("user", "Why did the risotto burn?"), Turn("assistant", "Nothing answers.")]
    steel = library.ask("And about the steel?", history=unanswered, episode="harbour-bridge")
    assert steel.follow_up_of == "Why did the risotto burn?"
    assert not steel.refused and "risotto" not in (steel.notice or ""), steel.notice
    cyclists = [Turn("user", "How many people cross the bridge on a sunny Saturday?"), Turn("assistant", "…")]
    share = library.ask("And what share of them ride bikes?", history=cyclists, episode="harbour-bridge")
    assert not share.refused, "“them” are the people the question before asked about"


def test_a_follow_up_stays_in_the_episode_the_conversation_is_about(library: Assistant) -> None:
    chat = library.chat()
    first = chat.ask("Why did the steel arrive late for the bridge?")
    assert {u.episode_id for u in first.cited_utterances} == {"harbour-bridge"}
    assert chat.history[-1].episodes == ("harbour-bridge",)
    follow = chat.ask("And what did they decide about the schedule?")
    assert follow.hits and {h.utterance.episode_id for h in follow.hits} == {"harbour-bridge"}
    widened = library.ask(
        "And what did they decide about the schedule?",
        history=chat.history,
        episode=[e.id for e in library.episodes()],
    )
    assert len({h.utterance.episode_id for h in widened.hits}) > 1, "an explicit filter widens the search"


def test_episode_facts_are_answered_from_the_details_record(library: Assistant) -> None:
    answer = library.ask("Who is the host of the show?", episode="harbour-bridge")
    assert not answer.refused and [u.number for u in answer.cited_utterances] == [0]
    assert "Nadia Brooks" in answer.text and "episode details" in answer.text
    assert "never use" not in (answer.notice or "")
    hosted_by = library.ask("Which episodes have Nadia Brooks as host?")
    assert [u.episode_id for u in hosted_by.cited_utterances] == ["harbour-bridge"]


def test_a_word_said_in_another_form_is_not_called_absent(library: Assistant) -> None:
    lost = library.ask("How many weeks did they lose to the storms?", episode="harbour-bridge")
    assert 4 in [u.number for u in lost.cited_utterances]  # "…we lost about six weeks to the winter storms."
    assert "never use" not in (lost.notice or ""), lost.notice
    gondola = library.ask("How many weeks did they lose on the gondola?", episode="harbour-bridge")
    assert gondola.notice and "“gondola”" in gondola.notice and "“lose”" not in gondola.notice


def test_a_question_about_what_was_said_in_the_episode_is_not_answered_from_its_details(
    library: Assistant,
) -> None:
    answer = library.ask("What did they say in this episode about the steel?", episode="harbour-bridge")
    assert answer.citations and all(not u.is_details for u in answer.cited_utterances)
    assert any("steel" in u.text.lower() for u in answer.cited_utterances)


def test_an_episode_fact_the_details_do_not_give_is_said_to_be_missing(library: Assistant) -> None:
    dated = library.ask("When was the harbour bridge episode published?")
    assert [(u.episode_id, u.number) for u in dated.cited_utterances] == [("harbour-bridge", 0)], dated.text
    assert "The episode details do not give its date." in dated.text
    link = library.ask("What is the link to the harbour bridge episode?")
    assert "https://example.org/field-notes/harbour-bridge.mp3" in link.text, (
        "the sentence asked for is quoted"
    )
    assert "do not give" not in link.text
    host = library.ask("Who is the host of the show?", episode="harbour-bridge")
    assert "do not give" not in host.text


@pytest.mark.parametrize("question", ["Tell me more", "And after that?", "Why?", "How so?", "How many?"])
def test_a_follow_up_asked_first_asks_for_the_whole_question(library: Assistant, question: str) -> None:
    answer = library.ask(question)
    assert answer.refused and not answer.citations and not answer.hits
    assert "follows on from an earlier question" in answer.text and question in answer.text


@pytest.mark.parametrize("follow_up", ["Why?", "How so?", "And then?"])
def test_a_word_less_follow_up_leads_with_passages_the_conversation_has_not_quoted(
    library: Assistant, follow_up: str
) -> None:
    chat = library.chat()
    first = chat.ask("Why did the steel arrive late for the bridge?")
    again = chat.ask(follow_up)
    assert again.query == f"Why did the steel arrive late for the bridge? {follow_up}"
    quoted = {u.id for u in first.cited_utterances}
    assert again.cited_utterances and again.cited_utterances[0].id not in quoted, again.text
    third = chat.ask("And then?")
    quoted |= {u.id for u in again.cited_utterances}
    assert third.cited_utterances and third.cited_utterances[0].id not in quoted, third.text


@pytest.mark.parametrize("more", ["Tell me more", "Can you elaborate?", "Go on, please."])
def test_asking_for_more_searches_the_question_before_and_leads_with_passages_not_yet_quoted(
    library: Assistant, more: str
) -> None:
    chat = library.chat()
    first = chat.ask("Why did the steel arrive late for the bridge?")
    assert chat.history[-1].cited == tuple(u.id for u in first.cited_utterances) and first.cited_utterances
    again = chat.ask(more)
    assert again.query == "Why did the steel arrive late for the bridge?"
    assert again.cited_utterances and again.cited_utterances[0].id not in chat.history[-3].cited, again.text
    assert {u.episode_id for u in again.cited_utterances} == {"harbour-bridge"}


@pytest.mark.parametrize(
    "question", ["What is this episode about?", "What are the key takeaways of this meeting?"]
)
def test_this_episode_points_at_the_episode_not_back_at_the_conversation(
    library: Assistant, question: str
) -> None:
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    assert library.ask(question, history=history).query == library.ask(question).query == question


def test_a_misspelt_speaker_is_answered_by_the_routes_that_read_the_labels() -> None:
    """What someone asked, the last thing they said, which episodes name them: "Nadja" reads as the "Nadia"
    the transcripts spell, said in a note; the conversation keeps the question as typed."""
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    a.prepare_search()  # the keyword index at hand, as the CLI and the browser leave it after an ingest
    chat = a.chat()
    note = "The searched transcripts never use “Nadja”; searched for “Nadia”, the closest name they use."
    asked = chat.ask("What did Nadja ask?")
    assert asked.notice == note and asked.text.startswith("Nadia Brooks asked 13 questions"), asked.text
    last = chat.ask("What was the last thing Nadja said?")
    assert last.notice == note and [u.number for u in last.cited_utterances] == [39], last.text
    named = chat.ask("Which episodes mention Nadja?")
    assert named.notice == note and named.citations, named.text
    who = a.ask("Who is Tomas Reyez?")  # "Tomas" is his name unaccented; "Reyez" one edit from "Reyes"
    assert who.text.startswith("Tomás Reyes in “Why the Harbour Bridge"), who.text
    assert (
        who.notice
        == "The searched transcripts never use “Reyez”; searched for “Reyes”, the closest name they use."
    )
    assert [t.content for t in chat.history if t.role == "user"] == [
        "What did Nadja ask?",
        "What was the last thing Nadja said?",
        "Which episodes mention Nadja?",
    ]


def test_a_misspelt_name_is_respelt_for_search_when_the_keyword_index_is_not_at_hand() -> None:
    """With no keyword index saved (another process changed the library, a store on a server), the routes that
    read one episode's labels are not made to build it; the search still respells the name."""
    Assistant.from_settings().ingest(SAMPLES)
    a = Assistant.from_settings()
    assert not a.search_ready()
    answer = a.ask("What did Nadja say about the budget?")
    assert answer.query == "What did Nadia say about the budget?"
    assert "searched for “Nadia”" in (answer.notice or ""), answer.notice
