"""The offline answer: what answers, quoted verbatim and cited; it never writes a claim of its own.

The best answering utterance leads. A hit that is a question (the host asking) is quoted through the reply
that follows it, the question shown after it as context. A long utterance is cut to its sentences that match
the question, the cuts marked "…", while its citation still names the whole utterance. Hits well below the
best one are left out rather than quoted as filler. When the calibrated answerability model (see
`answerability.py`) says nothing retrieved answers, or the question asks for a number that no passage
able to answer it states (`answer_type.py`), the answer says so, shows the closest passages as "may not
answer", and cites nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..text import is_question, tokenize
from ..turns import reply_after
from ..types import Answer, AnswerEvent, Citation, Hit, Mode, Turn, Utterance, format_time
from .answer_type import (
    asks_quantity,
    asks_time,
    counted_noun,
    counts_of,
    named_terms,
    states_quantity,
    states_time,
)
from .answerability import TOP, AnswerabilityModel
from .context import MIN_WORDS_ALONE, lead_in, originals_first
from .excerpt import LONG_WORDS, excerpt, sentences

if TYPE_CHECKING:
    from ..retrieval.coverage import WordCounts

OFFLINE_HEADER = (
    "Offline answer: no language model is in use, so here are the passages that best answer your question.\n"
)
NOTHING = (
    "Offline answer: I found nothing in the transcripts that matches this question. "
    "Try other words, or check the episode filter."
)
REFUSAL = (
    "Offline answer: nothing in the searched transcripts seems to answer this question. "
    "Try other words, or check the episode filter."
)
CLOSEST = "Closest passages (they may not answer it):"
NO_NUMBER = "The question asks for a number, and none of the passages that could answer it states one."

RELATIVE_FLOOR = 0.6
"""A hit whose fused score is below this share of the best hit's is not quoted: filler, not evidence."""
CLOSEST_SHOWN = 2


def reply_to(hit: Hit, terms: set[str] | None = None) -> Utterance | None:
    """The turn that answers a hit that asks (from the hit's context): where the answer is; else None. With
    the question's `terms`, None too for a long turn that states what matches before it asks."""
    if terms and _states_what_matches(hit.utterance.text, terms):
        return None
    if terms and _asks_what_matches(hit.utterance.text, terms):
        return reply_after(hit.utterance, hit.context, asking=True)
    return reply_after(hit.utterance, hit.context)


def is_relevant(hit: Hit, question_terms: set[str], dense_floor: float) -> bool:
    """A hit counts when it shares a content word with the question or is semantically close enough."""
    if question_terms and (hit.scores.get("turn", 0.0) > 0 or hit.scores.get("window", 0.0) > 0):
        window = " ".join(u.text for u in (hit.utterance, *hit.context))
        if question_terms & set(tokenize(window)):
            return True
    return hit.scores.get("own", 0.0) >= dense_floor


@dataclass(frozen=True)
class _Quote:
    """What one hit contributes: the utterance that answers, and the turn it replies to, if it needs one."""

    lead: Utterance
    asked: Utterance | None
    title: str
    rank: int


