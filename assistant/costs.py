"""Estimated cost of hosted calls (an evaluation's, a long summary's).
An estimate only: check cohere.com/pricing."""

from __future__ import annotations

from collections.abc import Mapping

PRICES_AS_OF = "2025-04"
PRICES_NOTE = (
    f"estimate from Cohere's public list prices as noted on {PRICES_AS_OF} (USD; not verified since, "
    "and not what your contract says)"
)
PRICES: Mapping[str, Mapping[str, float]] = {
    # chat: USD per million tokens, billed units
    "command-a-03-2025": {"input_per_million": 2.50, "output_per_million": 10.00},
    "command-r-plus-08-2024": {"input_per_million": 2.50, "output_per_million": 10.00},
    "command-r-08-2024": {"input_per_million": 0.15, "output_per_million": 0.60},
    "command-r7b-12-2024": {"input_per_million": 0.0375, "output_per_million": 0.15},
    # rerank: USD per 1,000 searches (one query with up to 100 documents)
    "rerank-v3.5": {"per_thousand_searches": 2.00},
    # embed: USD per million input tokens
    "embed-v4.0": {"input_per_million": 0.12},
    "embed-english-v3.0": {"input_per_million": 0.10},
    "embed-multilingual-v3.0": {"input_per_million": 0.10},
}


def estimate(usage: Mapping[str, Mapping[str, float]]) -> tuple[float, list[str]]:
    """Cost in USD of `usage` ({model: {input_tokens, output_tokens, search_units}})
    and models with no price."""
    total = 0.0
    unknown: list[str] = []
    for model, counts in usage.items():
        price = PRICES.get(model)
        if price is None:
            if any(counts.values()):
                unknown.append(model)
            continue
        total += counts.get("input_tokens", 0) / 1e6 * price.get("input_per_million", 0.0)
        total += counts.get("output_tokens", 0) / 1e6 * price.get("output_per_million", 0.0)
        total += counts.get("search_units", 0) / 1e3 * price.get("per_thousand_searches", 0.0)
    return total, unknown
