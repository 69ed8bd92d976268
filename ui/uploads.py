"""Uploaded transcripts in, one line per file out.

The library does the dangerous part (`Assistant.ingest_uploads`): the browser's file name is never used as a
path, files go to a private folder inside the store that is removed afterwards, and size, type and count
limits apply. This module only turns its report into what the sidebar shows next to each file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from assistant import TRANSCRIPT_FILE_TYPES, Assistant, AssistantError, plural

SUFFIXES = TRANSCRIPT_FILE_TYPES
"""Offered in the browser's file dialog; the library checks the type again and explains a refusal."""

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class UploadResult:
    """What happened to one uploaded file; `name` is the browser's name, for display only."""

    name: str
    ok: bool
    message: str


@dataclass
class UploadSummary:
    files: list[UploadResult] = field(default_factory=list)
    summary: str = ""
    changed: bool = False
    """Whether the library changed (an episode added or updated), so its keyword index must be rebuilt."""
    error: str | None = None  # the whole batch was refused
    notices: list[str] = field(default_factory=list)
    """What a reader should know of files stored all the same (a transcript search cannot read by meaning)."""


def display_name(name: str) -> str:
    """The name the library reports a file under: its last component, printable characters only."""
    text = "".join(ch for ch in str(name or "").replace("\\", "/") if ch.isprintable())
    return PurePosixPath(text).name.strip() or "unnamed file"


def ingest_uploads(
    assistant: Assistant, files: Sequence[tuple[str, bytes]], progress: Progress | None = None
) -> UploadSummary:
    if not files:
        return UploadSummary()
    try:
        report = assistant.ingest_uploads(list(files), progress=progress)
    except AssistantError as exc:
        return UploadSummary(error=str(exc))
    results = [UploadResult(name, False, message) for name, message in report.failed.items()]
    ok = [display_name(name) for name, _ in files if display_name(name) not in report.failed]
    if len(ok) + len(report.failed) == len(files):  # every file accounted for under its own name
        held = [UploadResult(name, True, report.ignored.get(name, "in the library")) for name in ok]
        results = held + results
    counts = [
        (len(report.added), "added"),
        (len(report.updated), "updated"),
        (len(report.skipped), "unchanged"),
    ]
    parts = [f"{n} {what}" for n, what in counts if n]
    if report.utterances_written:
        parts.append(f"{plural(report.utterances_written, 'utterance')} indexed")
    return UploadSummary(
        results,
        " · ".join(parts),
        changed=bool(report.added or report.updated),
        notices=list(report.notices.values()),
    )
