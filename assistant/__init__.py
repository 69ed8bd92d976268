"""Chat with transcripts: answers grounded in, and citing, the exact utterances they rest on.

    from assistant import Assistant
    a = Assistant(store="library")
    a.ingest("transcripts/")
    print(a.ask("What did the guest say about hiring?").text)
"""

from .client import Assistant, normalise_history
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
from .render import marked_text, source_line, source_link
from .types import Answer, AnswerEvent, Citation, Episode, Hit, IngestReport, Transcript, Turn, Usage, Utterance

__all__ = [
    "Answer",
    "AnswerEvent",
    "Assistant",
    "AssistantError",
    "Citation",
    "ConfigError",
    "EmbedderMismatchError",
    "Episode",
    "Hit",
    "IngestReport",
    "InputError",
    "NeedsKeyError",
    "ParseError",
    "ProviderError",
    "Settings",
    "StoreError",
    "Transcript",
    "Turn",
    "Usage",
    "Utterance",
    "conversation_markdown",
    "marked_text",
    "normalise_history",
    "source_line",
    "source_link",
]
