"""What the model is sent:
each hit as its own document with the neighbours it needs, no text twice, in budget."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.generation.context import (
    documents_for,
    documents_tokens,
    needed_context,
    pack,
    sent_ids,
    with_replies,
)
from assistant.types import Hit, Utterance

STATEMENT = (
    "Line {n}: the harbour bridge piles went in late because the clay was softer than the survey said."
)
KINDS = ["statement", "reply", "question"]


def text(n: int) -> str:
    kind = KINDS[n % 3]
    if kind == "reply":
        return f"Yes, {n}."
    if kind == "question":
        return f"Line {n}: why did the council approve the budget overrun?"
    return STATEMENT.format(n=n)


def utterance(n: int) -> Utterance:
    return Utterance(episode_id="ep", number=n, text=text(n), speaker="Ana" if n % 2 else "Ben")


def hit(n: int, window: int = 1) -> Hit:
    around = tuple(utterance(m) for m in range(max(0, n - window), min(40, n + window + 1)) if m != n)
    return Hit(utterance=utterance(n), score=1.0, episode_title="Bridge", context=around)


def data(doc: dict[str, object]) -> dict[str, str]:
    d = doc["data"]
    assert isinstance(d, dict)
    return d


def sent_texts(docs: list[dict[str, object]]) -> list[str]:
    """Every utterance text the documents carry (numbers make each text unique)."""
    blob = " ".join(" ".join(data(d).values()) for d in docs)
    return [text(n) for n in range(40) if text(n) in blob for _ in range(blob.count(text(n)))]


def test_a_statement_is_sent_alone_a_reply_with_its_question_a_question_with_its_reply() -> None:
    statement, reply, question = hit(3), hit(4), hit(5)
    assert needed_context(statement) == ()
    assert [u.number for u in needed_context(reply)] == [3]
    assert [u.number for u in needed_context(question)] == [6]
    docs = documents_for([reply])
    assert data(docs[0])["text"] == text(4) and text(3) in data(docs[0])["context_before"]
    assert "context_before" not in data(documents_for([statement])[0])
    asked = documents_for([question])
    assert [d["id"] for d in asked] == [utterance(5).id, utterance(6).id], (
        "the reply is a document of its own"
    )
    assert "context_after" not in data(asked[0]) and data(asked[1])["text"] == text(6)


def test_a_hit_needed_by_another_keeps_its_own_document_and_is_sent_once() -> None:
    docs = documents_for([hit(4), hit(3)])
    assert [d["id"] for d in docs] == [utterance(4).id, utterance(3).id]
    assert "context_before" not in data(docs[0])
    assert sorted(sent_texts(docs)) == sorted([text(3), text(4)])


def test_two_hits_needing_the_same_turn_send_it_once() -> None:
    docs = documents_for([hit(5), hit(7)])  # a question needs its reply 6; reply 7 needs turn 6 before it
    assert sent_texts(docs).count(text(6)) == 1
    assert sent_ids([hit(5), hit(7)]) == {utterance(n).id for n in (5, 6, 7)}


def test_sharing_lets_a_second_hit_fit_where_a_full_copy_would_not() -> None:
    budget = documents_tokens([hit(5), hit(7)])
    assert budget < documents_tokens([hit(5)]) + documents_tokens([hit(7)])
    assert [h.utterance.number for h in pack([hit(5), hit(7)], budget)] == [5, 7]


def test_a_hit_that_does_not_fit_is_skipped_and_smaller_ones_follow() -> None:
    long = Hit(utterance=Utterance("ep", 30, "word " * 400), score=1.0)
    budget = documents_tokens([hit(1)]) + documents_tokens([hit(21)]) + 5
    assert [h.utterance.number for h in pack([hit(1), long, hit(21)], budget)] == [1, 21]


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(st.integers(0, 39), min_size=0, max_size=12),
    window=st.integers(0, 2),
    budget=st.integers(0, 900),
)
def test_packed_documents_stay_in_budget_and_never_repeat_text(
    numbers: list[int], window: int, budget: int
) -> None:
    packed = pack([hit(n, window) for n in numbers], budget)
    docs = documents_for(packed)
    assert documents_tokens(packed) <= budget
    sent = with_replies(packed)
    assert [d["id"] for d in docs] == [h.utterance.id for h in sent]
    assert [h for h in sent if h in packed] == packed
    assert len({d["id"] for d in docs}) == len(docs)
    texts = sent_texts(docs)
    assert len(texts) == len(set(texts))
    needed = {u.id for h in sent for u in (h.utterance, *needed_context(h))}
    assert sent_ids(packed) == needed
    assert {utterance(n).id for n in range(40) if text(n) in texts} == needed


def test_a_question_in_a_run_is_sent_with_the_run_and_the_reply_after_it() -> None:
    turns = [
        Utterance("ep", 1, "So what was your journey to the second shop?"),
        Utterance("ep", 2, "How did you find the money for it?"),
        Utterance("ep", 3, "We borrowed from a cooperative of farmers who sold us their rye."),
        Utterance("ep", 4, "And the shop opened in spring."),
    ]
    asked = Hit(utterance=turns[0], score=1.0, context=tuple(turns[1:]))
    assert [u.number for u in needed_context(asked)] == [2, 3]
    docs = documents_for([asked])
    assert turns[1].text in data(docs[0])["context_after"], "the run's other question is context"
    assert [data(d)["text"] for d in docs[1:]] == [turns[2].text], "the reply is a document of its own"
    cut_short = Hit(utterance=turns[0], score=1.0, context=(turns[1],))
    assert needed_context(cut_short) == (), "no reply in reach: nothing after it is sent as one"


def test_a_reply_found_as_well_still_brings_the_turns_that_carry_it_on() -> None:
    said = [
        "Why did you sell only to cafes?",
        "We never liked chasing volume.",
        "Cafes pay on delivery.",
        "So.",
    ]
    turns = [Utterance("ep", n, line) for n, line in enumerate(said, start=1)]
    asked = Hit(turns[0], 1.0, context=(turns[1],), carried_on=(turns[2], turns[3]))
    reply = Hit(turns[1], 0.9, context=(turns[0], turns[2]))
    assert [d["id"] for d in documents_for([asked, reply])] == [turns[n].id for n in (0, 1, 2, 3)]
    assert [d["id"] for d in documents_for([asked])] == [turns[n].id for n in (0, 1, 2, 3)]


def test_two_questions_with_one_reply_send_it_and_its_run_once() -> None:
    said = [
        "Was that how Brain worked?",
        "Meaning teams formed freely?",
        "Yeah, totally.",
        "Full freedom.",
        "So.",
    ]
    turns = [Utterance("ep", n, line) for n, line in enumerate(said, start=1)]
    second = Hit(turns[1], 1.0, context=(turns[0], turns[2]), carried_on=(turns[3],))
    first = Hit(turns[0], 0.9, context=(turns[1], turns[2]), carried_on=(turns[3], turns[4]))
    assert [d["id"] for d in documents_for([second, first])] == [turns[n].id for n in (1, 2, 3, 0, 4)]
    assert sent_ids([second, first]) == {t.id for t in turns}


def test_a_question_asked_in_a_run_is_sent_once_when_the_reply_needs_it_too() -> None:
    turns = [
        Utterance("ep", 8, "Why did the council approve the budget overrun?", speaker="Ben"),
        Utterance("ep", 9, "And was it the steel price?", speaker="Ben"),
        Utterance("ep", 10, "Yes, mostly.", speaker="Ana"),
    ]
    asked = Hit(utterance=turns[0], score=1.0, context=tuple(turns[1:]))
    reply = Hit(utterance=turns[2], score=0.9, context=tuple(turns[:2]))
    docs = documents_for([asked, reply])
    blob = " ".join(" ".join(data(d).values()) for d in docs)
    assert blob.count("steel price") == 1, docs
    assert [d["id"] for d in docs] == [turns[0].id, turns[2].id]


def test_an_inferred_speaker_is_sent_as_inferred() -> None:
    guessed = Utterance("ep", 3, text(3), speaker="Ana", speaker_inferred=True)
    assert data(documents_for([Hit(utterance=guessed, score=1.0)])[0])["speaker"] == "Ana (inferred)"
