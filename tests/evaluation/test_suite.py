"""Suite loading: the project's own suites are complete and consistent;
malformed suites are refused clearly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.evaluation.suite import (
    ANSWERABLE,
    UNANSWERABLE,
    UNGRADED,
    SuiteError,
    SuiteUnavailable,
    load_suite,
)
from assistant.ingest.parse import parse_file

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "eval" / "fixtures" / "suite"
SEED = ROOT / "eval" / "fixtures" / "seed"


def test_project_suite_is_complete_and_its_gold_points_at_real_utterances() -> None:
    suite = load_suite(SUITE)
    assert len(suite.questions) >= 40
    files = suite.transcript_files()
    assert len(files) >= 2
    counts = Counter(q.group for q in suite.questions)
    assert {"paraphrase", "follow-up", "speaker", "unanswerable"} <= set(counts)
    utterances = {}
    for path in files:
        t = parse_file(path)
        utterances.update({(t.episode.id, u.number): u for u in t.utterances})
    for q in suite.questions:
        if q.group == "unanswerable":
            assert q.status == UNANSWERABLE and not q.evidence
        else:
            assert q.status == ANSWERABLE, q.id
            assert all((q.episode, n) in utterances for n in q.evidence), q.id
        if q.group == "follow-up":
            assert q.history and q.history[0][0] == "user" and q.standalone
    assert suite.cohere_fixtures is not None and (suite.cohere_fixtures / "manifest.json").is_file()


def test_seed_suite_reads_from_shared_or_says_it_is_unavailable() -> None:
    lines = (SEED / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 20
    try:
        suite = load_suite(SEED)
    except SuiteUnavailable as exc:
        assert "shared/data/seed" in str(exc) and "skipped" in str(exc)
        return
    assert suite.transcripts == (ROOT.parent / "shared" / "data" / "seed").resolve()
    assert {q.status for q in suite.questions} == {ANSWERABLE, UNANSWERABLE}
    assert all(q.status == ANSWERABLE for q in suite.questions if q.category != "unanswerable")


def _suite(tmp_path: Path, lines: list[str], meta: dict | None = None) -> Path:
    folder = tmp_path / "s"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if meta is not None:
        (folder / "suite.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not valid JSON"),
        ('{"episode": "e"}', "`question` must be a non-empty string"),
        ('{"question": "q", "evidence": [1]}', "needs the `episode`"),
        ('{"question": "q", "episode": "e", "evidence": ["3"]}', "`evidence` must be a list"),
        ('{"question": "q", "episode": "e", "evidence": [2], "answerable": false}', "cannot have evidence"),
        ('{"question": "q", "history": [{"role": "system", "content": "x"}]}', "role user|assistant"),
    ],
)
def test_malformed_questions_are_refused_with_the_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(SuiteError, match="line 1") as info:
        load_suite(_suite(tmp_path, [line]))
    assert message in str(info.value)


def test_statuses_and_duplicates(tmp_path: Path) -> None:
    folder = _suite(
        tmp_path,
        [
            '{"id": "a", "question": "q1", "episode": "e", "evidence": [1]}',
            '{"id": "b", "question": "q2", "episode": "e", "evidence": [], "kind": "general", "answer": "x"}',
            '{"id": "c", "question": "q3", "episode": "e", "answerable": false}',
            '{"id": "d", "question": "q4", "episode": "e", "kind": "unanswerable"}',
        ],
    )
    statuses = [q.status for q in load_suite(folder).questions]
    assert statuses == [ANSWERABLE, UNGRADED, UNANSWERABLE, UNANSWERABLE]
    (folder / "questions.jsonl").write_text('{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n')
    with pytest.raises(SuiteError, match="duplicate id 'a'"):
        load_suite(folder)


def test_transcripts_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    folder = _suite(tmp_path, ['{"question": "q"}'], {"transcripts": "data/missing", "relative_to": "repo"})
    with pytest.raises(SuiteUnavailable, match="skipped"):
        load_suite(folder)
    (tmp_path / "data" / "missing").mkdir(parents=True)
    assert load_suite(folder).transcripts == (tmp_path / "data" / "missing").resolve()
