"""The Outline view: an episode's chapters with their time range and key quotes; a chapter's button opens the
transcript at its first line, and its recording link starts at the chapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st
from chat_markdown import escape, quote
from citations_view import open_transcript, safe_url

from assistant import (
    Assistant,
    AssistantError,
    Chapter,
    Episode,
    Utterance,
    format_time,
    plural,
    source_link,
)

EPISODE = "outline_episode"


def outline_view(assistant: Assistant, episodes: Sequence[Episode], by_id: Mapping[str, Episode]) -> None:
    if not episodes:
        st.info("Add a transcript first: its outline appears here.")
        return
    chosen = st.selectbox(
        "Episode",
        [e.id for e in episodes],
        format_func=lambda i: by_id[i].title if i in by_id else i,
        key=EPISODE,
    )
    episode = by_id.get(chosen) if chosen else None
    if episode is None:
        return
    try:
        outline = assistant.outline(episode.id)
    except AssistantError as exc:
        st.error(escape(str(exc)))
        return
    quoted = [u for chapter in outline.chapters for u in chapter.key_quotes]
    unlabelled = " · speakers are not labelled in this transcript" if not any(u.who() for u in quoted) else ""
    st.caption(
        escape(
            f"{plural(len(outline.chapters), 'chapter')} · {plural(episode.utterance_count, 'utterance')}"
            f" · each chapter's key quotes stand for it{unlabelled}"
        )
    )
    for chapter in outline.chapters:
        _chapter(episode, chapter)


def _span(chapter: Chapter) -> str:
    lines = f"utterances {chapter.first}–{chapter.last}"
    if chapter.start is None:
        return lines
    return f"{format_time(chapter.start)}–{format_time(chapter.end)} · {lines}"


def _chapter(episode: Episode, chapter: Chapter) -> None:
    with st.container(border=True):
        head, button = st.columns([5, 1.4], vertical_alignment="top")
        where = escape(_span(chapter))
        start = Utterance(episode.id, chapter.first, "", start=chapter.start)
        link = safe_url(source_link(episode, start))
        if link:
            at = f" at {format_time(chapter.start)}" if chapter.start is not None else ""
            where += f" · [recording{at} ↗]({link})"
        head.markdown(f"**{chapter.number}. {escape(chapter.title)}**  \n:gray[{where}]")
        button.button(
            "Transcript",
            key=f"outline-chapter-{chapter.number}",
            icon=":material/subject:",
            on_click=open_transcript,
            args=(episode.id, [chapter.first]),
            help=f"Show the transcript from utterance #{chapter.first}, where this chapter starts",
            width="stretch",
        )
        for u in chapter.key_quotes:
            who = f"**{escape(u.who())}** · " if u.who() else ""
            time = f" · {format_time(u.start)}" if u.start is not None else ""
            st.markdown(f"{who}#{u.number}{time}\n\n{quote(u.text)}")
