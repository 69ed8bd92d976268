"""Sidebar: filters for the next question, the library (upload, list, delete) and the hosted-mode key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import assistants
import streamlit as st
from chat_markdown import escape, notice
from uploads import SUFFIXES, UploadSummary, ingest_uploads

from assistant import Assistant, AssistantError, Episode, plural

RESULTS = "upload_results"
UPLOADER_GEN = "uploader_generation"
CONFIRM_DELETE = "confirm_delete"
NAMING = "naming_speakers"
LIBRARY_MESSAGE = "library_message"
KEY_INPUT = "cohere_key_input"
KEY_MESSAGE = "key_message"


def progress_callback(bar: Any) -> Callable[[int, int, str], None]:
    """Feeds the library's ingest progress (utterances embedded so far, of all) to an `st.progress` bar."""

    def report(done: int, total: int, label: str) -> None:
        bar.progress(
            min(1.0, done / total) if total else 1.0, text=f"Indexing {label}: {done}/{total} utterances"
        )

    return report


# ---- filters --------------------------------------------------------------------------------------------


def filters(episodes: Sequence[Episode]) -> tuple[list[str], list[str]]:
    """Episode ids and speakers the next question is restricted to (empty: no restriction)."""
    st.subheader("Ask within", divider="gray")
    titles = {e.id: e.title for e in episodes}
    _keep_known("filter_episodes", titles)
    chosen = st.multiselect(
        "Episodes",
        list(titles),
        key="filter_episodes",
        format_func=lambda i: titles.get(i, i),
        placeholder="All episodes",
    )
    pool = [e for e in episodes if e.id in chosen] or list(episodes)
    speakers = sorted({s for e in pool for s in e.speakers}, key=str.casefold)
    _keep_known("filter_speakers", speakers)
    picked = st.multiselect("Speakers", speakers, key="filter_speakers", placeholder="All speakers")
    return list(chosen), list(picked)


def _keep_known(key: str, options) -> None:
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


# ---- library --------------------------------------------------------------------------------------------


def library(assistant: Assistant | None, episodes: Sequence[Episode]) -> None:
    st.subheader("Library", divider="gray")
    if assistant is None:
        st.caption("The library cannot be opened (see the message on the right).")
        return
    generation = st.session_state.setdefault(UPLOADER_GEN, 0)
    files = st.file_uploader(
        "Add transcripts",
        type=list(SUFFIXES),
        accept_multiple_files=True,
        key=f"uploader-{generation}",
        help=(
            "Transcripts as text (.txt: numbered, speaker lines as Otter, Teams or Google Meet write them, "
            "or plain paragraphs), subtitles (.vtt, .srt, .sbv, .ttml, .dfxp, .xml; Apple Podcasts' "
            "transcripts are TTML), JSON (.json) from Whisper, podcast hosts, AssemblyAI, Deepgram, Rev.ai, "
            "ElevenLabs or Amazon Transcribe, Word documents (.docx), PDFs (.pdf), Markdown notes (.md, "
            ".markdown), or web pages saved from the browser (.html, .htm). Several files at once are fine."
        ),
    )
    if files:
        bar = st.progress(0.0, text="Reading the files…")
        outcome = ingest_uploads(
            assistant, [(f.name, f.getvalue()) for f in files], progress=progress_callback(bar)
        )
        if outcome.changed:
            bar.progress(1.0, text="Building the keyword index…")
            assistant.prepare_search()
        st.session_state[RESULTS] = outcome
        st.session_state[UPLOADER_GEN] = generation + 1  # a fresh, empty uploader
        st.rerun()
    upload_results(st.session_state.get(RESULTS))

    message = st.session_state.pop(LIBRARY_MESSAGE, None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])
    if not episodes:
        st.caption("No transcripts yet.")
    for episode in episodes:
        _episode_row(assistant, episode)


def upload_results(outcome: UploadSummary | None) -> None:
    """Next to each file name: a tick, or the library's message saying what is wrong with that file."""
    if outcome is None:
        return
    if outcome.error:
        st.error(escape(outcome.error), icon=":material/error:")
    for result in outcome.files:
        if result.ok:
            st.markdown(
                f":green[:material/check_circle:] **{escape(result.name)}** — {escape(result.message)}"
            )
        else:
            st.error(f"**{escape(result.name)}** — {escape(result.message)}", icon=":material/error:")
    for said in outcome.notices:
        st.warning(notice(said), icon=":material/translate:")
    if outcome.summary:
        st.caption(escape(outcome.summary))


