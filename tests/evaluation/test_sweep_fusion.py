"""eval/sweep_fusion.py: one store, one row per setting, the default setting ranking as the product does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "eval" / "fixtures" / "suite"


def _sweep(tmp_path: Path, *sets: str) -> subprocess.CompletedProcess[str]:
    script = str(ROOT / "eval" / "sweep_fusion.py")
    options = ["--suite", str(SUITE), "--embedder", "hashing", "--work", str(tmp_path)]
    settings = [a for s in sets for a in (("--set", s) if "=" in s else (s,))]
    return subprocess.run(
        [sys.executable, script, *options, *settings],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_rows_per_setting_and_the_default_matches_a_direct_search(tmp_path: Path) -> None:
    done = _sweep(tmp_path, "weight_dense=0,0.75")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["weight_dense"] for r in rows] == [0.0, 0.75]
    assert all(r["hit@1"] <= r["hit@5"] <= r["hit@10"] <= 1 for r in rows)
    assert rows[0] != rows[1]  # dense off ranks differently from the default

    from assistant.evaluation.suite import ANSWERABLE, load_suite

    suite = load_suite(SUITE)
    store = next(p for p in tmp_path.iterdir() if p.is_dir())
    questions = [q for q in suite.questions if q.status == ANSWERABLE]
    with Assistant.from_settings(Settings(store=store, mode="offline", embedder="hashing")) as a:
        found = 0
        for q in questions:
            hits = a.search(q.question, k=10, episode=[a.library.resolve(q.episode)] if q.episode else None)
            found += any(h.utterance.number in q.evidence for h in hits)
    assert rows[1]["hit@10"] == round(found / len(questions), 3)


def test_an_unknown_field_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    done = _sweep(tmp_path, "weight_bogus=1")
    assert done.returncode != 0 and "weight_dense" in done.stderr and "weight_bogus" in done.stderr


def test_library_scope_searches_every_episode_and_counts_gold_in_the_questions_own(tmp_path: Path) -> None:
    episode = json.loads(_sweep(tmp_path, "weight_dense=0.75").stdout)
    done = _sweep(tmp_path, "weight_dense=0.75", "--scope", "library")
    assert done.returncode == 0, done.stderr
    library = json.loads(done.stdout)
    assert (episode["scope"], library["scope"]) == ("episode", "library")
    assert library["hit@10"] <= episode["hit@10"]  # more episodes compete for the same ten places
