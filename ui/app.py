"""Chat with your transcripts in the browser: `streamlit run ui/app.py`.

Layout: the sidebar holds the question filters, the library (upload, list, delete) and the session key; the
page holds the status line, the conversation and, on request, the transcript around a cited line.
This script only arranges the page; the work is done by the public `assistant` API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import assistants
import library_view
import streamlit as st
from chat_markdown import answer_markdown, escape, escape_chunk, notice
from citations_view import FOCUS, close_transcript, render_sources, transcript_dialog
from outline_view import outline_view

from assistant import (
    Answer,
    AnswerEvent,
    Assistant,
    AssistantError,
    EmbedderMismatchError,
    Episode,
    Turn,
    cited_episodes,
    conversation_markdown,
    plural,
    shortened,
    suggest_questions,
)

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "harbour-bridge.txt"
SUGGESTIONS = 3
log = logging.getLogger("transcript_assistant.ui")
MESSAGES = "messages"
REOPENED = "reopened_library"
PENDING = "pending_question"
SUGGESTED = "suggested_questions"
VIEW = "view"

Message = dict[str, Any]


def main() -> None:
    st.set_page_config(page_title="Transcript assistant", page_icon=":material/forum:", menu_items={})
    messages: list[Message] = st.session_state.setdefault(MESSAGES, [])
    assistant, problem = assistants.active()
    episodes = _episodes(assistant)
    by_id = {e.id: e for e in episodes}

    with st.sidebar:
        st.radio("View", ["Chat", "Outline"], key=VIEW, horizontal=True, disabled=not episodes)
        chosen_episodes, chosen_speakers = library_view.filters(episodes) if episodes else ([], [])
        library_view.library(assistant, episodes)
        library_view.hosted_key()

    title, new, export = st.columns([5, 3.2, 1.8], vertical_alignment="bottom")
    title.header("Transcript assistant", anchor=False)
    new_slot, export_slot = new.empty(), export.empty()  # filled last, when this run's answer is in
    if assistant is None:
        st.error(escape(f"The library cannot be opened: {problem}"))
        st.stop()
    _status_line(assistant)
    if st.session_state.get(VIEW) == "Outline" and episodes:
        outline_view(assistant, episodes, by_id)
        if st.session_state.get(FOCUS):
            transcript_dialog(assistant, by_id)
        return

    prompt = st.chat_input(
        "Ask about your transcripts…" if episodes else "Add a transcript first",
        key="question",
        disabled=not episodes,
    ) or st.session_state.pop(PENDING, None)
    if not episodes:
        _first_run(assistant)
    elif not messages and not prompt:
        _suggestions(assistant, episodes)
    for i, message in enumerate(messages):
        with st.chat_message(message["role"]):
            _render(message, i, by_id)
    if prompt and episodes:
        _ask(assistant, prompt, chosen_episodes, chosen_speakers, by_id)

    new_slot.button(
        "New conversation",
        key="new_conversation",
        icon=":material/add_comment:",
        on_click=_new_conversation,
        disabled=not messages,
        width="stretch",
    )
    export_slot.download_button(
        "Export",
        data=_export(messages, by_id),
        file_name="conversation.md",
        mime="text/markdown",
        key="export",
        icon=":material/download:",
        disabled=not messages,
        width="stretch",
        on_click="ignore",
    )
    if st.session_state.get(FOCUS):
        transcript_dialog(assistant, by_id)


# ---- page parts -------------------------------------------------------------------------------------------


def _episodes(assistant: Assistant | None) -> list[Episode]:
    if assistant is None:
        return []
    try:
        return sorted(assistant.episodes(), key=lambda e: e.title.casefold())
    except AssistantError as exc:
        st.error(escape(str(exc)))
        return []


def _status_line(assistant: Assistant) -> None:
    """The mode badge and, in words, how answers are made and what searches; technical details on demand."""
    status = assistant.describe()
    hosted = status.mode == "hosted"
    badge = ":green-badge[:material/cloud: Hosted]" if hosted else ":gray-badge[:material/cloud_off: Offline]"
    answers = status.answers.split(": ", 1)[1] + (f" ({status.reason})" if status.reason else "")
    own = " · key for this session only" if assistants.session_assistant() is not None else ""
    line, details = st.columns([6, 1], vertical_alignment="center")
    line.caption(f"{badge} {escape(f'{answers} · search model: {status.search_model}')}{own}")
    if status.model_notice:
        fallback = "keyword search only" if status.embedder.startswith("hashing") else "fallback model"
        st.caption(f":orange-badge[:material/info: {fallback}] {notice(status.model_notice)}")
    if status.store_notice:
        st.caption(f":orange-badge[:material/info: reindex suggested] {notice(status.store_notice)}")
    if status.language_notice:
        st.caption(
            f":orange-badge[:material/translate: English-only search] {notice(status.language_notice)}"
        )
    if status.reading_notice:
        st.caption(f":orange-badge[:material/update: read again] {notice(status.reading_notice)}")
    with details.popover("Details", icon=":material/info:", type="tertiary"):
        st.caption(escape(f"Store: {status.store}"))
        st.caption(escape(f"Embedder: {status.embedder}"))


def _first_run(assistant: Assistant) -> None:
    with st.container(border=True):
        st.markdown("#### Your library is empty")
        st.markdown(
            "Add podcast, interview or meeting transcripts in the sidebar, then ask about them. Every answer "
            "quotes the exact lines it rests on, and one click shows them in the transcript.\n\n"
            "Or start with the sample: an interview about why a harbour footbridge opened eight months late."
        )
        if st.button(
            "Load the sample transcript", key="load_sample", type="primary", icon=":material/library_add:"
        ):
            bar = st.progress(0.0, text="Reading the sample…")
            try:
                report = assistant.ingest(SAMPLE, progress=library_view.progress_callback(bar))
                bar.progress(1.0, text="Building the keyword index…")
                assistant.prepare_search()
            except AssistantError as exc:
                st.error(escape(str(exc)))
                return
            if report.failed:
                for message in report.failed.values():
                    st.error(escape(message))
                return
            st.rerun()


def _suggestions(assistant: Assistant, episodes: Sequence[Episode]) -> None:
    st.caption(
        f"Ask anything about your {plural(len(episodes), 'episode')}. Answers cite the lines they use."
    )
    for n, question in enumerate(_suggested(assistant, episodes)):
        st.button(
            question,
            key=f"suggestion-{n}",
            icon=":material/chat_bubble:",
            type="tertiary",
            on_click=_suggest,
            args=(question,),
        )


def _suggested(assistant: Assistant, episodes: Sequence[Episode]) -> list[str]:
    """Questions about the newest episodes, from their transcripts; made again when the library changes."""
    signature = tuple(sorted((e.id, e.content_hash, e.title) for e in episodes))
    kept = st.session_state.get(SUGGESTED)
    if kept and kept[0] == signature:
        return kept[1]
    newest = sorted(episodes, key=lambda e: e.ingested_at or "", reverse=True)[:SUGGESTIONS]
    try:
        transcripts = {e.id: assistant.transcript(e.id) for e in newest}
        outlines = {e.id: assistant.outline(e.id) for e in newest}
    except AssistantError:  # questions from titles alone are still worth offering
        transcripts, outlines = {}, {}
    questions = suggest_questions(newest, transcripts, limit=SUGGESTIONS, outlines=outlines)
    st.session_state[SUGGESTED] = (signature, questions)
    return questions


def _suggest(question: str) -> None:
    st.session_state[PENDING] = question


def _new_conversation() -> None:
    st.session_state[MESSAGES] = []
    close_transcript()


# ---- conversation ----------------------------------------------------------------------------------------


def _render(message: Message, index: int, episodes: Mapping[str, Episode]) -> None:
    if message["role"] == "user":
        st.markdown(escape(message["content"]))
        scope = _scope(message, episodes)
        if scope:
            st.caption(scope)
        return
    for said in message["notices"]:
        st.warning(notice(said), icon=":material/info:")
    if message.get("error"):
        st.error(escape(message["error"]))
        return
    answer: Answer = message["answer"]
    text, numbered = answer_markdown(answer)
    st.markdown(text)
    drawn = [episodes[i].title if i in episodes else i for i in cited_episodes(answer)]
    if drawn:
        st.caption(escape("From: " + ", ".join(drawn)), help="The episodes this answer quotes")
    st.caption(_meta(answer, len(numbered), message.get("question", "")))
    if numbered:  # collapsed, so a long list never pushes the answer itself out of view
        with st.expander(f"Sources ({len(numbered)})", icon=":material/format_quote:"):
            render_sources(f"m{index}", numbered, episodes, quotes=answer.mode == "hosted")


def _scope(message: Message, episodes: Mapping[str, Episode]) -> str:
    parts = []
    if message.get("episodes"):
        parts.append(
            "in " + "; ".join(episodes[i].title if i in episodes else i for i in message["episodes"])
        )
    if message.get("speakers"):
        parts.append("said by " + ", ".join(message["speakers"]))
    return escape("Asked " + " · ".join(parts)) if parts else ""


def _meta(answer: Answer, sources: int, question: str) -> str:
    if answer.mode == "hosted":
        who = f"Cohere {answer.model}"
    else:  # a refusal quotes nothing as an answer
        who = "Offline answer" if answer.refused else "Offline answer (quoted passages)"
    seconds = answer.timings.get("total_ms", 0) / 1000
    parts = [who, plural(sources, "source"), f"{seconds:.1f} s"]
    if answer.follow_up_of:  # why words of the earlier question turn up in this answer
        parts.append(f"searched beside your earlier question “{shortened(answer.follow_up_of, 80)}”")
    elif question and answer.query and answer.query != question:
        parts.append(f"searched as “{shortened(answer.query, 80)}”")
    return escape(" · ".join(parts))


def _history(messages: Sequence[Message]) -> list[Turn]:
    """Previous questions and their answers, leaving out exchanges that ended in an error or were cut off."""
    turns: list[Turn] = []
    for question, reply in pairwise(messages):
        if question["role"] == "user" and reply["role"] == "assistant" and reply.get("answer") is not None:
            turns += [Turn("user", question["content"]), reply["answer"].as_turn()]
    return turns


def _ask(
    assistant: Assistant, prompt: str, episodes: list[str], speakers: list[str], by_id: Mapping[str, Episode]
) -> None:
    messages: list[Message] = st.session_state[MESSAGES]
    history = _history(messages)
    question = {"role": "user", "content": prompt, "episodes": episodes, "speakers": speakers}
    messages.append(question)
    with st.chat_message("user"):
        _render(question, len(messages) - 1, by_id)
    with st.chat_message("assistant"):
        reply, streamed = _stream(assistant, prompt, history, episodes, speakers)
        messages.append(reply)
        if reply.get("answer") is not None:
            streamed.empty()  # the streamed text gives way to the final answer, with its markers and sources
            _render({**reply, "notices": []}, len(messages) - 1, by_id)


def _stream(
    assistant: Assistant, prompt: str, history: list[Turn], episodes: list[str], speakers: list[str]
) -> tuple[Message, Any]:
    """Stream the answer's text as it arrives, notices above it;
    returns the reply and the streamed text's slot.

    A hosted answer that falls back offline mid-way starts its text over, so a fresh stream replaces the
    first; the final Answer, not the streamed text, is what gets kept and rendered.
    """
    notices_box = st.container()
    slot = st.empty()
    state: dict[str, Any] = {"answer": None, "notices": [], "finished": False}

    def failed(message: str) -> tuple[Message, Any]:
        slot.empty()
        st.error(escape(message))
        return {
            "role": "assistant",
            "content": "",
            "answer": None,
            "notices": state["notices"],
            "error": message,
        }, slot

    try:
        if not assistant.search_ready():
            with st.spinner("Building the keyword index (once after the library changed)…"):
                assistant.prepare_search()
        with st.spinner("Searching the transcripts…"):
            events = assistant.stream(
                prompt, episode=episodes or None, history=history, speaker=speakers or None
            )
            first = next(events, None)
        pending: list[AnswerEvent] = [first] if first is not None else []

        def texts() -> Iterator[str]:
            streamed = False
            while True:
                event = pending.pop() if pending else next(events, None)
                if event is None:
                    state["finished"] = True
                    return
                if event.kind == "text" and event.text:
                    streamed = True
                    yield escape_chunk(event.text)
                elif event.kind == "notice":
                    state["notices"].append(event.text)
                    notices_box.warning(notice(event.text), icon=":material/info:")
                    if streamed:
                        return
                elif event.kind == "done":
                    state["answer"] = event.answer

        while not state["finished"]:
            with slot.container():
                st.write_stream(texts())
    except AssistantError as exc:
        return failed(str(exc))
    except Exception:  # a bug, not the user's doing: keep the chat usable, the details go to the server log
        log.exception("answering %r failed", prompt[:80])
        return failed(
            "Something went wrong while answering; the details are in the server log. Please try again."
        )
    answer: Answer | None = state["answer"]
    if answer is None:
        return failed("The answer ended before it was complete; please ask again.")
    notices = state["notices"] or ([answer.notice] if answer.notice else [])
    reply = {
        "role": "assistant",
        "content": answer.text,
        "answer": answer,
        "notices": notices,
        "question": prompt,
    }
    return reply, slot


def _export(messages: Sequence[Message], episodes: Mapping[str, Episode]) -> str:
    pairs: list[tuple[Turn, Answer | None]] = []
    for message in messages:
        if message["role"] == "user":
            pairs.append((Turn("user", message["content"]), None))
        else:
            content = message.get("error") and f"_No answer: {message['error']}_"
            pairs.append((Turn("assistant", content or message["content"]), message.get("answer")))
    return conversation_markdown(pairs, episodes)


def run() -> None:
    """The page, opening the library afresh once when another process rebuilt it with another model."""
    try:
        main()
    except EmbedderMismatchError as exc:
        if st.session_state.pop(REOPENED, False):  # opened afresh already: say why it cannot be used
            st.error(escape(f"The library cannot be opened: {exc}"))
            return
        st.session_state[REOPENED] = True
        assistants.reopen()
        st.rerun()
    st.session_state.pop(REOPENED, None)


run()
