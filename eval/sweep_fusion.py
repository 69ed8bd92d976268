"""Sweep the hybrid's fusion settings for one embedder on one suite: ranking figures per setting, one store.

The suite is ingested once (the store is kept under --work, so a second sweep with the same embedder starts at
once); every combination of the --set values then searches it with the same embedder, whose question vectors
are computed once. Episode-scoped like `assistant eval`'s default, or `--scope library`; hit@k counts a
question when any of its gold utterances (in its own episode) is among the first k hits.

    export ASSISTANT_MODEL_PATHS=nomic-embed-text-v1.5-Q=../shared/models/nomic-embed-text-v1.5/onnx-int8
    ASSISTANT_LOCAL_MODEL=nomic python eval/sweep_fusion.py --suite ../shared/data/friendsqa/dev \\
      --embedder local --set weight_dense=0.5,0.75,1,1.5,2 --set own_weight=0.7,1
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Embedder, RetrievalConfig, Settings  # noqa: E402
from assistant.evaluation.suite import ANSWERABLE, load_suite  # noqa: E402


class RememberedQueries:
    """The embedder, with each question's vector computed once across all the settings swept."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._seen: dict[str, np.ndarray] = {}

    def embed_documents(self, texts: Sequence[str], progress: object = None) -> np.ndarray:
        return self.inner.embed_documents(texts, progress)  # type: ignore[arg-type]

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._seen:
            self._seen[text] = self.inner.embed_query(text)
        return self._seen[text]


def _values(raw: str) -> tuple[str, list[float]]:
    name, _, values = raw.partition("=")
    known = {f.name for f in fields(RetrievalConfig)}
    if name not in known or not values:
        raise SystemExit(
            f"--set {raw!r}: expected FIELD=V1,V2,… with FIELD one of {', '.join(sorted(known))}"
        )
    return name, [float(v) for v in values.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suite", required=True, type=Path)
    parser.add_argument("--embedder", default="local", help="local, onnx or hashing (default local)")
    parser.add_argument("--set", action="append", default=[], help="FIELD=V1,V2,… of RetrievalConfig")
    parser.add_argument(
        "--scope",
        choices=("episode", "library"),
        default="episode",
        help="search each question's episode (default) or the whole library",
    )
    parser.add_argument(
        "--work", type=Path, default=ROOT / "eval" / "out" / "sweeps", help="where stores are kept"
    )
    args = parser.parse_args()
    grid = dict(_values(raw) for raw in args.set) or {"weight_dense": [RetrievalConfig().weight_dense]}

    suite = load_suite(args.suite)
    settings = Settings.from_env(mode="offline").with_(embedder=args.embedder)
    model = settings.local_model if args.embedder == "local" else args.embedder
    first = Assistant.from_settings(settings.with_(store=args.work / f"{suite.name}-{model}"))
    settings = settings.with_(store=first.settings.store)
    if not first.episodes():
        report = first.ingest(suite.transcript_files())
        if not report.ok:
            raise SystemExit(f"{suite.name}: ingest failed: {report.failed}")
    embedder = RememberedQueries(first.embedder)
    questions = [q for q in suite.questions if q.status == ANSWERABLE]
    episode = {q.episode: first.library.resolve(q.episode) for q in questions if q.episode}
    first.close()
    print(f"{suite.name}: {len(questions)} answerable questions, {embedder.name}", file=sys.stderr)

    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        config = replace(RetrievalConfig(), tuned=False, **dict(zip(names, values, strict=True)))
        hits_at = {1: 0, 5: 0, 10: 0}
        reciprocal = 0.0
        with Assistant.from_settings(settings, embedder=embedder, retrieval=config) as a:
            for q in questions:
                within = [episode[q.episode]] if q.episode and args.scope == "episode" else None
                hits = a.search(q.question, k=10, episode=within)
                ranks = [
                    i
                    for i, h in enumerate(hits)
                    if h.utterance.number in q.evidence
                    and (not q.episode or h.utterance.episode_id == episode[q.episode])
                ]
                if ranks:
                    reciprocal += 1 / (ranks[0] + 1)
                    for k in hits_at:
                        hits_at[k] += ranks[0] < k
        n = max(len(questions), 1)
        row = {
            "suite": suite.name,
            "embedder": embedder.name,
            "scope": args.scope,
            **dict(zip(names, values, strict=True)),
            **{f"hit@{k}": round(v / n, 3) for k, v in hits_at.items()},
            "mrr": round(reciprocal / n, 3),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
