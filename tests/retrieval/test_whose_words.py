"""A question that asks what someone said ranks their turns first, though it names someone else too."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant

TALK = [
    "Chandler: Monica, where should we go for the weekend?",
    "Rachel: Chandler thinks you should go to the city and see a show.",
    "Monica: We should go to the beach house, it is quiet there.",
    "Chandler: The city has the show we wanted to see.",
    "Ross: Rachel and I went to the beach house last year.",
]


def test_the_speaker_asked_about_leads_though_another_is_named(tmp_path: Path) -> None:
    path = tmp_path / "weekend.txt"
    path.write_text("".join(f"{n}\n{line}\n" for n, line in enumerate(TALK, start=1)), encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest(path).ok
    hits = a.search("Where does Monica say she and Chandler should go?", k=3)
    assert hits[0].utterance.speaker == "Monica", [(h.utterance.number, h.utterance.speaker) for h in hits]
    assert hits[0].scores["speaker"] == 1.0


MEETING = [
    "Project Manager: We need to choose the case material and the colours today.",
    "Industrial Designer: A rubber case would survive drops, and titanium costs too much.",
    "User Interface: Large buttons for the channels, and a scroll wheel for the volume.",
    "Marketing: Young people like bright colours, so yellow and red should be among them.",
    "Industrial Designer: We could make the buttons from the same rubber as the case.",
]


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Marketing suggest to the project manager about the colours?", "Marketing"),
        (
            "What did the user interface designer recommend to the project manager for the channels?",
            "User Interface",
        ),
        (
            "Why did the industrial designer disagree with the project manager about the case?",
            "Industrial Designer",
        ),
    ],
)
def test_the_one_whose_suggestion_is_asked_for_leads(tmp_path: Path, question: str, speaker: str) -> None:
    """ "What did X suggest" asks what X said, as "What did X say" does; "the user interface designer" is the
    User Interface label, not the Industrial Designer whose label holds "designer"."""
    path = tmp_path / "design.txt"
    path.write_text("".join(f"{n}\n{line}\n" for n, line in enumerate(MEETING, start=1)), encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest(path).ok
    hits = a.search(question, k=3)
    assert hits[0].utterance.speaker == speaker, [(h.utterance.number, h.utterance.speaker) for h in hits]
    assert hits[0].scores["speaker"] == 1.0
