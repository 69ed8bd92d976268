"""The Streamlit UI through `streamlit.testing.v1.AppTest`: every path a user takes, offline and hosted.

The hosted path talks to a local HTTP server speaking the Cohere v2 API (the project's FakeCohere behind a
stdlib ThreadingHTTPServer), reached through CO_API_URL, the real configuration for a Cohere endpoint.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import streamlit as st
from long_turn import write_long_turn
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from assistant import TRANSCRIPT_FILE_TYPES, Answer, Assistant, Citation, Turn, Utterance
from assistant.export import conversation_markdown
from assistant.ingest.parse import parse_file
from assistant.types import format_time

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
SAMPLE = ROOT / "samples" / "harbour-bridge.txt"
DATA = ROOT / "tests" / "data"
SAMPLE_TITLE = "Why the Harbour Bridge Opened Eight Months Late"
QUESTION = "Why did the bridge open late?"


def _ui_module(name: str) -> ModuleType:
    """A helper module of ui/, imported the way the app imports it (`streamlit run` puts ui/ on sys.path)."""
    sys.path.insert(0, str(ROOT / "ui"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "ui"))


chat_markdown = _ui_module("chat_markdown")


@pytest.fixture(autouse=True)
def fresh_streamlit_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What download buttons were given, by file name (AppTest keeps them in an in-memory media store)."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return seen


_components: list[Any] = []


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    # Each AppTest scans every installed package's metadata for components (~4 s); the app uses none, so the
    # first scan is reused. Harmless if a later Streamlit renames the attribute: the scan just runs again.
    if _components and hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = _components[0]
    at.run()
    if not _components and getattr(at, "_bidi_component_manager", None) is not None:
        _components.append(at._bidi_component_manager)
    assert not at.exception, at.exception
    return at


def with_sample() -> AppTest:
    at = start()
    at.button(key="load_sample").click().run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """`files` (name, content) given to the sidebar's uploader at once, as a browser sends them."""
    at.sidebar.file_uploader[0].set_value([(name, data, "text/plain") for name, data in files]).run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Markdown as read: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(block: Any) -> list[str]:
    """Every piece of text a block shows: markdown, captions, alerts, expander labels, button labels."""
    out = [m.value for m in block.markdown] + [c.value for c in block.caption]
    for kind in ("error", "warning", "info", "success"):
        out += [e.value for e in getattr(block, kind)]
    out += [e.label for e in block.expander] + [b.label for b in block.button]
    return out


def page_text(at: AppTest) -> str:
    parts = texts(at) + [t.value for t in at.text_input] + [str(v) for v in at.session_state.values()]
    return "\n".join(str(p) for p in parts)


def answers(at: AppTest) -> list[Any]:
    return [m for m in at.chat_message if m.name == "assistant"]


# ---- first run and library ------------------------------------------------------------------------------


def test_first_run_with_an_empty_library_offers_the_sample() -> None:
    at = start()
    shown = "\n".join(texts(at.main))
    assert "Your library is empty" in shown
    assert at.button(key="load_sample").label == "Load the sample transcript"
    assert at.chat_input(key="question").disabled
    status = plain(at.main.caption[0].value)
    assert "Offline" in status and "no COHERE_API_KEY is set" in status
    assert "quotes passages, no language model" in status and "search model: keyword hashing" in status
    assert "hashing:v1" not in status and "store" not in status.lower()  # details only on demand
    details = at.main.get("popover")[0]
    shown = "\n".join(plain(c.value) for c in details.caption)
    assert "Embedder: hashing:v1:512" in shown and "Store: " in shown and "store" in shown
    assert "No transcripts yet." in "\n".join(texts(at.sidebar))
    assert not at.chat_message
    uploader = at.sidebar.file_uploader[0].proto
    assert [t.lstrip(".") for t in uploader.type] == list(TRANSCRIPT_FILE_TYPES)
    named = set(re.findall(r"[\s(]\.([a-z]+)\b", uploader.help))  # ".txt", not "Rev.ai"
    assert named == set(TRANSCRIPT_FILE_TYPES), "the upload's help names every type it takes, and only those"


