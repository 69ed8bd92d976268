"""What the evaluation harness raises on purpose, under one root the `eval` command reports in one place.

EvalError (an AssistantError)
├── SuiteError        a malformed suite (file, line, what is wrong)
│   └── SuiteUnavailable  a well-formed suite whose transcripts are absent: the run is skipped, not failed
├── FixtureMissing    a replayed Cohere request has no fixture
└── CraftError        a request crafted fixtures cannot answer
"""

from __future__ import annotations

from assistant import AssistantError


class EvalError(AssistantError):
    """Root of the harness's errors. Never caught per question: a broken harness stops the run."""


class SuiteError(EvalError, ValueError):
    """The suite is malformed: the message names the file, the line and what is wrong."""


class SuiteUnavailable(SuiteError):
    """The suite is well formed but its transcripts are not on this machine (e.g. ../shared is absent)."""


class FixtureMissing(EvalError):
    """A replayed request has no fixture. Deliberately not a ProviderError: nothing may fall back on it."""


class CraftError(EvalError):
    """Crafted fixtures cannot answer this request."""
