"""Getting a model's files onto this machine, checked before anything loads them.

Files come from the Hugging Face hub (or `HF_ENDPOINT`) through huggingface_hub into the model library's
cache layout. The hub only checks sizes, so each file is then hashed and compared with its hub etag (the
sha256 of an LFS file, the git blob id of a small one; the cache names each blob after it) and with any
checksum the catalog knows. A file that does not match is deleted. Only a snapshot that passed gets a
`verified` record, and only a snapshot with one is ever loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .catalog import ModelSpec

_TOKENIZER_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class ModelFetchError(ConfigError):
    """The model could not be fetched or did not verify; the message says what to do."""


def hub_offline(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "TRUE", "YES", "ON")


@dataclass(frozen=True)
class HubFiles:
    repo: str
    model_file: str
    files: tuple[str, ...]


def hub_files(model: ModelSpec) -> HubFiles:
    """The repository and files fastembed loads for this model, from fastembed's own description."""
    description = library_description(model)
    repo = description.sources.hf
    if not repo:
        raise ModelFetchError(f"{model.key} has no Hugging Face source in fastembed")
    files = (*_TOKENIZER_FILES, description.model_file, *description.additional_files)
    return HubFiles(repo, description.model_file, tuple(dict.fromkeys(files)))


def library_description(model: ModelSpec) -> Any:
    """fastembed's description of the model (hub repository, model file, extra files)."""
    if model.kind == "embed":
        from fastembed import TextEmbedding

        known: list[Any] = list(TextEmbedding._list_supported_models())
    else:
        from fastembed.rerank.cross_encoder import TextCrossEncoder

        known = list(TextCrossEncoder._list_supported_models())
    for description in known:
        if description.model.lower() == model.library.lower():
            return description
    raise ModelFetchError(f"fastembed does not know {model.library!r} (needed for {model.key})")


def _repo_folder(cache: Path, repo: str) -> Path:
    return cache / ("models--" + repo.replace("/", "--"))


def _record_path(cache: Path, repo: str, commit: str) -> Path:
    return _repo_folder(cache, repo) / f"assistant-verified-{commit}.json"


def cached(model: ModelSpec, cache: Path, files: HubFiles | None = None) -> Path | None:
    """The verified snapshot folder of `model` in `cache`, or None. Cheap: compares sizes with the record."""
    files = files or hub_files(model)
    ref = _repo_folder(cache, files.repo) / "refs" / "main"
    if not ref.is_file():
        return None
    commit = ref.read_text().strip()
    record = _record_path(cache, files.repo, commit)
    if not record.is_file():
        return None
    snapshot = _repo_folder(cache, files.repo) / "snapshots" / commit
    try:
        checked = json.loads(record.read_text())["files"]
    except (OSError, ValueError, KeyError):
        return None
    if files.model_file not in checked:
        return None
    for path, info in checked.items():
        target = snapshot / path
        if not target.is_file() or target.stat().st_size != info["size"]:
            return None
    return snapshot


def fetch(model: ModelSpec, cache: Path, *, progress: bool = True) -> Path:
    """Download (or reuse) the model's files into `cache`, verify them, and return the snapshot folder."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars  # type: ignore[attr-defined]

    files = hub_files(model)
    if hub_offline():
        raise ModelFetchError(
            f"HF_HUB_OFFLINE is set, so {model.key} cannot be downloaded; unset it and run "
            f"`assistant models fetch {model.key}`"
        )
    cache.mkdir(parents=True, exist_ok=True)
    if not progress:
        disable_progress_bars()
    try:
        folder = Path(
            snapshot_download(
                files.repo,
                allow_patterns=list(files.files),
                cache_dir=str(cache),
                endpoint=_endpoint(),
                etag_timeout=30,
            )
        )
    except Exception as exc:  # network, HTTP and consistency errors all mean the same thing to the user
        raise ModelFetchError(
            f"could not download {model.key} from {_endpoint()} ({type(exc).__name__}: {_first_line(exc)}); "
            f"check the network and run `assistant models fetch {model.key}` again"
        ) from exc
    finally:
        if not progress:
            enable_progress_bars()
    verify(model, folder, files)
    return folder


def verify(model: ModelSpec, folder: Path, files: HubFiles) -> dict[str, dict[str, object]]:
    """Hash every file of the snapshot against its hub etag and the catalog; delete and report mismatches."""
    checked: dict[str, dict[str, object]] = {}
    bad: list[str] = []
    if not (folder / files.model_file).is_file():
        raise ModelFetchError(f"the hub copy of {model.key} has no {files.model_file}")
    for path in files.files:
        target = folder / path
        if not target.is_file():
            continue
        blob = target.resolve()
        digest = _sha256(blob)
        etag = blob.name if blob != target.absolute() else None
        ok = True
        if etag and _SHA256.match(etag):
            ok = digest == etag
        elif etag and _SHA1.match(etag):
            ok = _git_blob_sha1(blob) == etag
        if path in model.sha256 and model.sha256[path] != digest:
            ok = False
        if not ok:
            bad.append(path)
            for leftover in {target, blob}:
                leftover.unlink(missing_ok=True)
            continue
        checked[path] = {"size": blob.stat().st_size, "sha256": digest}
    if bad:
        raise ModelFetchError(
            f"{model.key}: {', '.join(bad)} did not match the hub's checksum and was deleted (a corrupt "
            f"or cut download); run `assistant models fetch {model.key}` again"
        )
    commit = folder.name
    cache = folder.parent.parent.parent
    _record_path(cache, files.repo, commit).write_text(json.dumps({"files": checked}, indent=1))
    return checked


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if "Got: " in text:  # huggingface_hub wraps the network error in a long explanation
        text = text.split("Got: ", 1)[1]
    return text.splitlines()[0] if text else type(exc).__name__


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git_blob_sha1(path: Path) -> str:
    h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _endpoint() -> str:
    """HF_ENDPOINT as it is now: huggingface_hub reads it once, at import."""
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or "https://huggingface.co"
