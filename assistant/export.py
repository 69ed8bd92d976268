"""A conversation as Markdown: questions, answers with their `[n]` markers, and the quoted sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .render import marked_text, source_line, source_link
from .types import Answer, Episode, Turn


def conversation_markdown(
    turns_with_answers: Iterable[tuple[Turn, Answer | None]],
    episodes: Mapping[str, Episode] | Sequence[Episode] = (),
    *,
    title: str = "Conversation with your transcripts",
) -> str:
    """Markdown for a whole conversation.

    `turns_with_answers` holds each message in order: a user turn with None, an assistant turn with the
    `Answer` it came from (its text is taken from the Answer, with markers), or None when there is no
    Answer (the turn's content is written as is). `episodes` gives titles and source links.
    """
    by_id = dict(episodes) if isinstance(episodes, Mapping) else {e.id: e for e in episodes}
    lines = [f"# {title}", ""]
    question = 0
    for turn, answer in turns_with_answers:
        if turn.role == "user":
            question += 1
            lines += [f"## Question {question}", "", turn.content.strip(), ""]
            continue
        lines += ["### Answer", ""]
        if answer is None:
            lines += [turn.content.strip() or "_No answer._", ""]
            continue
        lines += _answer_lines(answer, by_id)
    return "\n".join(lines).rstrip() + "\n"


def _answer_lines(answer: Answer, episodes: Mapping[str, Episode]) -> list[str]:
    text, numbered = marked_text(answer)
    lines = [text.strip(), ""]
    lines += [f"_{_answered_by(answer)}._", ""]
    if answer.notice:
        lines += [f"> **Note:** {answer.notice}", ""]
    if not numbered:
        return lines
    lines += ["**Sources**", ""]
    for n, citation in numbered:
        for u in citation.utterances:
            episode = episodes.get(u.episode_id)
            line = f"- [{n}] {source_line(u, episode.title if episode else u.episode_id, citation.text)}"
            link = source_link(episode, u, citation.text)
            if link:
                line += f" ({link})"
            lines.append(line)
            lines += [f"  > {quoted}" for quoted in (u.text.strip() or "(empty)").splitlines()]
    lines.append("")
    return lines


__all__ = ["conversation_markdown"]


def _answered_by(answer: Answer) -> str:
    if answer.mode == "hosted":
        return f"Answered by Cohere {answer.model}" if answer.model else "Answered by the hosted model"
    if answer.refused:  # a refusal quotes nothing as an answer
        return "Offline answer, no language model"
    return "Offline answer: quoted passages, no language model"