def test_the_status_line_says_which_fallback_search_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model at all: keyword search only. A chosen model this machine cannot fetch, with MiniLM at hand:
    the smaller model, not "keyword search only"."""
    notice = next(plain(c.value) for c in start().main.caption if "answers use" in c.value)
    assert "keyword search only" in notice and "hashing fallback" in notice
    from conftest import shared_or_skip

    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")))
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "nomic")
    st.cache_resource.clear()
    at = start()
    notice = next(plain(c.value) for c in at.main.caption if "answers use" in c.value)
    assert "fallback model" in notice and "keyword search only" not in notice
    assert (
        "answers use all-MiniLM-L6-v2" in notice
        and "assistant models fetch nomic-embed-text-v1.5-Q" in notice
    )
    assert "search model: MiniLM (local)" in plain(at.main.caption[0].value)


def test_the_status_line_says_which_files_to_read_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from long_turn import write_long_turn

    import assistant.library
    from assistant import Assistant

    with monkeypatch.context() as older:
        older.setattr(assistant.library, "READER", 1)
        Assistant.from_settings().ingest(write_long_turn(tmp_path / "harbour.json"))
    st.cache_resource.clear()
    shown = [plain(c.value) for c in start().main.caption]
    notice = next(line for line in shown if "earlier version" in line)
    assert "read again" in notice and "1 episode with times was read by an earlier version" in notice
    assert "`assistant ingest" in notice


def test_a_library_rebuilt_with_a_model_while_the_page_is_open_is_opened_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page opened on a fresh machine (keyword hashing); then a model is set up and the library filled
    with it from the terminal: the next run opens the library with its model, no traceback."""
    from conftest import SAMPLES, shared_or_skip

    from assistant import Assistant

    at = start()
    assert "search model: keyword hashing" in plain(at.main.caption[0].value)
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")))
    Assistant.from_settings().ingest(SAMPLES / "harbour-bridge.txt")
    at.run()
    assert not at.exception, at.exception
    assert "search model: MiniLM (local)" in plain(at.main.caption[0].value)
    assert SAMPLE_TITLE in "\n".join(texts(at.sidebar))


def test_a_library_rebuilt_with_a_model_this_page_cannot_open_is_said_without_a_traceback() -> None:
    from conftest import SAMPLES

    from assistant import Assistant, HashingEmbedder

    at = start()
    Assistant.from_settings(embedder=HashingEmbedder(dimension=64)).ingest(SAMPLES / "harbour-bridge.txt")
    at.run()
    assert not at.exception, at.exception
    errors = [plain(e.value) for e in at.error]
    assert any("The library cannot be opened:" in e and "hashing:v1:64" in e for e in errors), errors


def test_the_status_line_says_the_library_keeps_its_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import SAMPLES, shared_or_skip

    from assistant import Assistant

    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(shared_or_skip("models", "all-MiniLM-L6-v2", "onnx")))
    Assistant.from_settings().ingest(SAMPLES / "harbour-bridge.txt")
    monkeypatch.setenv("ASSISTANT_LOCAL_MODEL", "nomic")
    st.cache_resource.clear()
    at = start()
    shown = [plain(c.value) for c in at.main.caption]
    notice = next(line for line in shown if "ASSISTANT_LOCAL_MODEL" in line)
    assert "reindex suggested" in notice and "fallback model" not in notice
    assert "so ASSISTANT_LOCAL_MODEL=nomic is not used; `assistant reindex --embedder local`" in notice


def test_a_store_built_before_speakers_names_were_embedded_says_how_to_rebuild() -> None:
    at = with_sample()
    assert "reindex suggested" not in page_text(at)
    store = Assistant.from_settings().settings.store_dir
    from assistant.index.chroma_store.clients import persistent_client

    utterances = persistent_client(store, fresh=False).get_collection("utterances")
    utterances.modify(metadata={k: v for k, v in (utterances.metadata or {}).items() if k != "documents"})
    (store / ".catalog.json").unlink()  # an older version's catalog never held the format
    st.cache_resource.clear()  # a new server process opening that store
    at = start()
    notice = next(plain(c.value) for c in at.main.caption if "reindex suggested" in c.value)
    assert "speakers' names" in notice and "`assistant reindex`" in notice


def test_loading_the_sample_fills_the_library_and_enables_the_chat() -> None:
    at = with_sample()
    sidebar = "\n".join(texts(at.sidebar))
    assert SAMPLE_TITLE in sidebar and "40 utterances · no times" in sidebar
    assert not at.chat_input(key="question").disabled
    assert "Your library is empty" not in "\n".join(texts(at.main))
    suggested = [at.button(key=f"suggestion-{n}").label for n in range(3)]
    assert suggested[0] == f"What is “{SAMPLE_TITLE}” about?"
    assert any("Tomás Reyes" in q for q in suggested)  # the guest, on a word the episode keeps coming back to
    assert at.multiselect(key="filter_speakers").options == ["Nadia Brooks", "Tomás Reyes"]
    assert Assistant.from_settings().search_ready(), (
        "the keyword index is built with the load, not at a question"
    )


