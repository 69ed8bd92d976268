"""YouTube's SubViewer captions (`.sbv`): cues, speakers from `>>` labels, errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ParseError
from assistant.ingest.parse import parse_text, sniff_format

STUDIO = """0:00:01.000,0:00:04.200
>> PRIYA NAIR: The quote came in
at twelve thousand.

0:00:04.500,0:00:06.000
>> TOMÁS REYES: Is that with the steel?

0:00:06.200,0:00:08.900
>> PRIYA NAIR: Yes, <i>steel</i> included.
"""


def test_youtube_studio_captions_keep_speakers_and_times() -> None:
    assert sniff_format(STUDIO) == "sbv"
    t = parse_text(STUDIO, Path("studio.sbv"), "studio")
    assert t.episode.format == "sbv"
    assert [(u.speaker, u.start, u.end, u.text) for u in t.utterances] == [
        ("Priya Nair", 1.0, 4.2, "The quote came in at twelve thousand."),
        ("Tomás Reyes", 4.5, 6.0, "Is that with the steel?"),
        ("Priya Nair", 6.2, 8.9, "Yes, steel included."),
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("0:00:01.000,0:00:02.000\nHi.\n\nthen words without a timing\n", 4, "expected a cue's timing line"),
        ("0:00:01.000,0:00:02.000\nHi.\n\n0:00:61.000,0:00:62.000\nHo.\n", 4, "bad time '0:00:61.000'"),
        ("0:00:05.000,0:00:02.000\nHi.\n", 1, "cue 1 ends (0:02.000) before it starts"),
    ],
)
def test_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_text(text, Path("bad.sbv"), "bad", "sbv")
    assert info.value.line == line and fragment in str(info.value)
