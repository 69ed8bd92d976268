"""The numbered transcript layout, end to end through parse_file."""

from __future__ import annotations

import codecs
import hashlib
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ParseError
from assistant.ingest.parse import episode_id_for, parse_file, parse_text
from assistant.ingest.reader import read_text
from assistant.types import Transcript

DATA = Path(__file__).resolve().parent.parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
SEED = SHARED / "seed" / "000_081a4311286ebea2.txt"

SMALL = "1\nCafé au lait, s’il vous plaît.\n2\nA naïve question, how much is it?\n"


def refused(path: Path, **kwargs: object) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_file(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)
    return err


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- good files -------------------------------------------------------------------------------


def test_podcast_metadata_mojibake_and_numbering_quirks() -> None:
    path = DATA / "podcast_basic.txt"
    t = parse_file(path)
    ep = t.episode
    assert ep.id == "podcast_basic"
    assert ep.title == "Roasting at Home … and Why It Smokes"
    assert ep.show == "Small Batch Coffee Talk"
    assert ep.host == "Jonas Feld"
    assert ep.guests == ("Mira Okafor", "Tom Reyes")
    assert ep.source_url == "https://example.org/podcasts/small-batch/12"
    assert ep.format == "numbered"
    assert ep.source_path == str(path)
    assert ep.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ep.utterance_count == len(t.utterances) == 11
    assert [u.number for u in t.utterances] == list(range(1, 12))
    by_number = {u.number: u for u in t.utterances}
    assert by_number[4].text == "and that is completely fine."
    assert by_number[7].text == "Honestly, the smoke alarm was the hardest part."
    assert by_number[6].text.endswith("flea market and it worked better than it had any right to.")
    assert by_number[8].text.startswith("About 3.5 percent")
    # "10 out of 10 ..." followed by a bare "10" is a continuation, not utterance 10 written inline.
    assert by_number[9].text == "My advice: open a window. 10 out of 10 roasters agree on that."
    assert by_number[10].text == "Wait, let me say that again."
    # Colons mid-sentence in a file without speaker labels stay text.
    assert by_number[3].text == "Here's the thing: most people burn the first batch."
    assert all(u.speaker is None for u in t.utterances)
    assert ep.speakers == ()


def test_meeting_speakers_and_empty_turn() -> None:
    t = parse_file(DATA / "meeting_speakers.txt")
    ep = t.episode
    assert ep.title == "Budget review, March"
    assert ep.host == "Dr. Lena Ortiz"
    assert ep.guests == () and ep.source_url is None
    got = [(u.number, u.speaker, u.text) for u in t.utterances]
    assert got == [
        (1, "Dr. Lena Ortiz", "Let's start. We have one item: the roof."),
        (2, "PRIYA NAIR", "The quote came in at twelve thousand."),
        (3, None, ""),
        (4, "#NOTE#", "(a phone rings)"),
        (5, "Tom Reed", "Sorry, that was mine."),
        (6, "Priya Nair & Tom Reed", "We both think we should wait."),
        (7, "Dr. Lena Ortiz", "Noted. Any objections?"),
        (8, None, "Nobody objected, so we moved on."),
    ]
    assert ep.speakers == ("Dr. Lena Ortiz", "PRIYA NAIR", "#NOTE#", "Tom Reed", "Priya Nair & Tom Reed")
    assert t.utterances[0].id == "meeting_speakers#000001"


def test_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    t = parse_file(write(tmp_path, "Ep 7 — Pilot!.txt", SMALL.encode()))
    assert t.episode.title == "Ep 7 — Pilot!"
    assert t.episode.id == "Ep-7-Pilot"
    assert t.episode.show is None


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("cp1252", "cp1252"), ("latin-1", "latin-1"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")],
)
def test_encodings_accepted(tmp_path: Path, encoding: str, name: str) -> None:
    text = SMALL if encoding != "latin-1" else SMALL.replace("’", "'")
    path = write(tmp_path, "enc.txt", text.encode(encoding))
    assert read_text(path, max_bytes=10_000) == (text, name)
    t = parse_file(path)
    assert t.utterances[0].text == text.split("\n")[1]
    assert t.utterances[1].text == "A naïve question, how much is it?"


