"""Hypothesis drives the CLI with random commands, options, text and stdin: only the project's own errors come
out (a clean non-zero exit with a one-line message), never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli import cli

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
ints = st.one_of(st.integers(-5, 50), st.integers(-(2**63), 2**63)).map(str)
word = st.sampled_from(
    ["harbour-bridge", "nope", "", "../..", "--json", "-k", "--episode", "--speaker", "\x00"]
)
paths = st.sampled_from(
    [
        str(SAMPLES),
        str(DATA / "bad_empty.txt"),
        str(DATA / "bad_truncated.txt"),
        "/nonexistent",
        "/dev/null",
        "/etc",
        "",
    ]
)  # NUL: see test_nul_in_a_path_argument


@st.composite
def invocation(draw: st.DrawFn) -> tuple[list[str], str]:
    command = draw(
        st.sampled_from(["search", "ask", "ingest", "delete", "episodes", "status", "chat", "bogus"])
    )
    args = [command]
    if command in ("search", "ask"):
        args.append(draw(st.one_of(text, word)))
        for _ in range(draw(st.integers(0, 3))):
            option = draw(st.sampled_from(["-k", "--episode", "--speaker", "--json"]))
            args.append(option)
            if option == "-k":
                args.append(draw(st.one_of(ints, text)))
            elif option != "--json":
                args.append(draw(st.one_of(word, text)))
    elif command == "ingest":
        args += draw(st.lists(paths, min_size=0, max_size=2))
    elif command == "delete":
        args.append(draw(st.one_of(word, text)))
    elif command == "episodes" and draw(st.booleans()):
        args.append("--json")
    else:
        args += draw(st.lists(st.one_of(text, word), max_size=2))
    return args, draw(st.one_of(text, st.just("what was said?\n/new\nand then?\n")))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "store"
    result = CliRunner().invoke(cli, ["--store", str(folder), "--offline", "ingest", str(SAMPLES)], obj={})
    assert result.exit_code == 0, result.output
    return folder


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=invocation())
def test_cli_never_shows_a_traceback(store: Path, case: tuple[list[str], str]) -> None:
    args, stdin = case
    work = store.parent / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(store, work)
    result = CliRunner().invoke(cli, ["--store", str(work), "--offline", *args], input=stdin, obj={})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith(("Error:", "error:"))]
        assert errors, (args, result.stderr)
        assert result.exit_code in (1, 2)


def test_nul_in_a_path_argument(store: Path) -> None:
    for args in (["ingest", "\x00"], ["--store", "a\x00b", "episodes"]):
        result = CliRunner().invoke(cli, ["--offline", *args], obj={})
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (1, 2) and "Traceback" not in result.output


def test_nul_in_a_path_given_to_the_library(tmp_path: Path) -> None:
    from assistant import Assistant, InputError

    with pytest.raises(InputError, match="NUL"):
        Assistant.from_settings(store=tmp_path / "s").ingest("bad\x00name.txt")
