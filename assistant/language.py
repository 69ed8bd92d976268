"""Questions and transcripts plainly not written in English, where search reads English only.

MiniLM, the local default, reads English: a question in Spanish about an English transcript then matches the
names it shares with the talk and nothing else (seed questions in Spanish, French and German: hit@5 0.35-0.42
against 0.85 in English), and a Spanish transcript is found by its words, never by what they mean. Saying so,
with the commands that switch to a multilingual model, beats listing the Spanish words the transcripts never
use. The language is told by py3langid (langid.py's naive Bayes over byte n-grams, 142 languages), loaded
(half a second) only when a cheap sign points away from English: a question at least half of whose words
the searched transcripts never use, or a transcript whose words are seldom English function words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from .retrieval.coverage import WordCounts
from .text import english_stopwords
from .types import Episode, search_model_words

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


def _not_english(text: str) -> str | None:
    ranked = dict(_identifier().rank(text))
    if ranked.get("en", 0.0) > ENGLISH_AT_MOST:
        return None
    code: str = max(ranked, key=ranked.__getitem__)
    return code


def question_language(question: str, words: WordCounts) -> str | None:
    """The language code of a question that is plainly not English ("es"), else None. Asked only when at
    least half of its words are ones the searched transcripts never use ("que" counts, though English lists
    it among its common words)."""
    unused = [w for w in words.absent if w not in words.details]
    if not words.scope or 2 * len(unused) < len(words.scope):
        return None
    return _not_english(question)


SAMPLE_WORDS = 2000
FEWEST_WORDS = 50
"""Too few words to tell a language by: a transcript of "Hello." and "Bye." is not judged."""
FUNCTION_WORDS_AT_MOST = 0.1
"""A transcript is put to the identifier only when at most this share of its first `SAMPLE_WORDS` words are
English function words (Lucene's 33: "the", "and", "of"…): at least 0.21 are in each of the 212 English
transcripts here (the seed podcast, QMSum, FriendsQA, the samples), 0.02-0.03 in the seed questions' Spanish,
French and German translations."""

_WORD = re.compile(r"(?:[^\W_]|')+")


def transcript_language(texts: Sequence[str]) -> str | None:
    """The language code of a transcript (its utterances' texts) that is plainly not English, else None."""
    sample: list[str] = []
    for text in texts:
        sample += _WORD.findall(text)
        if len(sample) >= SAMPLE_WORDS:
            break
    sample = sample[:SAMPLE_WORDS]
    if len(sample) < FEWEST_WORDS:
        return None
    function = english_stopwords()
    if sum(w.lower() in function for w in sample) > FUNCTION_WORDS_AT_MOST * len(sample):
        return None
    return _not_english(" ".join(sample))


def language_name(code: str) -> str | None:
    """`es` -> `Spanish`, for the languages the stop-words package names; None for the others."""
    from stop_words import LANGUAGE_MAPPING

    name = LANGUAGE_MAPPING.get(code)
    return name.capitalize() if name else None


def _reads(embedder: str) -> str:
    if embedder.startswith("hashing"):
        return "search here matches words, not meaning (keyword hashing, no model)"
    return f"the search model, {search_model_words(embedder)}, reads English only"


def _switch(multilingual: str) -> str:
    return (
        f"`assistant models fetch {multilingual}`, then "
        f"`ASSISTANT_LOCAL_MODEL={multilingual} assistant reindex --embedder local`"
    )


def question_notice(code: str, embedder: str, multilingual: str) -> str:
    """What to tell someone asking in another language of a store searched by `embedder` (its id)."""
    name = language_name(code)
    asked = f"This question looks {name}" if name else "This question does not look English"
    return (
        f"{asked}, and {_reads(embedder)}: only the names and words the question shares with the transcripts "
        f"are found. Ask in English, or search with a multilingual model: {_switch(multilingual)}."
    )


def _look(episodes: Sequence[Episode]) -> str:
    """“Title” looks Spanish; 3 episodes look German or Spanish; … do not look English (unnamed ones)."""
    one = len(episodes) == 1
    subject = f"“{episodes[0].title}”" if one else f"{len(episodes)} episodes"
    codes = {e.language for e in episodes if e.language}
    names = sorted(name for name in map(language_name, codes) if name)
    if not names:
        return f"{subject} {'does' if one else 'do'} not look English"
    if len(codes) > len(names):
        names.append("another language")
    return f"{subject} {'looks' if one else 'look'} {' or '.join(names)}"


def transcript_notice(episodes: Sequence[Episode], embedder: str, multilingual: str) -> str:
    """What to tell someone whose transcripts (`Episode.language` set) are in a language the search model,
    `embedder`, does not read: at ingest, of the episode added; in the status, of all of them."""
    its, it = ("its", "it") if len(episodes) == 1 else ("their", "them")
    return (
        f"{_look(episodes)}, and {_reads(embedder)}: questions will find {its} passages by the words they "
        f"share, not by what they mean. To search {it} by meaning, use a multilingual model: "
        f"{_switch(multilingual)}."
    )
