"""Fit the offline answerability model for each embedder; write assistant/generation/answerability.json.

For every question of the fitting suites (answerable ones with gold evidence, unanswerable ones marked so),
ask the assistant offline, take the features of the hits its answer was built from (`answerability.features`),
and fit an L2-regularised logistic regression (numpy, Newton steps, classes weighted equally). The threshold
is the highest probability whose out-of-fold false-refusal rate stays within `--max-false-refusal`; the rates
measured out of fold at that threshold are saved beside the weights. The `lexical` entry, used for an embedder
with no entry of its own, reads only features no embedder shapes; it is fitted on the default model's (`onnx`)
hits, so refitting another embedder keeps it.

    ASSISTANT_ONNX_MODEL=../shared/models/all-MiniLM-L6-v2/onnx python eval/fit_answerability.py
    python eval/fit_answerability.py --embedder hashing      # refit one embedder, keep the others
    ASSISTANT_LOCAL_MODEL=nomic ASSISTANT_MODEL_PATHS=nomic-embed-text-v1.5-Q=FOLDER \
        python eval/fit_answerability.py --embedder local   # a catalog model, from its folder

Only the transcripts the questions name are ingested, so the QMSum train suite costs a few meetings, not 162.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.suite import ANSWERABLE, UNANSWERABLE, load_suite  # noqa: E402
from assistant.generation.answerability import (  # noqa: E402
    FALLBACK,
    FEATURES,
    LEXICAL_FEATURES,
    SAVED,
    AnswerabilityModel,
    features,
)
from assistant.retrieval.coverage import word_counts  # noqa: E402

OUT = ROOT / "assistant" / "generation" / SAVED
FIT_SUITES = [
    ROOT / "eval" / "out" / "refusals" / name for name in ("fit-qmsum", "fit-friendsqa", "fit-project")
]


def collect(suite_dir: Path, kind: str, workdir: Path) -> tuple[str, list[dict[str, float]], list[int]]:
    """(embedder name, features, labels: 1 answerable, 0 not) for the graded questions of one suite."""
    suite = load_suite(suite_dir)
    wanted = {q.episode for q in suite.questions if q.episode}
    files = [f for f in suite.transcript_files() if f.stem in wanted]
    settings = replace(
        Settings.from_env(),
        store=workdir / f"{suite.name}-{kind}",
        chroma_host=None,
        embedder=kind,
        mode="offline",
    )
    a = Assistant.from_settings(settings)
    try:
        report = a.ingest(files)
        if not report.ok:
            raise SystemExit(f"{suite.name}: ingest failed: {report.failed}")
        rows, labels = [], []
        for q in suite.questions:
            if q.status not in (ANSWERABLE, UNANSWERABLE):
                continue
            history = [{"role": r, "content": c} for r, c in q.history]
            answer = a.ask(q.question, episode=q.episode, history=history or None)
            words = word_counts(a.lexical.current(), q.question, a.library.check_episodes(q.episode))
            rows.append(features(q.question, answer.hits, words))
            labels.append(1 if q.status == ANSWERABLE else 0)
        print(f"  {suite.name} ({kind}): {sum(labels)} answerable, {len(labels) - sum(labels)} unanswerable")
        return a.embedder.name, rows, labels
    finally:
        a.close()


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression on standardised `x`, classes weighted equally."""
    n, d = x.shape
    weight = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * n
    xb = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(xb @ theta, -50, 50)))
        gradient = xb.T @ (weight * (p - y)) + penalty @ theta
        hessian = (xb * (weight * p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def probabilities(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -50, 50)))


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each question's probability from a model fitted without it (stratified folds)."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    for label in (0, 1):
        idx = np.flatnonzero(y == label)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
    p = np.empty(len(y))
    for k in range(folds):
        train, test = fold != k, fold == k
        mean, scale = standardise(x[train])
        w, b = fit_logistic((x[train] - mean) / scale, y[train])
        p[test] = probabilities(x[test], mean, scale, w, b)
    return p


def rates(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    refused = p < threshold
    return {
        "correct_refusal": round(float(refused[y == 0].mean()), 3),
        "false_refusal": round(float(refused[y == 1].mean()), 3),
    }


def choose_threshold(p: np.ndarray, y: np.ndarray, max_false: float) -> float:
    """The highest threshold (most refusals) whose false-refusal rate stays within `max_false`."""
    best = 0.0
    for t in sorted(set(np.round(p, 4))):
        if rates(p, y, float(t))["false_refusal"] <= max_false:
            best = float(t)
    return best


def fit(name: str, rows: list[dict[str, float]], labels: list[int], names: tuple[str, ...], max_false: float):
    x = np.array([[r[f] for f in names] for r in rows], dtype=float)
    y = np.array(labels, dtype=float)
    oof = out_of_fold(x, y)
    threshold = choose_threshold(oof, y, max_false)
    mean, scale = standardise(x)
    w, b = fit_logistic((x - mean) / scale, y)
    model = AnswerabilityModel(
        name, names, tuple(mean.round(6)), tuple(scale.round(6)), tuple(w.round(6)), round(b, 6), threshold
    )
    measured = {
        "out_of_fold": rates(oof, y, threshold),
        "in_sample": rates(probabilities(x, mean, scale, w, b), y, threshold),
        "answerable": int(y.sum()),
        "unanswerable": int(len(y) - y.sum()),
    }
    print(f"  {name}: threshold {threshold:.3f}, out of fold {measured['out_of_fold']}")
    return {**model.to_dict(), "measured": measured}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suite", action="append", type=Path, help="fitting suite (repeatable)")
    parser.add_argument("--embedder", action="append", help="onnx, hashing or cohere (repeatable)")
    parser.add_argument("--max-false-refusal", type=float, default=0.04)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--rows", type=Path, help="keep the collected features here; reuse them when present")
    args = parser.parse_args()
    suites = args.suite or FIT_SUITES
    kinds = args.embedder or ["onnx", "hashing"]
    saved = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    models = dict(saved.get("models", {}))
    cached = json.loads(args.rows.read_text(encoding="utf-8")) if args.rows and args.rows.is_file() else {}
    with tempfile.TemporaryDirectory(prefix="fit-answerability-") as tmp:
        for kind in kinds:
            if kind not in cached:
                cached[kind] = {"name": kind, "rows": [], "labels": []}
                for suite in suites:
                    name, r, y = collect(suite, kind, Path(tmp))
                    cached[kind].update(
                        name=name, rows=cached[kind]["rows"] + r, labels=cached[kind]["labels"] + y
                    )
            name, rows, labels = cached[kind]["name"], cached[kind]["rows"], cached[kind]["labels"]
            models[name] = fit(name, rows, labels, FEATURES, args.max_false_refusal)
            if kind == "onnx":  # the default model's hits; refitting another embedder keeps this entry
                models[FALLBACK] = fit(FALLBACK, rows, labels, LEXICAL_FEATURES, args.max_false_refusal)
    if args.rows:
        args.rows.write_text(json.dumps(cached), encoding="utf-8")
    out = {
        "about": "Offline answerability models, one per embedder name; written by eval/fit_answerability.py.",
        "fitted": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "suites": [str(Path(s).resolve().relative_to(ROOT)) for s in suites],
        "max_false_refusal": args.max_false_refusal,
        "models": dict(sorted(models.items())),
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
