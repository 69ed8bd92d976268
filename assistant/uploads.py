"""Ingesting files a browser uploaded: sanitised names in a private folder, never a path from the browser."""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import InputError
from .library import Library
from .limits import check_upload_batch, display_name, inside, safe_upload_name
from .types import IngestReport, Progress


def ingest_uploads(
    library: Library,
    files: Sequence[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
    max_files: int | None = None,
) -> IngestReport:
    """Ingest uploaded (browser name, bytes) pairs safely; `failed` is keyed by the browser's file name, and
    its messages do not repeat the name (`line 5: numbering out of order ...`), since it stands beside them.

    The whole batch is refused (InputError) above ASSISTANT_MAX_UPLOAD_FILES files; a file above
    ASSISTANT_MAX_FILE_MB or with a non-transcript suffix fails alone. Files are written under sanitised
    names into a private folder inside the store, and removed afterwards.
    """
    settings = library.settings
    files = list(files)
    if not files:
        raise InputError("nothing to ingest: no files were uploaded")
    problems = check_upload_batch(
        files, max_files=max_files or settings.max_upload_files, max_bytes=int(settings.max_file_mb * 2**20)
    )
    report = IngestReport()
    started = time.perf_counter()
    root = settings.store_dir / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(root)
    with _batch_folder(root) as folder:
        saved = _save(folder, files, problems, report)
        if saved:
            inner = library.ingest([p for _, p in saved], progress=progress)
            _merge(report, inner, saved, folder)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _batch_folder(root: Path) -> Iterator[Path]:
    """A private folder (mode 0700) for one batch, removed afterwards; its lock, held meanwhile, tells any
    other session that it is in use, and is let go by the system if the process dies."""
    name = f"batch-{uuid.uuid4().hex}"
    with FileLock(str(root / f"{name}.lock")):  # taken before the folder exists: never removed as abandoned
        folder = root / name
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    (root / f"{name}.lock").unlink(missing_ok=True)


def _remove_abandoned(root: Path) -> None:
    """Uploads left by a server stopped mid-batch (killed, restarted): someone's transcripts, kept on disk for
    no one. A batch whose lock can be taken has no living owner."""
    for folder in root.glob("batch-*"):
        if not folder.is_dir():
            continue
        try:
            with FileLock(str(folder) + ".lock", timeout=0):
                shutil.rmtree(folder, ignore_errors=True)
        except Timeout:  # another session's batch, under way
            continue
        Path(str(folder) + ".lock").unlink(missing_ok=True)


def _save(
    folder: Path, files: Sequence[tuple[str, bytes]], problems: Sequence[str | None], report: IngestReport
) -> list[tuple[str, Path]]:
    taken: set[str] = set()
    saved: list[tuple[str, Path]] = []
    for (name, data), problem in zip(files, problems, strict=True):
        shown = display_name(name)
        if problem:
            report.failed[shown] = without_name(problem, shown)
            continue
        try:
            safe = safe_upload_name(name, taken)
        except InputError as exc:
            report.failed[shown] = without_name(str(exc), shown)
            continue
        taken.add(safe.lower())
        path = folder / safe
        if not inside(folder, path):  # cannot happen with a sanitised name; checked anyway
            report.failed[shown] = "refused unsafe file name"
            continue
        try:
            with open(path, "xb") as fh:  # never overwrite, never follow a planted link
                fh.write(bytes(data))
        except OSError as exc:
            report.failed[shown] = f"could not be saved for ingesting: {exc.strerror or exc}"
            continue
        saved.append((shown, path))
    return saved


def without_name(message: str, *names: str) -> str:
    """`name:5: problem` -> `line 5: problem`, `name: problem` -> `problem`: a message shown beside `name`."""
    for name in names:
        if name and message.startswith(name + ":"):
            rest = message[len(name) + 1 :]
            line = re.match(r"(\d+): ", rest)
            return f"line {line.group(1)}: {rest[line.end() :]}" if line else rest.lstrip()
    return message


def _merge(
    report: IngestReport, inner: IngestReport, saved: Sequence[tuple[str, Path]], folder: Path
) -> None:
    """The inner report, keyed and worded with the browser's names instead of the private folder's paths."""
    names = {str(p.resolve()): n for n, p in saved} | {str(p): n for n, p in saved}
    for key, message in inner.failed.items():
        shown = names.get(key, names.get(str(Path(key).resolve()), key))
        path = next((p for n, p in saved if n == shown), None)
        prefixes = [str(path.resolve()), str(path), path.name] if path else []
        message = without_name(message, *prefixes, shown)
        report.failed[shown] = message.replace(str(folder.resolve()) + "/", "").replace(str(folder) + "/", "")
    for key, message in inner.ignored.items():  # a copy of a transcript the library holds
        report.ignored[names.get(key, names.get(str(Path(key).resolve()), key))] = message
    report.added, report.updated, report.skipped = inner.added, inner.updated, inner.skipped
    report.notices = inner.notices
    report.utterances_written = inner.utterances_written
