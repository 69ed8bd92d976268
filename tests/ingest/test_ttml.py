"""TTML: Apple Podcasts' transcripts and broadcast subtitles (DFXP, IMSC), read with speakers and times."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.errors import ParseError
from assistant.ingest.files import expand_paths
from assistant.ingest.parse import parse_file, parse_text, sniff_format

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
TT = '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata"'
TTP = 'xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'


def rows(transcript: Any) -> list[tuple[Any, ...]]:
    return [(u.number, u.speaker, u.start, u.end, u.text) for u in transcript.utterances]


def parsed(text: str) -> Any:
    return parse_text(text, Path("subs.ttml"), "subs")


def refused(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parsed(text)
    return info.value


def test_apple_podcasts_turns_keep_their_speakers_times_and_spaced_words() -> None:
    t = parse_file(FORMATS / "standup.apple.ttml")
    assert t.episode.format == "ttml"
    assert rows(t) == [
        (1, "Speaker 1", 0.24, 6.1, "The quote came in at twelve thousand. The steel arrived late."),
        (2, "Speaker 2", 6.4, 9.8, "Is the quote with the steel?"),
        (3, "Speaker 1", 62.5, 64.0, "Yes, it’s included."),
    ]
    assert [u.marks for u in t.utterances] == [((7, 3.2),), (), ()]  # "The steel…" after 7 words, at 3.2 s


def test_sentences_timed_without_their_words_and_times_within_a_paragraph_are_marked() -> None:
    unit = 'xmlns:podcasts="http://podcasts.apple.com/transcript-ttml-internal"'
    sentences = '<span podcasts:unit="sentence" begin="0s">One more.</span> <span podcasts:unit="sentence"'
    cue = f'<p begin="100s" end="110s">{sentences} begin="4s">Then two.</span></p>'  # counted from the <p>
    (u,) = parsed(f"{TT} {unit}><body><div>{cue}</div></body></tt>").utterances
    assert (u.start, u.marks) == (100.0, ((2, 104.0),))
    nested = f'<div begin="60s"><p begin="0s" end="9s">{sentences} begin="4s">Then two.</span></p></div>'
    (u,) = parsed(
        f"{TT} {unit}><body>{nested}</body></tt>"
    ).utterances  # the standard's nesting, all relative
    assert (u.start, u.marks) == (60.0, ((2, 64.0),))
    third = ' <span podcasts:unit="sentence" begin="8s">And three.</span></p>'
    unreadable = cue.replace('begin="4s"', 'begin="soon"').replace("</p>", third)
    (u,) = parsed(f"{TT} {unit}><body><div>{unreadable}</div></body></tt>").utterances
    assert (u.start, u.text, u.marks) == (100.0, "One more. Then two. And three.", ())  # the file still reads


def test_broadcast_subtitles_name_agents_and_count_frames_and_ticks() -> None:
    text = f"""<?xml version="1.0" encoding="utf-8"?>
{TT} {TTP} ttp:frameRate="25" ttp:tickRate="10000000">
  <head><metadata><ttm:title>Harbour Bridge</ttm:title>
    <ttm:agent xml:id="nb" type="person"><ttm:name type="full">Nadia Brooks</ttm:name></ttm:agent>
  </metadata></head>
  <body><div>
    <p begin="00:00:01:05" end="00:00:03:20" ttm:agent="nb">The bridge opened<br/>eight months
      <span tts:fontStyle="italic" xmlns:tts="http://www.w3.org/ns/ttml#styling">very</span> late.</p>
    <p begin="40000000t" end="62000000t">Why was that?</p>
    <p begin="7s" dur="1500ms">The steel.</p>
  </div></body>
