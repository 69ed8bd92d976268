"""The price table lives in `assistant.costs` (the chat estimates a long summary's cost before paying)."""

from assistant import costs

PRICES = costs.PRICES
PRICES_AS_OF = costs.PRICES_AS_OF
PRICES_NOTE = costs.PRICES_NOTE
estimate = costs.estimate

__all__ = ["PRICES", "PRICES_AS_OF", "PRICES_NOTE", "estimate"]
