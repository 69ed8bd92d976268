"""PDF transcripts: paragraphs rebuilt from positioned lines, running headers and page numbers left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.files import expand_paths
from assistant.ingest.parse import parse_file
from assistant.ingest.pdf import pdf_text

TURNS = [
    (
        "Operator",
        "Good morning and welcome to the third quarter call. All lines are muted until the questions.",
    ),
    (
        "Jane Doe",
        "Thank you. Revenue grew eleven percent, and the steel contract with the harbour authority "
        "closed in August after two rounds of pricing. " * 3,
    ),
    (
        "John Smith",
        "Margins held at forty-one percent despite the supply chain. We expect demand to stay firm.",
    ),
]


class _Call(FPDF):
    """A call transcript as investor-relations sites publish them: a running title, "Page N of M" below."""

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, "Acme Corp - Q3 2026 Earnings Call - October 30, 2026", align="C")
        self.ln(12)
        self.set_font("Helvetica", size=11)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def _pdf(path: Path, paragraphs: list[str], document: FPDF | None = None) -> Path:
    pdf = document or FPDF()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    pdf.output(str(path))
    return path


ROUNDS = ["Opening", "Pricing", "Steel", "Harbour", "Margins", "Outlook", "Guidance", "Closing"]


def _turns(repeat: int) -> list[tuple[str, str]]:
    return [(who, f"{topic}. {said.strip()}") for topic in ROUNDS[:repeat] for who, said in TURNS]


def _call(path: Path, repeat: int = 8) -> Path:
    return _pdf(path, [f"{who}: {said}" for who, said in _turns(repeat)], _Call())


def test_a_call_transcript_is_read_by_speaker_without_its_running_header_and_page_numbers(
    tmp_path: Path,
) -> None:
    t = parse_file(_call(tmp_path / "acme-q3.pdf"))
    assert [(u.speaker, u.text) for u in t.utterances] == _turns(8)
    assert not any("Acme Corp" in u.text or "Page" in u.text for u in t.utterances)


def test_a_paragraph_runs_on_over_a_page_break_and_prose_keeps_its_paragraphs(tmp_path: Path) -> None:
    first = "The bridge opened eight months late because " + "the steel came late and " * 300 + "nobody knew."
    second = "The second paragraph says what the city did next."
    path = _pdf(tmp_path / "essay.pdf", ["Short opening paragraph.", first, second])
    extracted = pdf_text(path.read_bytes(), path)
    assert len(extracted.part_starts) >= 2, "the long paragraph crosses a page"
    paragraphs = [line for line in extracted.text.split("\n") if line]
    assert paragraphs == ["Short opening paragraph.", " ".join(first.split()), second]
    t = parse_file(path)
    assert t.episode.format == "plain" and t.utterances[0].text == "Short opening paragraph."
    assert " ".join(u.text for u in t.utterances[1:-1]) == " ".join(first.split())  # cut into passages
    assert all(len(u.text) <= 600 for u in t.utterances)


def test_a_word_broken_with_a_hyphen_at_a_lines_end_stays_one_word(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    said = " ".join(["the steel came late for the re\u00adhearsal of the bridge"] * 12) + "."
    pdf.multi_cell(0, 6, said, align="J")  # justified; the soft hyphens let one line end in "re-"
    pdf.output(str(tmp_path / "hyphen.pdf"))
    text = pdf_text((tmp_path / "hyphen.pdf").read_bytes(), tmp_path / "hyphen.pdf").text
    assert "re-hearsal" in text and "re- hearsal" not in text and text.count("hearsal") == 12


def test_a_pdf_without_text_or_behind_a_password_is_refused_with_what_to_do(tmp_path: Path) -> None:
    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 60, style="F")  # an image of text would read the same: no text objects
    scan.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(
        ParseError, match=r"holds no text \(a scanned document.*\(run text recognition \(OCR\)"
    ):
        parse_file(tmp_path / "scan.pdf")
    locked = FPDF()
    locked.set_encryption(owner_password="owner", user_password="secret")
    _pdf(tmp_path / "locked.pdf", ["Operator: Welcome."], locked)
    with pytest.raises(ParseError, match="protected by a password"):
        parse_file(tmp_path / "locked.pdf")
    (tmp_path / "cut.pdf").write_bytes((tmp_path / "scan.pdf").read_bytes()[:200])
    with pytest.raises(ParseError, match="the PDF cannot be read"):
        parse_file(tmp_path / "cut.pdf")


def test_an_error_in_the_text_names_the_page(tmp_path: Path) -> None:
    stamped = [f"[00:{n:02d}:00] Ada: minute {n} of the meeting." for n in range(40)]
    stamped[33] = "[00:99:00] Ada: a time no clock shows."
    path = _pdf(tmp_path / "stamped.pdf", stamped)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert str(info.value).startswith(f"{path}: page 2: ") and "00:99:00" in str(info.value)


class _Numbered(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 10, str(self.page_no()), align="C")


@pytest.mark.parametrize("space", [0, 4], ids=["tight", "spaced"])
def test_a_numbered_transcript_keeps_every_number_at_a_page_edge_and_loses_the_page_numbers(
    tmp_path: Path, space: int
) -> None:
    said = {
        n: f"Ada: point {n} about the bridge" + " and the steel" * (n % 4 * 6) + "." for n in range(1, 121)
    }
    pdf = _Numbered()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for n, text in said.items():
        for line in [f"{n} {text}"] if n % 10 == 0 else [str(n), text]:  # every tenth inline, as `12 text`
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(space)  # space between utterances sets a number at a page's foot apart, as a page number is
    pdf.output(str(tmp_path / "numbered.pdf"))
    t = parse_file(tmp_path / "numbered.pdf")
    assert t.episode.format == "numbered" and pdf.page_no() > 3
    assert [(u.number, u.speaker, u.text) for u in t.utterances] == [
        (n, "Ada", x[5:]) for n, x in said.items()
    ]


def test_lines_that_open_utterances_part_them_without_space_between(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for who, said in TURNS:  # single-spaced, no gap between turns
        pdf.multi_cell(0, 6, f"{who}: {said.strip()}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "tight.pdf"))
    t = parse_file(tmp_path / "tight.pdf")
    assert [(u.speaker, u.text) for u in t.utterances] == [(w, s.strip()) for w, s in TURNS]


def test_a_folder_with_a_pdf_is_ingested_and_its_speakers_cited(tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    _call(folder / "acme-q3.pdf", repeat=1)
    assert expand_paths([folder]) == [(folder / "acme-q3.pdf").resolve()]
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assert assistant.ingest([folder]).ok
    answer = assistant.ask("What were the margins?")
    assert ("John Smith", 3) in {(u.speaker, u.number) for c in answer.citations for u in c.utterances}
