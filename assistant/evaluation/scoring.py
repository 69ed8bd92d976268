"""Scores one question: `ask()` (the product path), then `search()` with the query `ask()` used."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant import (
    OFFLINE_HEADER,
    OUTLINE_HEADER,
    Answer,
    AssistantError,
    Citation,
    HeuristicRewriter,
    Hit,
    Utterance,
    normalise_history,
    pack,
    sent_ids,
    utterance_id,
)

from . import metrics as M
from .errors import EvalError
from .fixtures import Meter
from .records import AnswerResult, Figures, QuestionResult, Ranking
from .suite import ANSWERABLE, UNANSWERABLE, UNGRADED, Question


@dataclass
class Scoring:
    """What every question of a run is scored with."""

    k: int
    budget_tokens: int
    depth: int
    answers: bool
    utterances: dict[str, Utterance]
    meter: Meter
    judge: Any = None


def evaluate(a: Any, q: Question, scope: str, s: Scoring) -> QuestionResult:
    episode = q.episode if scope == "episode" and q.episode else None
    result, gold = _graded(q, s.utterances)
    before = s.meter.snapshot()
    answer = _ask(a, q, episode, result) if s.answers else None
    usage, requests = Meter.delta(before, s.meter.snapshot())
    result.query, earlier = (answer.query, answer.follow_up_of) if answer and answer.query else _rewrite(a, q)
    t = time.perf_counter()
    hits: list[Hit] = a.search(
        result.query, k=s.depth, episode=episode, speaker=q.speaker, follow_up_of=earlier
    )
    result.search_ms = round((time.perf_counter() - t) * 1000, 2)
    ranking = [h.utterance.id for h in hits]
    result.ranking = ranking[: s.k]
    if result.status == ANSWERABLE:
        result.scores = _ranking(ranking, hits, gold, s)
    if answer is not None:
        result.answer = score_answer(answer, q, result.status, gold, s.utterances, s.judge)
        result.answer.usage, result.answer.requests = usage, requests
    return result


def _graded(q: Question, utterances: dict[str, Utterance]) -> tuple[QuestionResult, set[str]]:
    """The question's record before anything ran, and its gold utterances that are stored."""
    gold = {utterance_id(q.episode, n) for n in q.evidence} if q.episode else set()
    found = {g for g in gold if g in utterances}
    status = q.status
    if status == ANSWERABLE and not found:
        status = UNGRADED  # gold numbers all point at utterances that are not stored (e.g. empty turns)
    result = QuestionResult(
        id=q.id,
        episode=q.episode,
        question=q.question,
        group=q.group,
        status=status,
        gold=sorted(found),
        gold_missing=sorted(gold - found),
    )
    return result, found


def _ask(a: Any, q: Question, episode: str | None, result: QuestionResult) -> Answer | None:
    """`ask()` as a user calls it. An assistant error is noted on the question; a harness error stops all."""
    history = [{"role": r, "content": c} for r, c in q.history]
    try:
        answer: Answer = a.ask(q.question, episode=episode, history=history or None, speaker=q.speaker)
        return answer
    except EvalError:
        raise
    except AssistantError as exc:
        result.error = str(exc)
        return None


def _rewrite(a: Any, q: Question) -> tuple[str, str]:
    """What `ask()` would search for the question (see `ChatSession._rewrite`): (query, earlier question)."""
    if not q.history:
        return q.question, ""
    history = normalise_history([{"role": r, "content": c} for r, c in q.history])
    if isinstance(a.rewriter, HeuristicRewriter):
        earlier = a.rewriter.leans_on(q.question, history)
        if earlier:
            return q.question, earlier
    rewritten: str = a.rewriter.rewrite(q.question, history)
    return rewritten, ""


def _ranking(ranking: list[str], hits: list[Hit], gold: set[str], s: Scoring) -> Ranking:
    k = s.k
    packed = pack(hits, s.budget_tokens)
    seen = sent_ids(packed)
    metrics = {
        "hit@1": M.hit_at(ranking, gold, 1),
        "hit@5": M.hit_at(ranking, gold, 5),
        "hit@10": M.hit_at(ranking, gold, 10),
        f"recall@{k}": M.recall_at(ranking, gold, k),
        "mrr": M.reciprocal_rank(ranking, gold, k),
        f"ndcg@{k}": M.ndcg_at(ranking, gold, k),
        "budget_hit": 1.0 if any(h.utterance.id in gold for h in packed) else 0.0,
        "budget_seen": 1.0 if seen & gold else 0.0,
        "budget_recall": len(seen & gold) / len(gold),
    }
    return Ranking(metrics=metrics, first_rank=M.first_rank(ranking, gold), budget_docs=len(packed))


