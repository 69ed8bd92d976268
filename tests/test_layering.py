"""The dependency direction stays as designed: adapters at the edges, UI on the public API only."""

from __future__ import annotations

import ast
from pathlib import Path

import assistant

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_vendor_sdks_are_imported_only_by_their_adapters() -> None:
    allowed = {"cohere": {"assistant/providers/cohere.py"}, "chromadb": {"assistant/index/chroma_store.py"}}
    for path in files("assistant"):
        rel = path.relative_to(ROOT).as_posix()
        for module in imports(path):
            top = module.split(".")[0]
            if top in allowed:
                assert rel in allowed[top], f"{rel} imports {module}"


def test_ui_uses_only_the_public_api() -> None:
    for path in files("ui"):
        for module in imports(path):
            if module == "assistants":  # ui/assistants.py, the UI's own module
                continue
            if module.startswith("assistant"):
                assert module == "assistant", f"{path.name} imports {module}; use `from assistant import ...`"


def test_public_names_are_exported() -> None:
    assert assistant.__all__ == sorted(assistant.__all__)
    for name in assistant.__all__:
        assert hasattr(assistant, name), name


def test_evaluation_uses_only_the_public_api() -> None:
    """The harness measures what users get: `from assistant import ...`, or its own modules."""
    for path in files("assistant/evaluation"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                raise AssertionError(
                    f"{path.name} imports ..{node.module or ''}; use `from assistant import ...`"
                )
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("assistant")
            ):
                assert node.module == "assistant", f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("assistant.") for a in node.names), path.name
