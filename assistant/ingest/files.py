"""Which files an ingest call means: explicit files as given, folders walked for transcript extensions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError

TRANSCRIPT_SUFFIXES = {".txt", ".vtt", ".srt", ".json"}


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES and not p.name.startswith(".")
            )
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
