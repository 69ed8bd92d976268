"""Which files an ingest call means: explicit files as given, folders walked for transcript extensions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from pathspec import GitIgnoreSpec

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
            walk = _FolderWalk()
            for p in sorted(walk.files(path)):
                if p.suffix.lower() in TRANSCRIPT_SUFFIXES:
                    found.append(p)
                elif passed_over is not None:
                    passed_over[str(p)] = not_a_transcript_type()
            if passed_over is not None:
                passed_over.update((str(p), _GITIGNORED[p.is_dir()]) for p in sorted(walk.ignored))
            if not found:
                raise InputError(
                    f"{path}: no transcript files ({', '.join(sorted(TRANSCRIPT_SUFFIXES))}) in this folder"
                    + (f"; {walk.left_out()}" if walk.ignored else "")
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


_GITIGNORED = {False: "left out by .gitignore", True: "folder left out by .gitignore (not searched)"}


class _FolderWalk:
    """The files below a folder a user named, as git would see them: hidden files and folders are left out
    (a project's `.venv` holds hundreds of LICENSE.txt files, `.git` its history), and so is what a
    `.gitignore` in the folder or below it ignores (`venv/`, `node_modules/`, build output; a virtual
    environment writes its own `*`), or one above it in the same git repository. The named folder itself is
    walked even if ignored; ignored folders below it are not entered; symlinked folders are not followed."""

    def __init__(self) -> None:
        self.ignored: list[Path] = []
        """Files and folders a .gitignore left out (a folder's contents are not listed)."""

    def files(self, folder: Path) -> Iterator[Path]:
        folder = folder.resolve()
        rules = {
            base: spec
            for base in _repository_above(folder)
            if (spec := _read_ignore_file(base / ".gitignore")) is not None
        }
        for top, dirs, names in os.walk(folder):
            root = Path(top)
            if ".gitignore" in names and (spec := _read_ignore_file(root / ".gitignore")) is not None:
                rules[root] = spec
            dirs[:] = [d for d in dirs if not d.startswith(".") and not self._ignored(root / d, rules)]
            for name in names:
                path = root / name
                if not name.startswith(".") and path.is_file() and not self._ignored(path, rules):
                    yield path

    def left_out(self) -> str:
        """`.gitignore leaves out a.txt, b/, c.txt and 2 more`: what a user should look at first."""
        names = [p.name + ("/" if p.is_dir() else "") for p in sorted(self.ignored)]
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return f".gitignore leaves out {', '.join(names[:3])}{more}"

    def _ignored(self, path: Path, rules: dict[Path, GitIgnoreSpec]) -> bool:
        """Whether the deepest .gitignore with a rule for `path` ignores it (`!pattern` re-includes)."""
        folder = path.is_dir()
        for base in sorted(
            (b for b in rules if path.is_relative_to(b)), key=lambda b: len(b.parts), reverse=True
        ):
            relative = path.relative_to(base).as_posix() + ("/" if folder else "")
            verdict = rules[base].check_file(relative).include
            if verdict is not None:
                if verdict:
                    self.ignored.append(path)
                return verdict
        return False


def _repository_above(folder: Path) -> list[Path]:
    """The folders above `folder` up to the root of the git repository that holds it, none outside one: their
    .gitignore files apply to it too, as in git (`.git` a folder, or a file in a worktree or submodule)."""
    if (folder / ".git").exists():
        return []
    above = list(folder.parents)
    root = next((i for i, parent in enumerate(above) if (parent / ".git").exists()), None)
    return [] if root is None else above[: root + 1]


def _read_ignore_file(path: Path) -> GitIgnoreSpec | None:
    """The file's rules; a line git would not understand is passed over, as git passes it over."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return GitIgnoreSpec.from_lines(line for line in lines if _understood(line))


def _understood(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True
