"""Chat with transcripts: answers grounded in, and citing, the exact utterances they rest on.

from assistant import Assistant
a = Assistant(store="library")
a.ingest("transcripts/")
print(a.ask("What did the guest say about hiring?").text)
"""

from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so `assistant --help` and `import assistant.cli` stay light.
_LAZY = {
    "Assistant": ".client",
    "normalise_history": ".client",
    "PROJECT_ROOT": ".config",
    "Settings": ".config",
    "AssistantError": ".errors",
    "ConfigError": ".errors",
    "EmbedderMismatchError": ".errors",
    "InputError": ".errors",
    "NeedsKeyError": ".errors",
    "ParseError": ".errors",
    "ProviderError": ".errors",
    "StoreError": ".errors",
    "conversation_markdown": ".export",
    "pack": ".generation.context",
    "sent_ids": ".generation.context",
    "OFFLINE_HEADER": ".generation.offline",
    "tokenize": ".index.lexical",
    "OnnxEmbedder": ".index.onnx_embedder",
    "cohere_client": ".providers",
    "marked_text": ".render",
    "source_line": ".render",
    "source_link": ".render",
    "HeuristicRewriter": ".retrieval.query",
    "RetrievalConfig": ".retrieval.retriever",
    "count_tokens": ".tokens",
    "Answer": ".types",
    "AnswerEvent": ".types",
    "Citation": ".types",
    "Episode": ".types",
    "Hit": ".types",
    "IngestReport": ".types",
    "Transcript": ".types",
    "Turn": ".types",
    "Usage": ".types",
    "Utterance": ".types",
    "format_time": ".types",
    "utterance_id": ".types",
}

if TYPE_CHECKING:
    from .client import Assistant, normalise_history
    from .config import PROJECT_ROOT, Settings
    from .errors import (
        AssistantError,
        ConfigError,
        EmbedderMismatchError,
        InputError,
        NeedsKeyError,
        ParseError,
        ProviderError,
        StoreError,
    )
    from .export import conversation_markdown
    from .generation.context import pack, sent_ids
    from .generation.offline import OFFLINE_HEADER
    from .index.lexical import tokenize
    from .index.onnx_embedder import OnnxEmbedder
    from .providers import cohere_client
    from .render import marked_text, source_line, source_link
    from .retrieval.query import HeuristicRewriter
    from .retrieval.retriever import RetrievalConfig
    from .tokens import count_tokens
    from .types import (
        Answer,
        AnswerEvent,
        Citation,
        Episode,
        Hit,
        IngestReport,
        Transcript,
        Turn,
        Usage,
        Utterance,
        format_time,
        utterance_id,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Answer",
    "AnswerEvent",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "EmbedderMismatchError",
    "Episode",
    "HeuristicRewriter",
    "Hit",
    "IngestReport",
    "InputError",
    "NeedsKeyError",
    "OFFLINE_HEADER",
    "OnnxEmbedder",
    "PROJECT_ROOT",
    "ParseError",
    "ProviderError",
    "RetrievalConfig",
    "Settings",
    "StoreError",
    "Transcript",
    "Turn",
    "Usage",
    "Utterance",
    "cohere_client",
    "conversation_markdown",
    "count_tokens",
    "format_time",
    "marked_text",
    "normalise_history",
    "pack",
    "sent_ids",
    "source_line",
    "source_link",
    "tokenize",
    "utterance_id",
]
