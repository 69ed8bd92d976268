"""The seed podcast as people also get transcripts: pasted as one block of text, and as YouTube's automatic
captions; how well the seed questions find their gold lines in each.

Six files are written from the seed (../shared/data/seed) into --work and each is ingested alone:
`numbered` (the file as it is), `block` (its lines joined into one paragraph, as copied from a transcript
site), `block-unpunctuated` (the same, lower case, without punctuation), `captions` (YouTube's rolling
WebVTT: lower case, no punctuation, eight words a line, 0.38 s a word), `apple-ttml` (Apple Podcasts' TTML, a
`<p>` a line, words as spans, on the same clock) and `pdf` (the numbered lines printed to PDF by fpdf2, a page
number at each foot). A hit counts when the retrieved utterance holds a gold line: by its text (Latin-1, as
the PDF's font prints it), or by its time for the captions and the TTML (each seed line's span on their
clock). "hit within N words" reads hits in rank order until N words were read: units
of different sizes compared on what a reader (or a model's context) gets.

    HF_HUB_OFFLINE=1 ASSISTANT_ONNX_MODEL=../shared/models/all-MiniLM-L6-v2/onnx python eval/layouts.py
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Hit  # noqa: E402
from assistant.ingest.parse import parse_file  # noqa: E402
from assistant.types import Utterance  # noqa: E402

SEED = ROOT.parent / "shared" / "data" / "seed" / "000_081a4311286ebea2.txt"
QUESTIONS = ROOT / "eval" / "fixtures" / "seed" / "questions.jsonl"
SECONDS_PER_WORD, PAUSE, LINE_WORDS = 0.38, 0.25, 8
BUDGETS = (100, 300)


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def _stamp(t: float) -> str:
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def _captions(lines: list[Utterance]) -> tuple[str, dict[int, tuple[float, float]]]:
    """YouTube's rolling captions of the lines, and each line's span on their clock."""
    timed: list[tuple[str, float]] = []
    spans: dict[int, tuple[float, float]] = {}
    t = 0.16
    for u in lines:
        words = _words(u.text)
        spans[u.number] = (t, t + SECONDS_PER_WORD * len(words))
        for w in words:
            timed.append((w, t))
            t += SECONDS_PER_WORD
        t += PAUSE
    rows = [timed[i : i + LINE_WORDS] for i in range(0, len(timed), LINE_WORDS)]
    out = ["WEBVTT", "Kind: captions", "Language: en", ""]
    shown = " "
    for i, row in enumerate(rows):
        end = rows[i + 1][0][1] if i + 1 < len(rows) else row[-1][1] + SECONDS_PER_WORD
        text = " ".join(w for w, _ in row)
        out += [f"{_stamp(row[0][1])} --> {_stamp(end - 0.01)} align:start position:0%", shown, text, ""]
        out += [f"{_stamp(end - 0.01)} --> {_stamp(end)} align:start position:0%", text, " ", ""]
        shown = text
    return "\n".join(out), spans


def _apple_ttml(lines: list[Utterance], spans: dict[int, tuple[float, float]]) -> str:
    """The lines as Apple Podcasts writes a transcript: a `<p>` a line, its words as spans without spaces
    between them, each line at its span on the captions' clock (no `ttm:agent`: the seed names no speaker)."""
    paragraphs = []
    for u in lines:
        (begin, end), words = spans[u.number], u.text.split()
        step = (end - begin) / len(words)
        timed = [
            f'<span begin="{begin + i * step:.3f}" end="{begin + (i + 1) * step:.3f}" podcasts:unit="word">'
            + w.replace("&", "&amp;").replace("<", "&lt;")
            + "</span>"
            for i, w in enumerate(words)
        ]
        sentence = f'<span podcasts:unit="sentence">{"".join(timed)}</span>'
        paragraphs.append(f'<p begin="{begin:.3f}" end="{end:.3f}">{sentence}</p>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?><tt xmlns="http://www.w3.org/ns/ttml" '
        'xmlns:podcasts="http://podcasts.apple.com/transcript-ttml-internal" '
        'xmlns:ttm="http://www.w3.org/ns/ttml#metadata" xml:lang="en"><head><metadata/></head><body><div>'
        + "".join(paragraphs)
        + "</div></body></tt>"
    )


