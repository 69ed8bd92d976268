"""Limits on what users can feed the library, and safe names for uploaded files.

The limits themselves live in `Settings` (ASSISTANT_MAX_FILE_MB, ASSISTANT_MAX_UTTERANCE_CHARS,
ASSISTANT_MAX_QUESTION_CHARS, ASSISTANT_MAX_UPLOAD_FILES). Every refusal is an
`InputError` whose message names the limit and the variable that raises it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from .errors import InputError
from .ingest.files import NAMED_SUFFIXES

MAX_NAME_STEM = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def display_name(name: object) -> str:
    """The last component of a browser-supplied name (some send folders, with / or \\), for messages only."""
    text = str(name or "").replace("\\", "/")
    text = "".join(ch for ch in text if ch.isprintable())
    return PurePosixPath(text).name.strip() or "unnamed file"


def safe_upload_name(name: object, taken: set[str] | None = None) -> str:
    """A bare file name of `[A-Za-z0-9._-]` with a transcript suffix, unique (case-insensitively) in `taken`.

    Never a path: separators, `..`, leading dots, NUL and control characters cannot survive, so writing
    `folder / safe_upload_name(x)` stays inside `folder` whatever `x` is.
    """
    base = display_name(name)
    suffix = PurePosixPath(base).suffix.lower()
    if suffix not in NAMED_SUFFIXES:
        raise InputError(f"{base}: not a transcript file type (expected {', '.join(sorted(NAMED_SUFFIXES))})")
    stem = base[: -len(suffix)]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE.sub("-", ascii_stem).strip("._-")[:MAX_NAME_STEM].strip("._-")
    if not safe:
        safe = "upload-" + hashlib.sha256(base.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    taken = taken if taken is not None else set()
    candidate, n = safe + suffix, 2
    while candidate.lower() in taken:
        candidate, n = f"{safe}-{n}{suffix}", n + 1
    return candidate


def check_upload_batch(files: Sequence[tuple[object, bytes]], *, max_files: int, max_bytes: int) -> list[str]:
    """Refuse the whole batch when it has too many files; return a per-file problem ('' when fine)."""
    if len(files) > max_files:
        raise InputError(
            f"{len(files)} files in one upload; the limit is {max_files} (ASSISTANT_MAX_UPLOAD_FILES): "
            "upload them in smaller batches"
        )
    problems = []
    for name, data in files:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            problems.append(f"{display_name(name)}: the upload is not file content")
        elif len(data) > max_bytes:
            problems.append(
                f"{display_name(name)}: file is {len(data) / 2**20:.3g} MB, larger than the "
                f"{max_bytes / 2**20:.3g} MB limit (ASSISTANT_MAX_FILE_MB)"
            )
        else:
            problems.append("")
    return problems


def inside(folder: Path, path: Path) -> bool:
    """True when `path` resolves to somewhere inside `folder` (links followed)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