def test_a_cited_answer_is_rendered_with_its_sources_and_opens_the_transcript() -> None:
    at = ask(with_sample(), QUESTION)
    user, reply = at.chat_message
    assert user.markdown[0].value == QUESTION
    body = reply.markdown[0].value
    assert "Offline answer" in body and ":blue-badge[1]" in body and ":blue-badge[2]" in body
    sources = reply.expander[0]
    assert sources.label.startswith("Sources (")
    source_text = "\n".join(m.value for m in sources.markdown)
    assert "**Tomás Reyes** · utterance 4" in source_text
    assert SAMPLE_TITLE in source_text
    assert "[source ↗](https://example.org/field-notes/harbour-bridge.mp3)" in source_text
    assert "Three things, really." in body and "Three things, really." not in source_text, (
        "an offline answer is the quotes: its sources say who, where and when without repeating them"
    )
    captions = [plain(c.value) for c in reply.caption]
    assert captions[0] == f"From: {SAMPLE_TITLE}"
    assert "Offline answer (quoted passages)" in captions[1]
    assert sources.proto.expanded is False  # the answer stays in view; sources open on demand

    # one click: the transcript around utterance 4, the cited line marked
    n = next(i for i, m in enumerate(sources.markdown, 1) if "utterance 4" in m.value)
    at.button(key=f"m1-cite-{n}").click().run()
    assert not at.exception
    lines = [m.value for m in at.markdown if " · #" in m.value]
    numbers = [int(v.split(" · #")[1].split()[0]) for v in lines]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    cited = [v for v in lines if v.startswith(":orange-badge[cited]")]
    assert len(cited) == 1 and "#4" in cited[0] and "Three things, really" in cited[0]
    assert cited[0].count("**") == 2, "the speaker in bold; a turn quoted whole is not bolded again"
    assert at.button(key="transcript-later")  # more context on request
    at.button(key="transcript-later").click().run()
    numbers = [int(m.value.split(" · #")[1].split()[0]) for m in at.markdown if " · #" in m.value]
    assert numbers == list(range(1, 13))


def test_what_the_library_holds_is_listed_with_each_episode_cited_to_its_details() -> None:
    at = ask(with_sample(), "How many episodes are there?")
    reply = answers(at)[-1]
    body = plain(reply.markdown[0].value)
    assert body.startswith("The library holds 1 episode:") and SAMPLE_TITLE in body
    source_text = "\n".join(m.value for m in reply.expander[0].markdown)
    assert "episode details" in source_text.lower()


def test_a_follow_up_is_asked_with_the_conversation_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    original = Assistant.stream

    def spy(self, question, episode=None, history=None, speaker=None):  # type: ignore[no-untyped-def]
        calls.append(
            {"question": question, "history": list(history or []), "episode": episode, "speaker": speaker}
        )
        return original(self, question, episode=episode, history=history, speaker=speaker)

    monkeypatch.setattr(Assistant, "stream", spy)
    at = ask(with_sample(), QUESTION)
    first_answer = at.session_state["messages"][1]["answer"]
    at = ask(at, "And what about the budget?")
    assert len(answers(at)) == 2
    assert calls[0]["history"] == []
    assert calls[1]["history"] == [Turn("user", QUESTION), first_answer.as_turn()]
    assert calls[1]["history"][1].episodes == ("harbour-bridge",), "the answer's episodes go with it"
    second = at.session_state["messages"][3]["answer"]
    assert second.citations and second.follow_up_of == QUESTION  # the follow-up was searched in context
    captions = [c.value for c in answers(at)[1].caption]
    assert any(f"searched beside your earlier question “{QUESTION}”" in c for c in captions), captions
    assert not any("searched" in c for c in [c.value for c in answers(at)[0].caption])
    # sources stay collapsed under every answer, so the newest answer is what the page ends on
    assert [m.expander[0].proto.expanded for m in answers(at)] == [False, False]

    at.button(key="new_conversation").click().run()
    assert not at.chat_message and at.session_state["messages"] == []


def test_filters_restrict_the_question_to_episodes_and_speakers(tmp_path: Path) -> None:
    at = upload(with_sample(), ("podcast_basic.txt", (DATA / "podcast_basic.txt").read_bytes()))
    episodes = at.multiselect(key="filter_episodes")
    assert set(episodes.options) == {SAMPLE_TITLE, "Roasting at Home … and Why It Smokes"}

    at.multiselect(key="filter_speakers").set_value(["Tomás Reyes"]).run()
    at = ask(at, "What happened with the soil and the piles?")
    answer: Answer = at.session_state["messages"][-1]["answer"]
    assert answer.citations
    assert {u.speaker for c in answer.citations for u in c.utterances} == {"Tomás Reyes"}
    assert "said by Tomás Reyes" in at.chat_message[0].caption[0].value

    at.multiselect(key="filter_speakers").set_value([]).run()
    at.multiselect(key="filter_episodes").set_value(["podcast_basic"]).run()
    assert "Nadia Brooks" not in at.multiselect(key="filter_speakers").options  # speakers of chosen episodes
    at = ask(at, "How did you start roasting?")
    answer = at.session_state["messages"][-1]["answer"]
    assert answer.citations
    assert {u.episode_id for c in answer.citations for u in c.utterances} == {"podcast_basic"}
    assert "Asked in " in at.chat_message[2].caption[0].value


