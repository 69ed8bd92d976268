"""Measure chapters on QMSum: `python -m assistant.outline.evaluate [--split val]`, or on any folder with
gold topics through `assistant eval --suite DIR --segmentation` (which calls `evaluate_outlines`).

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
from typing import Any

import numpy as np

from assistant.index.embedders import Embedder, preferred_documents
from assistant.outline.answer import OUTLINE_HEADER, answer_from_outline, is_whole_episode_question
from assistant.outline.build import build_outline
from assistant.outline.data import Meeting, cached_vectors, labels_to_boundaries, load_split, reference_labels
from assistant.outline.metrics import boundary_prf, pk, windowdiff
from assistant.outline.segment import SegmentParams, equal_segments, segment, texttiling

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data"
MODEL = SHARED / "models" / "all-MiniLM-L6-v2" / "onnx"

Method = Callable[[list[str], np.ndarray, int], list[int]]


NO_PRIOR = SegmentParams(words_per_chapter=None)

# Our method, the same without its chapter-count floor, and three baselines; every run reports all five.
# "one chapter" places no boundary at all: with k = half the mean gold chapter length its Pk is about
# (gold chapters - 1) / (2 x gold chapters), 0.39 on QMSum, the floor any segmentation must get under.
METHODS: dict[str, Method] = {
    "ours": lambda texts, v, gold: segment(v, texts),
    "ours without length prior": lambda texts, v, gold: segment(v, texts, NO_PRIOR),
    "equal (gold count)": lambda texts, v, gold: equal_segments(len(texts), gold),
    "texttiling": lambda texts, v, gold: texttiling(texts),
    "one chapter": lambda texts, v, gold: [],
}


def evaluate_segmentation(meetings: list[Meeting], vectors: list[np.ndarray]) -> dict[str, dict[str, float]]:
    out = {}
    for name, method in METHODS.items():
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
        rouge.append(scorer.score(q["answer"], text.removeprefix(OUTLINE_HEADER))["rougeL"].fmeasure)
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


def evaluate_outlines(folder: Path, embedder: Embedder, cache: Path) -> dict[str, Any]:
    """The outline evaluation of one suite folder (transcripts/, topics.jsonl with the gold chapters,
    optionally questions.jsonl): segmentation metrics per method, and the general questions' answers."""
    meetings = load_split(folder)
    if not meetings:
        raise FileNotFoundError(f"{folder}: no transcripts with gold topics (transcripts/ + topics.jsonl)")
    documents = preferred_documents(embedder)  # the vectors ingest would store, which outlines are built from
    vectors = [
        cached_vectors(m.transcript, embedder.embed_documents, cache, embedder.name, documents)
        for m in meetings
    ]
    result: dict[str, Any] = {
        "suite": str(folder),
        "meetings": len(meetings),
        "embedder": embedder.name,
        "segmentation": evaluate_segmentation(meetings, vectors),
    }
    if (folder / "questions.jsonl").exists():
        result["general"] = evaluate_general(folder, meetings, vectors)
    return result


def segmentation_table(segmentation: dict[str, dict[str, float]]) -> list[str]:
    """Markdown rows of the segmentation metrics, one per method."""
    rows = [
        "| method | Pk | WindowDiff | F1@3 | chapters | gold chapters | ms/episode |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in segmentation.items():
        rows.append(
            f"| {name} | {r['pk']:.3f} | {r['windowdiff']:.3f} | {r['f1@3']:.3f} | {r['chapters']:.2f} "
            f"| {r['gold_chapters']:.2f} | {r['ms']:.0f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="val")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/outline-vectors"))
    args = parser.parse_args(argv)
    folder = args.data / "qmsum" / args.split
    from assistant.models.catalog import spec
    from assistant.models.embedder import LocalEmbedder

    embedder = LocalEmbedder(
        spec("all-MiniLM-L6-v2"), MODEL, cache=args.cache / "models", name="onnx:all-MiniLM-L6-v2"
    )
    result = evaluate_outlines(folder, embedder, args.cache)
    print(f"qmsum/{args.split}: {result['meetings']} meetings")
    print("\n".join(segmentation_table(result["segmentation"])))
    if "general" in result:
        print("general questions:", json.dumps(result["general"]))
    folders = [args.data / "qmsum" / s for s in ("train", "val")] + [args.data / "friendsqa" / "dev"]
    print("question recogniser:", json.dumps(recogniser_report([f for f in folders if f.exists()])))


if __name__ == "__main__":
    main()
