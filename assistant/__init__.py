"""Chat with transcripts: answers grounded in, and citing, the exact utterances they rest on.

from assistant import Assistant
a = Assistant.from_settings(store="library")
a.ingest("transcripts/")
print(a.ask("What did the guest say about hiring?").text)
"""

from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562), so `assistant --help` and `import assistant.cli` stay light.
_LAZY = {
    "Assistant": ".client",
    "normalise_history": ".chat.questions",
    "ChatSession": ".chat.session",
    "Library": ".library",
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
    "marked_text": ".render",
    "source_line": ".render",
    "source_link": ".render",
    "plural": ".render",
    "cited_episodes": ".render",
    "suggest_questions": ".suggest",
    "Status": ".types",
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
}

if TYPE_CHECKING:
    from .chat.questions import normalise_history
    from .chat.session import ChatSession
    from .client import Assistant
    from .config import Settings
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
    from .library import Library
    from .render import cited_episodes, marked_text, plural, source_line, source_link
    from .suggest import suggest_questions
    from .types import (
        Answer,
        AnswerEvent,
        Citation,
        Episode,
        Hit,
        IngestReport,
        Status,
        Transcript,
        Turn,
        Usage,
        Utterance,
        format_time,
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
    "ChatSession",
    "Citation",
    "ConfigError",
    "EmbedderMismatchError",
    "Episode",
    "Hit",
    "IngestReport",
    "InputError",
    "Library",
    "NeedsKeyError",
    "ParseError",
    "ProviderError",
    "Settings",
    "Status",
    "StoreError",
    "Transcript",
    "Turn",
    "Usage",
    "Utterance",
    "cited_episodes",
    "conversation_markdown",
    "format_time",
    "marked_text",
    "normalise_history",
    "plural",
    "source_line",
    "source_link",
    "suggest_questions",
]