# ---- the answer -----------------------------------------------------------------------------------------


@dataclass
class _Pairs:
    """(citation, utterance) pairs: valid when the span matches the text and the utterance was retrieved."""

    total: int = 0
    valid: int = 0
    from_context: int = 0


def _citation_pairs(answer: Answer, utterances: dict[str, Utterance]) -> _Pairs:
    retrieved = {h.utterance.id for h in answer.hits}
    context = {u.id for h in answer.hits for u in (*h.context, *h.carried_on)}
    pairs = _Pairs()
    for c in answer.citations:
        span_ok = answer.text[c.start : c.end] == c.text
        for u in c.utterances:
            pairs.total += 1
            stored = utterances.get(u.id)
            if (
                span_ok
                and stored is not None
                and stored.text == u.text
                and (u.id in retrieved or u.id in context)
            ):
                pairs.valid += 1
                pairs.from_context += u.id not in retrieved
    return pairs


def _support(answer: Answer, judge: Any) -> tuple[list[float], list[bool]]:
    """Each sentence that carries citations, against the union of the utterances those citations name."""
    scores: list[float] = []
    judged: list[bool] = []
    for start, end in M.sentence_spans(answer.text):
        cited_here: list[Citation] = [
            c for c in answer.citations if M.overlaps((start, end), (c.start, c.end))
        ]
        if not cited_here:
            continue
        sentence = answer.text[start:end]
        sources = list({u.id: u for c in cited_here for u in c.utterances}.values())
        scores.append(M.lexical_support(sentence, [f"{u.speaker or ''} {u.text}" for u in sources]))
        if judge is not None and len(judged) < 5:
            verdict = judge.supported(sentence, [u.text for u in sources])
            if verdict is not None:
                judged.append(verdict)
    return scores, judged


def _grading(answer: Answer, status: str, gold: set[str], cited: set[str]) -> Figures:
    m: Figures = {}
    if status == ANSWERABLE:
        m["citation_precision"] = len(cited & gold) / len(cited) if cited else None
        m["citation_recall"] = len(cited & gold) / len(gold) if gold else None
        m["answer_hit"] = 1.0 if cited & gold else 0.0
        m["false_refusal"] = 1.0 if answer.refused else 0.0
    if status == UNANSWERABLE:
        m["correct_refusal"] = 1.0 if answer.refused else 0.0
    spans = [(c.start, c.end) for c in answer.citations]
    m["cited_sentences"] = (
        None
        if answer.refused
        else M.cited_sentence_share(answer.text, spans, ignore=(OFFLINE_HEADER, OUTLINE_HEADER))
    )
    return m


def _support_figures(support: Sequence[float], judged: Sequence[bool]) -> Figures:
    m: Figures = {}
    if support:
        m["support"] = sum(support) / len(support)
        m["supported_sentences"] = sum(1 for s in support if s >= 0.5) / len(support)
    if judged:
        m["judge_support"] = sum(judged) / len(judged)
    return m


def _overlap(answer: Answer, q: Question, status: str) -> Figures:
    if not q.references or status == UNANSWERABLE:
        return {}
    text = answer.text.replace(OFFLINE_HEADER, "").replace(OUTLINE_HEADER, "").strip()
    rouge, f1 = M.best_against(text, q.references)
    return {"rouge_l": rouge, "token_f1": f1} if status == ANSWERABLE else {"general_rouge_l": rouge}


def score_answer(
    answer: Answer,
    q: Question,
    status: str,
    gold: set[str],
    utterances: dict[str, Utterance],
    judge: Any,
) -> AnswerResult:
    pairs = _citation_pairs(answer, utterances)
    cited = {u.id for u in answer.cited_utterances}
    m: Figures = {}
    if pairs.total:
        m["citation_valid"] = pairs.valid / pairs.total
    m.update(_grading(answer, status, gold, cited))
    m.update(_support_figures(*_support(answer, judge)))
    m.update(_overlap(answer, q, status))
    return AnswerResult(
        answer=answer.text,
        mode=answer.mode,
        model=answer.model,
        notice=answer.notice,
        cited=sorted(cited),
        citation_pairs=pairs.total,
        citation_pairs_valid=pairs.valid,
        citations_from_context=pairs.from_context,
        refused=answer.refused,
        timings=dict(answer.timings),
        answer_metrics=m,
    )
