"""Reading SDK replies field by field: lenient SDK parsing may leave dicts where models were expected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field(obj: Any, name: str) -> Any:
    """Attribute or key, None when absent."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def path(obj: Any, *names: str) -> Any:
    """`field` down a chain of names, None as soon as one is absent."""
    for name in names:
        obj = field(obj, name)
        if obj is None:
            return None
    return obj