def test_utf8_bom_with_metadata(tmp_path: Path) -> None:
    raw = codecs.BOM_UTF8 + (DATA / "podcast_basic.txt").read_bytes()
    t = parse_file(write(tmp_path, "bom.txt", raw))
    assert t.episode.show == "Small Batch Coffee Talk"
    assert t.episode.content_hash == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_crlf_and_cr_newlines(tmp_path: Path, newline: bytes) -> None:
    raw = (DATA / "meeting_speakers.txt").read_bytes().replace(b"\n", newline)
    t = parse_file(write(tmp_path, "crlf.txt", raw))
    reference = parse_file(DATA / "meeting_speakers.txt", episode_id="crlf")
    assert t.utterances == reference.utterances


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_081a4311286ebea2.txt", "000_081a4311286ebea2"),
        ("Bed002.txt", "Bed002"),
        ("s01_e23.txt", "s01_e23"),
        ("  My Show: Épisode #3 (final).txt", "My-Show-Episode-3-final"),
        ("a -- b.txt", "a-b"),
    ],
)
def test_episode_id_for(name: str, expected: str) -> None:
    assert episode_id_for(Path(name)) == expected


def test_episode_id_falls_back_to_hash() -> None:
    one, other = episode_id_for(Path("第一集.txt")), episode_id_for(Path("第二集.txt"))
    assert re.fullmatch(r"ep-[0-9a-f]{12}", one)
    assert one != other and one == episode_id_for(Path("/elsewhere/第一集.txt"))


# --- refused files ----------------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "not found" in refused(tmp_path / "nope.txt").problem
    assert "directory" in refused(tmp_path).problem


def test_empty_file() -> None:
    err = refused(DATA / "bad_empty.txt")
    assert err.problem == "file is empty"


def test_whitespace_only_file() -> None:
    assert "only whitespace" in refused(DATA / "bad_whitespace.txt").problem


def test_truncated_file() -> None:
    path = DATA / "bad_truncated.txt"
    err = refused(path)
    assert err.line == 5
    assert f"{path}:5: truncated: utterance 3 has no text line" in str(err)


def test_unterminated_metadata() -> None:
    path = DATA / "bad_unterminated_metadata.txt"
    err = refused(path)
    assert err.line == 2
    assert f"{path}:2:" in str(err) and "never closed" in err.problem


def test_out_of_order_numbering() -> None:
    path = DATA / "bad_out_of_order.txt"
    err = refused(path)
    assert f"{path}:5: numbering out of order: expected 3, found 4" in str(err)


def test_text_before_metadata() -> None:
    path = DATA / "bad_text_before_metadata.txt"
    err = refused(path)
    assert err.line == 1 and "before the metadata" in err.problem


def test_no_utterances() -> None:
    assert "no utterances" in refused(DATA / "bad_no_utterances.txt").problem


def test_text_where_utterance_one_should_be(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "unnumbered.txt", b"\nJust some prose.\n2\nMore prose.\n"))
    assert err.line == 2 and "expected utterance 1" in err.problem


def test_overlong_utterance() -> None:
    path = DATA / "bad_overlong.txt"
    err = refused(path, max_utterance_chars=120)
    assert err.line == 3
    assert f"{path}:3: utterance 2 is" in str(err) and "over the 120 limit" in err.problem
    assert parse_file(path).episode.utterance_count == 3


def test_oversize_file(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", SMALL.encode() * 50)
    err = refused(path, max_bytes=1000)
    assert "larger than" in err.problem and "ASSISTANT_MAX_FILE_MB" in str(err)


@pytest.mark.parametrize(
    "raw",
    [
        b"1\nhello\x00world\n",
        bytes(range(32)) * 20,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "1\nhello\n".encode("utf-16-le"),  # UTF-16 without a BOM: NUL bytes everywhere
    ],
)
def test_binary_refused(tmp_path: Path, raw: bytes) -> None:
    err = refused(write(tmp_path, "blob.txt", raw))
    assert "binary" in err.problem


def test_undecodable_names_line_of_first_bad_byte(tmp_path: Path) -> None:
    # 0x81 and 0x9D are undefined in cp1252 and C1 controls in latin-1: no single-byte reading fits.
    raw = b"1\nPlain start.\n2\nCaf\xe9 \x81 here \x9d.\n"
    path = write(tmp_path, "bad.txt", raw)
    err = refused(path)
    assert err.line == 4 and "0xE9" in err.problem
    assert f"{path}:4: cannot decode" in str(err)


def test_damaged_utf8_is_refused_not_read_as_cp1252(tmp_path: Path) -> None:
    raw = "1\nCafé, naïve, résumé.\n2\nÜber Zürich.\n".encode() + b"3\nbroken \xff byte\n"
    err = refused(write(tmp_path, "damaged.txt", raw))
    assert err.line == 6 and "0xFF" in err.problem


# --- shared development data ------------------------------------------------------------------

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared development data not found at {SHARED} (not shipped with the repo)"
)


