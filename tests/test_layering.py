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
    # A module or the package of that name (assistant/providers/cohere.py or assistant/providers/cohere/...).
    allowed = {"cohere": "assistant/providers/cohere", "chromadb": "assistant/index/chroma_store"}
    for path in files("assistant"):
        rel = path.relative_to(ROOT).as_posix()
        for module in imports(path):
            top = module.split(".")[0]
            if top in allowed:
                adapter = allowed[top]
                assert rel == adapter + ".py" or rel.startswith(adapter + "/"), f"{rel} imports {module}"


def test_ui_uses_only_the_public_api() -> None:
    for path in files("ui"):
        for module in imports(path):
            if module == "assistants":  # ui/assistants.py, the UI's own module
                continue
            if module.startswith("assistant"):
                assert module == "assistant", f"{path.name} imports {module}; use `from assistant import ...`"


PUBLIC = [
    "Answer",
    "AnswerEvent",
    "Assistant",
    "AssistantError",
    "Chapter",
    "ChatSession",
    "Citation",
    "ConfigError",
    "Embedder",
    "EmbedderMismatchError",
    "Episode",
    "ExtractiveGenerator",
    "Generator",
    "HashingEmbedder",
    "HeuristicRewriter",
    "Hit",
    "IngestReport",
    "InputError",
    "Library",
    "NeedsKeyError",
    "OFFLINE_HEADER",
    "OUTLINE_HEADER",
    "TRANSCRIPT_FILE_TYPES",
    "LocalEmbedder",
    "find_onnx",
    "make_embedder",
    "Outline",
    "PROJECT_ROOT",
    "ParseError",
    "Progress",
    "ProviderError",
    "QueryRewriter",
    "Reranker",
    "RetrievalConfig",
    "Settings",
    "Status",
    "StoreError",
    "UnknownSpeakerError",
    "Transcript",
    "Turn",
    "Usage",
    "Utterance",
    "cited_episodes",
    "cohere_client",
    "conversation_markdown",
    "count_tokens",
    "evaluate_outlines",
    "format_time",
    "marked_text",
    "normalise_history",
    "pack",
    "plural",
    "sent_ids",
    "shortened",
    "source_line",
    "source_link",
    "suggest_questions",
    "tokenize",
    "utterance_id",
    "when_said",
]


def test_the_public_namespace_is_exactly_what_is_documented() -> None:
    """Adding or dropping a public name is a decision: change this list (and the README) with it."""
    assert assistant.__all__ == sorted(PUBLIC)
    for name in assistant.__all__:
        assert getattr(assistant, name) is not None, name
    assert set(dir(assistant)) >= set(PUBLIC)


# Each part of `assistant` (a subpackage or a top-level module; "__init__" is the package's public API) and
# its layer. A module may import from its own layer or a lower one, never a higher one.
LAYERS: dict[str, int] = {
    # 0: the vocabulary every layer shares
    "types": 0,
    "errors": 0,
    "config": 0,
    "text": 0,
    "lemma_table": 0,
    # 1: leaf services: token counts, prompt files, limits, rendering and export, the store lock, parsing,
    # which turn answers a question
    "tokens": 1,
    "prompts": 1,
    "limits": 1,
    "render": 1,
    "export": 1,
    "costs": 1,
    "store_lock": 1,
    "turns": 1,
    "ingest": 1,
    # 2: the store, embedders, the keyword index and vector snapshot
    "index": 2,
    # 3: hybrid retrieval, and the reranker/rewriter contracts it calls
    "retrieval": 3,
    # 4: answers from hits: the generator contract, the offline generator, packing the context
    "generation": 4,
    # what language a question or transcript is in, said where search reads English only
    "language": 4,
    "outline": 5,
    # 5: hosted implementations (Cohere) of the contracts below
    "providers": 5,
    "models": 5,
    # 6: conversations over a library
    "chat": 6,
    "library": 6,
    "uploads": 6,
    "wiring": 6,
    # 7: the public API and what is built on the whole of it
    "client": 7,
    "reindex": 7,
    "suggest": 7,
    "__init__": 7,
    # 8: front ends
    "cli": 8,
    "cli_models": 8,
    "cli_output": 8,
    "evaluation": 8,
    "__main__": 8,
}


def part_of(module: str) -> str:
    """The LAYERS key of a module named `assistant...`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path) -> list[str]:
    name = module_name(path).split(".")
    return name if path.name == "__init__.py" else name[:-1]


def is_package(module: str) -> bool:
    return ROOT.joinpath(*module.split(".")).is_dir()


def is_submodule(module: str, name: str) -> bool:
    folder = ROOT.joinpath(*module.split("."))
    return (folder / f"{name}.py").is_file() or (folder / name).is_dir()


def assistant_imports(path: Path, source: str | None = None) -> list[tuple[int, str, list[str]]]:
    """(line, module, names taken from it) of every import of `assistant` in `path`, relative ones resolved,
    imports inside functions too. `from . import x` of a submodule `x` counts as importing module `x`."""
    package = package_of(path)
    found: list[tuple[int, str, list[str]]] = []
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "assistant"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "assistant":
                continue
            names = [a.name for a in node.names]
            submodules = [n for n in names if is_submodule(module, n)]
            found += [(node.lineno, f"{module}.{n}", []) for n in submodules]
            rest = [n for n in names if n not in submodules]
            if rest:
                found.append((node.lineno, module, rest))
    return found


def layer_offences(path: Path, source: str | None = None) -> list[str]:
    """Imports in `path` of a part of `assistant` in a higher layer than the file's own, or not in LAYERS."""
    rel = path.relative_to(ROOT).as_posix()
    own = part_of(module_name(path))
    if own not in LAYERS:
        return [f"{rel}: {own!r} is not in LAYERS; give it a layer"]
    offences = []
    for line, module, _ in assistant_imports(path, source):
        target = part_of(module)
        if target not in LAYERS:
            offences.append(f"{rel}:{line} imports {module}, whose {target!r} is not in LAYERS")
        elif LAYERS[target] > LAYERS[own]:
            offences.append(
                f"{rel}:{line} ({own}, layer {LAYERS[own]}) imports {module} "
                f"({target}, layer {LAYERS[target]})"
            )
    return offences


def test_dependencies_point_down_the_layers() -> None:
    offences = [o for path in files("assistant") for o in layer_offences(path)]
    assert not offences, "imports of a higher layer:\n" + "\n".join(offences)


def test_the_layer_check_sees_upward_imports_also_inside_functions() -> None:
    path = ROOT / "assistant" / "index" / "lexical.py"
    source = path.read_text(encoding="utf-8")
    assert layer_offences(path, source) == []
    late = source + "\n\ndef _late() -> None:\n    from ..retrieval import speakers\n"
    assert layer_offences(path, late) == [
        f"assistant/index/lexical.py:{len(late.splitlines())} (index, layer 2) imports "
        "assistant.retrieval.speakers (retrieval, layer 3)"
    ]
    absolute = "import assistant.generation.base\n" + source
    assert len(layer_offences(path, absolute)) == 1


def test_no_private_name_is_imported_from_another_package() -> None:
    offences = []
    for path in files("assistant"):
        rel = path.relative_to(ROOT).as_posix()
        for line, module, names in assistant_imports(path):
            source_package = module.split(".") if is_package(module) else module.split(".")[:-1]
            private = [n for n in names if n.startswith("_")]
            if private and source_package != package_of(path):
                offences.append(f"{rel}:{line} imports {', '.join(private)} from {module}")
    assert not offences, "private names imported across packages:\n" + "\n".join(offences)


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
