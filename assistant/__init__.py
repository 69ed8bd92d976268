"""Chat with transcripts: answers grounded in, and citing, the exact utterances they rest on.

    from assistant import Assistant
    a = Assistant.from_settings(store="library")
    a.ingest("transcripts/")
    print(a.ask("What did the guest say about hiring?").text)

Every part `from_settings` wires can be passed in instead (`embedder=`, `generator=`, `reranker=`,
`rewriter=`, `retrieval=`, `cohere_client=`): the contracts and the offline implementations are exported here.
"""

from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so `assistant --help` and `import assistant.cli` stay light.
_LAZY = {
    # the facade and what it is made of
    "Assistant": ".client",
    "ChatSession": ".chat.session",
    "Library": ".library",
    "Settings": ".config",
    "PROJECT_ROOT": ".config",
    "RetrievalConfig": ".retrieval.retriever",
    # contracts, and the implementations that need no service
    "Embedder": ".index.embedders",
    "HashingEmbedder": ".index.embedders",
    "OnnxEmbedder": ".index.onnx_embedder",
    "Generator": ".generation.base",
    "ExtractiveGenerator": ".generation.offline",
    "OFFLINE_HEADER": ".generation.offline",
    "Reranker": ".retrieval.contracts",
    "QueryRewriter": ".retrieval.contracts",
    "HeuristicRewriter": ".retrieval.query",
    "cohere_client": ".providers",
    # errors
    "AssistantError": ".errors",
    "ConfigError": ".errors",
    "EmbedderMismatchError": ".errors",
    "InputError": ".errors",
    "NeedsKeyError": ".errors",
    "ParseError": ".errors",
    "ProviderError": ".errors",
    "StoreError": ".errors",
    # domain types
    "Answer": ".types",
    "AnswerEvent": ".types",
    "Citation": ".types",
    "Episode": ".types",
    "Hit": ".types",
    "IngestReport": ".types",
    "Progress": ".types",
    "Status": ".types",
    "Transcript": ".types",
    "Turn": ".types",
    "Usage": ".types",
    "Utterance": ".types",
    "format_time": ".types",
    "utterance_id": ".types",
    # helpers for front ends and measurements
    "normalise_history": ".chat.questions",
    "conversation_markdown": ".export",
    "marked_text": ".render",
    "source_line": ".render",
    "source_link": ".render",
    "plural": ".render",
    "cited_episodes": ".render",
    "suggest_questions": ".suggest",
    "pack": ".generation.context",
    "sent_ids": ".generation.context",
    "tokenize": ".text",
    "count_tokens": ".tokens",
}

if TYPE_CHECKING:
    from .chat.questions import normalise_history
    from .chat.session import ChatSession
    from .client import Assistant
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
    from .generation.base import Generator
    from .generation.context import pack, sent_ids
    from .generation.offline import OFFLINE_HEADER, ExtractiveGenerator
    from .index.embedders import Embedder, HashingEmbedder
    from .index.onnx_embedder import OnnxEmbedder
    from .library import Library
    from .providers import cohere_client
    from .render import cited_episodes, marked_text, plural, source_line, source_link
    from .retrieval.contracts import QueryRewriter, Reranker
    from .retrieval.query import HeuristicRewriter
    from .retrieval.retriever import RetrievalConfig
    from .suggest import suggest_questions
    from .text import tokenize
    from .tokens import count_tokens
    from .types import (
        Answer,
        AnswerEvent,
        Citation,
        Episode,
        Hit,
        IngestReport,
        Progress,
        Status,
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


__all__ = sorted(_LAZY)