@needs_shared
def test_seed_transcript() -> None:
    t = parse_file(SEED)
    ep = t.episode
    assert ep.utterance_count == len(t.utterances) == 678
    assert ep.title == "Inside the Paper That Changed …"
    assert ep.show == "The MAD Podcast with Matt Turck"
    assert ep.host == "Matt Turck"
    assert ep.guests == ("Aidan Gomez",)
    assert ep.source_url and ep.source_url.startswith("https://podcasts.apple.com/")
    assert all(u.speaker is None for u in t.utterances) and ep.speakers == ()
    assert [u.number for u in t.utterances] == list(range(1, 679))
    assert t.utterances[50].text == "we don't hire undergrad students."
    assert t.utterances[71].text.startswith("Noam")
    lines = SEED.read_text(encoding="utf-8").split("\n")
    inline = [line for line in lines if re.match(r"^\d+[,.:) ]\s*\S", line)]
    assert len(inline) >= 39
    texts = {u.text for u in t.utterances}
    assert all(re.sub(r"^\d+[,.:) ]\s*", "", line).strip() in texts for line in inline)


def _shared_transcripts() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted((SHARED / "qmsum" / "val" / "transcripts").glob("*.txt")) + sorted(
        (SHARED / "friendsqa" / "dev" / "transcripts").glob("*.txt")
    )


@needs_shared
def test_every_benchmark_transcript_parses() -> None:
    paths = _shared_transcripts()
    assert len(paths) == 35 + 9
    for path in paths:
        t = parse_file(path)
        numbers = re.findall(r"(?m)^(\d+)$", path.read_text(encoding="utf-8"))
        assert t.episode.utterance_count == max(map(int, numbers)), path
        assert t.episode.speakers, path
        labelled = sum(1 for u in t.utterances if u.speaker)
        assert labelled >= 0.95 * sum(1 for u in t.utterances if u.text), path


# --- properties -------------------------------------------------------------------------------

_pieces = st.sampled_from(
    [
        "1",
        "2",
        "3",
        "4",
        "",
        " ",
        "--- METADATA START ---",
        "--- metadata end ---",
        "Show: X",
        "Guests: A & B",
        "Ross Geller: hi",
        "#NOTE#: (door)",
        "2, two",
        "3 three",
        "10:30 am",
        "â€¦",
        "\x00",
        "\ufeff",
    ]
)
_near_valid = st.lists(st.one_of(_pieces, st.text(max_size=30)), max_size=25).map("\n".join)


@given(st.one_of(st.text(), _near_valid))
@settings(max_examples=400, deadline=None)
def test_parse_text_returns_or_refuses(text: str) -> None:
    try:
        result = parse_text(text, Path("prop.txt"), "prop")
    except ParseError as err:
        assert err.path == "prop.txt"
        return
    assert isinstance(result, Transcript)
    assert [u.number for u in result.utterances] == list(range(1, len(result.utterances) + 1))
    assert result.episode.utterance_count == len(result.utterances) > 0


@given(st.one_of(st.binary(max_size=400), _near_valid.map(lambda s: s.encode("utf-8", "surrogatepass"))))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_file_returns_or_refuses(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.txt"
        path.write_bytes(raw)
        try:
            result = parse_file(path, max_bytes=300, max_utterance_chars=50)
        except ParseError as err:
            assert err.path == str(path)
            return
        assert isinstance(result, Transcript)
        assert result.episode.content_hash == hashlib.sha256(raw).hexdigest()
