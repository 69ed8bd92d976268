"""Which `Assistant` a browser session talks to.

One shared Assistant per server process (`st.cache_resource`), configured from the environment. A user who
enters a Cohere key gets a private Assistant for their session only (`st.session_state`): the key lives in
that object's settings in memory, and is never put back on the page, logged or written to disk.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from assistant import Assistant, AssistantError, Settings

SESSION_KEY = "session_assistant"


@st.cache_resource(show_spinner="Opening the library…")
def shared_assistant() -> Assistant:
    """The default Assistant, shared by every session:
    hosted when the server has COHERE_API_KEY, else offline."""
    assistant = Assistant.from_settings()
    assistant.warm_up()  # the question model loads while the page is read
    return assistant


def shared_or_error() -> tuple[Assistant | None, str | None]:
    try:
        return shared_assistant(), None
    except AssistantError as exc:
        return None, str(exc)


def session_assistant() -> Assistant | None:
    return st.session_state.get(SESSION_KEY)


def active() -> tuple[Assistant | None, str | None]:
    """The session's own Assistant if a key was entered, else the shared one (or the reason it failed)."""
    own = session_assistant()
    if own is not None:
        return own, None
    return shared_or_error()


def use_key(key: str) -> Assistant:
    """Build and keep a session-only Assistant that uses `key`; raises AssistantError with a readable message.

    When the shared library already exists, its embedder is kept, so the library other sessions search
    never gets rebuilt with embeddings that need this session's key.
    """
    key = key.strip()
    if not key:
        raise AssistantError("the key is empty")
    settings = replace(Settings.from_env(), cohere_api_key=key)
    shared, _ = shared_or_error()
    if shared is not None and settings.embedder == "auto":
        settings = replace(settings, embedder=shared.embedder.name.split(":", 1)[0])
    assistant = Assistant.from_settings(settings=settings)
    forget_key()
    st.session_state[SESSION_KEY] = assistant
    return assistant


def forget_key() -> None:
    own = st.session_state.pop(SESSION_KEY, None)
    if own is not None:
        own.close()


def reopen() -> None:
    """Open the library afresh on the next run: it was rebuilt with another model while this page was open
    (`assistant reindex`, or a first ingest with a model set up since), so the Assistants built before hold
    the old one."""
    forget_key()
    shared_assistant.clear()