def _episode_row(assistant: Assistant, episode: Episode) -> None:
    text, name, button = st.columns([5, 1, 1], vertical_alignment="center")
    who = ", ".join(episode.speakers[:3]) + (" …" if len(episode.speakers) > 3 else "")
    turns = plural(episode.utterance_count, "utterance")
    text.markdown(
        f"**{escape(episode.title)}**  \n:gray[{turns} · {episode.length()}"
        + (f" · {escape(who)}" if who else "")
        + "]"
    )
    if episode.speakers:
        _icon(
            name, "name-speakers", "badge", f"Name the speakers of {episode.title}", _toggle_naming, episode
        )
    _icon(button, "delete", "delete", f"Delete {episode.title}", _ask_delete, episode)
    if st.session_state.get(CONFIRM_DELETE) == episode.id:
        st.warning("Delete this episode from the library? Every session loses it.")
        yes, no = st.columns(2)
        yes.button(
            "Delete",
            key=f"confirm-delete-{episode.id}",
            type="primary",
            on_click=_delete,
            args=(assistant, episode),
        )
        no.button("Keep", key=f"cancel-delete-{episode.id}", on_click=_cancel_delete)
    if st.session_state.get(NAMING) == episode.id:
        _speaker_names(assistant, episode)


def _icon(
    column: Any, action: str, icon: str, help: str, on_click: Callable[[str], None], episode: Episode
) -> None:
    """A borderless icon button beside an episode, its key `ACTION-EPISODE_ID`."""
    column.button(
        "",
        key=f"{action}-{episode.id}",
        icon=f":material/{icon}:",
        type="tertiary",
        help=help,
        on_click=on_click,
        args=(episode.id,),
    )


def _toggle_naming(episode_id: str) -> None:
    naming = st.session_state.get(NAMING) == episode_id
    st.session_state[NAMING] = None if naming else episode_id


def _speaker_names(assistant: Assistant, episode: Episode) -> None:
    """A name for each speaker the episode shows: what a transcription service only labelled ("Speaker A")
    becomes the person's name in every citation."""
    with st.form(key=f"speaker-names-{episode.id}"):
        st.caption("Give each voice the name of the person speaking.")
        typed = {
            speaker: st.text_input(speaker, value=speaker, key=f"speaker-name-{episode.id}-{n}")
            for n, speaker in enumerate(episode.speakers)
        }
        if not st.form_submit_button("Save names", type="primary"):
            return
    names = {old: new.strip() for old, new in typed.items() if new.strip() and new.strip() != old}
    st.session_state[NAMING] = None
    if not names:
        st.rerun()
    try:
        with st.spinner("Writing the episode with the names…"):
            assistant.name_speakers(episode.id, names)
            assistant.prepare_search()
    except AssistantError as exc:
        st.session_state[LIBRARY_MESSAGE] = ("error", escape(str(exc)))
    else:
        said = ", ".join(f"{old} → {new}" for old, new in names.items())
        st.session_state[LIBRARY_MESSAGE] = (
            "ok",
            f"Named the speakers of “{escape(episode.title)}”: {escape(said)}.",
        )
    st.rerun()


def _ask_delete(episode_id: str) -> None:
    st.session_state[CONFIRM_DELETE] = episode_id


def _cancel_delete() -> None:
    st.session_state.pop(CONFIRM_DELETE, None)


def _delete(assistant: Assistant, episode: Episode) -> None:
    st.session_state.pop(CONFIRM_DELETE, None)
    try:
        assistant.delete(episode.id)
    except AssistantError as exc:
        st.session_state[LIBRARY_MESSAGE] = ("error", escape(str(exc)))
    else:
        st.session_state[LIBRARY_MESSAGE] = ("ok", f"Deleted “{escape(episode.title)}”.")


# ---- hosted mode --------------------------------------------------------------------------------------


def hosted_key() -> None:
    st.subheader("Hosted answers", divider="gray")
    if assistants.session_assistant() is not None:
        st.markdown(":green[:material/key:] A Cohere key is in use for this session only.")
        st.button("Forget the key", key="forget_key", on_click=_forget)
    else:
        st.text_input(
            "Cohere API key (this session only)",
            type="password",
            key=KEY_INPUT,
            on_change=_apply_key,
            placeholder="Paste a key and press Enter",
            help="Kept in memory for this browser session; never shown again, logged or saved.",
        )
    message = st.session_state.pop(KEY_MESSAGE, None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])


def _apply_key() -> None:
    key = st.session_state.get(KEY_INPUT, "")
    st.session_state[KEY_INPUT] = ""  # the key never goes back to the browser
    if not key.strip():
        return
    try:
        assistant = assistants.use_key(key)
    except AssistantError as exc:
        st.session_state[KEY_MESSAGE] = ("error", escape(f"The key could not be used: {exc}"))
    else:
        mode = assistant.describe().answers
        st.session_state[KEY_MESSAGE] = ("ok", escape(f"Key accepted for this session. {mode}."))


def _forget() -> None:
    assistants.forget_key()
    st.session_state[KEY_MESSAGE] = (
        "ok",
        "The key is forgotten; answers come from the server's default mode.",
    )
