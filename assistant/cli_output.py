"""How the CLI shows answers and hits: streamed text, numbered sources, and the JSON for scripts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from . import Answer, Assistant, Hit


def print_streamed(
    a: Assistant, question: str, episode: list[str] | None, speaker: list[str] | None, history: list[Any]
) -> Answer:
    """Hosted text is printed as it arrives; then Sources, each with the words it backs."""
    from . import marked_text, source_line

    answer = None
    live = a.mode == "hosted"
    streamed = False
    for event in a.stream(question, episode=episode, history=history, speaker=speaker):
        if event.kind == "notice":
            click.echo(f"note: {event.text}", err=True)
        elif event.kind == "text" and live:
            click.echo(event.text, nl=False)
            sys.stdout.flush()
            streamed = True
        elif event.kind == "done":
            answer = event.answer
    assert answer is not None
    if streamed:
        click.echo("")
        numbered = list(enumerate(sorted(answer.citations, key=lambda c: (c.start, c.end)), start=1))
    else:
        text, numbered = marked_text(answer)
        click.echo(text)
    if numbered:
        click.echo("\nSources:")
        for n, citation in numbered:
            backs = f" “{citation.text}” ←" if streamed else ""
            for u in citation.utterances:
                title = next(
                    (h.episode_title for h in answer.hits if h.utterance.episode_id == u.episode_id),
                    u.episode_id,
                )
                quote = f": “{u.text}”" if answer.mode == "hosted" else ""
                click.echo(f"  [{n}]{backs} {source_line(u, title, citation.text)}{quote}")
    beside = f"; searched beside your earlier question “{answer.follow_up_of}”" if answer.follow_up_of else ""
    click.echo(
        f"\n({answer.mode}{', ' + answer.model if answer.model else ''}; "
        f"{answer.timings.get('total_ms', 0):.0f} ms{beside})",
        err=True,
    )
    return answer


def matching(a: Assistant, query: str, hits: list[Hit]) -> set[str]:
    """Ids of the hits the offline answer would count as relevant (a shared word, or close in meaning)."""
    from .generation.offline import is_relevant
    from .text import tokenize

    terms = set(tokenize(query))
    floor = a.session.offline.dense_floor
    return {h.utterance.id for h in hits if is_relevant(h, terms, floor)}


def utterance_json(u: Any) -> dict[str, Any]:
    return {
        "id": u.id,
        "episode_id": u.episode_id,
        "number": u.number,
        "speaker": u.speaker,
        "start": u.start,
        "end": u.end,
        "text": u.text,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    return {"score": hit.score, "episode_title": hit.episode_title, **utterance_json(hit.utterance)}


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "text": answer.text,
        "mode": answer.mode,
        "model": answer.model,
        "notice": answer.notice,
        "query": answer.query,
        "follow_up_of": answer.follow_up_of,
        "citations": [
            {
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "utterances": [{**utterance_json(u), "quoted_at": u.time_of(c.text)} for u in c.utterances],
            }
            for c in answer.citations
        ],
        "usage": {"input_tokens": answer.usage.input_tokens, "output_tokens": answer.usage.output_tokens},
        "timings_ms": answer.timings,
    }
