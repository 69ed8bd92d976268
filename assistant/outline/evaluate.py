"""Measure chapters on QMSum: `python -m assistant.outline.evaluate [--split val]`.

Prints Pk, WindowDiff, boundary F1 within +-3 turns, chapters against the gold count and ms per episode for
our chapters and two baselines (equal-length chapters with the gold count; Hearst's TextTiling), then, for
the split's "general" questions, ROUGE-L of the offline outline answer against the written summary and
topic coverage (share of gold topics with a cited utterance inside one of their spans). The reference
segmentation follows `data.reference_labels`. Vectors are the local MiniLM ONNX model's, cached under
--cache so a second run only segments.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.outline.answer import answer_from_outline, is_whole_episode_question
from assistant.outline.build import build_outline
from assistant.outline.data import Meeting, cached_vectors, labels_to_boundaries, load_split, reference_labels
from assistant.outline.metrics import boundary_prf, pk, windowdiff
from assistant.outline.segment import equal_segments, segment, texttiling

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data"
MODEL = SHARED / "models" / "all-MiniLM-L6-v2" / "onnx"

Method = Callable[[list[str], np.ndarray, int], list[int]]


def evaluate_segmentation(meetings: list[Meeting], vectors: list[np.ndarray]) -> dict[str, dict[str, float]]:
    methods: dict[str, Method] = {
        "ours": lambda texts, v, gold: segment(v, texts),
        "equal (gold count)": lambda texts, v, gold: equal_segments(len(texts), gold),
        "texttiling": lambda texts, v, gold: texttiling(texts),
    }
    out = {}
    for name, method in methods.items():
        rows = []
        for meeting, v in zip(meetings, vectors, strict=True):
            texts = [u.text for u in meeting.transcript.utterances]
            n = len(texts)
            ref = labels_to_boundaries(reference_labels(meeting.topics, n))
            started = time.perf_counter()
            hyp = method(texts, v, len(ref) + 1)
            ms = (time.perf_counter() - started) * 1000
            rows.append(
                (
                    pk(ref, hyp, n),
                    windowdiff(ref, hyp, n),
                    boundary_prf(ref, hyp, 3)[2],
                    len(hyp) + 1,
                    len(ref) + 1,
                    ms,
                )
            )
        mean = np.mean(rows, axis=0)
        out[name] = dict(
            zip(
                ("pk", "windowdiff", "f1@3", "chapters", "gold_chapters", "ms"), map(float, mean), strict=True
            )
        )
    return out


def evaluate_general(folder: Path, meetings: list[Meeting], vectors: list[np.ndarray]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    by_id = {m.transcript.episode.id: (m, v) for m, v in zip(meetings, vectors, strict=True)}
    questions = [
        json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines() if line.strip()
    ]
    rouge, coverage, recognised = [], [], 0
    for q in questions:
        if q["kind"] != "general" or q["episode"] not in by_id:
            continue
        meeting, v = by_id[q["episode"]]
        whole, focus = is_whole_episode_question(q["question"])
        recognised += whole
        outline = build_outline(meeting.transcript.episode.id, meeting.transcript.utterances, v)
        text, citations = answer_from_outline(outline, focus)
        rouge.append(scorer.score(q["answer"], text)["rougeL"].fmeasure)
        cited = {u.number for c in citations for u in c.utterances}
        covered = [any(a <= n <= b for a, b in t.spans for n in cited) for t in meeting.topics]
        coverage.append(float(np.mean(covered)))
    return {
        "questions": len(rouge),
        "recognised": recognised,
        "rougeL_f": float(np.mean(rouge)),
        "topic_coverage": float(np.mean(coverage)),
    }


def recogniser_report(folders: list[Path]) -> dict[str, float]:
    """Recall on QMSum general questions, and how often QMSum specific / FriendsQA questions fire."""
    general, specific, friends = [], [], []
    for folder in folders:
        for line in (folder / "questions.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            fired, focus = is_whole_episode_question(q["question"])
            if "friendsqa" in str(folder):
                friends.append(fired)
            elif q["kind"] == "general":
                general.append(fired and focus is None)
            else:
                specific.append(fired)
    return {
        "general_recall": float(np.mean(general)),
        "general_n": len(general),
        "qmsum_specific_fired": float(np.mean(specific)),
        "qmsum_specific_n": len(specific),
        "friendsqa_fired": float(np.mean(friends)),
        "friendsqa_n": len(friends),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="val")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/outline-vectors"))
    args = parser.parse_args(argv)
    folder = args.data / "qmsum" / args.split
    meetings = load_split(folder)
    from assistant.models.catalog import spec
    from assistant.models.embedder import LocalEmbedder

    embedder = LocalEmbedder(
        spec("all-MiniLM-L6-v2"), MODEL, cache=args.cache / "models", name="onnx:all-MiniLM-L6-v2"
    )
    vectors = [
        cached_vectors(m.transcript, embedder.embed_documents, args.cache, embedder.name) for m in meetings
    ]
    print(f"qmsum/{args.split}: {len(meetings)} meetings")
    print(f"{'method':<20} {'Pk':>6} {'WD':>6} {'F1@3':>6} {'chapters':>9} {'gold':>6} {'ms/ep':>8}")
    for name, r in evaluate_segmentation(meetings, vectors).items():
        print(
            f"{name:<20} {r['pk']:6.3f} {r['windowdiff']:6.3f} {r['f1@3']:6.3f} {r['chapters']:9.2f} "
            f"{r['gold_chapters']:6.2f} {r['ms']:8.0f}"
        )
    print("general questions:", json.dumps(evaluate_general(folder, meetings, vectors)))
    folders = [args.data / "qmsum" / s for s in ("train", "val")] + [args.data / "friendsqa" / "dev"]
    print("question recogniser:", json.dumps(recogniser_report([f for f in folders if f.exists()])))


if __name__ == "__main__":
    main()
