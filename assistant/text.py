"""Words of text as search and name matching read them: BM25 tokens, and folded words of names and questions.

Low in the layers (standard library and the stemmer/stop-word lists only), so the keyword index, retrieval
and the offline generator share one tokeniser and one name folding.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import re
import sys
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from types import ModuleType
from typing import Any

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W\d_]+)?")
_COMPOUND = re.compile(r"(?<![^\W_])(?<!')[^\W_]+(?:-[^\W_]+)+")
_CONTRACTION = re.compile(r"'(s|re|ve|ll|d|m|t)$")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")


class _NoSciPyHere(importlib.abc.MetaPathFinder):
    """Refuses SciPy to one thread only, so another thread importing it at the same moment is not affected."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and fullname.partition(".")[0] == "scipy":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def bm25s() -> ModuleType:
    """The bm25s library, imported without SciPy when SciPy is not loaded yet.

    bm25s imports SciPy eagerly, but only for one of its two ways of building an index; `LexicalIndex`
    always builds with the other (numpy, same scores). Loading SciPy took a fifth of a CLI question's wait.
    """
    if "bm25s" not in sys.modules and "scipy" not in sys.modules:
        finder = _NoSciPyHere()
        sys.meta_path.insert(0, finder)
        try:
            return importlib.import_module("bm25s")
        finally:
            sys.meta_path.remove(finder)
    return importlib.import_module("bm25s")


@lru_cache(maxsize=16)
def outline_words(language: str | None = None) -> tuple[frozenset[str], str]:
    """The stop words and Snowball stemmer to read a transcript's topics with: English (bm25s's longer list)
    unless `language` (`Episode.language`) is one the `stop-words` package lists; its own stemmer where
    PyStemmer has one, else none ("")."""
    if language:
        import Stemmer
        from stop_words import LANGUAGE_MAPPING, safe_get_stop_words

        words = safe_get_stop_words(language)
        if words:
            name = LANGUAGE_MAPPING.get(language, "")
            return frozenset(words), name if name in Stemmer.algorithms() else ""
    return english_stopwords(plus=True), "english"


def word_stemmer(name: str) -> Callable[[list[str]], list[str]]:
    """The named Snowball stemmer's `stemWords` ("": words as they are), a fresh one per caller: PyStemmer's
    stemmers are not safe to share between threads."""
    if not name:
        return list
    import Stemmer

    stemmer: Callable[[list[str]], list[str]] = Stemmer.Stemmer(name).stemWords
    return stemmer


def english_stopwords(plus: bool = False) -> frozenset[str]:
    """bm25s's English stop words; `plus` is its longer list (for naming and segmenting, not search)."""
    words = bm25s().stopwords
    return frozenset(words.STOPWORDS_EN_PLUS if plus else words.STOPWORDS_EN)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The `stop-words` package's long English list (1,333 words: "rather", "perhaps", "year"): words that
    never say what a question is about, so a notice about missing words does not name them."""
    from stop_words import get_stop_words

    return frozenset(get_stop_words("en"))


@lru_cache(maxsize=1)
def stemmer() -> Any:
    """The English Snowball stemmer (PyStemmer), loaded once."""
    import Stemmer

    return Stemmer.Stemmer("english")


SPEECH_FILLERS = frozenset(
    {
        "gon",
        "na",
        "uh",
        "um",
        "yeah",
        "oh",
        "okay",
        "ok",
        "like",
        "just",
        "really",
        "actually",
        "know",
        "mean",
    }
)
"""Words of speech that say nothing about what a passage is about ("uh", "yeah", "you know")."""


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stop words, plus speech fillers, question words and opinion frames that never say what a
    passage is about."""
    speech = SPEECH_FILLERS
    questions = {
        "what",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "why",
        "how",
        "which",
        "does",
        "did",
        "do",
        "say",
        "said",
        "says",
        "tell",
        "told",
        "talk",
        "talked",
        "mention",
        "mentioned",
        "think",
        "thought",
    }
    # How a question asks for someone's opinion ("What is his view on X?"): the frame, never the subject;
    # "viewing synthetic data" is no answer to a view on AI risk.
    opinions = {
        "view",
        "views",
        "opinion",
        "opinions",
        "perspective",
        "stance",
    }
    # How a question points at talk ("Summarize the discussion about X", "What did she say when discussing
    # X?"): the frame, as "talk" and "mention" are; a meeting's "let's discuss" says nothing of X.
    # ("Summarize" stays a word: the refusal model reads it among those the transcripts never use.)
    discussion = {
        "discuss",
        "discusses",
        "discussed",
        "discussing",
        "discussion",
        "discussions",
    }
    return english_stopwords() | speech | questions | opinions | discussion


