"""Metric functions on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from assistant.evaluation import metrics as M


def test_ranking_metrics() -> None:
    ranking = ["a", "b", "c", "d", "e"]
    gold = {"c", "e", "z"}
    assert M.first_rank(ranking, gold) == 3
    assert M.hit_at(ranking, gold, 2) == 0.0 and M.hit_at(ranking, gold, 3) == 1.0
    assert M.recall_at(ranking, gold, 5) == pytest.approx(2 / 3)
    assert M.reciprocal_rank(ranking, gold) == pytest.approx(1 / 3)
    assert M.reciprocal_rank(ranking, gold, k=2) == 0.0
    dcg = 1 / math.log2(4) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert M.ndcg_at(ranking, gold, 10) == pytest.approx(dcg / ideal)
    assert M.ndcg_at(["c"], {"c"}, 10) == 1.0
    assert M.ndcg_at(ranking, set(), 10) == 0.0 and M.recall_at(ranking, set(), 10) == 0.0


def test_sentences_and_claims() -> None:
    text = (
        "Offline answer: here are passages.\n\n"
        "Show, #4–5:\n  Ana: “The soil, by far. We drilled 4.2 metres.”\n"
        "Ok."
    )
    sentences = [text[s:e] for s, e in M.sentence_spans(text)]
    assert sentences == [
        "Offline answer: here are passages.",
        "Show, #4–5:",
        "Ana: “The soil, by far.",
        "We drilled 4.2 metres.”",
        "Ok.",
    ]
    claims = [text[s:e] for s, e in M.claim_sentences(text, ignore=["Offline answer: here are passages."])]
    assert claims == [
        "Ana: “The soil, by far.",
        "We drilled 4.2 metres.”",
    ]  # label line and 1-word line dropped


def test_cited_sentence_share_and_support() -> None:
    text = "Ana says the soil was soft. The budget grew. Nobody knows why."
    first = text.index("the soil")
    spans = [(first, first + len("the soil was soft"))]
    assert M.cited_sentence_share(text, spans) == pytest.approx(1 / 3)
    assert M.cited_sentence_share("", spans) is None
    assert M.sentence_around(text, spans[0]) == "Ana says the soil was soft."
    assert M.lexical_support("The soil was soft.", ["The soil on the north bank was soft."]) == 1.0
    assert M.lexical_support("Bats feed at night.", ["The soil on the north bank was soft."]) == 0.0


def test_answer_metrics() -> None:
    assert M.token_f1("The city and the port authority", "the port authority and the city") == 1.0
    assert M.token_f1("nine weeks", "four months") == 0.0
    assert M.token_f1("", "") == 1.0
    assert 0.0 < M.rouge_l("the piles went twenty metres deeper", "twenty metres deeper, to bedrock") < 1.0
    assert M.rouge_l("", "anything") == 0.0
    rouge, f1 = M.best_against("eleven thousand", ["eighteen thousand", "eleven thousand"])
    assert rouge == 1.0 and f1 == 1.0


def test_aggregates() -> None:
    assert M.mean([1.0, None, 0.0]) == 0.5 and M.mean([None]) is None
    assert M.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert M.percentile([5.0], 95) == 5.0 and M.percentile([], 50) is None
