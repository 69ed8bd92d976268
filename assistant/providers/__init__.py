"""Hosted model providers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ..config import Settings


def cohere_client(settings: Settings, httpx_client: httpx.Client | None = None) -> Any:
    """The Cohere SDK client the assistant would build from `settings`, optionally over your own httpx client
    (a recording or replaying transport, a proxy)."""
    from .cohere import make_client

    return make_client(settings, httpx_client)
