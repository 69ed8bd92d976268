"""What the model sees: retrieved utterances as citable documents, packed into a token budget.

A hit is sent with the neighbours it needs to be understood (a short reply with the turn it answers, a
question with the reply that follows), not with every neighbour: a full turn stands on its own, and on QMSum
the same budget then holds more distinct evidence (see bench/README.md). Each utterance's text is sent once:
as its own document when it is a hit, otherwise beside the first hit that needs it. Every hit keeps a document
of its own for citations to point at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..tokens import count_tokens
from ..turns import replays, reply_after
from ..types import Hit, Utterance, format_time

MIN_WORDS_ALONE = 6
"""A turn shorter than this ("Totally.", "Yes, in March.") is sent and quoted with the turn before it."""


def lead_in(u: Utterance, turns: Iterable[Utterance]) -> Utterance | None:
    """The turn before `u` among `turns` when `u` is too short to stand alone ("Totally.", "yes, yes, it
    is."): shown and sent with it; None for a turn that stands alone."""
    if len(u.text.split()) >= MIN_WORDS_ALONE:
        return None
    return next((t for t in turns if t.number == u.number - 1 and t.text.strip()), None)


def needed_context(hit: Hit) -> tuple[Utterance, ...]:
    """The neighbours a hit needs to be understood: a short reply's preceding turn, a question's reply (with
    the questions asked before it, when the interviewer asked in a run)."""
    u = hit.utterance
    before = lead_in(u, hit.context)
    needed = [before] if before is not None else []
    reply = reply_after(u, hit.context)
    if reply is not None:
        needed += [c for c in hit.context if u.number < c.number <= reply.number and c.text.strip()]
    return tuple(needed)


def originals_first(hits: Sequence[Hit]) -> list[Hit]:
    """The hits in order, where a hit that only replays a longer turn found by another hit (a podcast's cold
    open) gives its place to that hit: the original stands in the replay's rank, the replay not at all. For a
    question hit, what counts is its reply."""
    said = [(h, u) for h in hits for u in (h.utterance, reply_after(h.utterance, h.context)) if u is not None]
    out: list[Hit] = []
    for hit in hits:
        lead = reply_after(hit.utterance, hit.context) or hit.utterance
        chosen = next((other for other, u in said if other is not hit and replays(lead, u)), hit)
        if all(chosen is not kept for kept in out):
            out.append(chosen)
    return out


def with_replies(hits: Sequence[Hit]) -> list[Hit]:
    """The hits in order, each that asks followed by its reply and the turns that carry the reply on
    (`Hit.carried_on`), each as a hit of its own unless already one (after the reply when the reply is a hit):
    the model then reads the whole answer and cites the turns that give it, not the question they would be
    sent beside. They keep the question's score. Every function here that sends or counts documents sends
    these too."""
    found = {h.utterance.id for h in hits}
    own = set(found)
    follow: dict[str, list[Hit]] = {}
    for hit in hits:
        reply = reply_after(hit.utterance, hit.context)
        if reply is None:
            continue
        after = follow.setdefault(reply.id if reply.id in found else hit.utterance.id, [])
        for turn in (reply, *hit.carried_on):
            if turn.id not in own:
                own.add(turn.id)
                after.append(replace(hit, utterance=turn, scores={}, carried_on=()))
    return [sent for hit in hits for sent in (hit, *follow.pop(hit.utterance.id, []))]


def _document(hit: Hit, context: Sequence[Utterance]) -> dict[str, object]:
    """One Cohere document per utterance; the id is our utterance id, so citations map straight back."""
    u = hit.utterance
    if u.is_details:  # the episode's own facts (show, host, guests, date, link), not something said
        return {
            "id": u.id,
            "data": {"episode": hit.episode_title or u.episode_id, "kind": "episode details", "text": u.text},
        }
    data: dict[str, str] = {"episode": hit.episode_title or u.episode_id, "utterance": str(u.number)}
    if u.speaker:
        data["speaker"] = u.speaker + (" (inferred)" if u.speaker_inferred else "")
    if u.start is not None:
        data["time"] = format_time(u.start)
    before = [c for c in context if c.number < u.number]
    after = [c for c in context if c.number > u.number]
    if before:
        data["context_before"] = " ".join(_line(c) for c in before)
    if after:
        data["context_after"] = " ".join(_line(c) for c in after)
    data["text"] = u.text
    return {"id": u.id, "data": data}


def documents_for(hits: Sequence[Hit]) -> list[dict[str, object]]:
    """The documents for `hits`, in order, with no utterance's text sent twice."""
    return [_document(hit, context) for hit, context in _shared_once(hits)]


def _shared_once(hits: Sequence[Hit]) -> list[tuple[Hit, tuple[Utterance, ...]]]:
    """Each hit sent (`with_replies`) with the neighbours it sends: those it needs that are not hits
    themselves nor sent already."""
    hits = with_replies(hits)
    own = {h.utterance.id for h in hits}
    sent: set[str] = set()
    out = []
    for hit in hits:
        context = tuple(c for c in needed_context(hit) if c.id not in own and c.id not in sent)
        sent.update(c.id for c in context)
        out.append((hit, context))
    return out


def sent_ids(hits: Sequence[Hit]) -> set[str]:
    """Ids of every utterance whose text `documents_for(hits)` sends:
    the hits and the neighbours they need."""
    return {u.id for hit, context in _shared_once(hits) for u in (hit.utterance, *context)}


def _line(u: Utterance) -> str:
    return f"{u.speaker}: {u.text}" if u.speaker else u.text


def _tokens(doc: dict[str, object]) -> int:
    data = doc["data"]
    assert isinstance(data, dict)
    return count_tokens(" ".join(f"{k}: {v}" for k, v in data.items())) + 4


def documents_tokens(hits: Sequence[Hit]) -> int:
    """The tokens of `documents_for(hits)`: what the model is sent for these hits together."""
    return _documents_tokens(hits, {})


def _documents_tokens(hits: Sequence[Hit], memo: dict[tuple[str, ...], int]) -> int:
    """`documents_tokens`, remembering each document's count (packing asks again for the same documents)."""
    total = 0
    for hit, context in _shared_once(hits):
        key = (hit.utterance.id, *(c.id for c in context))
        if key not in memo:
            memo[key] = _tokens(_document(hit, context))
        total += memo[key]
    return total


def _at_most_tokens(hits: Sequence[Hit]) -> int:
    """An upper bound of `documents_tokens(hits)`: a token covers at least one byte of UTF-8."""
    total = 0
    for hit, context in _shared_once(hits):
        data = _document(hit, context)["data"]
        assert isinstance(data, dict)
        total += len(" ".join(f"{k}: {v}" for k, v in data.items()).encode()) + 4
    return total


def pack(hits: Sequence[Hit], budget_tokens: int) -> list[Hit]:
    """Best hits first until the budget is spent; a hit that does not fit is skipped, smaller ones may follow.

    A hit costs what it adds to the documents: its neighbours already sent cost nothing, and when it was
    itself sent as a neighbour, it moves out of that document into its own."""
    first: dict[str, Hit] = {}
    for h in hits:
        first.setdefault(h.utterance.id, h)
    unique = list(first.values())
    if _at_most_tokens(unique) <= budget_tokens:
        return unique  # everything fits: no need to load the tokenizer to count (a CLI question's start-up)
    packed: list[Hit] = []
    memo: dict[tuple[str, ...], int] = {}
    for hit in hits:
        if any(h.utterance.id == hit.utterance.id for h in packed):
            continue
        if _documents_tokens([*packed, hit], memo) <= budget_tokens:
            packed.append(hit)
    return packed
