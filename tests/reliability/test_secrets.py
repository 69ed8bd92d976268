"""A recognisable fake API key never appears in any output: CLI stdout/stderr, logs, exceptions, answers,
JSON, exported Markdown, settings and status lines, even when the server echoes it back."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from providers.cohere_fakes import FakeCohere

from assistant import Assistant, AssistantError, Settings, Turn
from assistant.cli import cli
from assistant.providers import cohere as cohere_adapter

KEY = "sk-CANARY-7f3a9c2e-do-not-leak"
TOKEN = "chroma-CANARY-51b2"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCohere:
    fake = FakeCohere(api_key=KEY, dimension=32)
    real = cohere_adapter.make_client
    monkeypatch.setattr(
        cohere_adapter, "make_client", lambda settings, httpx_client=None: real(settings, fake.httpx_client())
    )
    monkeypatch.setenv("COHERE_API_KEY", KEY)
    monkeypatch.setenv("CO_API_URL", "https://cohere.test")
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
    return fake


def echo(status: int) -> httpx.Response:
    """A server that echoes the credential back in its error body, as some gateways do."""
    return httpx.Response(
        status, json={"message": f"invalid api token {KEY} (Authorization: Bearer {KEY})", "api_key": KEY}
    )


def assert_clean(*outputs: Any) -> None:
    for output in outputs:
        text = output if isinstance(output, str) else repr(output)
        assert KEY not in text and KEY[:18] not in text and TOKEN not in text, text[:2000]


def test_cli_outputs_never_show_the_key(fake: FakeCohere, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    results = [runner.invoke(cli, ["ingest", str(SAMPLES)], obj={})]
    results.append(runner.invoke(cli, ["ask", "--json", "Who pays for the overrun?"], obj={}))
    assert results[-1].exit_code == 0, results[-1].output
    assert json.loads(results[-1].stdout)["mode"] == "hosted"
    fake.check_key = False
    fake.queue("chat_stream", echo(401))
    results.append(runner.invoke(cli, ["ask", "Who pays for the overrun?"], obj={}))
    fake.queue("chat_stream", echo(500))
    results.append(runner.invoke(cli, ["ask", "--json", "Who pays?"], obj={}))
    fake.queue("embed", echo(401))
    results.append(runner.invoke(cli, ["search", "overrun"], obj={}))
    assert results[-1].exit_code == 1 and "rejected the API key" in results[-1].stderr
    fake.queue("embed", echo(403))
    results.append(
        runner.invoke(cli, ["ingest", str(SAMPLES / ".." / "tests" / "data" / "podcast_basic.txt")], obj={})
    )
    results.append(runner.invoke(cli, ["status"], obj={}))
    for r in results:
        assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
        assert_clean(r.stdout, r.stderr)
    assert_clean(
        caplog.text, [rec.getMessage() for rec in caplog.records], [rec.args for rec in caplog.records]
    )


def test_library_outputs_never_show_the_key(
    fake: FakeCohere, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings.from_env(dotenv=False, chroma_auth_token=TOKEN)
    assert_clean(repr(settings), str(settings))
    a = Assistant.from_settings(store=tmp_path / "s", settings=replace_store(settings, tmp_path / "s"))
    a.ingest(SAMPLES)
    assert_clean(a.status())
    answers = [a.ask("Who pays for the overrun?")]
    fake.check_key = False
    for status in (401, 429, 500, 403):
        fake.queue("chat_stream", echo(status))
        answers.append(a.ask("Who pays for the overrun?"))
        assert answers[-1].mode == "offline"
    errors: list[BaseException] = []
    fake.queue("embed", echo(401))
    with pytest.raises(AssistantError) as info:
        a.search("overrun bridge")
    errors.append(info.value)
    fake.queue("rerank", echo(401))
    assert a.search("overrun bridge"), "a failed rerank keeps the fused order (and logs a clean warning)"
    fake.queue("chat", echo(401))
    answers.append(
        a.ask("And who else?", history=[Turn("user", "Who pays?"), Turn("assistant", "The city.")])
    )
    from assistant.export import conversation_markdown

    markdown = conversation_markdown(
        [(Turn("user", "Who pays?"), None)] + [(Turn("assistant", ans.text), ans) for ans in answers],
        a.episodes(),
    )
    assert_clean(markdown, [ans.notice for ans in answers], [ans.text for ans in answers], answers)
    for error in errors:
        chain = []
        current: BaseException | None = error
        while current is not None:  # what a traceback would show
            chain.append(current)
            current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        assert_clean(
            [str(e) for e in chain], [repr(e) for e in chain], [getattr(e, "args", ()) for e in chain]
        )
    assert_clean(caplog.text, [rec.getMessage() for rec in caplog.records])


def replace_store(settings: Settings, store: Path) -> Settings:
    from dataclasses import replace

    return replace(settings, store=store)