@lru_cache(maxsize=1)
def tokenizer_id() -> str:
    """Changes whenever tokenisation would, so a saved index built differently is never reused."""
    return (
        "snowball-en-joined-folded-lemma-us-v5:"
        + hashlib.sha256(" ".join(sorted(stopwords())).encode()).hexdigest()[:8]
    )


def tokenize(text: str) -> list[str]:
    """Lower-case words without accents ("Tomás" and "Tomas" are one word, "Łukasz" stays whole: `fold`),
    contractions folded ("we're" -> "we"), stop words dropped, Snowball-stemmed.

    A hyphenated word counts as its parts and as one word ("re-ranker": "re", "ranker" and "reranker"), as
    Lucene's word-delimiter filter does: transcripts spell compounds either way."""
    stop = stopwords()
    words = []
    lowered = text.lower() if text.isascii() else fold(text)
    for raw in _TOKEN.findall(lowered):
        word = _CONTRACTION.sub("", raw)
        if word and word not in stop and len(word) > 1:
            words.append(word)
    if "-" in lowered:
        for compound in _COMPOUND.findall(lowered):
            *heads, last = compound.split("-")
            joined = compound.replace("-", "")
            if joined.isdigit() or joined in stop or any(last.startswith(h) for h in heads):
                continue  # "2-3" is a range, "w-w-what" and "I-I-I" a stutter, not a word
            words.append(joined)
    return list(stemmer().stemWords([lemma(american(w)) for w in words])) if words else []


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The American spelling of a British one ("colour" -> "color", "programme" -> "program", "analyse" ->
    "analyze"; breame's table): a question and a transcript spell the same word either way."""
    from breame.spelling import BRITISH_ENGLISH_SPELLINGS

    return str(BRITISH_ENGLISH_SPELLINGS.get(word, word))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of an irregular inflection with only one reading ("written", "wrote" -> "write",
    "children" -> "child"), which a stemmer cannot reach ("writing" stems to "write", "written" stays);
    the word itself when it has none or several ("left", "saw", "better"), or when
    the dictionary form is a stop word ("were" is a word the stop list leaves to IDF, "be" one it drops).
    Read from lemminflect's tables through `lemma_table`, which keeps them ready between processes."""
    from .lemma_table import lemma_table, readings

    if word == word.lower():
        form = lemma_table().only_reading.get(word, word)
    else:  # lemminflect answers in the word's own capitals
        found = readings(word)
        form = found.pop() if len(found) == 1 else word
    return word if form in stopwords() else form


@lru_cache(maxsize=4096)
def is_english_word(word: str) -> bool:
    """Whether lemminflect's English tables know the (lower-case) word: "project" yes, "nadia" no."""
    from .lemma_table import lemma_table

    return word.lower() in lemma_table().known


def fold(text: str) -> str:
    """Accents dropped, case folded, curly apostrophes straightened: "Zoë’s" and "zoe's" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("’", "'")


def question_words(question: str) -> list[tuple[str, str, bool]]:
    """(folded word without possessive, word as written, whether it opens a sentence) for each word."""
    out = []
    for match in _WORD.finditer(question):
        original = _POSSESSIVE.sub("", match.group(0))
        before = question[: match.start()].rstrip()
        opens = not before or before[-1] in '.!?:;"“(['
        out.append((fold(original), original, opens))
    return out


def name_tokens(name: str) -> list[str]:
    """The folded words of a speaker name, as `question_words` folds the words of a question."""
    return [fold(m.group(0)) for m in _WORD.finditer(name)]


_ASKING = re.compile(
    r"^(?:(?:so|and|but|okay|ok|now|well|yeah|right)\b[,]?\s+)*"
    r"(?:why\b|(?:what|how|who|when|where|which)\s+(?:is|was|are|were|do|does|did|would|should|can|could|will"
    r"|has|have|had|'s|much|many|long|kind|made|makes|happened|happens)\b"
    r"|(?:do|does|did|is|are|was|were|can|could|would|will|have|has|should)\s+"
    r"(?:you|there|it|that|this|they|we|he|she|your)\b)",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """A turn that asks: it ends with "?" or opens the way questions do ("So why…", "Was there…")."""
    stripped = text.strip()
    return stripped.endswith("?") or bool(_ASKING.match(stripped))


def shortened(text: str, chars: int) -> str:
    """`text` on one line, cut at a word before `chars` characters with "…": a quote that fits a list line."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rsplit(" ", 1)[0] + "…"


def even_runs(words: list[str], count: int) -> list[str]:
    """`words` as `count` runs of near-equal length, joined by spaces (a run-on sentence cut where no
    punctuation says where)."""
    edges = [round(len(words) * i / count) for i in range(count + 1)]
    return [" ".join(words[a:b]) for a, b in zip(edges, edges[1:], strict=False) if b > a]
