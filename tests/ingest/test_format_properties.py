"""Property:
every layout, sniffed or forced, returns a Transcript or raises ParseError, never anything else."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ParseError
from assistant.ingest.otter import parse_otter
from assistant.ingest.parse import format_names, parse_text
from assistant.ingest.podcast_json import parse_podcast_json
from assistant.ingest.sbv import parse_sbv
from assistant.ingest.srt import parse_srt
from assistant.ingest.ttml import parse_ttml
from assistant.ingest.webvtt import parse_webvtt
from assistant.ingest.whisper_json import parse_whisper_json
from assistant.types import Transcript

PARSERS = [
    parse_webvtt,
    parse_srt,
    parse_podcast_json,
    parse_whisper_json,
    parse_otter,
    parse_ttml,
    parse_sbv,
]

# Lines from every layout, so that generated text often gets past the sniffers and deep into the parsers.
_lines = st.sampled_from(
    [
        "",
        " ",
        "WEBVTT",
        "WEBVTT - title",
        "NOTE",
        "NOTE Title: x",
        "Title: A",
        "Host: B",
        "STYLE",
        "REGION",
        "1",
        "2",
        "intro",
        "00:00:01.000 --> 00:00:02.000",
        "00:01.000 --> 00:00.500 align:start",
        "00:00:61.000 --> 00:01:00.000",
        "99999999999:00:00.000 --> 99999999999:00:01.000",
        "00:00:01,000 --> 00:00:02,000",
        "00:00:03,000 -> 00:00:01,000",
        "<v Ada>Hello",
        "<v.loud ADA LOVE>hi</v><v Ben>yo",
        "<v>",
        "<i>x</i> &amp; &lt;",
        "ADA: hello there",
        "- Yes",
        ">> No",
        "Ada Quill  0:07",
        "Ben  1:99",
        "[00:00:05] Ada: hi",
        "(1:02:03) Ben: ok",
        "--- METADATA START ---",
        "--- METADATA END ---",
        "{",
        "}",
        "[",
        '{"segments": [',
        '{"startTime": 1, "endTime": 0.5, "body": "x", "speaker": "A"}',
        '{"start": 0, "end": 1e309, "text": " x"}',
        "]}",
        "0:00:01.000,0:00:02.000",
        "0:00:61.000,0:00:02.000",
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata">',
        '<body><div begin="60s">',
        '<p begin="1s" end="2s" ttm:agent="SPEAKER_1">x<br/>y</p>',
        '<p begin="00:00:01:99" dur="1e9s">',
        "</p></div></body></tt>",
        "\x00",
        "\ufeff",
        "\r",
    ]
)
_text = st.one_of(
    st.text(max_size=200), st.lists(st.one_of(_lines, st.text(max_size=20)), max_size=30).map("\n".join)
)

_json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
)
_json_any = st.recursive(
    _json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_key_values = {
    "speaker": st.one_of(st.none(), st.integers(), st.sampled_from(["Ada", "ADA", " ", "Ben Ware", ""])),
    "startTime": _json_scalar,
    "endTime": _json_scalar,
    "body": st.one_of(st.text(max_size=20), _json_scalar),
    "start": _json_scalar,
    "end": _json_scalar,
    "text": st.one_of(st.text(max_size=20), _json_scalar),
}
_segment = st.fixed_dictionaries({}, optional=_key_values)
_document = st.one_of(
    _json_any,
    st.lists(_segment, max_size=6),
    st.fixed_dictionaries(
        {"segments": st.one_of(st.lists(_segment, max_size=6), _json_any)},
        optional={"version": _json_scalar, "title": _json_any, "guests": _json_any, "url": _json_scalar},
    ),
)
_json_text = _document.map(lambda doc: json.dumps(doc, allow_nan=True))

# Near-valid documents of each layout, so that most examples reach the parsers' later stages.
_seconds = st.one_of(st.floats(min_value=0, max_value=4000, allow_nan=False), st.integers(-5, 90))
_said = st.one_of(
    st.sampled_from(["Hello there.", "and then", "so we", "", "<i>odd</i> &amp; fine", "word " * 30]),
    st.text(max_size=25),
)
_name = st.sampled_from(["Ada", "ADA", "Ada Quill", "Ben Ware", "BEN WARE", "Speaker 1", "the thing", "Note"])


def _clock(sep: str) -> st.SearchStrategy[str]:
    """Any `[hh:]mm:ss.mmm`-shaped stamp, including impossible ones (`00:61:61.000`)."""
    return st.builds(
        lambda h, m, s, ms: (f"{h:02d}:" if h is not None else "") + f"{m:02d}:{s:02d}{sep}{ms:03d}",
        st.one_of(st.none(), st.integers(0, 2)),
        st.integers(0, 61),
        st.integers(0, 61),
        st.integers(0, 999),
    )


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def _times(sep: str) -> st.SearchStrategy[tuple[str, str]]:
    """Mostly a good `start`, `end` pair, sometimes any two stamps."""
    good = st.builds(
        lambda a, d: (_stamp(a, sep), _stamp(a + d, sep)),
        st.floats(0, 4000, allow_nan=False),
        st.floats(0, 10, allow_nan=False),
    )
    return st.one_of(good, good, good, st.tuples(_clock(sep), _clock(sep)))


_cue_line = st.one_of(
    _said,
    st.builds(lambda n, t: f"<v {n}>{t}", _name, _said),
    st.builds(lambda n, t: f"{n}: {t}", _name, _said),
    st.builds(lambda t: f"- {t}", _said),
)
_vtt_cue = st.builds(
    lambda ident, ab, settings, lines: "\n".join([*ident, f"{ab[0]} --> {ab[1]}{settings}", *lines]),
    st.lists(st.sampled_from(["intro", "2", "q-1"]), max_size=1),
    _times("."),
    st.sampled_from(["", " align:start", " line:85% position:10%", " x"]),
    st.lists(_cue_line, max_size=3),
)
_vtt_doc = st.builds(
    lambda notes, cues, sep: "WEBVTT\n\n" + sep.join([*notes, *cues]) + "\n",
    st.lists(
        st.sampled_from(["NOTE\nTitle: T\nHost: Ada", "NOTE plain", "STYLE\n::cue {}", "stray text"]),
        max_size=2,
    ),
    st.lists(_vtt_cue, max_size=6),
    st.sampled_from(["\n\n", "\n\n", "\n"]),
)
_srt_doc = st.builds(
    lambda cues, sep: sep.join(
        f"{i}\n{a} --> {b}\n" + "\n".join(lines) for i, (a, b, lines) in enumerate(cues, 1)
    ),
    st.lists(
        st.tuples(_times(","), st.lists(_cue_line, max_size=3)).map(lambda x: (*x[0], x[1])), max_size=6
    ),
    st.sampled_from(["\n\n", "\n\n", "\n"]),
)
_segments_doc = st.builds(
    lambda segs, podcast: json.dumps(
        {
            "version": "1.0.0",
            "title": "T",
            "segments": [
                {"speaker": n, "startTime": a, "endTime": b, "body": t}
                if podcast
                else {"start": a, "end": b, "text": t}
                for n, a, b, t in segs
            ],
        }
    ),
    st.lists(
        st.one_of(
            st.tuples(_name, _seconds, _seconds, _said),
            st.builds(lambda n, a, d, t: (n, a, a + d, t), _name, st.floats(0, 4000), st.floats(0, 5), _said),
            st.builds(lambda n, a, d, t: (n, a, a + d, t), _name, st.floats(0, 4000), st.floats(0, 5), _said),
        ),
        max_size=8,
    ),
    st.booleans(),
)
_otter_doc = st.lists(
    st.one_of(
        _said,
        st.builds(lambda n, c: f"{n}  {c}", _name, st.sampled_from(["0:07", "1:02:03", "0:75", "12:00"])),
        st.builds(
            lambda c, n, t: f"[{c}] {n}: {t}", _clock(".").map(lambda c: c.split(".")[0]), _name, _said
        ),
        st.builds(lambda n, t: f"{n}: {t}", _name, _said),
        st.just(""),
    ),
    max_size=12,
).map("\n".join)
_ttml_time = st.sampled_from(
    ["1s", "2.5s", "1500ms", "90f", "10000t", "00:00:01.000", "0:61", "1e9s", "7", ""]
)
_ttml_doc = st.lists(
    st.builds(
        lambda b, e, t: (
            f'<p begin="{b}" end="{e}"><span podcasts:unit="word">{t}</span>'
            f'<span podcasts:unit="word">{t}</span></p>'
        ),
        _ttml_time,
        _ttml_time,
        _said.map(lambda t: t.replace("<", "").replace("&", "")),
    ),
    max_size=8,
).map(
    lambda ps: (
        '<tt xmlns="http://www.w3.org/ns/ttml" '
        'xmlns:podcasts="http://podcasts.apple.com/transcript-ttml-internal"><body><div>'
        + "".join(ps)
        + "</div></body></tt>"
    )
)
_long_text = st.lists(_said, min_size=1, max_size=60).map(" ".join)  # a block to be cut into passages
_any_text = st.one_of(_text, _json_text, _vtt_doc, _srt_doc, _segments_doc, _otter_doc, _ttml_doc, _long_text)


def _check(call) -> None:  # type: ignore[no-untyped-def]
    try:
        result = call()
    except ParseError as err:
        assert err.path == "prop.in"
        return
    assert isinstance(result, Transcript)
    utterances = result.utterances
    assert [u.number for u in utterances] == list(range(1, len(utterances) + 1))
    assert result.episode.utterance_count == len(utterances)
    for u in utterances:
        for t in (u.start, u.end):
            assert t is None or (math.isfinite(t) and t >= 0)
        if u.start is not None and u.end is not None:
            assert u.start <= u.end


@given(text=_any_text)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_parser_and_every_forced_format_returns_or_refuses(text: str) -> None:
    """One generated text through each parser and through parse_text sniffed and forced to each format."""
    for parser in PARSERS:
        _check(lambda parser=parser: parser(text, Path("prop.in"), "prop", max_utterance_chars=80))
    for fmt in [None, *format_names()]:
        _check(lambda fmt=fmt: parse_text(text, Path("prop.in"), "prop", fmt, max_utterance_chars=80))
