"""The project's exceptions. Every message is written for the person at the keyboard.

AssistantError
├── ConfigError           bad setting or environment variable
├── InputError            bad question or argument (too long, empty, unknown episode)
│   └── UnknownSpeakerError   a speaker filter that names no speaker of the searched episodes
├── ParseError            a transcript file that cannot be read (carries path and line)
├── StoreError            the store cannot be opened, is locked, or was built differently
│   └── EmbedderMismatchError
└── ProviderError         the hosted model failed (network, status, malformed reply)
    └── NeedsKeyError     hosted mode asked for without an API key
"""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Root of everything this package raises on purpose."""


class ConfigError(AssistantError):
    pass


class InputError(AssistantError):
    pass


class UnknownSpeakerError(InputError):
    """A usage error (the CLI exits with status 2): the message lists the speakers there are."""


class ParseError(AssistantError):
    """A transcript is refused; `path:line: what is wrong` plus what to do."""

    def __init__(self, path: str | Path, line: int | None, problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{self.path}:{line}" if line else self.path
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class NotATranscriptError(ParseError):
    """The file reads (valid JSON) but holds nothing a transcript layout has: a folder's `package.json` or
    settings file. Named, it is refused like any bad file; found in a folder, it is passed over."""


class StoreError(AssistantError):
    pass


class EmbedderMismatchError(StoreError):
    pass


class ProviderError(AssistantError):
    """The hosted service failed; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class NeedsKeyError(ProviderError):
    pass