class ExtractiveGenerator:
    """Quotes up to `max_quotes` answering utterances, attributed and cited; refuses when none answers."""

    mode: Mode = "offline"
    model: str | None = None

    def __init__(
        self,
        max_quotes: int = 4,
        dense_floor: float = 0.5,
        answerability: AnswerabilityModel | None = None,
        relative_floor: float = RELATIVE_FLOOR,
    ) -> None:
        self.max_quotes = max_quotes
        self.dense_floor = dense_floor
        self.answerability = answerability
        self.relative_floor = relative_floor

    def quotable(self, question: str, hits: Sequence[Hit]) -> list[Hit]:
        """The hits an offline answer would quote from: those that match the question (`is_relevant`) and
        score near the best of them."""
        terms = set(tokenize(question))
        return self._near_the_best([h for h in hits if is_relevant(h, terms, self.dense_floor)])

    def _near_the_best(self, relevant: Sequence[Hit]) -> list[Hit]:
        if not relevant:
            return []
        floor = self.relative_floor * relevant[0].score
        return [h for h in relevant if h.score >= floor] or list(relevant[:1])

    def stream(
        self,
        question: str,
        hits: Sequence[Hit],
        history: Sequence[Turn],
        words: WordCounts | None = None,
        own_turns: bool = False,
        judged: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """As `Generator.stream`; `words` says how often the searched transcripts use the `judged` words.
        `own_turns`: the hits are the turns asked for (a speaker filter), quoted as they are, not through the
        replies to them. `judged` (default `question`) is what must be answered: a follow-up's own words,
        which `question` extends with the question it leans on ("And about Japan?" after a question about
        Canada that nothing answered asks about Japan)."""
        terms = set(tokenize(question))
        facts = _matching_details(question, terms, hits)
        about_episode = bool(facts)  # "Who is the host?": the episodes' own details answer, not what was said
        hits = facts or [h for h in hits if not h.utterance.is_details]
        relevant = [h for h in hits if is_relevant(h, terms, self.dense_floor)]
        if not relevant:
            yield AnswerEvent(kind="text", text=NOTHING)
            yield AnswerEvent(
                kind="done", answer=Answer(text=NOTHING, citations=(), mode="offline", refused=True)
            )
            return
        unanswered = not about_episode and (  # both read what was said, not the episodes' details
            self.answerability is not None
            and not self.answerability.answerable(judged or question, hits, words)
        )
        counting = _counting(question, relevant, terms)
        no_number = (
            not about_episode
            and not unanswered
            and not counting
            and _no_quantity(question, relevant, self.dense_floor)
        )
        if unanswered or no_number:
            text = _refusal(question, hits, NO_NUMBER if no_number else "")
            yield AnswerEvent(kind="text", text=text)
            yield AnswerEvent(
                kind="done", answer=Answer(text=text, citations=(), mode="offline", refused=True)
            )
            return
        chosen = self._near_the_best(relevant)
        if asks_quantity(question):  # "How many…?": only the turns that state an amount, when some do
            stating = [h for h in chosen if states_quantity(_quoted_text(h, terms))]
            chosen = list(dict.fromkeys(counting + stating)) or chosen
        elif asks_time(question):  # "When…?": the turns that name a time lead; others may say what happened
            dated = [h for h in chosen if states_time(_quoted_text(h, terms))]
            chosen = dated + [h for h in chosen if h not in dated]
        lead = _missing_facts(question, chosen) if about_episode else ""
        text, citations = _compose(question, _quotes(chosen, self.max_quotes, terms, own_turns), lead)
        yield AnswerEvent(kind="text", text=text)
        for citation in citations:
            yield AnswerEvent(kind="citation", citation=citation)
        yield AnswerEvent(kind="done", answer=Answer(text=text, citations=tuple(citations), mode="offline"))


_EPISODE_FACTS = re.compile(
    r"\b(host|hosts|hosted|guest|guests|title|titled|aired|published|recorded|duration|length|link|url)\b"
    r"|\b(which|what) (episodes?|show|podcast)\b|\bname of the (show|podcast|episode)\b|\bhow long is\b",
    re.IGNORECASE,
)


def _matching_details(question: str, terms: set[str], hits: Sequence[Hit]) -> list[Hit]:
    """The details records that answer a question about episode facts; none when it asks about what was said
    (then the details are left out of the answer). A name in the question keeps the records that hold it."""
    details = [h for h in hits if h.utterance.is_details]
    if not details or not asks_about_episode(question):
        return []
    asked = {t for m in _EPISODE_FACTS.finditer(question) for t in tokenize(m.group(0))}
    named = terms - asked - _THE_RECORD
    return [h for h in details if named & set(tokenize(h.utterance.text))] if named else details


_THE_RECORD = frozenset(tokenize("episode episodes show podcast"))
"""Words that name the record itself ("the Cohere episode"): every details record holds them."""

_FACT_FIELDS = (
    (re.compile(r"\b(aired|published|recorded|released|date)\b", re.IGNORECASE), "Date:", "date"),
    (re.compile(r"\b(duration|length|how long is)\b", re.IGNORECASE), "Duration:", "length"),
    (re.compile(r"\b(link|url)\b", re.IGNORECASE), "Source:", "link"),
    (re.compile(r"\b(host|hosts|hosted)\b", re.IGNORECASE), "Host of the show:", "host"),
    (re.compile(r"\b(guest|guests)\b", re.IGNORECASE), "Guest", "guests"),
)
"""A fact a question asks for, the label the details record gives it (`ingest.details`), and its name."""


def _asked_labels(question: str) -> str:
    """The question with the labels of the facts it asks for ("link" asks for "Source:"), so a details
    record is cut to the sentences that give them."""
    return " ".join([question, *(label for pattern, label, _ in _FACT_FIELDS if pattern.search(question))])


def _missing_facts(question: str, facts: Sequence[Hit]) -> str:
    """A line saying which asked facts none of the quoted details records gives ("The episode details do not
    give its date."): quoting the title and link alone would look like an answer. "" when none is missing."""
    missing = [
        name
        for pattern, label, name in _FACT_FIELDS
        if pattern.search(question) and not any(label in h.utterance.text for h in facts)
    ]
    if not missing:
        return ""
    return f"The episode details do not give its {' or '.join(missing)}.\n"


def asks_about_episode(question: str) -> bool:
    """Whether the question is about an episode's facts (who hosts it, who the guest is, its title, date,
    length or link), which its details record answers."""
    return bool(_EPISODE_FACTS.search(question))


CARRIED_QUOTES = 2
"""Later turns of the best answer, when it replies to a question, quoted beside it (`Hit.carried_on`, those
using a question word the quotes do not yet hold): "Why focus on enterprise?" is answered at #288 ("I never
liked the vibes of the whole AGI…") and, six sentences on, at #294 ("enterprise maybe has a wrap of being
boring, but I think it's way more important")."""

_CONTINUES = re.compile(r"(?:and so|and then|so)\b", re.IGNORECASE)
"""How a turn opens when it carries on the same speaker's account ("And so eventually I reached out…")."""


SPELLED_OUT_TURNS = 2
"""At most this many turns spell out a short reply (`_spelled_out`)."""


def _spelled_out(reply: Utterance, later: Sequence[Utterance], seen: set[str]) -> list[Utterance]:
    """A short reply ("Yeah, totally.") says what it means in the turns that carry it on (`later`, from
    `Hit.carried_on`: "That was it. It was a group of people who were researchers with full academic
    freedom…"): those up to the first that stands alone, none in `seen`."""
    if len(reply.text.split()) >= MIN_WORDS_ALONE:
        return []
    out: list[Utterance] = []
    for turn in later[:SPELLED_OUT_TURNS]:
        if turn.id in seen:
            break
        out.append(turn)
        if len(turn.text.split()) >= MIN_WORDS_ALONE:
            break
    return out


def _quotes(
    hits: Sequence[Hit], limit: int, terms: set[str] | None = None, own_turns: bool = False
) -> list[_Quote]:
    """One quote per hit, best first: a question hit quotes the reply after it, and a turn the same speaker
    carries on ("And so…") brings that turn along (`limit` may be passed by one), as a short reply brings the
    turns that spell it out (`_spelled_out`, not in `limit`); the best answer, a reply,
    also brings up to `CARRIED_QUOTES` of its later turns that use a question word not yet quoted (`terms`;
    not in `limit`: with them it is still one answer). Nothing is quoted twice, not even a line the episode's
    cold open replays from a longer turn also found (that turn is quoted)."""
    quotes: list[_Quote] = []
    seen: set[str] = set()
    terms = terms or set()
    carried: list[Utterance] = []
    spelling = 0
    for rank, hit in enumerate(originals_first(hits)):
        u = hit.utterance
        after = next((c for c in hit.context if c.number == u.number + 1 and c.text.strip()), None)
        lead: Utterance
        asked: Utterance | None
        reply = None if own_turns else reply_to(hit, terms)
        if reply is not None:
            lead, asked = reply, u
        else:
            lead, asked = u, lead_in(u, hit.context)
        if lead.id in seen:
            continue
        seen.add(lead.id)
        quotes.append(_Quote(lead, asked, hit.episode_title or u.episode_id, rank))
        if reply is not None:
            spelled = _spelled_out(reply, hit.carried_on, seen)
            seen.update(c.id for c in spelled)
            spelling += len(spelled)
            quotes += [_Quote(c, None, hit.episode_title or u.episode_id, rank) for c in spelled]
        follow = after if lead is u else None
        if (
            follow is not None
            and follow.id not in seen
            and follow.speaker == u.speaker
            and _CONTINUES.match(follow.text.strip())
            and not is_question(follow.text)
        ):
            seen.add(follow.id)
            quotes.append(_Quote(follow, None, hit.episode_title or u.episode_id, rank))
        if quotes[0].lead is lead and reply is not None:  # the best answer, carried on: still one answer
            unmet = terms - set(tokenize(" ".join(q.lead.text for q in quotes)))
            for c in hit.carried_on:
                said = unmet & set(tokenize(c.text))
                if said and c.id not in seen and len(carried) < CARRIED_QUOTES:
                    carried.append(c)
                    unmet -= said
            seen.update(c.id for c in carried)
            quotes += [_Quote(c, None, hit.episode_title or u.episode_id, rank) for c in carried]
        if len(quotes) - len(carried) - spelling >= limit:
            break
    leads = {q.lead.id for q in quotes}
    return [
        q if q.asked is None or q.asked.id not in leads else _Quote(q.lead, None, q.title, q.rank)
        for q in quotes
    ]


def _compose(question: str, quotes: Sequence[_Quote], lead: str = "") -> tuple[str, list[Citation]]:
    """The answer text: `lead`, then runs of consecutive quoted turns, the best run first; context lines
    after each run."""
    text = OFFLINE_HEADER + lead
    citations: list[Citation] = []

    def add(prefix: str, u: Utterance, quoted: str) -> None:
        nonlocal text
        quote = f"“{quoted}”"
        start = len(text) + len(prefix)
        text += prefix + quote + "\n"
        citations.append(Citation(start=start, end=start + len(quote), text=quote, utterances=(u,)))

    context_shown: set[str] = set()
    unlabelled_noted: set[str] = set()
    for run in _runs(quotes):
        first, last = run[0].lead, run[-1].lead
        numbers = f"#{first.number}" if first.number == last.number else f"#{first.number}–{last.number}"
        where = "episode details" if first.is_details else numbers
        note = ""
        if first.episode_id not in unlabelled_noted and any(_unlabelled(q.lead) for q in run):
            unlabelled_noted.add(first.episode_id)
            note = " (speakers are not labelled in this transcript)"
        text += f"\n{run[0].title}, {where}{note}:\n"
        for q in run:
            quoted = (
                excerpt(q.lead.text, _asked_labels(question), 0)
                if q.lead.is_details
                else excerpt(q.lead.text, question, LONG_WORDS)
            )
            add(_prefix(q.lead, quoted), q.lead, quoted)
        for q in run:
            if q.asked is None or q.asked.id in context_shown:
                continue
            context_shown.add(q.asked.id)
            who = f" ({q.asked.who()})" if q.asked.who() else ""
            label = "in reply to" if _replies(q.lead, q.asked) else "after"
            add(f"  {label} #{q.asked.number}{who}: ", q.asked, excerpt(q.asked.text, question))
    return text.rstrip("\n"), citations


def _runs(quotes: Sequence[_Quote]) -> list[list[_Quote]]:
    """Quotes grouped into runs of consecutive turns of one episode, ordered by their best quote's rank."""
    ordered = sorted(quotes, key=lambda q: (q.lead.episode_id, q.lead.number))
    runs: list[list[_Quote]] = []
    for q in ordered:
        previous = runs[-1][-1].lead if runs else None
        if previous and previous.episode_id == q.lead.episode_id and previous.number + 1 == q.lead.number:
            runs[-1].append(q)
        else:
            runs.append([q])
    runs.sort(key=lambda run: min(q.rank for q in run))
    return runs


def _quoted_text(hit: Hit, terms: set[str]) -> str:
    """What the answer would quote for a hit (`_quotes`): the reply to it, else the hit, with the turn before
    a turn too short to stand alone ("But you're not." after "…like seventeen times…")."""
    reply = reply_to(hit, terms)
    if reply is not None:
        return reply.text
    before = lead_in(hit.utterance, hit.context)
    return f"{before.text} {hit.utterance.text}" if before else hit.utterance.text


def _counting(question: str, hits: Sequence[Hit], terms: set[str]) -> list[Hit]:
    """For "How many people…?", the hits that put a number on people ("a 500-person company"), at any rank:
    the answer's type, named, is a surer sign than a score that a passage answers."""
    noun = counted_noun(question)
    if noun is None:
        return []
    return [h for h in hits if counts_of((reply_to(h, terms) or h.utterance).text, noun)]


def _no_quantity(question: str, hits: Sequence[Hit], dense_floor: float) -> bool:
    """The question asks for a number and no passage that could answer it states one: the best hit, or
    another of the top hits that is about what the question names."""
    if not asks_quantity(question):
        return False
    named = named_terms(question)
    return not any(_states_amount(h, rank, named, dense_floor) for rank, h in enumerate(hits[:TOP]))


def _states_amount(hit: Hit, rank: int, named: set[str], dense_floor: float) -> bool:
    """The hit (with its context) states an amount and could answer: the best hit, or about what is named."""
    return (rank == 0 or is_relevant(hit, named, dense_floor)) and states_quantity(
        " ".join(u.text for u in (hit.utterance, *hit.context))
    )


def _states_what_matches(text: str, terms: set[str]) -> bool:
    """A long turn that ends by asking may answer before it does: its sentences that share most words with
    the question are statements ("We aim for a profit of fifty million euros. … Any first ideas?"). A short
    one is a question with its setting ("People complained about the noise. Was that avoidable?")."""
    parts = sentences(text)
    if len(text.split()) <= LONG_WORDS or len(parts) < 2 or not terms:
        return False
    overlap = [len(terms & set(tokenize(p))) for p in parts]
    best = max(overlap)
    return best > 0 and not any(is_question(p) for p, o in zip(parts, overlap, strict=True) if o == best)


def _asks_what_matches(text: str, terms: set[str]) -> bool:
    """A turn that asks about what matches and then says something else ("What about the steel? I read that
    it came from a mill in Finland."): its sentences that share most words with the question all ask, and
    are built as questions."""
    parts = sentences(text)
    if len(parts) < 2 or not terms or is_question(text):
        return False
    overlap = [len(terms & set(tokenize(p))) for p in parts]
    best = max(overlap)
    return best > 0 and all(
        is_question(p) and _OPENS_ASKING.match(p) for p, o in zip(parts, overlap, strict=True) if o == best
    )


_OPENS_ASKING = re.compile(
    r"^\W*(?:(?:so|and|but|okay|ok|now|well)\b,?\s+)*"
    r"(?:what|why|how|who|whom|whose|when|where|which|is|are|was|were|do|does|did|can|could|would|will|should"
    r"|have|has)\b",
    re.IGNORECASE,
)
"""A sentence that is built as a question, not a statement with a tag ("…booked months ago, don't you
understand?"), which in dialogue asks nothing the next turn answers."""


def _refusal(question: str, hits: Sequence[Hit], why: str = "") -> str:
    """The plain refusal (and why, when a check other than the scores decided), then the closest passages,
    quoted without citation: they are not an answer."""
    lines = [REFUSAL, *([why] if why else []), "", CLOSEST]
    for hit in hits[:CLOSEST_SHOWN]:
        u = hit.utterance
        lines.append(f"  {hit.episode_title or u.episode_id}, {u.label()}: “{excerpt(u.text, question)}”")
    return "\n".join(lines)


def _replies(lead: Utterance, before: Utterance) -> bool:
    """Whether `lead` answers the turn shown before it: that turn asks, or someone else said it. A short turn
    shown with the one before it may just carry on ("Synthetic data is incredibly effective." after the
    guest's own "it just got decisively proven wrong")."""
    other = bool(lead.speaker and before.speaker and lead.speaker != before.speaker)
    return other or is_question(before.text)


def _unlabelled(u: Utterance) -> bool:
    return not u.is_details and not u.speaker


def _prefix(u: Utterance, quoted: str) -> str:
    """`  Matt Turck at 3:04: `, the time the quoted words are said (`Utterance.time_of`); a transcript
    without speaker labels shows no speaker on every line."""
    parts = [u.who()] if u.who() and not u.is_details else []
    at = u.time_of(quoted)
    if at is not None:
        parts.append(f"at {format_time(at)}")
    return f"  {' '.join(parts)}: " if parts else "  "
