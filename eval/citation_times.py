"""How far from the quoted words a citation opens the recording, on meetings whose speakers talk at length.

qmsum/val's meetings (../shared/data/qmsum/val: 35 meetings, turns as their transcribers wrote them) are
written as AssemblyAI JSON, each turn an `utterances` entry with its timed `words` (0.38 s a word, 0.25 s
between turns), as a diarising service returns them; then each question with gold evidence is asked offline
within its meeting. For every citation of the answer whose quote is found in its turn, the time the reader is
shown (the citation line's time, and the link's offset) is compared with the time the quote's first word is
said: before, the turn's start (what the product showed until 2026-12-02); now, `Utterance.time_of` (the start
of the sentence that holds the quote, from the words' times). The quoted word's own time is the reference.

    HF_HUB_OFFLINE=1 ASSISTANT_ONNX_MODEL=../shared/models/all-MiniLM-L6-v2/onnx python eval/citation_times.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.ingest.parse import parse_file  # noqa: E402

VAL = ROOT.parent / "shared" / "data" / "qmsum" / "val"
SECONDS_PER_WORD, PAUSE = 0.38, 0.25


def write_meetings(folder: Path) -> dict[str, list[float]]:
    """Each meeting as AssemblyAI JSON; per meeting, every word's time in transcript order (the reference)."""
    times: dict[str, list[float]] = {}
    for path in sorted((VAL / "transcripts").glob("*.txt")):
        turns, clock, said = [], 0.0, []
        for u in parse_file(path).utterances:
            words = u.text.split()
            if not words:
                continue
            timed = [(w, clock + i * SECONDS_PER_WORD) for i, w in enumerate(words)]
            end = clock + len(words) * SECONDS_PER_WORD
            turns.append(
                {
                    "speaker": u.speaker or "X",
                    "start": round(clock * 1000),
                    "end": round(end * 1000),
                    "text": " ".join(words),
                    "words": [
                        {"text": w, "start": round(t * 1000), "end": round(t * 1000) + 300} for w, t in timed
                    ],
                }
            )
            said += [round(t * 1000) / 1000 for _, t in timed]
            clock = end + PAUSE
        times[path.stem] = said
        (folder / f"{path.stem}.json").write_text(json.dumps({"status": "completed", "utterances": turns}))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=ROOT / "eval" / "out" / "citation-times")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    (args.work / "files").mkdir(parents=True)
    times = write_meetings(args.work / "files")
    a = Assistant.from_settings(store=args.work / "store")
    report = a.ingest(sorted((args.work / "files").glob("*.json")))
    assert report.ok, report.failed
    by_title = {e.title: e.id for e in a.episodes()}
    first_word = {}  # episode id -> utterance number -> index of its first word in the meeting
    for episode in by_title.values():
        count = 0
        for u in a.transcript(episode):
            first_word[episode, u.number] = count
            count += len(u.text.split())
    lines = (VAL / "questions.jsonl").read_text().splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    before, now, long_turns = [], [], 0
    for q in (q for q in questions if q.get("evidence")):
        episode = by_title[q["episode"]]
        answer = a.ask(q["question"], episode=[episode])
        for citation in answer.citations:
            for u in citation.utterances:
                spans = u.quoted_spans(citation.text)
                if not spans or u.start is None:
                    continue
                word = first_word[episode, u.number] + len(u.text[: spans[0][0]].split())
                truth = times[q["episode"]][word]
                before.append(abs(truth - u.start))
                now.append(abs(truth - (u.time_of(citation.text) or 0.0)))
                long_turns += len(u.text.split()) > 100
    print(f"{len(before)} citations ({long_turns} of turns over 100 words), seconds from the quoted words:")
    for name, gaps in (("turn start", before), ("time_of", now)):
        within = sum(g <= 5 for g in gaps) / len(gaps)
        p90 = statistics.quantiles(gaps, n=10)[-1]
        print(
            f"  {name:<10} mean {statistics.mean(gaps):5.1f}  median {statistics.median(gaps):5.1f}"
            f"  p90 {p90:5.1f}  max {max(gaps):6.1f}  within 5 s {within:.3f}"
        )


if __name__ == "__main__":
    main()
