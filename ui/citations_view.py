"""The sources under an answer, and the transcript dialog that one click on a source opens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st
from chat_markdown import escape, highlighted, marker, quote

from assistant import (
    Assistant,
    AssistantError,
    Citation,
    Episode,
    Utterance,
    format_time,
    plural,
    source_link,
    when_said,
)

FOCUS = "transcript_focus"
NEIGHBOURS = 3
MORE = 5


def safe_url(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")) and not any(c in url for c in " <>()\n"):
        return url
    return None


def open_transcript(episode_id: str, numbers: Sequence[int], quote: str = "") -> None:
    """Focus the transcript dialog on these utterances; its source link opens where `quote` is said."""
    st.session_state[FOCUS] = {
        "episode": episode_id,
        "numbers": tuple(numbers),
        "before": NEIGHBOURS,
        "after": NEIGHBOURS,
        "quote": quote,
    }


def close_transcript() -> None:
    st.session_state.pop(FOCUS, None)


def render_sources(
    key: str,
    numbered: Sequence[tuple[int, Citation]],
    episodes: Mapping[str, Episode],
    quotes: bool = True,
) -> None:
    """Per citation: its marker, speaker, utterance number and time, episode title, source link and (with
    `quotes`) the quoted utterance, with a button that opens the transcript there. An offline answer already
    is the quotes, so its sources leave them out rather than repeat them word for word."""
    for n, citation in numbered:
        if not citation.utterances:
            continue
        text, button = st.columns([5, 1.4], vertical_alignment="top")
        text.markdown(
            "\n\n".join(
                _source(n, u, episodes.get(u.episode_id), citation.text, quotes) for u in citation.utterances
            )
        )
        first = citation.utterances[0]
        numbers = [u.number for u in citation.utterances if u.episode_id == first.episode_id]
        button.button(
            "Transcript",
            key=f"{key}-cite-{n}",
            icon=":material/subject:",
            on_click=open_transcript,
            args=(first.episode_id, numbers, citation.text),
            help=(
                "Show the transcript from its start"
                if first.is_details
                else f"Show utterance #{first.number} in the transcript, with the lines around it"
            ),
            width="stretch",
        )


def _source(n: int, u: Utterance, episode: Episode | None, cited: str, quotes: bool = True) -> str:
    if u.is_details:
        head = f"{marker(n)} **episode details**"
    else:
        who = f"**{escape(u.who())}** · " if u.who() else ""
        head = f"{marker(n)} {who}utterance {u.number}" + (
            f" · {when_said(u, cited)}" if u.start is not None else ""
        )
    where = escape(episode.title if episode else u.episode_id)
    link = safe_url(source_link(episode, u, cited))
    at = u.time_of(cited)
    if link:
        where += f" · [source{' at ' + format_time(at) if at is not None else ''} ↗]({link})"
    return f"{head}  \n:gray[{where}]" + (f"\n\n{quote(u.text)}" if quotes else "")


@st.dialog("Transcript", width="large", on_dismiss=close_transcript)
def transcript_dialog(assistant: Assistant, episodes: Mapping[str, Episode]) -> None:
    focus = st.session_state.get(FOCUS)
    if not focus:
        return
    episode = episodes.get(focus["episode"])
    if episode is None:
        st.error("This episode is no longer in the library.")
        return
    try:
        utterances = assistant.transcript(episode.id)
    except AssistantError as exc:
        st.error(escape(str(exc)))
        return
    cited = set(focus["numbers"])
    low, high = min(cited) - focus["before"], max(cited) + focus["after"]
    window = [u for u in utterances if low <= u.number <= high]
    st.markdown(f"#### {escape(episode.title)}")
    details = [episode.show or "", plural(episode.utterance_count, "utterance")]
    st.caption(escape(" · ".join(d for d in details if d)))
    if utterances and low > utterances[0].number:
        st.button(
            "Earlier lines",
            key="transcript-earlier",
            icon=":material/expand_less:",
            type="tertiary",
            on_click=_widen,
            args=("before",),
        )
    for u in window:
        _utterance(u, u.number in cited, focus.get("quote", ""))
    if utterances and high < utterances[-1].number:
        st.button(
            "Later lines",
            key="transcript-later",
            icon=":material/expand_more:",
            type="tertiary",
            on_click=_widen,
            args=("after",),
        )
    first = next((u for u in window if u.number in cited), None)
    link = safe_url(source_link(episode, first, focus.get("quote", ""))) if first else None
    if link:
        at = first.time_of(focus.get("quote", "")) if first else None
        label = f"Open the source at {format_time(at)}" if at is not None else "Open the source"
        st.link_button(label, link, icon=":material/open_in_new:")


def _widen(side: str) -> None:
    focus = st.session_state.get(FOCUS)
    if focus:
        focus[side] += MORE


def _utterance(u: Utterance, cited: bool, quote: str = "") -> None:
    who = f"**{escape(u.who())}** · " if u.who() else ""
    head = f"{who}#{u.number}" + (f" · {format_time(u.start)}" if u.start is not None else "")
    if cited:
        with st.container(border=True):
            spans = u.quoted_spans(quote)
            whole = [(0, len(u.text))] == spans  # a short turn, quoted whole: nothing to find in it
            said = escape(u.text) if whole else highlighted(u.text, spans)
            st.markdown(f":orange-badge[cited] {head}  \n:orange-background[{said}]")
    else:
        st.markdown(f"{head}  \n:gray[{escape(u.text)}]")
