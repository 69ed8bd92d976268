"""Runs a suite against configurations and embedders and returns every figure as plain data (JSON-ready).

One fresh temporary store per embedder, ingested once and shared by every configuration of the run.
Per question: `ask()` (the product path: follow-up rewriting, retrieval, packing, answer), then `search()`
with the query `ask()` used and the same depth, for the ranking metrics.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import AssistantError
from ..generation.context import pack, sent_ids
from ..types import Answer, Hit, Utterance, utterance_id
from . import metrics as M
from .configs import Configuration
from .costs import PRICES_NOTE, estimate
from .fixtures import CRAFTED_NOTE, FixtureStore, Meter, read_manifest, write_manifest
from .suite import ANSWERABLE, UNANSWERABLE, UNGRADED, Question, Suite, SuiteError

log = logging.getLogger(__name__)

HOSTED_MODES = ("off", "live", "record", "replay", "craft")
Progress = Callable[[str, int, int], None]
"""progress(description, done, total)"""

STAGES = ("rewrite_ms", "retrieve_ms", "generate_ms", "total_ms", "search_ms")


@dataclass
class RunOptions:
    suite: Suite
    configs: Sequence[Configuration]
    embedders: Sequence[str] = ("hashing",)
    scopes: Sequence[str] = ("episode",)
    budget_tokens: int = 1500
    k: int = 10
    hosted: str = "off"
    fixtures_dir: Path | None = None
    replay_auto: bool = False
    judge: bool = False
    answers: bool = True
    prune: bool = True
    """After crafting fixtures for the whole suite, drop the ones no longer used (off with --limit)."""
    settings: Settings | None = None
    command: str = ""
    progress: Progress | None = None
    notes: list[str] = field(default_factory=list)


def resolve_embedder(kind: str, settings: Settings) -> str:
    """`auto` for evaluation: the local ONNX model when present, else hashing. Never Cohere unless asked."""
    if kind != "auto":
        return kind
    from ..models.embedder import find_onnx

    return "onnx" if find_onnx(settings.onnx_model_dir) else "hashing"


def run(options: RunOptions) -> dict[str, Any]:
    started = time.perf_counter()
    base = options.settings or Settings.from_env()
    suite = options.suite
    notes = list(options.notes)
    meter = Meter()
    store = FixtureStore(options.fixtures_dir) if options.fixtures_dir else None
    current_embedder: dict[str, str | None] = {"name": None}
    crafter = None
    client = None
    http = None
    if options.hosted != "off":
        client, http, crafter = _hosted_client(options, base, meter, store, lambda: current_embedder["name"])
    manifest = (
        read_manifest(options.fixtures_dir) if options.fixtures_dir and options.hosted == "replay" else None
    )
    crafted = options.hosted == "craft" or bool(manifest and manifest.get("crafted"))
    if crafted:
        notes.append(CRAFTED_NOTE)

    runs: list[dict[str, Any]] = []
    ingest: dict[str, Any] = {}
    total_steps = len(options.embedders) * (
        1 + len(options.configs) * len(options.scopes) * len(suite.questions)
    )
    done = 0

    def tick(description: str, n: int = 1) -> None:
        nonlocal done
        done += n
        if options.progress:
            options.progress(description, done, total_steps)

    workdir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))
    try:
        for kind in options.embedders:
            from .. import Assistant

            settings = replace(base, store=workdir / kind, chroma_host=None, embedder=kind, mode="offline")
            if options.progress:
                options.progress(f"ingesting with {kind}", done, total_steps)
            first = Assistant(settings=settings, cohere_client=client)
            current_embedder["name"] = first.embedder.name
            t = time.perf_counter()

            def ingest_progress(embedded: int, total: int, label: str, kind: str = kind) -> None:
                if options.progress:
                    options.progress(
                        f"ingesting with {kind} · {embedded}/{total} utterances", done, total_steps
                    )

            report = first.ingest(suite.transcript_files(), progress=ingest_progress)
            if report.failed:
                raise SuiteError("; ".join(report.failed.values()))
            ingest[kind] = {
                "embedder": first.embedder.name,
                "seconds": round(time.perf_counter() - t, 2),
                "episodes": len(report.added) + len(report.updated) + len(report.skipped),
                "utterances": report.utterances_written,
            }
            tick(f"ingested with {kind}")
            utterances = _stored_utterances(first)
            _check_episodes(suite, utterances)

            hosted_ok = options.hosted != "off"
            made_for = (manifest or {}).get("embedders") or []
            if (
                hosted_ok
                and options.replay_auto
                and manifest is not None
                and first.embedder.name not in made_for
            ):
                hosted_ok = False
                notes.append(
                    f"hosted configurations skipped for {first.embedder.name}: the fixtures in "
                    f"{options.fixtures_dir} were made for {', '.join(made_for) or 'none'}"
                )
            for config in options.configs:
                if config.hosted and not hosted_ok:
                    tick(f"{config.name}: skipped", len(suite.questions) * len(options.scopes))
                    continue
                if config.local_rerank and settings.local_rerank == "off":
                    notes.append(f"{config.name} skipped: set ASSISTANT_LOCAL_RERANK (e.g. embed:MODEL)")
                    tick(f"{config.name}: skipped", len(suite.questions) * len(options.scopes))
                    continue
                mode = "auto" if config.hosted else "offline"
                cfg_settings = replace(settings, mode=mode)
                if config.hosted and not cfg_settings.cohere_api_key:
                    cfg_settings = replace(cfg_settings, cohere_api_key="replay")
                if not config.local_rerank:
                    cfg_settings = replace(cfg_settings, local_rerank="off")
                a = Assistant(
                    settings=cfg_settings,
                    embedder=first.embedder,
                    cohere_client=client,
                    retrieval=config.retrieval,
                )
                judge = None
                if options.judge and client is not None:
                    from .judge import CohereJudge

                    judge = CohereJudge(client, base.chat_model)
                a.lexical.current()  # load the BM25 index before timing anything
                for scope in options.scopes:
                    records = []
                    for q in suite.questions:
                        if crafter is not None:
                            crafter.question = q
                        records.append(_evaluate(a, q, options, scope, utterances, meter, judge))
                        tick(f"{config.name} · {first.embedder.name.split(':')[0]} · {scope}")
                    runs.append(_summarise(config, first.embedder.name, scope, a.generator, records, options))
        hosted_runs = [r for r in runs if r["fields"].get("hosted")]
        if store is not None and options.hosted in ("craft", "record") and hosted_runs:
            names = {r["embedder"] for r in hosted_runs}
            if options.hosted == "craft" and options.prune:
                removed = store.prune(names)
                if removed:
                    notes.append(f"removed {removed} crafted fixtures no longer used")
            write_manifest(
                store.folder,
                crafted=options.hosted == "craft",
                suite=suite.name,
                embedders=names,
                configs=[c.name for c in options.configs if c.hosted],
            )
    finally:
        if http is not None:
            http.close()
        shutil.rmtree(workdir, ignore_errors=True)

    return {
        "schema": 1,
        "suite": {
            "name": suite.name,
            "path": str(suite.path),
            "transcripts": str(suite.transcripts),
            "description": suite.description,
            "questions": len(suite.questions),
            "statuses": _count(q.status for q in suite.questions),
        },
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": options.command,
        "scope": ", ".join(options.scopes),
        "scopes": list(options.scopes),
        "embedders": ingest,
        "hosted": {
            "mode": options.hosted,
            "fixtures": str(options.fixtures_dir) if options.fixtures_dir else None,
            "crafted": crafted,
            "chat_model": base.chat_model,
            "rerank_model": base.rerank_model,
        },
        "settings": {
            "top_k": base.top_k,
            "context_tokens": base.context_tokens,
            "budget_tokens": options.budget_tokens,
            "k": options.k,
            "search_depth": _depth(base, options),
        },
        "prices": PRICES_NOTE,
        "notes": notes,
        "runs": runs,
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


# ---- hosted client --------------------------------------------------------------------------------------


def _hosted_client(
    options: RunOptions,
    base: Settings,
    meter: Meter,
    store: FixtureStore | None,
    embedder: Callable[[], str | None],
) -> tuple[Any, Any, Any]:
    import httpx

    from ..providers.cohere import make_client
    from .fixtures import CraftingTransport, MeteredTransport, RecordingTransport, ReplayTransport

    crafter = None
    if options.hosted == "live":
        transport: httpx.BaseTransport = MeteredTransport(httpx.HTTPTransport(), meter)
    elif options.hosted == "record":
        assert store is not None
        transport = RecordingTransport(httpx.HTTPTransport(), meter, store, embedder)
    elif options.hosted == "replay":
        assert store is not None
        transport = ReplayTransport(store, meter)
    elif options.hosted == "craft":
        from .craft import Crafter

        assert store is not None
        crafter = Crafter()
        transport = CraftingTransport(crafter, meter, store, embedder)
    else:
        raise ValueError(f"hosted mode {options.hosted!r}; expected one of {', '.join(HOSTED_MODES)}")
    offline_replies = options.hosted in ("replay", "craft")
    settings = replace(
        base,
        cohere_api_key=base.cohere_api_key if not offline_replies else "replay",
        max_retries=0 if offline_replies else base.max_retries,
    )
    http = httpx.Client(transport=transport, timeout=settings.timeout)
    return make_client(settings, http), http, crafter


# ---- one question ---------------------------------------------------------------------------------------


def _depth(settings: Settings, options: RunOptions) -> int:
    """Exactly the depth `ask()` searches, so the ranking scored is the one the answer was built from."""
    return max(options.k, settings.top_k * 2, 10)


def _stored_utterances(a: Any) -> dict[str, Utterance]:
    out: dict[str, Utterance] = {}
    for episode in a.episodes():
        for u in a.transcript(episode.id):
            out[u.id] = u
    return out


def _check_episodes(suite: Suite, utterances: dict[str, Utterance]) -> None:
    known = {u.episode_id for u in utterances.values()}
    unknown = sorted({q.episode for q in suite.questions if q.episode and q.episode not in known})
    if unknown:
        raise SuiteError(
            f"{suite.path}: questions name episodes that are not among the suite's transcripts: "
            f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} (episode ids are the transcript file stems; "
            f"known: {', '.join(sorted(known)[:5])}{' …' if len(known) > 5 else ''})"
        )


def _evaluate(
    a: Any,
    q: Question,
    options: RunOptions,
    scope: str,
    utterances: dict[str, Utterance],
    meter: Meter,
    judge: Any,
) -> dict[str, Any]:
    from ..generation.offline import HEADER, NOTHING

    episode = q.episode if scope == "episode" and q.episode else None
    history = [{"role": r, "content": c} for r, c in q.history]
    gold = {utterance_id(q.episode, n) for n in q.evidence} if q.episode else set()
    gold_found = {g for g in gold if g in utterances}
    status = q.status
    if status == ANSWERABLE and not gold_found:
        status = UNGRADED  # gold numbers all point at utterances that are not stored (e.g. empty turns)
    record: dict[str, Any] = {
        "id": q.id,
        "episode": q.episode,
        "question": q.question,
        "group": q.group,
        "status": status,
        "gold": sorted(gold_found),
        "gold_missing": sorted(gold - gold_found),
    }

    before = meter.snapshot()
    answer: Answer | None = None
    if options.answers:
        try:
            answer = a.ask(q.question, episode=episode, history=history or None, speaker=q.speaker)
        except AssistantError as exc:
            record["error"] = str(exc)
    usage, requests = Meter.delta(before, meter.snapshot())
    query = answer.query if answer is not None and answer.query else _rewrite(a, q)
    t = time.perf_counter()
    hits: list[Hit] = a.search(query, k=_depth(a.settings, options), episode=episode, speaker=q.speaker)
    search_ms = round((time.perf_counter() - t) * 1000, 2)
    ranking = [h.utterance.id for h in hits]
    record.update(query=query, ranking=ranking[: options.k], search_ms=search_ms)

    if status == ANSWERABLE:
        k = options.k
        packed = pack(hits, options.budget_tokens)
        seen = sent_ids(packed)
        record["metrics"] = {
            "hit@1": M.hit_at(ranking, gold_found, 1),
            "hit@5": M.hit_at(ranking, gold_found, 5),
            "hit@10": M.hit_at(ranking, gold_found, 10),
            f"recall@{k}": M.recall_at(ranking, gold_found, k),
            "mrr": M.reciprocal_rank(ranking, gold_found, k),
            f"ndcg@{k}": M.ndcg_at(ranking, gold_found, k),
            "budget_hit": 1.0 if any(h.utterance.id in gold_found for h in packed) else 0.0,
            "budget_seen": 1.0 if seen & gold_found else 0.0,
        }
        record["first_rank"] = M.first_rank(ranking, gold_found)
        record["budget_docs"] = len(packed)
    else:
        record["metrics"] = {}

    if answer is not None:
        record.update(
            _answer_record(answer, q, status, gold_found, utterances, judge, ignore=(HEADER, NOTHING))
        )
        record["usage"] = usage
        record["requests"] = requests
    return record


def _rewrite(a: Any, q: Question) -> str:
    if not q.history:
        return q.question
    from ..client import normalise_history

    return a.rewriter.rewrite(
        q.question, normalise_history([{"role": r, "content": c} for r, c in q.history])
    )


def _answer_record(
    answer: Answer,
    q: Question,
    status: str,
    gold: set[str],
    utterances: dict[str, Utterance],
    judge: Any,
    ignore: Sequence[str],
) -> dict[str, Any]:
    from ..generation.offline import HEADER

    retrieved = {h.utterance.id for h in answer.hits}
    context = {u.id for h in answer.hits for u in h.context}
    pairs = valid = from_context = 0
    spans = []
    support_scores = []
    judged: list[bool] = []
    for c in answer.citations:
        spans.append((c.start, c.end))
        span_ok = answer.text[c.start : c.end] == c.text
        for u in c.utterances:
            pairs += 1
            stored = utterances.get(u.id)
            if (
                span_ok
                and stored is not None
                and stored.text == u.text
                and (u.id in retrieved or u.id in context)
            ):
                valid += 1
                from_context += u.id not in retrieved
    # support: each sentence that carries citations, against the union of the utterances those citations name
    for start, end in M.sentence_spans(answer.text):
        cited_here = [c for c in answer.citations if M.overlaps((start, end), (c.start, c.end))]
        if not cited_here:
            continue
        sentence = answer.text[start:end]
        sources = list({u.id: u for c in cited_here for u in c.utterances}.values())
        support_scores.append(M.lexical_support(sentence, [f"{u.speaker or ''} {u.text}" for u in sources]))
        if judge is not None and len(judged) < 5:
            verdict = judge.supported(sentence, [u.text for u in sources])
            if verdict is not None:
                judged.append(verdict)
    cited = {u.id for u in answer.cited_utterances}
    refused = not answer.citations
    m: dict[str, Any] = {}
    if pairs:
        m["citation_valid"] = valid / pairs
    if status == ANSWERABLE:
        m["citation_precision"] = len(cited & gold) / len(cited) if cited else None
        m["citation_recall"] = len(cited & gold) / len(gold) if gold else None
        m["answer_hit"] = 1.0 if cited & gold else 0.0
        m["false_refusal"] = 1.0 if refused else 0.0
    if status == UNANSWERABLE:
        m["correct_refusal"] = 1.0 if refused else 0.0
    m["cited_sentences"] = M.cited_sentence_share(answer.text, spans, ignore) if not refused else None
    if support_scores:
        m["support"] = sum(support_scores) / len(support_scores)
        m["supported_sentences"] = sum(1 for s in support_scores if s >= 0.5) / len(support_scores)
    if judged:
        m["judge_support"] = sum(judged) / len(judged)
    if q.references and status != UNANSWERABLE:
        text = answer.text.replace(HEADER, "").strip()
        rouge, f1 = M.best_against(text, q.references)
        if status == ANSWERABLE:
            m["rouge_l"], m["token_f1"] = rouge, f1
        else:
            m["general_rouge_l"] = rouge
    return {
        "answer": answer.text,
        "mode": answer.mode,
        "model": answer.model,
        "notice": answer.notice,
        "cited": sorted(cited),
        "citation_pairs": pairs,
        "citation_pairs_valid": valid,
        "citations_from_context": from_context,
        "refused": refused,
        "timings": dict(answer.timings),
        "answer_metrics": m,
    }


# ---- aggregation ----------------------------------------------------------------------------------------


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for item in items:
        out[item] += 1
    return dict(out)


def _summarise(
    config: Configuration,
    embedder: str,
    scope: str,
    generator: Any,
    records: list[dict[str, Any]],
    options: RunOptions,
) -> dict[str, Any]:
    k = options.k
    answerable = [r for r in records if r["status"] == ANSWERABLE]
    figures: dict[str, Any] = {}
    for name in ("hit@1", "hit@5", "hit@10", f"recall@{k}", "mrr", f"ndcg@{k}", "budget_hit", "budget_seen"):
        figures[name] = M.mean(r["metrics"].get(name) for r in answerable)
    answered = [r for r in records if "answer_metrics" in r]
    # pooled over (citation, utterance) pairs, not averaged per answer: one bad citation anywhere must show
    total_pairs = sum(r["citation_pairs"] for r in answered)
    valid_pairs = sum(r["citation_pairs_valid"] for r in answered)
    figures["citation_valid"] = valid_pairs / total_pairs if total_pairs else None
    for name in (
        "citation_precision",
        "citation_recall",
        "answer_hit",
        "false_refusal",
        "correct_refusal",
        "cited_sentences",
        "support",
        "supported_sentences",
        "judge_support",
        "rouge_l",
        "token_f1",
        "general_rouge_l",
    ):
        figures[name] = M.mean(r["answer_metrics"].get(name) for r in answered)

    latency: dict[str, dict[str, float | None]] = {}
    for stage in STAGES:
        values = [
            r["search_ms"] if stage == "search_ms" else r.get("timings", {}).get(stage) for r in records
        ]
        kept = [float(v) for v in values if v is not None]
        if kept:
            latency[stage] = {
                "p50": M.percentile(kept, 50),
                "p95": M.percentile(kept, 95),
                "mean": sum(kept) / len(kept),
            }
    if "total_ms" in latency:
        figures["latency_p50_ms"] = latency["total_ms"]["p50"]
        figures["latency_p95_ms"] = latency["total_ms"]["p95"]

    usage: dict[str, dict[str, float]] = {}
    requests: dict[str, int] = {}
    for r in answered:
        for model, counts in (r.get("usage") or {}).items():
            bucket = usage.setdefault(model, {"input_tokens": 0.0, "output_tokens": 0.0, "search_units": 0.0})
            for key, value in counts.items():
                bucket[key] = bucket.get(key, 0.0) + value
        for route, n in (r.get("requests") or {}).items():
            requests[route] = requests.get(route, 0) + n
    n_answered = len(answered) or 1
    cost, unpriced = estimate(usage)
    if usage:
        figures["tokens_in"] = sum(c.get("input_tokens", 0) for c in usage.values()) / n_answered
        figures["tokens_out"] = sum(c.get("output_tokens", 0) for c in usage.values()) / n_answered
        figures["cost_usd"] = cost / n_answered

    groups: dict[str, dict[str, Any]] = {}
    for r in records:
        g = groups.setdefault(r["group"], {"n": 0, "_rows": []})
        g["n"] += 1
        g["_rows"].append(r)
    for name, g in groups.items():
        rows = g.pop("_rows")
        graded = [r for r in rows if r["status"] == ANSWERABLE]
        for metric in ("hit@1", "hit@5", "hit@10", "mrr"):
            g[metric] = M.mean(r["metrics"].get(metric) for r in graded)
        for metric in ("citation_precision", "correct_refusal", "false_refusal"):
            g[metric] = M.mean(r.get("answer_metrics", {}).get(metric) for r in rows)

    fallbacks = sum(
        1 for r in answered if r.get("notice") and "offline answer instead" in (r.get("notice") or "")
    )
    failed_calls = sum(n for route, n in requests.items() if " HTTP " in route)
    return {
        "name": config.name
        + (f"@{embedder.split(':')[0]}" if len(options.embedders) > 1 else "")
        + (f"/{scope}" if len(options.scopes) > 1 else ""),
        "config": config.name,
        "scope": scope,
        "description": config.description,
        "embedder": embedder,
        "generator": f"{generator.mode}"
        + (f" ({generator.model})" if getattr(generator, "model", None) else ""),
        "fields": config.fields(),
        "counts": {
            "questions": len(records),
            "answerable": len(answerable),
            "unanswerable": sum(1 for r in records if r["status"] == UNANSWERABLE),
            "ungraded": sum(1 for r in records if r["status"] == UNGRADED),
            "gold_missing": sum(1 for r in records if r["gold_missing"]),
            "errors": sum(1 for r in records if r.get("error")),
            "hosted_fallbacks": fallbacks,
            "failed_cohere_calls": failed_calls,
        },
        "metrics": figures,
        "latency_ms": latency,
        "usage": {
            "per_model": usage,
            "requests": requests,
            "cost_usd_total": cost,
            "unpriced_models": unpriced,
        },
        "by_group": groups,
        "questions": records,
    }
