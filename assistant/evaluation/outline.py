"""`assistant eval --segmentation`: chapters against a suite's gold topics, our method beside the baselines.

The suite folder holds transcripts/ and topics.jsonl (gold chapters, as in ../shared/data/qmsum/{train,val});
questions.jsonl adds the whole-meeting ("general") questions, answered offline from the outline. Writes
segmentation.md and segmentation.json to the output folder.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

SEGMENTATION_COLUMNS = (
    ("pk", "Pk"),
    ("windowdiff", "WindowDiff"),
    ("f1@3", "F1@3"),
    ("chapters", "chapters"),
    ("gold_chapters", "gold chapters"),
    ("ms", "ms/episode"),
)


def run_segmentation(suite: Path, settings: Any, cache: Path | None = None) -> dict[str, Any]:
    """Every segmentation method on `suite`, with the local ONNX embedder when present (else hashing)."""
    from assistant import HashingEmbedder, evaluate_outlines, find_onnx, make_embedder

    found = find_onnx(settings.onnx_model_dir)
    embedder: Any = make_embedder(settings, "onnx") if found else HashingEmbedder()
    cache = cache or Path(tempfile.gettempdir()) / "outline-vectors"
    return evaluate_outlines(suite, embedder, cache)


def segmentation_markdown(result: dict[str, Any], command: str) -> str:
    lines = [
        f"# Chapters and outlines: {Path(result['suite']).name}",
        "",
        f"{result['meetings']} episodes with gold topics; utterance vectors: `{result['embedder']}`.",
        f"Reproduce: `{command}`",
        "",
        "Lower Pk / WindowDiff is better (k = half the mean gold chapter length); F1@3 counts a boundary "
        'within 3 utterances of a gold one. "equal (gold count)" is told the gold number of chapters; '
        '"one chapter" places no boundary (Pk rewards few boundaries: a method must beat it to have found '
        "any).",
        "",
        "| method | " + " | ".join(label for _, label in SEGMENTATION_COLUMNS) + " |",
        "|---|" + "---:|" * len(SEGMENTATION_COLUMNS),
    ]
    for name, row in result["segmentation"].items():
        cells = [f"{row[key]:.0f}" if key == "ms" else f"{row[key]:.3f}" for key, _ in SEGMENTATION_COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    general = result.get("general")
    if general:
        lines += [
            "",
            f"Whole-meeting questions ({general['questions']}, {general['recognised']} recognised as such), "
            "answered offline from our outline: ROUGE-L F "
            f"{general['rougeL_f']:.3f}, topic coverage {general['topic_coverage']:.3f} (share of gold "
            "topics whose span holds at least one cited utterance).",
        ]
    return "\n".join(lines) + "\n"


def write_segmentation(result: dict[str, Any], out: Path, command: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "segmentation.md", "json": out / "segmentation.json"}
    paths["json"].write_text(json.dumps({**result, "command": command}, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(segmentation_markdown(result, command), encoding="utf-8")
    return paths
