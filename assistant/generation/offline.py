"""The offline answer: the best retrieved utterances quoted verbatim and cited.
It never writes a claim of its own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..text import tokenize
from ..types import Answer, AnswerEvent, Citation, Hit, Mode, Turn, Utterance, format_time
from .context import needed_context

OFFLINE_HEADER = (
    "Offline answer: no language model is in use, so here are the passages that best match your question.\n"
)
NOTHING = (
    "Offline answer: I found nothing in the transcripts that matches this question. "
    "Try other words, or check the episode filter."
)


def is_relevant(hit: Hit, question_terms: set[str], dense_floor: float) -> bool:
    """A hit counts when it shares a content word with the question or is semantically close enough."""
    if question_terms and (hit.scores.get("turn", 0.0) > 0 or hit.scores.get("window", 0.0) > 0):
        window = " ".join(u.text for u in (hit.utterance, *hit.context))
        if question_terms & set(tokenize(window)):
            return True
    return hit.scores.get("own", 0.0) >= dense_floor


class ExtractiveGenerator:
    """Quotes up to `max_quotes` relevant utterances, attributed and cited;
    says so when nothing is relevant."""

    mode: Mode = "offline"
    model: str | None = None

    def __init__(self, max_quotes: int = 4, dense_floor: float = 0.5) -> None:
        self.max_quotes = max_quotes
        self.dense_floor = dense_floor

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> Iterator[AnswerEvent]:
        terms = set(tokenize(question))
        chosen = [h for h in hits if is_relevant(h, terms, self.dense_floor)][: self.max_quotes]
        if not chosen:
            yield AnswerEvent(kind="text", text=NOTHING)
            yield AnswerEvent(
                kind="done", answer=Answer(text=NOTHING, citations=(), mode="offline", refused=True)
            )
            return
        text = OFFLINE_HEADER
        citations: list[Citation] = []
        for run in _runs(chosen):
            first, last = run[0][0], run[-1][0]
            numbers = f"#{first.number}" if first.number == last.number else f"#{first.number}–{last.number}"
            text += f"\n{run[0][1]}, {numbers}:\n"
            for u, _ in run:
                line = f"  {_who(u)}{' at ' + format_time(u.start) if u.start is not None else ''}: "
                quote = f"“{u.text}”"
                start = len(text) + len(line)
                text += line + quote + "\n"
                citations.append(Citation(start=start, end=start + len(quote), text=quote, utterances=(u,)))
        text = text.rstrip("\n")
        yield AnswerEvent(kind="text", text=text)
        for citation in citations:
            yield AnswerEvent(kind="citation", citation=citation)
        yield AnswerEvent(kind="done", answer=Answer(text=text, citations=tuple(citations), mode="offline"))


def _runs(chosen: Sequence[Hit]) -> list[list[tuple[Utterance, str]]]:
    """Quoted utterances grouped into runs of consecutive turns, the run holding the best hit first."""
    rank: dict[str, int] = {}
    title: dict[str, str] = {}
    quoted: dict[str, Utterance] = {}
    for position, hit in enumerate(chosen):
        for u in _quoted_utterances(hit):
            quoted.setdefault(u.id, u)
            rank[u.id] = min(rank.get(u.id, position), position)
            title[u.episode_id] = hit.episode_title or u.episode_id
    ordered = sorted(quoted.values(), key=lambda u: (u.episode_id, u.number))
    runs: list[list[Utterance]] = []
    for u in ordered:
        if runs and runs[-1][-1].episode_id == u.episode_id and runs[-1][-1].number + 1 == u.number:
            runs[-1].append(u)
        else:
            runs.append([u])
    runs.sort(key=lambda run: min(rank[u.id] for u in run))
    return [[(u, title[u.episode_id]) for u in run] for run in runs]


def _quoted_utterances(hit: Hit) -> list[Utterance]:
    """A turn with what it needs to be understood, the same neighbours the hosted model is sent."""
    return sorted((hit.utterance, *needed_context(hit)), key=lambda u: u.number)


def _who(u: Utterance) -> str:
    if not u.speaker:
        return "Unattributed speaker"
    return u.speaker + (" (inferred)" if u.speaker_inferred else "")
