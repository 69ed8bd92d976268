"""A question that asks what someone said ranks their turns first, though it names someone else too."""

from __future__ import annotations

from pathlib import Path

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
