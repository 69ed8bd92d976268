"""The hosted path end to end through `Assistant`, with the real cohere SDK against a fake Cohere API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES
from providers.cohere_fakes import FakeCohere, error_response, raising

from assistant import Assistant, Turn
from assistant.generation.context import needed_context


@pytest.fixture
def fake() -> FakeCohere:
    return FakeCohere(dimension=64)


def hosted(fake: FakeCohere, store: Path, **settings) -> Assistant:
    return Assistant.from_settings(
        store=store, settings=fake.settings(**settings), cohere_client=fake.client()
    )


def hosted_transcript(fake: FakeCohere, tmp_path: Path, name: str, lines: list[str]) -> Assistant:
    """A hosted library holding one transcript of numbered turns, `lines` in order (episode id `name`)."""
    path = tmp_path / "in" / f"{name}.txt"
    path.parent.mkdir()
    path.write_text("".join(f"{n}\n{line}\n" for n, line in enumerate(lines, start=1)), encoding="utf-8")
    a = hosted(fake, tmp_path / "s")
    assert a.ingest([path]).ok
    return a


def test_hosted_answer_cites_retrieved_utterances(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    assert a.mode == "hosted" and a.embedder.name == "cohere:embed-v4.0"
    a.ingest(SAMPLES)
    embeds = fake.bodies("embed")
    assert embeds[0]["input_type"] == "search_document" and len(embeds[0]["texts"]) <= 96

    answer = a.ask("Who pays for the overrun?")
    assert answer.mode == "hosted" and answer.model == "command-a-03-2025"
    assert fake.bodies("embed")[-1]["input_type"] == "search_query"
    assert fake.calls("rerank"), "a key turns reranking on"
    sent = fake.bodies("chat_stream")[-1]
    ids = [d["id"] for d in sent["documents"]]
    assert [i for i in ids if i in {h.utterance.id for h in answer.hits}] == [
        h.utterance.id for h in answer.hits
    ]
    sent_with = {u.id for h in answer.hits for u in (h.utterance, *h.context, *h.carried_on)}
    assert set(ids) <= sent_with, "beyond the hits, only replies and the turns carrying them on"
    assert all("Forty-seven" not in m["content"] for m in sent["messages"] if isinstance(m["content"], str))
    assert answer.citations and not answer.refused
    for citation in answer.citations:
        assert answer.text[citation.start : citation.end] == citation.text
        assert {u.id for u in citation.utterances} <= set(ids)


def test_stream_emits_text_citations_done(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    kinds = [e.kind for e in a.stream("Why is there a bat ecologist?")]
    assert kinds.count("text") > 1 and "citation" in kinds and kinds[-1] == "done"


@pytest.mark.parametrize(
    "failure",
    [
        error_response(500),
        error_response(429),
        raising(httpx.ReadTimeout),
        raising(httpx.ConnectError),
    ],
)
def test_hosted_failure_falls_back_to_offline_with_notice(fake: FakeCohere, tmp_path: Path, failure) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    fake.queue("chat_stream", failure, failure, failure, failure)
    events = list(a.stream("Who pays for the overrun?"))
    notices = [e.text for e in events if e.kind == "notice"]
    answer = events[-1].answer
    assert notices and "offline" in notices[0]
    assert answer.mode == "offline" and answer.citations and answer.notice


def test_invalid_key_is_reported_clearly(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    fake.queue("chat_stream", httpx.Response(401, json={"message": "invalid api token"}))
    answer = a.ask("Who pays for the overrun?")
    assert "rejected the API key" in answer.notice and fake.api_key not in answer.notice


def test_follow_up_is_rewritten_by_the_model(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    fake.chat_text = "Where did the steel for the harbour bridge come from?"
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    answer = a.ask("Where was it from?", history=history)
    assert answer.query == "Where did the steel for the harbour bridge come from?"
    assert fake.bodies("chat")[-1]["messages"]


def test_offline_mode_setting_wins_over_a_key(fake: FakeCohere, tmp_path: Path) -> None:
    a = Assistant.from_settings(
        store=tmp_path / "s", settings=fake.settings(mode="offline"), cohere_client=fake.client()
    )
    assert a.mode == "offline" and "ASSISTANT_MODE=offline" in a.status()
    assert a.embedder.name.startswith("hashing")


def test_rerank_failure_keeps_the_fused_order(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    fake.queue("rerank", error_response(500), error_response(500), error_response(500))
    hits = a.search("Who pays for the overrun?", k=5)
    assert hits and all("rerank" not in h.scores for h in hits)


def test_documents_send_each_hit_once_with_the_neighbours_it_needs(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    answer = a.ask("What happened with the bridge budget and the steel?")
    needed = {u.id: u for h in answer.hits for u in needed_context(h)}
    assert needed, "precondition: some hit is a short reply or a question"
    docs = fake.bodies("chat_stream")[-1]["documents"]
    hits = {h.utterance.id for h in answer.hits}
    assert [d["id"] for d in docs if d["id"] in hits] == [h.utterance.id for h in answer.hits]
    everything = " ".join(" ".join(str(v) for v in d["data"].values()) for d in docs)
    for u in [h.utterance for h in answer.hits] + list(needed.values()):
        assert everything.count(u.text) == 1, f"{u.id} sent {everything.count(u.text)} times"


def test_a_standalone_question_is_not_rewritten_whatever_came_before(
    fake: FakeCohere, tmp_path: Path
) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    fake.chat_text = "Something else entirely"
    history = [Turn("user", "Why did the steel arrive late?"), Turn("assistant", "A fire at the mill.")]
    first = a.ask("Who pays for the budget overrun?")
    rewrites = len(fake.bodies("chat"))
    after = a.ask("Who pays for the budget overrun?", history=history)
    assert len(fake.bodies("chat")) == rewrites, "no rewrite request for a question that stands alone"
    assert after.query == first.query == "Who pays for the budget overrun?"
    assert [h.utterance.id for h in after.hits] == [h.utterance.id for h in first.hits]


def test_episode_facts_reach_the_model_as_a_document_of_their_own(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    a.ask("Who is the host of the show?")
    documents = fake.bodies("chat_stream")[-1]["documents"]
    details = [d for d in documents if d["id"] == "harbour-bridge#000000"]
    assert details and details[0]["data"]["kind"] == "episode details"
    assert "Host of the show: Nadia Brooks" in details[0]["data"]["text"]


def test_an_empty_library_is_said_so_without_paying_for_a_call(fake: FakeCohere, tmp_path: Path) -> None:
    a = hosted(fake, tmp_path / "s")
    answer = a.ask("Who pays for the overrun?")
    assert answer.refused and not answer.citations and "library is empty" in answer.text
    assert a.search("overrun") == []
    assert not fake.calls("embed") and not fake.calls("chat_stream") and not fake.calls("rerank")


def test_a_question_hit_sends_its_reply_as_a_document_the_model_can_cite(
    fake: FakeCohere, tmp_path: Path
) -> None:
    """The host's question matched; the guest's reply after it answers. The reply is a document of its own,
    right after the question, so a citation of it points at the turn that answers."""
    lines = [
        "Ana Lima: Welcome back to the show.",
        "Ana Lima: Where did the station bakery's ovens come from?",
        "Grace Otieno: A closed mill in Leeds sold them to us for a pound each.",
        "Ana Lima: Tell me about the first winter.",
    ]
    a = hosted_transcript(fake, tmp_path, "ovens", lines)
    hits = a.search("Where did the station bakery's ovens come from?", k=1)
    assert [h.utterance.number for h in hits] == [2], "precondition: only the question is retrieved"
    request = a.generator.request("Where did the ovens come from?", hits, [])  # type: ignore[attr-defined]
    ids = [d["id"] for d in request["documents"]]
    assert ids == ["ovens#000002", "ovens#000003"]
    question = request["documents"][0]["data"]
    assert "Leeds" not in str(question.get("context_after", "")), "the reply's text is sent once, as its own"

    fake.stream_answer = ("They came from a closed mill in Leeds.", [(0, 38, ["ovens#000003"])])
    events = list(a.generator.stream("Where did the ovens come from?", hits, []))
    answer = events[-1].answer
    assert answer is not None
    assert [u.number for c in answer.citations for u in c.utterances] == [3]


def test_a_reply_is_sent_with_the_turns_that_carry_it_on(fake: FakeCohere, tmp_path: Path) -> None:
    """Speech recognition without speaker labels splits an answer into sentences: the model gets all of
    them, each a document it can cite, up to the next question."""
    lines = [
        "Welcome back to the show; today my guest runs the station bakery.",
        "Was that how the bakery cooperative worked, everyone baking for everyone?",
        "Yeah, totally.",
        "That was it.",
        "Every member baked two mornings a week and took bread home on the others.",
        "It lasted until the mill closed.",
        "Did the mill ever reopen?",
        "No, it became flats.",
    ]
    a = hosted_transcript(fake, tmp_path, "coop", lines)
    hits = [h for h in a.search("How did the bakery cooperative work?", k=8) if h.utterance.number == 2]
    assert hits, "precondition: the question is retrieved"
    request = a.generator.request("How did the cooperative work?", hits, [])  # type: ignore[attr-defined]
    assert [d["id"] for d in request["documents"]] == [f"coop#00000{n}" for n in (2, 3, 4, 5, 6)]


def test_a_misspelt_name_reaches_the_models_as_the_transcripts_spell_it(
    fake: FakeCohere, tmp_path: Path
) -> None:
    """The embedding, the reranker and the chat model all read "Nadia", whom the transcripts name, for the
    "Nadja" typed; the note says so, and the conversation keeps the question as it was typed."""
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    chat = a.chat()
    answer = chat.ask("What did Nadja say about the budget?")
    assert answer.mode == "hosted" and answer.query == "What did Nadia say about the budget?"
    assert "never use “Nadja”; searched for “Nadia”" in (answer.notice or ""), answer.notice
    assert fake.bodies("embed")[-1]["texts"] == ["What did Nadia say about the budget?"]
    assert fake.bodies("rerank")[-1]["query"] == "What did Nadia say about the budget?"
    sent = fake.bodies("chat_stream")[-1]["messages"]
    assert any("Nadia say" in str(m["content"]) for m in sent) and not any("Nadja" in str(m) for m in sent)
    assert [t.content for t in chat.history if t.role == "user"] == ["What did Nadja say about the budget?"]


def test_whose_view_a_summary_asks_for_is_searched_in_their_turns(fake: FakeCohere, tmp_path: Path) -> None:
    """Hosted, "Tomás's views on the soil" sends the model his turns about the soil, found by searching the
    subject alone in them, with the question as asked."""
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    answer = a.ask("Summarize Tomás's views on the soil")
    assert answer.mode == "hosted" and answer.query == "the soil"
    assert answer.hits and {h.utterance.speaker for h in answer.hits} == {"Tomás Reyes"}
    assert fake.bodies("embed")[-1]["texts"] == ["the soil"]
    sent = fake.bodies("chat_stream")[-1]["messages"]
    assert any("Summarize Tomás's views on the soil" in str(m["content"]) for m in sent)


def test_a_question_in_another_language_is_not_flagged_where_search_is_multilingual(
    fake: FakeCohere, tmp_path: Path
) -> None:
    """Cohere's embed-v4.0 reads Spanish: no note that search reads English only."""
    a = hosted(fake, tmp_path / "s")
    a.ingest(SAMPLES)
    answer = a.ask("¿Por qué llegó tarde el acero al puente?")
    assert answer.mode == "hosted"
    assert "This question looks" not in (answer.notice or ""), answer.notice
