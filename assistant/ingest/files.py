"""Which files an ingest call means: explicit files as given, folders walked for transcript extensions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError

_FROM_FOLDERS = ("txt", "vtt", "srt", "json", "docx", "pdf", "html", "htm", "ttml", "dfxp", "sbv")
_WHEN_NAMED = ("md", "markdown", "xml")
TRANSCRIPT_FILE_TYPES = _FROM_FOLDERS + _WHEN_NAMED
"""The file types a transcript may be given as, the common ones first: what an upload dialog offers."""
TRANSCRIPT_SUFFIXES = {f".{t}" for t in _FROM_FOLDERS}
"""Taken from a folder."""
NAMED_SUFFIXES = {f".{t}" for t in TRANSCRIPT_FILE_TYPES}
"""Read when a file is named (or uploaded), not taken from a folder: a folder's README.md or feed.xml is
seldom a transcript, while a Markdown note or a DFXP file named on purpose is one."""


def not_a_transcript_type() -> str:
    """The reason given for a file whose name says it is no transcript."""
    named = ", ".join(sorted(NAMED_SUFFIXES - TRANSCRIPT_SUFFIXES))
    return (
        f"not a transcript file type (expected {', '.join(sorted(TRANSCRIPT_SUFFIXES))}; {named} when named)"
    )


def expand_paths(paths: Iterable[str | Path], passed_over: dict[str, str] | None = None) -> list[Path]:
    """The files to read, in order. Files a folder holds that are no transcript by their suffix are left out,
    and named with the reason in `passed_over` (path -> reason), so none is dropped without a word."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found: list[Path] = []
            for p in sorted(_visible_files(path)):
                if p.suffix.lower() in TRANSCRIPT_SUFFIXES:
                    found.append(p)
                elif passed_over is not None:
                    passed_over[str(p)] = not_a_transcript_type()
            if not found:
                raise InputError(
                    f"{path}: no transcript files ({', '.join(sorted(TRANSCRIPT_SUFFIXES))}) in this folder"
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in files))
    if not unique:
        raise InputError("nothing to ingest: give at least one file or folder")
    return unique


def _visible_files(folder: Path) -> Iterator[Path]:
    """The files below `folder`, not hidden ones nor any inside a hidden folder: a project folder's `.venv`
    holds hundreds of LICENSE.txt files and `.git` its history, none of them a transcript."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and (Path(root) / name).is_file():
                yield Path(root) / name