def test_uploads_report_each_file_and_bad_files_get_the_library_message() -> None:
    bad = (DATA / "bad_out_of_order.txt").read_bytes()
    at = upload(
        start(), ("../../../etc/harbour-bridge.txt", SAMPLE.read_bytes()), ("broken episode.txt", bad)
    )
    errors = [plain(e.value) for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("**broken episode.txt** — line 5: ")
    assert "numbering out of order: expected 3, found 4" in errors[0]
    assert errors[0].count("broken") == 1  # the name is shown once, not again inside the message
    assert not any("/tmp" in e or "uploads/" in e for e in errors)  # no server paths
    ok = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert ok == [":green[:material/check_circle:] **harbour-bridge.txt** — in the library"]
    assert "1 added · 40 utterances indexed" in plain(at.sidebar.caption[0].value)
    assert SAMPLE_TITLE in "\n".join(texts(at.sidebar))
    assert not at.chat_input(key="question").disabled
    assert at.sidebar.file_uploader[0].value in (None, [])  # a fresh uploader for the next files
    assert Assistant.from_settings().search_ready()


def test_an_upload_of_a_transcript_and_its_captions_keeps_the_captions_with_its_title() -> None:
    """The same words in two layouts: one episode, with the captions' times and the numbered file's title."""
    transcript = parse_file(SAMPLE)
    at_second = [f"00:{n // 60:02d}:{n % 60:02d}" for n in range(len(transcript.utterances) + 1)]
    cues = "".join(
        f"{n}\n{at_second[n]},000 --> {at_second[n]},900\n{u.speaker}: {u.text}\n\n"
        for n, u in enumerate(transcript.utterances, 1)
    )
    at = upload(start(), ("harbour-bridge.txt", SAMPLE.read_bytes()), ("captions.srt", cues.encode()))
    shown = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert shown == [
        ":green[:material/check_circle:] **harbour-bridge.txt** — the same words as episode 'captions' "
        f"(“{SAMPLE_TITLE}”) in another layout, so its lines are not stored twice",
        ":green[:material/check_circle:] **captions.srt** — in the library",
    ]
    [kept] = Assistant.from_settings().episodes()
    assert kept.title == SAMPLE_TITLE and kept.duration is not None
    assert f"40 utterances · {format_time(kept.duration)} · " in "\n".join(texts(at.sidebar))


def test_an_upload_of_the_same_transcript_twice_keeps_one_and_says_so() -> None:
    at = upload(
        start(), ("harbour-bridge.txt", SAMPLE.read_bytes()), ("harbour bridge copy.txt", SAMPLE.read_bytes())
    )
    shown = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert shown == [
        ":green[:material/check_circle:] **harbour-bridge.txt** — in the library",
        ":green[:material/check_circle:] **harbour bridge copy.txt** — the same transcript as episode "
        f"'harbour-bridge' (“{SAMPLE_TITLE}”), so its lines are not stored twice",
    ]
    assert not any("/tmp" in line or "uploads/" in line for line in shown)
    assert [e.id for e in Assistant.from_settings().episodes()] == ["harbour-bridge"]


def test_an_upload_in_a_language_search_cannot_read_is_stored_with_a_warning() -> None:
    at = upload(start(), ("panaderia.txt", (DATA / "podcast_spanish.txt").read_bytes()))
    ok = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert ok == [":green[:material/check_circle:] **panaderia.txt** — in the library"]
    warnings = [plain(w.value) for w in at.sidebar.warning]
    assert len(warnings) == 1 and "“La panadería de la estación” looks Spanish" in warnings[0], warnings
    assert "`assistant models fetch embeddinggemma-300m`" in at.sidebar.warning[0].value  # shown as code
    status = [plain(c.value) for c in at.main.caption if "English-only search" in c.value]
    assert len(status) == 1 and "“La panadería de la estación” looks Spanish" in status[0], status


def test_an_upload_of_plain_text_is_stored_and_said_to_have_no_speakers_or_times() -> None:
    text = b"Welcome to the show about bridges.\n\nThe steel arrived late because the mill had a fire.\n"
    at = upload(start(), ("whisper-output.txt", text))
    ok = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert ok == [":green[:material/check_circle:] **whisper-output.txt** — in the library"]
    warnings = [plain(w.value) for w in at.sidebar.warning]
    assert len(warnings) == 1 and "was read as plain text: no speaker labels" in warnings[0], warnings


def test_suggestions_come_from_the_library_and_answers_say_which_episode_they_quote() -> None:
    at = upload(start(), ("podcast_basic.txt", (DATA / "podcast_basic.txt").read_bytes()))
    title = "Roasting at Home … and Why It Smokes"
    suggested = [b.label for b in at.main.button if b.key and b.key.startswith("suggestion-")]
    assert len(suggested) == 3 and suggested[0] == f"What is “{title}” about?"
    assert not any("bridge" in q.lower() for q in suggested)
    at.button(key="suggestion-1").click().run()
    assert not at.exception, at.exception
    user, reply = at.chat_message
    assert user.markdown[0].value == plain(suggested[1]) or plain(user.markdown[0].value) == suggested[1]
    answer: Answer = at.session_state["messages"][1]["answer"]
    assert answer.citations  # a suggested question the library can answer
    assert plain(reply.caption[0].value) == f"From: {title}"


def test_an_upload_over_the_file_count_limit_is_refused_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_FILES", "1")
    at = upload(start(), ("a.txt", SAMPLE.read_bytes()), ("b.txt", SAMPLE.read_bytes()))
    assert "2 files in one upload; the limit is 1" in plain(at.sidebar.error[0].value)
    assert "Your library is empty" in "\n".join(texts(at.main))


def test_deleting_an_episode_asks_first_and_then_empties_the_library() -> None:
    at = with_sample()
    at.button(key="delete-harbour-bridge").click().run()
    assert "Delete this episode" in at.sidebar.warning[0].value
    at.button(key="cancel-delete-harbour-bridge").click().run()
    assert SAMPLE_TITLE in "\n".join(texts(at.sidebar))
    at.button(key="delete-harbour-bridge").click().run()
    at.button(key="confirm-delete-harbour-bridge").click().run()
    assert not at.exception
    assert "Deleted “Why the Harbour Bridge Opened Eight Months Late”." in at.sidebar.success[0].value
    assert "Your library is empty" in "\n".join(texts(at.main))


def test_speakers_are_named_from_the_library_and_answers_use_the_names() -> None:
    at = with_sample()
    at.button(key="name-speakers-harbour-bridge").click().run()
    field = at.text_input(key="speaker-name-harbour-bridge-1")
    assert field.label == "Tomás Reyes" and field.value == "Tomás Reyes"
    field.set_value("Tomás Reyes (engineer)")
    next(b for b in at.button if b.label == "Save names").click().run()
    assert not at.exception, at.exception
    assert at.sidebar.success[0].value == (
        f"Named the speakers of “{SAMPLE_TITLE}”: Tomás Reyes → Tomás Reyes (engineer)."
    )
    assert not [t for t in at.text_input if t.key.startswith("speaker-name-")]  # the form is closed
    at = ask(at, QUESTION)
    assert "Tomás Reyes (engineer)" in "\n".join(texts(at.main))


def test_library_errors_are_messages_not_tracebacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_QUESTION_CHARS", "40")
    at = ask(with_sample(), "Why did the bridge open so very late, and who is to blame for it?")
    assert not at.exception
    reply = answers(at)[0]
    assert "the question is 65 characters long; the limit is 40" in plain(reply.error[0].value)
    # the failed exchange is not sent as history with the next question
    at = ask(at, "Why was it late?")
    assert at.session_state["messages"][-1]["answer"] is not None


def test_a_store_that_cannot_be_opened_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "onnx")
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(tmp_path / "no-model"))
    at = start()
    assert "The library cannot be opened: no ONNX model in" in plain(at.main.error[0].value)
    assert at.text_input(key="cohere_key_input")  # a key can still be entered


