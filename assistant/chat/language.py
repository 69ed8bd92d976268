"""A question plainly not written in English, asked of a search model that reads English only.

MiniLM, the local default, reads English: a question in Spanish about an English transcript then matches the
names it shares with the talk and nothing else (seed questions in Spanish, French and German: hit@5 0.35-0.42
against 0.81 in English). Saying so, with the command that switches to a multilingual model, beats listing
the Spanish words the transcripts never use. The language is told by py3langid (langid.py's naive Bayes
over byte n-grams, 142 languages), loaded only for a question at least half of whose words the transcripts
never use, so a question in English about what the transcripts hold does not pay its half a second.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ..retrieval.coverage import WordCounts
from ..types import search_model_words

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

ENGLISH_AT_MOST = 0.01
"""A question counts as not English when the identifier gives English at most this probability: every one of
the 78 Spanish, French and German seed questions scores below it, and none of 2,829 English ones (the seed
questions and follow-ups, the project suite, friendsqa/dev, qmsum train and val) does; at 0.2 ten FriendsQA
questions would. Its single likeliest language will not do: for three English questions it is Nigerian
Pidgin ("how do joey and lydia first meet ?")."""


@cache
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def foreign_language(question: str, words: WordCounts) -> str | None:
    """The language code of a question that is plainly not English ("es"), else None. Asked only when at
    least half of its words are ones the searched transcripts never use ("que" counts, though English lists
    it among its common words)."""
    unused = [w for w in words.absent if w not in words.details]
    if not words.scope or 2 * len(unused) < len(words.scope):
        return None
    ranked = dict(_identifier().rank(question))
    if ranked.get("en", 0.0) > ENGLISH_AT_MOST:
        return None
    code: str = max(ranked, key=ranked.__getitem__)
    return code


def language_name(code: str) -> str | None:
    """`es` -> `Spanish`, for the languages the stop-words package names; None for the others."""
    from stop_words import LANGUAGE_MAPPING

    name = LANGUAGE_MAPPING.get(code)
    return name.capitalize() if name else None


def english_only_notice(code: str, embedder: str, multilingual: str) -> str:
    """What to tell someone asking in another language of a store searched by `embedder` (its id), which
    reads English only or, the hashing fallback, words without their meaning."""
    name = language_name(code)
    asked = f"This question looks {name}" if name else "This question does not look English"
    if embedder.startswith("hashing"):
        reads = "search here matches words, not meaning (keyword hashing, no model)"
    else:
        reads = f"the search model, {search_model_words(embedder)}, reads English only"
    return (
        f"{asked}, and {reads}: only the names and words the question shares with the transcripts are found. "
        f"Ask in English, or search with a multilingual model: `assistant models fetch {multilingual}`, then "
        f"`ASSISTANT_LOCAL_MODEL={multilingual} assistant reindex --embedder local`."
    )
