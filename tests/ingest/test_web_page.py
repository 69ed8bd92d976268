"""Transcripts published on web pages, saved from the browser as .html, read through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.parse import parse_file

HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Why the Harbour Bridge Opened Late | Field Notes</title>
<link rel="canonical" href="https://example.org/field-notes/harbour-bridge">
<meta property="og:title" content="Episode 12: Why the Harbour Bridge Opened Late">
<meta property="og:site_name" content="Field Notes">
<meta property="article:published_time" content="2024-03-05">
</head><body>
<header><nav><a href="/">Home</a> <a href="/episodes">Episodes</a>
<a href="/subscribe">Subscribe</a></nav></header>
<main><article>
<h1>Episode 12: Why the Harbour Bridge Opened Late</h1>
<p>In this episode Nadia talks to the engineer Tomás Reyes.</p>
<h2>Transcript</h2>
"""
TAIL = """</article></main>
<aside><h3>Related episodes</h3><ul><li><a href="/e11">Episode 11: Tunnels</a></li></ul></aside>
<footer><p>© 2024 Field Notes. All rights reserved.</p><p>Subscribe to our newsletter</p></footer>
</body></html>
"""
TURNS = [
    ("Nadia Brooks", "00:00:03", "Welcome to Field Notes."),
    ("Tomás Reyes", "00:00:07", "Thanks for having me &amp; the team."),
    ("Nadia Brooks", "00:00:10", "Why did the bridge open eight months late?"),
    (
        "Tomás Reyes",
        "00:00:15",
        "Three things, really. The steel arrived late, the soil on the north bank was softer than the "
        "surveys said, and we lost about six weeks to the winter storms.",
    ),
    ("Nadia Brooks", "00:00:31", "Yeah."),
]


def page(tmp_path: Path, body: str, name: str = "harbour-bridge.html") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body + TAIL, encoding="utf-8")
    return path


def speaker_paragraphs() -> str:
    return "\n".join(f"<p><strong>{who}</strong> [{at}]: {said}</p>" for who, at, said in TURNS)


def test_a_saved_transcript_page_gives_speakers_times_and_the_pages_details(tmp_path: Path) -> None:
    t = parse_file(page(tmp_path, speaker_paragraphs()))
    assert [(u.speaker, u.start, u.text) for u in t.utterances] == [
        (who, start, said.replace("&amp;", "&"))
        for (who, _, said), start in zip(TURNS, [3.0, 7.0, 10.0, 15.0, 31.0], strict=True)
    ]
    episode = t.episode
    assert (episode.title, episode.show, episode.date) == (
        "Episode 12: Why the Harbour Bridge Opened Late",
        "Field Notes",
        "2024-03-05",
    )
    assert episode.source_url == "https://example.org/field-notes/harbour-bridge"
    assert episode.heading == ("In this episode Nadia talks to the engineer Tomás Reyes.", "Transcript")
    said = " ".join(u.text for u in t.utterances)
    assert "Subscribe" not in said and "Tunnels" not in said and "rights reserved" not in said


def test_paragraphs_without_speakers_are_utterances(tmp_path: Path) -> None:
    body = "".join(f"<p>{said}</p>\n\n" for _, _, said in TURNS[2:4])
    t = parse_file(page(tmp_path, body))
    assert [u.speaker for u in t.utterances] == [None, None, None, None]
    assert t.utterances[-1].text.startswith("Three things, really.")


def test_a_page_built_by_javascript_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "app.html"
    path.write_text(
        '<!doctype html><html><head><title>Player</title></head><body><div id="root"></div>'
        "<script>render()</script></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert "no text that reads as its content" in str(info.value)
    assert "copy the transcript from the browser into a .txt file" in str(info.value)


def test_an_error_names_the_line_of_the_pages_text(tmp_path: Path) -> None:
    intro = "".join(f"<p>Paragraph {n} of the show notes, which run on for a while.</p>\n" for n in range(12))
    with pytest.raises(ParseError) as info:
        parse_file(page(tmp_path, intro + speaker_paragraphs()))
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'harbour-bridge.html'}: line 1 of the page's text: ")
    assert info.value.line is None


def test_a_page_is_asked_about_and_its_citations_link_to_it(tmp_path: Path) -> None:
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assistant.ingest([page(tmp_path, speaker_paragraphs())])
    answer = assistant.ask("Why did the bridge open late?")
    cited = {u.number for c in answer.citations for u in c.utterances}
    assert 4 in cited
    (episode,) = assistant.episodes()
    assert episode.source_url == "https://example.org/field-notes/harbour-bridge"


def test_a_page_saved_as_xhtml_or_with_the_browsers_mark_is_a_page(tmp_path: Path) -> None:
    for n, opening in enumerate(
        ['<?xml version="1.0" encoding="utf-8"?>\n', "<!-- saved from url=(0041)https://example.org/ -->\n"]
    ):
        path = tmp_path / f"saved-{n}.htm"
        path.write_text(opening + HEAD + speaker_paragraphs() + TAIL, encoding="utf-8")
        assert [u.speaker for u in parse_file(path).utterances][:2] == ["Nadia Brooks", "Tomás Reyes"]
