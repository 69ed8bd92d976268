"""What the model is sent: each utterance's text once, every hit a document of its own, within the budget."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.generation.context import document_tokens, documents_for, documents_tokens, pack
from assistant.types import Hit, Utterance

LINES = [f"Line {n} says something about the harbour bridge and its piles, number {n}." for n in range(40)]


def utterance(n: int) -> Utterance:
    return Utterance(episode_id="ep", number=n, text=LINES[n], speaker="Ana" if n % 2 else "Ben")


def hit(n: int, window: int = 1) -> Hit:
    around = tuple(utterance(m) for m in range(max(0, n - window), min(len(LINES), n + window + 1)) if m != n)
    return Hit(utterance=utterance(n), score=1.0, episode_title="Bridge", context=around)


def sent_lines(docs: list[dict[str, object]]) -> list[str]:
    out = []
    for doc in docs:
        data = doc["data"]
        assert isinstance(data, dict)
        out += [line for line in LINES if line in " ".join(str(v) for v in data.values())]
    return out


def test_adjacent_hits_share_neighbours_without_repeating_them() -> None:
    docs = documents_for([hit(5), hit(6)])
    assert [d["id"] for d in docs] == [utterance(5).id, utterance(6).id]
    first, second = (d["data"] for d in docs)
    assert isinstance(first, dict) and isinstance(second, dict)
    assert first["text"] == LINES[5] and LINES[4] in first["context_before"] and "context_after" not in first
    assert second["text"] == LINES[6] and LINES[7] in second["context_after"] and "context_before" not in second
    assert sorted(sent_lines(docs)) == sorted(LINES[4:8])


def test_a_hit_sent_as_a_neighbour_moves_into_its_own_document() -> None:
    docs = documents_for([hit(10), hit(20), hit(11)])
    first = docs[0]["data"]
    assert isinstance(first, dict)
    assert "context_after" not in first and [d["id"] for d in docs][2] == utterance(11).id
    assert len(sent_lines(docs)) == len(set(sent_lines(docs)))


def test_a_lone_hit_costs_what_it_costs_alone() -> None:
    assert documents_tokens([hit(3)]) == document_tokens(hit(3))
    assert documents_tokens([hit(3), hit(4)]) < document_tokens(hit(3)) + document_tokens(hit(4))


def test_dedup_lets_an_adjacent_hit_fit_where_a_full_copy_would_not() -> None:
    budget = documents_tokens([hit(5), hit(6)])
    assert budget < document_tokens(hit(5)) + document_tokens(hit(6))
    assert [h.utterance.number for h in pack([hit(5), hit(6)], budget)] == [5, 6]


def test_a_hit_that_does_not_fit_is_skipped_and_smaller_ones_follow() -> None:
    long = Hit(utterance=Utterance("ep", 30, "word " * 400), score=1.0)
    budget = document_tokens(hit(1)) + document_tokens(hit(20)) + 5
    assert [h.utterance.number for h in pack([hit(1), long, hit(20)], budget)] == [1, 20]


@settings(max_examples=60, deadline=None)
@given(numbers=st.lists(st.integers(0, len(LINES) - 1), min_size=0, max_size=12),
       window=st.integers(0, 2), budget=st.integers(0, 900))
def test_packed_documents_stay_in_budget_and_never_repeat_text(numbers: list[int], window: int, budget: int) -> None:
    packed = pack([hit(n, window) for n in numbers], budget)
    docs = documents_for(packed)
    assert documents_tokens(packed) <= budget
    assert len({h.utterance.id for h in packed}) == len(packed)
    assert [d["id"] for d in docs] == [h.utterance.id for h in packed]
    lines = sent_lines(docs)
    assert len(lines) == len(set(lines))
    seen_anywhere = {u.number for h in packed for u in (h.utterance, *h.context)}
    assert {LINES.index(line) for line in lines} == seen_anywhere