def _pdf(body: str) -> bytes:
    """The numbered lines printed as a PDF (fpdf2, 10 pt Helvetica, a page number at each foot)."""
    from fpdf import FPDF

    class Printed(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Printed()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in body.strip().split("\n"):
        pdf.multi_cell(0, 5, _latin(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _holds_text(gold: list[str]) -> Callable[[Hit], bool]:
    keys = [" ".join(_words(_latin(g)))[:50] for g in gold]
    return lambda h: any(k and k in " ".join(_words(_latin(h.utterance.text))) for k in keys)


def _holds_time(spans: list[tuple[float, float]]) -> Callable[[Hit], bool]:
    def holds(h: Hit) -> bool:
        u = h.utterance
        if u.start is None:
            return False
        end = u.end if u.end is not None else u.start
        return any(u.start < b and end > a for a, b in spans)

    return holds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-layouts"))
    args = parser.parse_args()
    if not SEED.exists():
        sys.exit(f"the seed transcript is not at {SEED}")
    transcript = parse_file(SEED)
    lines = {u.number: u for u in transcript.utterances}
    head = SEED.read_text(encoding="utf-8").split("--- METADATA END ---")[0] + "--- METADATA END ---\n\n"
    said = " ".join(u.text for u in transcript.utterances)
    captions, spans = _captions(list(transcript.utterances))
    files = {
        "numbered": (".txt", SEED.read_bytes()),
        "block": (".txt", (head + said + "\n").encode()),
        "block-unpunctuated": (".txt", (" ".join(_words(said)) + "\n").encode()),
        "captions": (".vtt", captions.encode()),
        "apple-ttml": (".ttml", _apple_ttml(list(transcript.utterances), spans).encode()),
        "pdf": (".pdf", _pdf(SEED.read_text(encoding="utf-8").split("--- METADATA END ---")[1])),
    }
    timed = {"captions", "apple-ttml"}
    questions = [
        json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    questions = [q for q in questions if any(n in lines for n in q.get("evidence", []))]
    shutil.rmtree(args.work, ignore_errors=True)
    print(f"{len(questions)} seed questions with gold lines\n")
    budgets = " | ".join(f"hit within {b} words" for b in BUDGETS)
    print(f"| layout | utterances | hit@1 | hit@5 | hit@10 | {budgets} |")
    print(f"|---|---:|---:|---:|---:|{'---:|' * len(BUDGETS)}")
    for name, (suffix, data) in files.items():
        path = args.work / "files" / (name + suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        assistant = Assistant.from_settings(store=args.work / "stores" / name)
        report = assistant.ingest(path)
        if report.failed:
            print(f"| {name} | refused: {next(iter(report.failed.values()))[:80]} |")
            continue
        episode = assistant.episodes()[0]
        at_k = {1: 0, 5: 0, 10: 0}
        within = dict.fromkeys(BUDGETS, 0)
        for q in questions:
            gold = [n for n in q["evidence"] if n in lines]
            holds = (
                _holds_time([spans[n] for n in gold])
                if name in timed
                else _holds_text([lines[n].text for n in gold])
            )
            hits = assistant.search(q["question"], k=40, episode=episode.id)
            for k in at_k:
                at_k[k] += any(map(holds, hits[:k]))
            for budget in BUDGETS:
                read, found = 0, False
                for h in hits:
                    if read >= budget:
                        break
                    found = found or holds(h)
                    read += len(h.utterance.text.split())
                within[budget] += found
        share = [f"{v / len(questions):.3f}" for v in [*at_k.values(), *within.values()]]
        print(f"| {name} | {episode.utterance_count} | {' | '.join(share)} |")
        assistant.close()


if __name__ == "__main__":
    main()
