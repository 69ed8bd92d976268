"""`ask` latency: offline end to end on the seed store, and the hosted path's own overhead."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import SEED, CachedEmbedder, load_average, make_onnx, offline_settings, summary_ms

SEED_QUESTIONS = (
    "Why did Aidan leave Google to start Cohere?",
    "What did Aidan say about hiring undergrad students?",
    "How was the transformer paper written?",
    "Was it clear that the transformer was going to be a big deal?",
    "Why did Cohere focus on the enterprise instead of consumers?",
    "What does Aidan think about synthetic data?",
    "Who runs Cohere for AI?",
    "What is special about agents compared to other SaaS?",
    "How do they train their models, SFT and RLHF?",
    "Can customers air gap the deployment?",
    "What did he say about scaling up large language models?",
    "What does Aidan think about AGI?",
    "How did Noam contribute to the paper?",
    "What are the risks of AI according to Aidan?",
    "What did they say about open source models?",
    "How does Cohere make money?",
    "What was the group of researchers at Google Brain like?",
    "What did Aidan say about reasoning models?",
    "What does productivity mean for the economy?",
    "What advice would he give to founders?",
)


def bench_ask(cache: Path, threads: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Offline ask end to end on the seed store,
    and the hosted path's own overhead against a zero-latency fake."""
    from assistant import Assistant

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        store = Path(tmp) / "offline"
        onnx = make_onnx(threads)
        embedder = CachedEmbedder(onnx, cache)
        with Assistant.from_settings(store=store, settings=offline_settings(store), embedder=embedder) as a:
            a.ingest(SEED)
        embedder.save()
        # A new Assistant, as a user's process would have, with the plain embedder (queries are embedded
        # live).
        with Assistant.from_settings(store=store, settings=offline_settings(store), embedder=onnx) as a:
            a.ask("warm up the model and the index")
            times, parts = [], []
            for q in SEED_QUESTIONS:
                start = time.perf_counter()
                answer = a.ask(q)
                times.append((time.perf_counter() - start) * 1000)
                parts.append(answer.timings)
        stats = summary_ms(times)
        result["offline_p50_ms"] = stats["p50"]
        result["offline_p95_ms"] = stats["p95"]
        result["offline_retrieve_p50_ms"] = summary_ms([p.get("retrieve_ms", 0) for p in parts])["p50"]
        result["offline_generate_p50_ms"] = summary_ms([p.get("generate_ms", 0) for p in parts])["p50"]
        result["questions"] = len(SEED_QUESTIONS)
        log(f"  ask offline: p50 {stats['p50']} ms")
        try:
            result.update(_hosted_overhead(Path(tmp) / "hosted"))
            log(f"  ask hosted overhead: p50 {result['hosted_overhead_p50_ms']} ms")
        except ImportError as exc:
            result["hosted_skipped"] = f"tests/providers/cohere_fakes.py not importable: {exc}"
    result["load_average_1min"] = load_average()
    return result


def _hosted_overhead(store: Path) -> dict[str, Any]:
    """Total `ask` time minus the time spent inside the fake HTTP handler (embed, rerank, chat stream)."""
    import httpx

    from assistant import Assistant
    from tests.providers.cohere_fakes import FakeCohere

    fake = FakeCohere()
    inside = [0.0]
    handle = fake.handle

    def timed(request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        try:
            response = handle(request)
            response.read()  # the body is built here, not while the SDK reads it
            return response
        finally:
            inside[0] += time.perf_counter() - start

    fake.transport = httpx.MockTransport(timed)
    with Assistant.from_settings(store=store, settings=fake.settings(), cohere_client=fake.client()) as a:
        a.ingest(SEED)
        a.ask("warm up")
        totals, overheads, calls = [], [], []
        for q in SEED_QUESTIONS:
            inside[0] = 0.0
            before = len(fake.requests)
            start = time.perf_counter()
            answer = a.ask(q)
            total = (time.perf_counter() - start) * 1000
            totals.append(total)
            overheads.append(total - inside[0] * 1000)
            calls.append(len(fake.requests) - before)
        assert answer.mode == "hosted", answer.mode
    return {
        "hosted_overhead_p50_ms": summary_ms(overheads)["p50"],
        "hosted_overhead_p95_ms": summary_ms(overheads)["p95"],
        "hosted_total_p50_ms": summary_ms(totals)["p50"],
        "hosted_http_calls_per_ask": statistics.median(calls),
    }
