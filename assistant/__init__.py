"""Chat with transcripts: answers grounded in, and citing, the exact utterances they rest on.

    from assistant import Assistant
    a = Assistant.from_settings(store="library")
    a.ingest("transcripts/")
    print(a.ask("What did the guest say about hiring?").text)

Every part `from_settings` wires can be passed in instead (`embedder=`, `generator=`, `reranker=`,
`rewriter=`, `retrieval=`, `cohere_client=`): the contracts and the offline implementations are exported here.
"""

import os
from typing import TYPE_CHECKING, Any

# ONNX Runtime 1.29+ reports usage to Microsoft on Linux and macOS too and keeps a device id under
# ~/.cache/Microsoft; the local models run on the user's transcripts, so that is off unless they set it.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

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
    "LocalEmbedder": ".models.embedder",
    "find_onnx": ".models.embedder",
    "make_embedder": ".wiring",
    "Generator": ".generation.base",
    "ExtractiveGenerator": ".generation.offline",
    "OFFLINE_HEADER": ".generation.offline",
    "OUTLINE_HEADER": ".outline.answer",
    "TRANSCRIPT_FILE_TYPES": ".ingest.files",
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
    "UnknownSpeakerError": ".errors",
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
    "Outline": ".outline.types",
    "Chapter": ".outline.types",
    "format_time": ".types",
    "utterance_id": ".types",
    # helpers for front ends and measurements
    "normalise_history": ".chat.questions",
    "conversation_markdown": ".export",
    "marked_text": ".render",
    "source_line": ".render",
    "source_link": ".render",
    "when_said": ".render",
    "plural": ".render",
    "shortened": ".text",
    "cited_episodes": ".render",
    "suggest_questions": ".suggest",
    "evaluate_outlines": ".outline.evaluate",
    "pack": ".generation.context",
    "sent_ids": ".generation.context",
    "tokenize": ".text",
    "count_tokens": ".tokens",
}

if TYPE_CHECKING:
    # `name as name` marks each as a re-export for type checkers and linters.
    from .chat.questions import normalise_history as normalise_history
    from .chat.session import ChatSession as ChatSession
    from .client import Assistant as Assistant
    from .config import PROJECT_ROOT as PROJECT_ROOT
    from .config import Settings as Settings
    from .errors import AssistantError as AssistantError
    from .errors import ConfigError as ConfigError
    from .errors import EmbedderMismatchError as EmbedderMismatchError
    from .errors import InputError as InputError
    from .errors import NeedsKeyError as NeedsKeyError
    from .errors import ParseError as ParseError
    from .errors import ProviderError as ProviderError
    from .errors import StoreError as StoreError
    from .errors import UnknownSpeakerError as UnknownSpeakerError
    from .export import conversation_markdown as conversation_markdown
    from .generation.base import Generator as Generator
    from .generation.context import pack as pack
    from .generation.context import sent_ids as sent_ids
    from .generation.offline import OFFLINE_HEADER as OFFLINE_HEADER
    from .generation.offline import ExtractiveGenerator as ExtractiveGenerator
    from .index.embedders import Embedder as Embedder
    from .index.embedders import HashingEmbedder as HashingEmbedder
    from .ingest.files import TRANSCRIPT_FILE_TYPES as TRANSCRIPT_FILE_TYPES
    from .library import Library as Library
    from .models.embedder import LocalEmbedder as LocalEmbedder
    from .models.embedder import find_onnx as find_onnx
    from .outline.answer import OUTLINE_HEADER as OUTLINE_HEADER
    from .outline.evaluate import evaluate_outlines as evaluate_outlines
    from .outline.types import Chapter as Chapter
    from .outline.types import Outline as Outline
    from .providers import cohere_client as cohere_client
    from .render import cited_episodes as cited_episodes
    from .render import marked_text as marked_text
    from .render import plural as plural
    from .render import source_line as source_line
    from .render import source_link as source_link
    from .render import when_said as when_said
    from .retrieval.contracts import QueryRewriter as QueryRewriter
    from .retrieval.contracts import Reranker as Reranker
    from .retrieval.query import HeuristicRewriter as HeuristicRewriter
    from .retrieval.retriever import RetrievalConfig as RetrievalConfig
    from .suggest import suggest_questions as suggest_questions
    from .text import shortened as shortened
    from .text import tokenize as tokenize
    from .tokens import count_tokens as count_tokens
    from .types import Answer as Answer
    from .types import AnswerEvent as AnswerEvent
    from .types import Citation as Citation
    from .types import Episode as Episode
    from .types import Hit as Hit
    from .types import IngestReport as IngestReport
    from .types import Progress as Progress
    from .types import Status as Status
    from .types import Transcript as Transcript
    from .types import Turn as Turn
    from .types import Usage as Usage
    from .types import Utterance as Utterance
    from .types import format_time as format_time
    from .types import utterance_id as utterance_id
    from .wiring import make_embedder as make_embedder


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
