"""The runner, fixtures and `eval` command on a tiny suite: offline, a few seconds."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from assistant.config import Settings
from assistant.evaluation import configs
from assistant.evaluation.command import eval_command
from assistant.evaluation.craft import Crafter
from assistant.evaluation.errors import FixtureMissing
from assistant.evaluation.fixtures import Meter, read_manifest, request_key
from assistant.evaluation.records import Evaluation, HostedInfo, RunSettings, SuiteInfo
from assistant.evaluation.report import markdown, write_all
from assistant.evaluation.runner import RunOptions, run
from assistant.evaluation.suite import load_suite
from assistant.evaluation.thresholds import check_thresholds

TRANSCRIPT = """--- METADATA START ---
Show: Test Show
Episode: The Tunnel
Host: Ana
Guests: Ben
--- METADATA END ---

1
Ana: Welcome back. Today Ben tells us about the new rail tunnel under the river.
2
Ben: Thanks. We finished boring the tunnel in June, two months ahead of plan.
3
Ana: How long is it?
4
Ben: Four point two kilometres, and the deepest point is thirty metres below the riverbed.
5
Ana: What was the hardest part?
6
Ben: Groundwater. We froze the soil around the shaft for six weeks before digging.
7
Ana: And when do trains start running?
8
Ben: Passenger service starts next March, after a winter of safety tests.
9
Ana: Ben, thank you.
10
Ben: Thank you, Ana.
"""

QUESTIONS = [
    {
        "id": "len",
        "episode": "tunnel",
        "question": "How long is the rail tunnel?",
        "evidence": [4],
        "answer": "Four point two kilometres.",
        "category": "fact",
    },
    {
        "id": "water",
        "episode": "tunnel",
        "question": "What did Ben say about groundwater?",
        "evidence": [6],
        "category": "speaker",
    },
    {
        "id": "trains",
        "episode": "tunnel",
        "question": "When do they start?",
        "evidence": [8],
        "category": "follow-up",
        "history": [
            {"role": "user", "content": "When was the tunnel finished?"},
            {"role": "assistant", "content": "In June, two months early."},
        ],
        "standalone": "When do passenger trains start running through the tunnel?",
    },
    {
        "id": "cost",
        "episode": "tunnel",
        "question": "How much did the tunnel cost?",
        "answerable": False,
        "category": "unanswerable",
    },
    {
        "id": "summary",
        "episode": "tunnel",
        "question": "Summarise the episode",
        "kind": "general",
        "answer": "Ben describes the tunnel, groundwater freezing and the start of service.",
    },
]


def make_suite(folder: Path, questions: list[dict] = QUESTIONS) -> Path:
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "tunnel.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "questions.jsonl").write_text(
        "\n".join(json.dumps(q) for q in questions) + "\n", encoding="utf-8"
    )
    return folder


def options(suite_dir: Path, names: list[str], **kw) -> RunOptions:
    return RunOptions(
        suite=load_suite(suite_dir),
        configs=[configs.get(n) for n in names],
        embedders=["hashing"],
        settings=Settings.from_env(dotenv=False),
        **kw,
    )


def test_crafted_fixtures_then_replay_through_the_real_sdk(tmp_path: Path) -> None:
    suite_dir = make_suite(tmp_path / "suite")
    fixtures = tmp_path / "cohere"
    crafted = run(options(suite_dir, ["hybrid", "hybrid+rerank"], hosted="craft", fixtures_dir=fixtures))
    manifest = read_manifest(fixtures)
    assert manifest and manifest["crafted"] and manifest["embedders"] == ["hashing:v1:512"]
    routes = sorted(p.name.split("-")[0] for p in fixtures.glob("*.json") if p.name != "manifest.json")
    assert (
        set(routes) == {"chat", "chat_stream", "rerank"} and routes.count("chat") == 1
    )  # one follow-up rewrite

    replayed = run(options(suite_dir, ["hybrid", "hybrid+rerank"], hosted="replay", fixtures_dir=fixtures))
    assert any("fixtures: crafted" in n for n in replayed.notes)
    for before, after in zip(crafted.runs, replayed.runs, strict=True):
        assert before.metrics.keys() == after.metrics.keys()
        for name, value in before.metrics.items():
            if not name.startswith(("latency", "tokens", "cost")):
                assert after.metrics[name] == value, name

    offline, hosted = replayed.runs
    assert offline.generator == "offline" and hosted.generator.startswith("hosted")
    m = hosted.metrics
    assert m["citation_valid"] == 1.0 and m["correct_refusal"] == 1.0 and m["citation_precision"] == 1.0
    assert m["tokens_in"] > 0 and m["cost_usd"] > 0
    # The summary question is answered from the outline's key quotes: nothing to rerank.
    assert hosted.usage.requests == {"chat": 1, "chat_stream": 5, "rerank": 4}
    by_id = {q.id: q for q in hosted.questions}
    assert by_id["trains"].query == QUESTIONS[2]["standalone"]  # the hosted rewrite came from the fixture
    assert by_id["cost"].answer.refused and by_id["len"].answer.cited == ["tunnel#000004"]
    assert by_id["summary"].status == "ungraded" and "general_rouge_l" in by_id["summary"].answer_metrics
    assert asdict(offline.counts) == {
        "questions": 5,
        "answerable": 3,
        "unanswerable": 1,
        "ungraded": 1,
        "gold_missing": 0,
        "errors": 0,
        "hosted_fallbacks": 0,
        "failed_cohere_calls": 0,
    }
    assert offline.metrics["hit@10"] == 1.0 and offline.metrics["citation_valid"] == 1.0

    paths = write_all(replayed, tmp_path / "out", check_thresholds(replayed, ["hit@10=0.9"]))
    assert all(p.stat().st_size > 0 for p in paths.values())
    report = paths["markdown"].read_text(encoding="utf-8")
    assert "fixtures: crafted" in report and "| `hybrid+rerank` |" in report and "## Thresholds" in report


def test_replay_fails_loudly_on_a_request_without_fixture(tmp_path: Path) -> None:
    suite_dir = make_suite(tmp_path / "suite", QUESTIONS[:1])
    fixtures = tmp_path / "cohere"
    run(options(suite_dir, ["hybrid+rerank"], hosted="craft", fixtures_dir=fixtures))
    changed = make_suite(tmp_path / "changed", [{**QUESTIONS[0], "question": "How deep is the tunnel?"}])
    with pytest.raises(FixtureMissing, match="no Cohere fixture for this rerank request"):
        run(options(changed, ["hybrid+rerank"], hosted="replay", fixtures_dir=fixtures))


def test_fixture_keys_ignore_order_and_volatile_fields() -> None:
    def req(body: dict) -> httpx.Request:
        return httpx.Request("POST", "https://api.cohere.com/v2/chat", json=body)

    a = request_key(req({"model": "m", "messages": [], "stream": True}))
    b = request_key(req({"stream": True, "messages": [], "model": "m", "priority": 3}))
    c = request_key(req({"model": "m", "messages": []}))
    assert a[0] == b[0] and a[1] == "chat_stream" and c[1] == "chat" and c[0] != a[0]


def test_meter_reads_billed_units_from_a_crafted_stream() -> None:
    from assistant.evaluation.suite import parse_question

    crafter = Crafter()
    crafter.question = parse_question(
        {"question": "q", "episode": "ep", "evidence": [2]}, "test", default_id="q"
    )
    body = {
        "model": "command-a-03-2025",
        "stream": True,
        "messages": [{"role": "user", "content": "q"}],
        "documents": [{"id": "ep#000002", "data": {"speaker": "Ana", "text": "It grew by forty percent."}}],
    }
    response = crafter("chat_stream", body)
    meter = Meter()
    meter.add("chat_stream", body, 200, response.read(), "text/event-stream")
    usage, requests = meter.snapshot()
    assert requests == {"chat_stream": 1} and usage["command-a-03-2025"]["output_tokens"] > 0
    text, citations = crafter.answer_for(body)
    assert text == "Ana said: It grew by forty percent." and citations == [(10, 35, "ep#000002")]


def test_command_writes_the_report_and_gates_on_thresholds(tmp_path: Path) -> None:
    suite_dir = make_suite(tmp_path / "suite")
    out = tmp_path / "out"
    args = [
        "--suite",
        str(suite_dir),
        "--embedder",
        "hashing",
        "--config",
        "bm25",
        "--config",
        "hybrid",
        "--scope",
        "episode",
        "--scope",
        "library",
        "--out",
        str(out),
    ]
    ok = CliRunner().invoke(eval_command, [*args, "--min", "hit@10=0.5", "--min", "hybrid:citation_valid=1"])
    assert ok.exit_code == 0, ok.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in data["runs"]] == [
        "bm25/episode",
        "bm25/library",
        "hybrid/episode",
        "hybrid/library",
    ]
    assert "--config bm25" in data["command"] and "--scope library" in data["command"]
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert all(c["ok"] for c in data["thresholds"]) and len(data["thresholds"]) == 4 + 2

    missed = CliRunner().invoke(eval_command, [*args, "--min", "hit@1=1.01"])
    assert missed.exit_code == 1 and "MISSED hit@1=1.01" in missed.output

    unknown = CliRunner().invoke(eval_command, [*args, "--min", "hit@7=0.5"])
    assert unknown.exit_code == 2 and "unknown metric 'hit@7'" in unknown.output

    hosted = CliRunner().invoke(eval_command, [*args[:4], "--config", "hybrid+rerank"])
    assert hosted.exit_code == 2 and "needs Cohere" in hosted.output


def test_command_skips_a_suite_whose_transcripts_are_absent(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "questions.jsonl").write_text('{"question": "q"}\n')
    (folder / "suite.json").write_text(
        '{"name": "elsewhere", "transcripts": "../shared/x", "relative_to": "repo"}'
    )
    result = CliRunner().invoke(eval_command, ["--suite", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "skipped" in result.output and not (tmp_path / "out").exists()


def test_markdown_without_runs_is_still_a_report() -> None:
    data = Evaluation(
        suite=SuiteInfo(name="s", path="/s", transcripts="/s/t", description="", questions=0, statuses={}),
        date="d",
        command="c",
        scopes=["episode"],
        embedders={},
        hosted=HostedInfo(mode="off", fixtures=None, crafted=False, chat_model="m", rerank_model="r"),
        settings=RunSettings(top_k=8, context_tokens=3000, budget_tokens=1500, k=10, search_depth=16),
        prices="p",
        notes=[],
        runs=[],
        wall_seconds=0.0,
    )
    assert "No configuration ran." in markdown(data)


def test_judge_reads_yes_and_no() -> None:
    from types import SimpleNamespace

    from assistant.evaluation.judge import CohereJudge

    class Client:
        def __init__(self, reply: str) -> None:
            self.reply, self.calls = reply, []

        def chat(self, **kw):
            self.calls.append(kw)
            return SimpleNamespace(
                message=SimpleNamespace(content=[SimpleNamespace(type="text", text=self.reply)])
            )

    yes = Client("Yes.")
    assert CohereJudge(yes, "command-a-03-2025").supported("It grew.", ["It grew by 40%."]) is True
    assert "It grew by 40%." in yes.calls[0]["messages"][0]["content"]
    assert CohereJudge(Client("no"), "m").supported("s", ["p"]) is False
    assert CohereJudge(Client("maybe"), "m").supported("s", ["p"]) is None


def test_prune_drops_only_the_given_embedders_unused_fixtures(tmp_path: Path) -> None:
    from assistant.evaluation.fixtures import FixtureStore

    def save(store: FixtureStore, key: str, embedder: str) -> None:
        store.save(
            key * 8,
            "rerank",
            {"query": key},
            httpx.Response(200, json={}),
            b"{}",
            crafted=True,
            embedder=embedder,
        )

    first = FixtureStore(tmp_path)
    save(first, "a", "hashing")
    save(first, "b", "hashing")
    save(first, "b", "onnx")
    save(first, "c", "onnx")
    again = FixtureStore(tmp_path)
    save(again, "a", "hashing")
    assert again.prune({"hashing"}) == 0  # b is still used by onnx
    left = {p.name: json.loads(p.read_text())["embedders"] for p in tmp_path.glob("*.json")}
    assert sorted(left.values()) == [["hashing"], ["onnx"], ["onnx"]]
    assert again.prune({"onnx"}) == 2 and len(list(tmp_path.glob("*.json"))) == 1


def test_metered_transport_passes_responses_through_and_counts_failures() -> None:
    import cohere

    from assistant.evaluation.transports import MeteredTransport

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/rerank"):
            return httpx.Response(
                200,
                json={
                    "id": "r",
                    "results": [{"index": 0, "relevance_score": 0.9}],
                    "meta": {"billed_units": {"search_units": 1}},
                },
            )
        return httpx.Response(401, json={"message": "invalid api token"})

    meter = Meter()
    http = httpx.Client(transport=MeteredTransport(httpx.MockTransport(handler), meter))
    client = cohere.ClientV2(api_key="k", base_url="https://cohere.test", httpx_client=http, timeout=5)
    assert client.rerank(model="rerank-v3.5", query="q", documents=["d"]).results[0].relevance_score == 0.9
    from cohere.core.api_error import ApiError

    with pytest.raises(ApiError):
        client.embed(model="embed-v4.0", input_type="search_query", texts=["q"], embedding_types=["float"])
    usage, requests = meter.snapshot()
    assert usage["rerank-v3.5"]["search_units"] == 1
    assert requests == {"rerank": 1, "embed": 1, "embed HTTP 401": 1}


def test_recorded_exchanges_replay_through_the_sdk(tmp_path: Path) -> None:
    import cohere

    from assistant.evaluation.fixtures import FixtureStore
    from assistant.evaluation.suite import parse_question
    from assistant.evaluation.transports import RecordingTransport, ReplayTransport

    crafter = Crafter()
    crafter.question = parse_question(
        {"question": "q", "episode": "ep", "evidence": [2]}, "test", default_id="q"
    )
    live = httpx.MockTransport(lambda request: crafter("chat_stream", json.loads(request.content)))
    kwargs = {
        "model": "command-a-03-2025",
        "messages": [{"role": "user", "content": "How much did it grow?"}],
        "documents": [{"id": "ep#000002", "data": {"speaker": "Ana", "text": "It grew by forty percent."}}],
    }

    def events(transport: httpx.BaseTransport) -> list[tuple[str, str]]:
        client = cohere.ClientV2(api_key="k", httpx_client=httpx.Client(transport=transport), timeout=5)
        return [(e.type, str(getattr(e, "delta", ""))) for e in client.chat_stream(**kwargs)]

    recorded = events(RecordingTransport(live, Meter(), FixtureStore(tmp_path), lambda: "hashing:v1:512"))
    saved = list(tmp_path.glob("chat_stream-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["crafted"] is False
    assert events(ReplayTransport(FixtureStore(tmp_path), Meter())) == recorded
    assert "citation-start" in [kind for kind, _ in recorded]
    kwargs["messages"][0]["content"] = "Something else?"
    with pytest.raises(FixtureMissing):
        events(ReplayTransport(FixtureStore(tmp_path), Meter()))


def test_the_command_line_offers_every_configuration() -> None:
    from assistant.evaluation.configs import CONFIGURATIONS, HOSTED_CONFIGS
    from assistant.evaluation.plan import CONFIG_NAMES, HOSTED_CONFIG_NAMES

    assert tuple(CONFIGURATIONS) == CONFIG_NAMES, "`--config` must accept every configuration the harness has"
    assert tuple(HOSTED_CONFIGS) == HOSTED_CONFIG_NAMES
