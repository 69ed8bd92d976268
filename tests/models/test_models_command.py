"""`assistant models`: what each known model is, whether this machine has it, and fetching one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("fastembed", reason="fastembed is a project dependency; install the project to run these")
pytest.importorskip("onnx", reason="the tiny test models are built with onnx (the dev extra)")

from assistant.cli import cli  # noqa: E402
from assistant.models.catalog import CATALOG, DEFAULT_EMBEDDER, spec  # noqa: E402
from assistant.models.fetch import hub_files  # noqa: E402

from .hub import FakeHub, embedder_onnx, repo_files, serve  # noqa: E402


def listing() -> tuple[dict[str, str], str]:
    """Each model's `here` column by name (its star kept), and the whole output as one line of words
    (the terminal wraps it)."""
    result = CliRunner().invoke(cli, ["models"], obj={})
    assert result.exit_code == 0, result.output
    cells = [line.split() for line in result.output.splitlines()]
    rows = {c[0]: c[-1] for c in cells if len(c) > 2 and c[1] in ("embed", "rerank")}
    return rows, " ".join(result.output.split())


def test_a_fresh_machine_is_told_the_model_is_missing_and_how_to_get_it() -> None:
    rows, text = listing()
    assert set(name.rstrip("*") for name in rows) == set(CATALOG)
    assert rows[f"{DEFAULT_EMBEDDER}*"] == "-" and set(rows.values()) == {"-"}
    assert (
        "not on this machine: search uses keyword hashing until `assistant models fetch all-MiniLM-L6-v2`"
        in (text)
    )
    assert "HF_HUB_OFFLINE is set: nothing can be fetched until it is unset." in text


def test_the_chosen_model_is_starred_by_alias_and_a_local_folder_counts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "nomic"
    folder.mkdir()
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "nomic")
    monkeypatch.setenv("ASSISTANT_MODEL_PATHS", f"nomic-embed-text-v1.5-Q={folder}")
    rows, text = listing()
    assert rows["nomic-embed-text-v1.5-Q*"] == "folder" and rows[DEFAULT_EMBEDDER] == "-"
    assert "* the local model search uses (ASSISTANT_LOCAL_MODEL)" in text
    assert f"nomic-embed-text-v1.5-Q: folder {folder}" in text


def test_an_unknown_chosen_model_is_an_error_naming_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "minilm-l12")
    result = CliRunner().invoke(cli, ["models"], obj={})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "ASSISTANT_LOCAL_MODEL: unknown model 'minilm-l12'" in result.output
        and DEFAULT_EMBEDDER in result.output
    )


def test_fetch_from_the_hub_then_the_model_is_listed_as_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    repo = hub_files(spec(DEFAULT_EMBEDDER))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    files = repo_files(embedder_onnx(), model_file=repo.model_file)
    with serve(FakeHub({repo.repo: files})) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        fetched = CliRunner().invoke(cli, ["models", "fetch", "minilm"], obj={})
        assert fetched.exit_code == 0, fetched.output
        assert fetched.stdout.startswith(f"{DEFAULT_EMBEDDER}: verified in ") and "Fetching" in fetched.stderr
        unknown = CliRunner().invoke(cli, ["models", "fetch", "minilm-l12"], obj={})
        assert unknown.exit_code == 1 and "unknown model 'minilm-l12'" in unknown.output
    rows, text = listing()
    assert (
        rows[f"{DEFAULT_EMBEDDER}*"] == "cached"
        and "* the local model search uses (ASSISTANT_LOCAL_MODEL)" in text
    )