</tt>"""
    assert sniff_format(text) == "ttml"
    t = parsed(text)
    assert t.episode.title == "Harbour Bridge"
    assert rows(t) == [
        (1, "Nadia Brooks", 1.2, 3.8, "The bridge opened eight months very late."),
        (2, None, 4.0, 6.2, "Why was that?"),
        (3, None, 7.0, 8.5, "The steel."),
    ]


def test_drop_frame_rates_and_sentence_spans_without_spaces() -> None:
    text = f"""{TT} {TTP} xmlns:podcasts="http://podcasts.apple.com/transcript-ttml-internal"
    ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001" ttp:tickRate="0">
  <body><div>
    <p begin="00:00:10:15" end="00:00:12:00"><span podcasts:unit="sentence">Done.</span><span
      podcasts:unit="sentence">Next.</span></p>
    <p begin="30t" end="60t">Ticks at the frame rate.</p>
  </div></body>
</tt>"""
    first, second = parsed(text).utterances
    assert first.text == "Done. Next."
    assert first.start == pytest.approx(10 + 15 / (30 * 1000 / 1001), abs=1e-6)  # NTSC's 29.97 frames
    # a tick rate of 0 is not one: ticks count at the frame rate
    assert (second.start, second.end) == pytest.approx((1.001, 2.002), abs=1e-6)


def test_a_frame_rate_multiplier_that_is_not_two_positive_numbers_is_left_out() -> None:
    for multiplier in ("1 0", "x y", "1000"):
        text = f'{TT} {TTP} ttp:frameRate="30" ttp:frameRateMultiplier="{multiplier}">'
        text += '<body><div><p begin="00:00:10:15" end="00:00:12:00">Hi.</p></div></body></tt>'
        assert parsed(text).utterances[0].start == 10.5, multiplier


def test_times_nested_in_a_timed_division_count_from_its_start() -> None:
    cues = '<p begin="0s" end="2s">One.</p><p begin="70s" end="72s">Two.</p>'
    text = f'{TT}><body><div begin="60s">{cues}</div></body></tt>'
    assert [(u.start, u.end) for u in parsed(text).utterances] == [(60.0, 62.0), (130.0, 132.0)]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (f"{TT}>\n<body><div><p begin='1s'>Hi</div></body></tt>", 2, "invalid XML at line 2"),
        (
            f"{TT}>\n<body><div>\n<p begin='soon' end='2s'>Hi</p></div></body></tt>",
            3,
            "bad time begin='soon' on <p>",
        ),
        (f"{TT}>\n<body><div><p begin='00:61:00.000' end='2s'>Hi</p></div></body></tt>", 2, "bad time"),
        (f"{TT}>\n<body><div><p begin='00:00:60:00' end='2s'>Hi</p></div></body></tt>", 2, "bad time"),
        (f"{TT}><body><div><p begin='1s' end='2s'> </p></div></body></tt>", None, "holds no text in <p>"),
    ],
)
def test_errors_say_what_and_at_which_line(text: str, line: int | None, fragment: str) -> None:
    err = refused(text)
    assert err.line == line and fragment in str(err) and str(err).startswith("subs.ttml")


def test_entities_and_external_files_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    text = (
        f'<?xml version="1.0"?><!DOCTYPE tt [<!ENTITY leak SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"{TT}><body><div><p begin='1s' end='2s'>Hi &leak; &b; there</p></div></body></tt>"
    )
    said = parsed(text).utterances[0].text
    assert "TOPSECRET" not in said and "aaaa" not in said and said.startswith("Hi")


def test_a_folder_of_ttml_files_is_ingested_and_cited_with_speakers_and_times(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    shutil.copy(FORMATS / "standup.apple.ttml", folder / "standup.ttml")
    assert expand_paths([folder]) == [(folder / "standup.ttml").resolve()]
    assistant = Assistant.from_settings(store=tmp_path / "store")
    assistant.ingest([folder])
    answer = assistant.ask("What did the quote come in at?")
    cited = {(u.number, u.speaker, u.start) for c in answer.citations for u in c.utterances}
    assert (1, "Speaker 1", 0.24) in cited
