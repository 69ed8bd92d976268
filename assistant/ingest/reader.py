"""Read a transcript file into text, refusing what is not text with a message the user can act on.

Decoding is deliberately small and deterministic: UTF-8 (optionally with a BOM), UTF-16/32 with a BOM,
else a single-byte legacy encoding when it decodes cleanly. No statistical guessing (charset-normalizer):
a guess that is wrong for one file in a hundred would turn quotes we must cite verbatim into mojibake.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from ..errors import ParseError

_MAX_FILE_ENV = "ASSISTANT_MAX_FILE_MB"

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one. These codecs drop the BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 control bytes that never occur in text (tab, LF, FF and CR do).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_TEXT_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_BINARY_CONTROL_SHARE = 0.10

_BAD_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_LEGACY_ONLY_BYTES = re.compile(rb"[\x80-\x9f]")


def _mb(n: float) -> str:
    return f"{n / 2**20:.3g} MB"


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The file's raw bytes, refusing missing files, directories and files over `max_bytes`."""
    path = Path(path)
    try:
        if path.is_dir():
            raise IsADirectoryError
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(max_bytes + 1) if size <= max_bytes else b""
    except FileNotFoundError as e:
        raise ParseError(path, None, "file not found", "check the path") from e
    except IsADirectoryError as e:
        raise ParseError(
            path, None, "is a directory, not a transcript file", "pass the files inside it"
        ) from e
    except OSError as e:
        raise ParseError(
            path, None, f"cannot be read: {e.strerror or e}", "check the path and permissions"
        ) from e
    if size > max_bytes or len(data) > max_bytes:
        raise ParseError(
            path,
            None,
            f"file is {_mb(max(size, len(data)))}, larger than the {_mb(max_bytes)} limit",
            f"split the transcript, or raise the limit with {_MAX_FILE_ENV}",
        )
    return data


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """(text with `\\n` newlines, encoding name); ParseError if `data` is empty, binary or not text."""
    if not data:
        raise ParseError(path, None, "file is empty", "a transcript needs numbered utterances")
    text, encoding = _decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        problem = "file is empty" if not text else "file holds only whitespace"
        raise ParseError(path, None, problem, "a transcript needs numbered utterances")
    return text, encoding


def read_text(path: Path, *, max_bytes: int) -> tuple[str, str]:
    """Read and decode a transcript file: (text with `\\n` newlines, encoding name)."""
    path = Path(path)
    return decode_bytes(read_bytes(path, max_bytes=max_bytes), path)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with_bom(data, encoding, path), encoding
    if b"\x00" in data or _looks_binary(data):
        raise ParseError(
            path,
            None,
            "file looks binary, not a text transcript: it holds NUL or control bytes",
            "export the transcript as plain UTF-8 text",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    # Mostly-valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy one: decoding it as
    # cp1252 would turn every accented letter into mojibake. Point at the damage instead.
    escaped = data.decode("utf-8", "surrogateescape")
    if len(_VALID_NON_ASCII.findall(escaped)) <= len(_ESCAPED_BYTE.findall(escaped)):
        legacy = _decode_legacy(data)
        if legacy is not None:
            return legacy
    raise _undecodable(data, first_bad, path)


def _decode_with_bom(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].decode(encoding, "ignore").count("\n") + 1
        raise ParseError(
            path,
            line,
            (
                f"not valid {encoding.removesuffix('-sig').upper()} although the file starts with its "
                "byte-order mark"
            ),
            "re-save the file as UTF-8",
        ) from e


def _decode_legacy(data: bytes) -> tuple[str, str] | None:
    """cp1252 when it decodes without control characters; named latin-1 when the two agree.

    Latin-1 maps every byte, but bytes 0x80-0x9F become C1 control characters, which real text never
    holds; where cp1252 leaves those bytes undefined, latin-1 would only yield controls. So cp1252 with a
    control-character check covers both, and the name tells which reading the bytes actually needed.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _BAD_CONTROL_CHARS.search(text):
        return None
    return text, ("cp1252" if _LEGACY_ONLY_BYTES.search(data) else "latin-1")


def _looks_binary(data: bytes) -> bool:
    sample = data[: 1 << 16]
    controls = len(sample.translate(None, _TEXT_BYTES))
    return controls > _BINARY_CONTROL_SHARE * len(sample)


def _undecodable(data: bytes, first_bad: int, path: Path) -> ParseError:
    line = data.count(b"\n", 0, first_bad) + 1
    line_start = data.rfind(b"\n", 0, first_bad) + 1
    column = first_bad - line_start + 1
    return ParseError(
        path,
        line,
        f"cannot decode the text: byte 0x{data[first_bad]:02X} at column {column} is not valid UTF-8, "
        "and the file is not clean cp1252/latin-1 either",
        "re-save the file as UTF-8",
    )