def test_export_downloads_the_conversation_with_citations_and_quotes(downloads: dict[str, bytes]) -> None:
    at = start()
    assert at.get("download_button")[0].proto.disabled  # nothing to export yet
    at = ask(with_sample(), QUESTION)
    assert not at.get("download_button")[0].proto.disabled
    markdown = downloads["conversation.md"].decode()
    assert markdown.startswith("# Conversation with your transcripts\n")
    assert f"## Question 1\n\n{QUESTION}\n" in markdown
    assert "### Answer" in markdown and "[1]" in markdown
    assert "**Sources**" in markdown
    assert (
        f"Tomás Reyes — {SAMPLE_TITLE}, utterance #4 (https://example.org/field-notes/harbour-bridge.mp3)"
        in markdown
    )
    assert "  > Three things, really. The steel arrived late" in markdown
    assert "_Offline answer: quoted passages, no language model._" in markdown


# ---- hosted mode against a fake Cohere server ------------------------------------------------------------


class _CohereBridge(BaseHTTPRequestHandler):
    """Serves the project's FakeCohere over real HTTP, so the SDK is reached through CO_API_URL."""

    server: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        request = httpx.Request(
            "POST", f"http://fake{self.path}", headers=dict(self.headers.items()), content=body
        )
        try:
            response = self.server.fake.handle(request)
        except httpx.RequestError:
            self.close_connection = True
            return
        content = response.read()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def cohere_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fakes = pytest.importorskip("providers.cohere_fakes")
    fake = fakes.FakeCohere()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CohereBridge)
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CO_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def test_hosted_answers_with_a_session_key_against_a_fake_cohere(
    cohere_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, key = cohere_server, cohere_server.api_key
    at = with_sample()
    at.text_input(key="cohere_key_input").input(key).run()
    assert not at.exception, at.exception
    assert at.session_state["cohere_key_input"] == ""  # never shown back
    status = plain(at.main.caption[0].value)
    assert "Hosted" in status and "answers by Cohere command-a-03-2025" in status and "session only" in status
    assert at.button(key="forget_key")

    at = ask(at, QUESTION)
    reply = answers(at)[0]
    answer: Answer = at.session_state["messages"][1]["answer"]
    assert answer.mode == "hosted" and answer.citations
    assert " says: " in plain(reply.markdown[0].value) and ":blue-badge[1]" in reply.markdown[0].value
    assert any("Cohere command-a-03-2025" in c.value for c in reply.caption)
    streamed = fake.calls("chat_stream")
    assert len(streamed) == 1 and streamed[0].headers["authorization"] == f"Bearer {key}"
    assert streamed[0].body["documents"]  # grounded in the retrieved utterances
    assert key not in page_text(at)

    # the hosted stream breaks off mid-way: the offline answer replaces it, with a notice
    fake.queue_stream("The bridge was late because", [], message_end=False)
    at = ask(at, "What happened with the soil?")
    reply = answers(at)[1]
    assert "showing the offline answer instead" in plain(reply.warning[0].value)
    assert reply.markdown[0].value.startswith("Offline answer")
    assert "The bridge was late because" not in "\n".join(m.value for m in reply.markdown)
    assert at.session_state["messages"][-1]["answer"].mode == "offline"

    at.button(key="forget_key").click().run()
    assert "Offline" in at.main.caption[0].value
    assert key not in caplog.text  # never logged


def test_hosted_failure_before_any_text_falls_back_with_a_notice(cohere_server: Any) -> None:
    fakes = pytest.importorskip("providers.cohere_fakes")
    at = with_sample()
    at.text_input(key="cohere_key_input").input(cohere_server.api_key).run()
    cohere_server.queue("chat_stream", fakes.error_response(503))
    at = ask(at, QUESTION)
    reply = answers(at)[0]
    assert not at.exception
    assert "hosted model failed" in plain(reply.warning[0].value)
    assert reply.markdown[0].value.startswith("Offline answer")


# ---- helpers, directly -----------------------------------------------------------------------------------


def test_markdown_escaping_keeps_transcript_text_literal() -> None:
    text = "It cost $42 million *and* rising_fast.\n1. first\n# not a heading [link](x) :smile:"
    escaped = chat_markdown.escape(text)
    assert "\\$42" in escaped and "\\*and\\*" in escaped and "rising\\_fast" in escaped
    assert (
        "1\\. first" in escaped
        and "\\# not" in escaped
        and "\\[link\\]" in escaped
        and "\\:smile\\:" in escaped
    )
    assert escaped.split("\n")[0].endswith("  ")  # line breaks are kept


def test_a_notice_shows_its_commands_as_code_and_the_rest_literally() -> None:
    text = "“*Bold* $5 `title`” looks Spanish: run `assistant models fetch embeddinggemma-300m`, then retry."
    shown = chat_markdown.notice(text)
    assert "run `assistant models fetch embeddinggemma-300m`, then" in shown  # the spaces around it kept
    assert "\\*Bold\\* \\$5" in shown and shown.endswith("then retry.")
    assert chat_markdown.notice("no commands: *literal*") == chat_markdown.escape("no commands: *literal*")


def test_an_indented_quote_stays_indented_and_never_becomes_code() -> None:
    escaped = chat_markdown.escape("1. The steel (#1-#9):\n    “It came late.”")
    header, quote = escaped.split("\n")
    assert header == "1\\. The steel (\\#1-\\#9)\\:  "
    assert quote == "\u00a0" * 4 + "“It came late.”" and not quote.startswith(" ")


def test_quoted_words_are_bolded_within_the_turn_and_the_rest_kept_literal() -> None:
    text = "Costs *rose* by $3. The cofferdam flooded twice in March. Then 2. we paid"
    u = Utterance("e", 1, text)
    spans = u.quoted_spans("“… The cofferdam flooded twice in March. …”")
    assert spans == [(20, 57)]
    assert chat_markdown.highlighted(text, spans) == (
        r"Costs \*rose\* by \$3. **The cofferdam flooded twice in March.** Then 2. we paid"
    )
    assert chat_markdown.highlighted(text, []) == chat_markdown.escape(text)
    assert chat_markdown.highlighted("one two three four", [(0, 7), (4, 13)]) == "**one two** three four"


def test_answer_markdown_puts_badges_where_marked_text_puts_markers() -> None:
    u = Utterance("ep", 4, "Three things.", "Tomás Reyes")
    text = "The steel was late. The soil was soft."
    answer = Answer(
        text=text,
        citations=(
            Citation(21, 38, "The soil was soft.", (u,)),
            Citation(0, 19, "The steel was late.", (u,)),
        ),
        mode="hosted",
    )
    rendered, numbered = chat_markdown.answer_markdown(answer)
    assert rendered == "The steel was late. :blue-badge[1] The soil was soft. :blue-badge[2]"
    assert [n for n, _ in numbered] == [1, 2] and numbered[0][1].start == 0


def test_conversation_markdown_without_answers_or_sources() -> None:
    markdown = conversation_markdown(
        [(Turn("user", "Hello?"), None), (Turn("assistant", "_No answer: the question is empty_"), None)], []
    )
    assert markdown == (
        "# Conversation with your transcripts\n\n## Question 1\n\nHello?\n\n### Answer\n\n"
        "_No answer: the question is empty_\n"
    )
    hosted = Answer(
        text="It was late.", citations=(), mode="hosted", model="command-a-03-2025", notice="Cut short."
    )
    markdown = conversation_markdown(
        [(Turn("user", "Late?"), None), (Turn("assistant", hosted.text), hosted)]
    )
    assert "_Answered by Cohere command-a-03-2025._" in markdown and "> **Note:** Cut short." in markdown
    assert "**Sources**" not in markdown
    refused = Answer(text="Nothing answers this.", citations=(), mode="offline", refused=True)
    markdown = conversation_markdown(
        [(Turn("user", "More?"), None), (Turn("assistant", refused.text), refused)]
    )
    assert "_Offline answer, no language model._" in markdown and "quoted passages" not in markdown


def test_the_outline_view_lists_chapters_and_opens_the_transcript_at_one() -> None:
    at = with_sample()
    at.radio(key="view").set_value("Outline").run()
    assert not at.exception, at.exception
    assert not at.chat_input, "the outline replaces the chat"
    outline = Assistant.from_settings().outline("harbour-bridge")
    shown = "\n".join(plain(t) for t in texts(at.main))
    for chapter in outline.chapters:
        assert f"**{chapter.number}. {chapter.title}**" in shown
        assert f"utterances {chapter.first}–{chapter.last}" in shown
        assert "[recording ↗](https://example.org/field-notes/harbour-bridge.mp3)" in shown
        for u in chapter.key_quotes:
            assert f"#{u.number}" in shown and f"> {u.text[:40]}" in shown
    last = outline.chapters[-1]
    at.button(key=f"outline-chapter-{last.number}").click().run()
    assert not at.exception, at.exception
    lines = [m.value for m in at.markdown if " · #" in m.value and m.value.startswith((":orange", "**"))]
    numbers = [int(v.split(" · #")[1].split()[0]) for v in lines if "\n\n>" not in v]
    assert last.first in numbers and min(numbers) == max(1, last.first - 3)
    cited = [v for v in lines if v.startswith(":orange-badge[cited]")]
    assert len(cited) == 1 and f"#{last.first}" in cited[0]


def test_the_outline_of_a_transcript_without_speaker_labels_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "unlabelled.txt"
    said = [
        f"The bakery's rye starter number {n} needed feeding twice a day in winter." for n in range(1, 13)
    ]
    path.write_text("".join(f"{n}\n{line}\n" for n, line in enumerate(said, start=1)), encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest([path]).ok
    a.close()
    at = start()
    at.radio(key="view").set_value("Outline").run()
    assert not at.exception, at.exception
    shown = "\n".join(plain(t) for t in texts(at.main))
    assert shown.count("speakers are not labelled in this transcript") == 1, shown
    assert "unattributed" not in shown.lower()
    assert re.search(r"^#\d+\n\n> The bakery", shown, re.MULTILINE), shown


def test_the_outline_of_a_timed_transcript_gives_each_chapter_and_quote_its_time(tmp_path: Path) -> None:
    said = [f"Ada: The bakery's rye starter number {n} needed feeding twice a day." for n in range(12)]
    cues = [
        f"{n + 1}\n00:00:{5 * n:02d},000 --> 00:00:{5 * n + 4:02d},000\n{c}\n" for n, c in enumerate(said)
    ]
    (tmp_path / "timed.srt").write_text("\n".join(cues), encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest([tmp_path / "timed.srt"]).ok
    outline = a.outline("timed")
    a.close()
    at = start()
    at.radio(key="view").set_value("Outline").run()
    assert not at.exception, at.exception
    shown = "\n".join(plain(t) for t in texts(at.main))
    for c in outline.chapters:
        assert c.start is not None and c.end is not None
        assert f"{format_time(c.start)}–{format_time(c.end)} · utterances {c.first}–{c.last}" in shown, shown
        for u in c.key_quotes:
            assert u.start is not None and f"#{u.number} · {format_time(u.start)}" in shown, shown


def test_a_quote_far_into_a_long_turn_is_sourced_and_opened_where_it_is_said(tmp_path: Path) -> None:
    url = "https://example.org/harbour.mp3"
    a = Assistant.from_settings()
    assert a.ingest([write_long_turn(tmp_path / "harbour.json")], source_url=url).ok
    a.close()
    reply = answers(ask(start(), "Why did the cofferdam flood?"))[0]
    assert "Speaker B at 2:16: “… The cofferdam flooded twice in March" in plain(reply.markdown[0].value)
    source = plain(reply.expander[0].markdown[0].value)
    assert "utterance 2 · 1:00, quoted at 2:16" in source and f"[source at 2:16 ↗]({url}#t=136)" in source
    at = reply.button[0].click().run()
    assert not at.exception, at.exception
    (opened,) = at.get("link_button")
    assert (opened.proto.label, opened.proto.url) == ("Open the source at 2:16", f"{url}#t=136")
    (cited,) = [plain(m.value) for m in at.markdown if m.value.startswith(":orange-badge[cited]")]
    assert "I would do the survey differently next time." in cited  # the whole turn, the quote in bold:
    assert "**The cofferdam flooded twice in March because the pumps failed.**" in cited
    assert cited.count("**") == 4  # and the speaker's name


def test_tell_me_more_as_a_first_question_asks_for_the_whole_question() -> None:
    at = ask(with_sample(), "Tell me more")
    reply = answers(at)[-1]
    assert "follows on from an earlier question" in plain(reply.markdown[0].value)
    captions = [plain(c.value) for c in reply.caption]
    assert any(c.startswith("Offline answer · 0 sources") for c in captions), captions
    assert not any("quoted passages" in c for c in captions), "a refusal quotes nothing"


def test_an_upload_of_a_word_document_with_a_heading_is_stored_and_the_heading_said() -> None:
    import io

    from docx import Document

    document = Document()
    for line in [
        "Weekly sync",
        "Alice Smith   0:03",
        "The printer quoted twelve thousand.",
        "Bob Jones   0:10",
        "Hi.",
    ]:
        document.add_paragraph(line)
    data = io.BytesIO()
    document.save(data)
    at = upload(start(), ("sync.docx", data.getvalue()))
    ok = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert ok == [":green[:material/check_circle:] **sync.docx** — in the library"]
    warnings = [plain(w.value) for w in at.sidebar.warning]
    assert (
        len(warnings) == 1
        and "its first line (Weekly sync) stood above the first speaker line" in warnings[0]
    )


def test_an_upload_of_a_pdf_transcript_is_stored_with_its_speakers() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in ["Alice Smith: The printer quoted twelve thousand.", "Bob Jones: Is that with the paper?"]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    at = upload(start(), ("quote.pdf", bytes(pdf.output())))
    ok = [plain(m.value) for m in at.sidebar.markdown if "check_circle" in m.value]
    assert ok == [":green[:material/check_circle:] **quote.pdf** — in the library"]
    at.chat_input[0].set_value("What did the printer quote?").run(timeout=60)
    answer = plain(at.chat_message[-1].markdown[0].value)
    assert "Alice Smith" in answer and "twelve thousand" in answer
