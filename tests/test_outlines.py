"""Whole-episode outlines through the public API: stored at ingest, shown by the CLI, answering summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, SAMPLES
from providers.cohere_fakes import FakeCohere

from assistant import Assistant, Chapter, InputError, Outline, shortened
from assistant.cli import cli


def _check_chapters(a: Assistant, outline: Outline, episode_id: str) -> None:
    transcript = {u.number: u for u in a.transcript(episode_id)}
    assert outline.episode_id == episode_id and outline.chapters
    assert outline.chapters[0].first == min(transcript) and outline.chapters[-1].last == max(transcript)
    for before, after in zip(outline.chapters, outline.chapters[1:], strict=False):
        assert after.first == before.last + 1
    for chapter in outline.chapters:
        assert isinstance(chapter, Chapter) and chapter.title and chapter.key_quotes
        for u in chapter.key_quotes:
            assert chapter.first <= u.number <= chapter.last and transcript[u.number] == u


def test_outline_is_stored_at_ingest_and_recomputed_when_the_file_changes(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(sample_copy)
    stored = a.store.outline("harbour-bridge")
    assert stored, "the outline is written with the episode record"
    outline = a.outline("Why the Harbour")  # a start of the title
    assert outline == Outline.from_dict(json.loads(stored))
    _check_chapters(a, outline, "harbour-bridge")
    assert outline.chapters[-1].last == 40

    lines = sample_copy.read_text(encoding="utf-8").splitlines()
    sample_copy.write_text("\n".join(lines[: lines.index("31")]) + "\n", encoding="utf-8")
    assert a.ingest(sample_copy).updated == ["harbour-bridge"]
    again = a.outline("harbour-bridge")
    assert again.chapters[-1].last == 30 and json.loads(a.store.outline("harbour-bridge"))["chapters"]
    _check_chapters(a, again, "harbour-bridge")


def _store_written_by_hand(a: Assistant, folder: Path, outline: str | None) -> Assistant:
    """A store holding the sample episode as `a` stored it, with `outline` (JSON) or none beside it."""
    from assistant.index.embedders import document_text
    from assistant.ingest.details import details_utterance

    other = Assistant.from_settings(store=folder)
    episode = a.episode("harbour-bridge")
    rows = [details_utterance(episode), *a.transcript("harbour-bridge")]
    vectors = a.embedder.embed_documents([document_text(u, a.store.documents) for u in rows])
    other.store.write_episode(episode, rows, vectors, outline)
    return other


def test_a_store_written_before_outlines_computes_one_from_its_vectors(tmp_path: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    older = _store_written_by_hand(a, tmp_path / "older", None)
    assert older.store.outline("harbour-bridge") is None
    assert older.outline("harbour-bridge") == a.outline("harbour-bridge")


def test_an_outline_stored_by_an_older_method_is_rebuilt_when_read(tmp_path: Path) -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    fresh = a.outline("harbour-bridge")
    stale = Outline("harbour-bridge", fresh.chapters[:1], "an older method")
    older = _store_written_by_hand(a, tmp_path / "older", json.dumps(stale.to_dict()))
    assert Outline.from_dict(json.loads(older.store.outline("harbour-bridge") or "")) == stale
    assert older.outline("harbour-bridge") == fresh


def test_unknown_episode_is_an_input_error() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    with pytest.raises(InputError, match="unknown episode"):
        a.outline("no-such-episode")


def test_cli_outline_text_and_json() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(SAMPLES)], obj={}).exit_code == 0
    result = runner.invoke(cli, ["outline", "why the harbour"], obj={}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    outline = Assistant.from_settings().outline("harbour-bridge")
    first = outline.chapters[0]
    assert "Why the Harbour Bridge Opened Eight Months Late (harbour-bridge)" in result.output
    assert f"{first.number}. {first.title} (#{first.first}–#{first.last})" in result.output
    for u in first.key_quotes:
        assert f"#{u.number} {u.speaker}: “{u.text}”" in result.output

    as_json = runner.invoke(cli, ["outline", "harbour-bridge", "--json"], obj={}, catch_exceptions=False)
    assert Outline.from_dict(json.loads(as_json.stdout)) == outline

    unknown = runner.invoke(cli, ["outline", "nope"], obj={})
    assert unknown.exit_code != 0 and "unknown episode 'nope'" in unknown.output
    assert "Traceback" not in unknown.output


def test_cli_outline_needs_no_episode_when_the_library_holds_one_and_cuts_long_quotes(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(SAMPLES)], obj={}).exit_code == 0
    only = runner.invoke(cli, ["outline"], obj={}, catch_exceptions=False)
    assert only.exit_code == 0 and "(harbour-bridge): " in only.output
    assert runner.invoke(cli, ["ingest", str(DATA / "kickoff_meeting.txt")], obj={}).exit_code == 0
    ambiguous = runner.invoke(cli, ["outline"], obj={})
    assert ambiguous.exit_code == 2 and "name one, e.g. `assistant outline" in ambiguous.output
    assert "harbour-bridge" in ambiguous.output and "Traceback" not in ambiguous.output

    store = tmp_path / "one"
    talk = tmp_path / "long-turns.txt"
    sentence = "{} the {} and the {} of the {} kept coming back as we planned the next release of the {}."
    topics = [("oven", "bread", "crust", "flour", "bakery"), ("bridge", "steel", "cable", "river", "harbour")]
    talk.write_text(
        "\n".join(
            f"{'Ana' if i % 2 else 'Bo'}: " + " ".join(sentence.format(*topics[i // 50]) for _ in range(4))
            for i in range(100)
        ),
        encoding="utf-8",
    )
    assert runner.invoke(cli, ["--store", str(store), "ingest", str(talk)], obj={}).exit_code == 0
    short = runner.invoke(cli, ["--store", str(store), "outline"], obj={}, catch_exceptions=False)
    full = runner.invoke(cli, ["--store", str(store), "outline", "--full"], obj={}, catch_exceptions=False)
    assert short.exit_code == full.exit_code == 0, short.output
    quotes = [
        u for c in Assistant.from_settings(store=store).outline("long-turns").chapters for u in c.key_quotes
    ]
    assert quotes and all(len(u.text) > 240 for u in quotes)
    for u in quotes:
        assert f"#{u.number} {u.speaker}: “{shortened(u.text, 240)}”" in short.output
        assert u.text not in short.output and f"“{u.text}”" in full.output


def test_key_takeaways_offline_are_chapter_lines_each_citing_real_utterances() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    answer = a.ask("What are the key takeaways?")
    outline = a.outline("harbour-bridge")
    assert answer.mode == "offline" and not answer.refused
    transcript = {u.id: u for u in a.transcript("harbour-bridge")}
    label, head, *lines = answer.text.splitlines()
    assert label.startswith("Offline answer:") and head.startswith("The episode in")
    headers = [line for line in lines if not line.startswith(" ")]
    assert [h.split(" (")[0] for h in headers] == [f"{c.number}. {c.title}" for c in outline.chapters]
    quoted = [line for line in lines if line.startswith(" ")]
    assert len(quoted) == len(answer.citations) == sum(len(c.key_quotes) for c in outline.chapters)
    for line, citation in zip(quoted, answer.citations, strict=True):
        assert answer.text[citation.start : citation.end] == citation.text == line
        (u,) = citation.utterances
        assert transcript[u.id] == u and line.startswith(f"   {u.speaker}: “")
    assert [h.utterance for h in answer.hits] == [u for c in outline.chapters for u in c.key_quotes]
    # a fact question still goes through search
    assert "chapter" not in a.ask("Why did the steel arrive late?").text


def test_the_part_about_x_quotes_the_passages_about_x_under_their_chapters() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    outline = a.outline("harbour-bridge")
    found = a.search("the approval", k=6, episode="harbour-bridge")
    assert found[0].utterance.text == "How long did the approval take?"
    answer = a.ask("Summarize the part about the approval")
    label, head, *lines = answer.text.splitlines()
    assert label.startswith("Offline answer:") and head == "The part of the episode about the approval:"
    cited = {u.number for u in answer.cited_utterances}
    assert 10 in cited and 9 not in cited, "the reply ('Almost four months…') is quoted, not the question"
    assert cited == {h.utterance.number for h in found} - {9}
    under: list[int] = []  # the quoted turns, each under the header of the chapter that holds it
    for line in lines:
        if not line.startswith(" "):
            chapter = next(c for c in outline.chapters if line.startswith(f"{c.number}. {c.title}"))
            continue
        (u,) = next(c.utterances for c in answer.citations if answer.text[c.start : c.end] == line)
        assert chapter.first <= u.number <= chapter.last
        under.append(u.number)
    assert under == sorted(under) and set(under) == cited


def test_a_follow_up_asks_about_its_own_x_in_the_shape_of_the_question_before() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    chat = a.chat()
    first = chat.ask("What did they discuss about the steel from Finland?")
    assert "\nThe part of the episode about the steel from Finland:" in first.text
    again = chat.ask("And about the approval?")
    assert "\nThe part of the episode about the approval:" in again.text
    assert again.query == "the approval", "what was searched for, as the browser's 'searched as' line says"
    assert 10 in {u.number for u in again.cited_utterances}  # "Almost four months…"
    assert again.cited_utterances != first.cited_utterances


def test_the_part_about_x_quotes_a_short_reply_after_the_question_it_answers(tmp_path: Path) -> None:
    turns = [
        "Host: Welcome back to the show, where we talk about boats and the people who build them.",
        "Host: Was the hull of your first boat made of cedar?",
        "Guest: Yes, it was.",
        "Host: Lovely. Tell me about the sails and who sewed them for you.",
        "Guest: My grandmother sewed the sails by hand over a long winter, from old canvas.",
    ]
    (tmp_path / "boats.txt").write_text(
        "".join(f"{n}\n{t}\n" for n, t in enumerate(turns, 1)), encoding="utf-8"
    )
    a = Assistant.from_settings()
    assert a.ingest(tmp_path / "boats.txt").ok
    answer = a.ask("Summarize the part about the cedar hull")
    quoted = [line.strip() for line in answer.text.splitlines() if line.startswith("   ")]
    assert quoted.index("Host: “Was the hull of your first boat made of cedar?”") + 1 == quoted.index(
        "Guest: “Yes, it was.”"
    ), "the reply says nothing without the question it answers"
    assert {2, 3} <= {u.number for u in answer.cited_utterances}


def test_the_part_about_something_never_discussed_is_refused_offline() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    answer = a.ask("Summarize the part about the risotto recipe")
    assert answer.refused and not answer.citations
    assert "part of the episode" not in answer.text and "risotto" in (answer.notice or "")
    assert not a.ask("Summarize the part about the approval").refused


def test_whole_episode_question_without_a_scope_names_the_episode_it_chose(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    text = (SAMPLES / "harbour-bridge.txt").read_text(encoding="utf-8")
    (folder / "harbour-bridge.txt").write_text(text, encoding="utf-8")
    other = text.replace("Harbour Bridge", "Canal Lock").replace("bridge", "lock")  # other words: not a copy
    (folder / "other.txt").write_text(other, encoding="utf-8")
    a = Assistant.from_settings()
    a.ingest(folder)
    assert len(a.episodes()) == 2
    chosen = a.ask("Summarise the episode", episode="harbour-bridge")
    assert not chosen.notice and {u.episode_id for u in chosen.cited_utterances} == {"harbour-bridge"}
    guessed = a.ask("What are the key takeaways about the canal lock?")
    assert guessed.notice and "the episode that best matches" in guessed.notice
    assert "\nThe episode in " in guessed.text, "the focus names the episode: its whole outline"
    assert len({u.episode_id for u in guessed.cited_utterances}) == 1


@pytest.mark.parametrize(
    ("question", "episode"),
    [
        ("What happened in the kickoff meeting?", "kickoff_meeting"),
        ("Summarize kickoff_meeting", "kickoff_meeting"),
        ("What was the harbour bridge episode about?", "harbour-bridge"),
    ],
)
def test_a_whole_episode_question_that_names_its_episode_gets_that_outline(
    question: str, episode: str
) -> None:
    """A file's name with "_" or "-" is written with spaces, and the name is the episode, not a part of it."""
    a = Assistant.from_settings()
    a.ingest([SAMPLES / "harbour-bridge.txt", DATA / "kickoff_meeting.txt"])
    answer = a.ask(question)
    assert "\nThe episode in " in answer.text, answer.text
    assert answer.notice and "named in the question" in answer.notice
    assert {u.episode_id for u in answer.cited_utterances} == {episode}


def test_a_dated_file_is_named_without_its_date_and_what_someone_said_in_it_is_their_turns(
    tmp_path: Path,
) -> None:
    dated = tmp_path / "Team Sync 2024-03-01.txt"
    dated.write_text((DATA / "kickoff_meeting.txt").read_text(encoding="utf-8"), encoding="utf-8")
    a = Assistant.from_settings()
    a.ingest([SAMPLES / "harbour-bridge.txt", dated])
    whole = a.ask("What happened in the team sync?")
    assert "\nThe episode in " in whole.text and whole.notice and "named in the question" in whole.notice
    said = a.ask("What did Marketing say in the team sync?")
    assert "What Marketing said, by chapter:" in said.text, said.text
    assert {u.speaker for u in said.cited_utterances} == {"Marketing"}


def test_words_of_a_file_name_without_a_word_for_an_episode_are_a_topic() -> None:
    a = Assistant.from_settings()
    a.ingest([SAMPLES / "harbour-bridge.txt", DATA / "kickoff_meeting.txt"])
    answer = a.ask("Who paid for the harbour bridge?")
    assert not answer.notice or "named in the question" not in answer.notice


def test_hosted_summary_sends_the_key_quotes_and_is_paid_for_once(tmp_path: Path) -> None:
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    a.ingest(SAMPLES)
    outline = a.outline("harbour-bridge")
    quotes = [u.id for c in outline.chapters for u in c.key_quotes]

    answer = a.ask("What are the key takeaways?")
    assert answer.mode == "hosted" and answer.citations and not answer.refused
    sent = fake.bodies("chat_stream")
    assert len(sent) == 1 and [d["id"] for d in sent[0]["documents"]] == quotes
    assert {u.id for u in answer.cited_utterances} <= set(quotes)
    assert not fake.calls("rerank"), "nothing is searched for a whole-episode question"
    assert list((tmp_path / "s" / "summaries").glob("*.json"))

    again = a.ask("What are the key takeaways?")
    assert len(fake.bodies("chat_stream")) == 1, "served from the cache"
    assert (again.text, again.citations, again.mode) == (answer.text, answer.citations, "hosted")
    assert [h.utterance.id for h in again.hits] == quotes

    fresh = Assistant.from_settings(
        store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client()
    )
    assert fresh.ask("what are the key  takeaways?").text == answer.text
    assert len(fake.bodies("chat_stream")) == 1, "the cache is on disk, shared by processes"


def test_a_hosted_summary_of_the_part_about_x_sends_the_passages_about_x(tmp_path: Path) -> None:
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    a.ingest(SAMPLES)
    hits = a.search("the steel from Finland", k=6, episode="harbour-bridge")
    found = [h.utterance.id for h in hits]
    replies = {u.id for h in hits for u in h.context}  # a passage that asks is sent with its reply
    answer = a.ask("Summarize the part about the steel from Finland")
    assert answer.mode == "hosted" and answer.citations
    sent = fake.bodies("chat_stream")
    ids = [d["id"] for d in sent[0]["documents"]] if len(sent) == 1 else []
    assert [i for i in ids if i in found] == found and set(ids) - set(found) <= replies, ids
    assert {u.id for u in answer.cited_utterances} <= set(found) | replies


def test_a_long_hosted_summary_says_what_it_will_cost_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.chat import outlines

    monkeypatch.setattr(outlines, "LONG_SUMMARY_QUOTES", 1)  # the sample's outline is short
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    a.ingest(SAMPLES)
    events = list(a.stream("Give me a summary"))
    notices = [e.text for e in events if e.kind == "notice"]
    assert len(notices) == 1 and "key passages" in notices[0] and "command-a-03-2025" in notices[0]
    assert "$" in notices[0]
    assert events.index(next(e for e in events if e.kind == "notice")) < events.index(
        next(e for e in events if e.kind == "text")
    )
    again = [e for e in a.stream("Give me a summary") if e.kind == "notice"]
    assert not again, "a cached summary costs nothing, so nothing is announced"


def test_what_one_speaker_said_is_their_turns_chapter_by_chapter() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    outline = a.outline("harbour-bridge")
    for question in (
        "What did Tomás say?",
        "what did tomás reyes talk about in the episode",
        "What was Tomás's main point?",
    ):
        answer = a.ask(question)
        assert "\nWhat Tomás Reyes said, by chapter:\n" in answer.text, question
        cited = answer.cited_utterances
        assert cited and {u.speaker for u in cited} == {"Tomás Reyes"}
        for chapter in outline.chapters:  # the sample's Tomás speaks in every chapter
            assert len([u for u in cited if chapter.first <= u.number <= chapter.last]) == 3
    filtered = a.ask("What are the key takeaways?", speaker="tomás reyes")
    assert filtered.cited_utterances == a.ask("What did Tomás say?").cited_utterances


def test_what_someone_said_about_a_subject_or_an_unknown_name_is_searched() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    about = a.ask("What are the key takeaways about the steel?", speaker="Nadia Brooks")
    assert "chapter" not in about.text
    assert about.hits and all(h.utterance.speaker == "Nadia Brooks" for h in about.hits)
    assert about.cited_utterances and {u.speaker for u in about.cited_utterances} == {"Nadia Brooks"}, (
        "her question about the steel (#13) is quoted, not Tomás's reply to it"
    )
    for question in ("What did Tomás say about the soil?", "What did Tomás's crew say?", "What did Bob say?"):
        assert "said, by chapter" not in a.ask(question).text, question
    bob = a.ask("What did Bob say?").notice or ""
    assert "No speaker in the library is called “Bob”; speakers: Nadia Brooks, Tomás Reyes." in bob


def test_a_summary_of_what_someone_said_quotes_their_turns() -> None:
    """A summary that names whose view it wants is answered from that speaker's turns: all of them by chapter,
    or those about the subject it goes on to name, searched for it alone; when none of theirs answers, theirs
    next to the passages about it. A name within the subject ("the discussion of Tomás's ideas") is no such
    speaker."""
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    points = a.ask("What were Nadia's main points?")
    assert "\nWhat Nadia Brooks said, by chapter:\n" in points.text
    assert points.cited_utterances and {u.speaker for u in points.cited_utterances} == {"Nadia Brooks"}
    for question in ("Summarize Tomás's views on the soil", "Summarize what Tomás said about the soil."):
        soil = a.ask(question)
        assert soil.notice == "Searched only the turns of Tomás Reyes, named in the question.", question
        assert soil.query == "the soil" and not soil.refused, question
        assert soil.hits and {h.utterance.speaker for h in soil.hits} == {"Tomás Reyes"}, question
        assert 6 in [u.number for u in soil.cited_utterances], question
    clay = a.ask("Summarize Nadia's views on the soft clay")  # Tomás names it (#6); she asks around it
    assert clay.notice == (
        "No turn of Nadia Brooks answers for “the soft clay” by itself; quoted: theirs where it is discussed."
    )
    assert "\nWhat Nadia Brooks said about the soft clay, by chapter:\n" in clay.text
    assert clay.cited_utterances and {u.speaker for u in clay.cited_utterances} == {"Nadia Brooks"}
    assert all(abs(u.number - 6) <= 4 for u in clay.cited_utterances), clay.text
    ideas = a.ask("Summarize the discussion about Tomás's ideas")
    assert "Searched only" not in (ideas.notice or "") and "said, by chapter" not in ideas.text


def test_a_hosted_answer_about_what_one_speaker_said_sends_their_turns(tmp_path: Path) -> None:
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    a.ingest(SAMPLES)
    answer = a.ask("What did Tomás say?")
    assert answer.mode == "hosted" and answer.citations
    sent = fake.bodies("chat_stream")
    ids = [d["id"] for d in sent[0]["documents"]] if len(sent) == 1 else []
    speakers = {u.id: u.speaker for u in a.transcript("harbour-bridge")}
    assert ids and {speakers[i] for i in ids} == {"Tomás Reyes"}
    assert {u.id for u in answer.cited_utterances} <= set(ids)


def test_and_someone_else_after_what_one_speaker_said_asks_the_same_of_them() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    chat = a.chat()
    assert {u.speaker for u in chat.ask("What did Tomás say?").cited_utterances} == {"Tomás Reyes"}
    nadia = chat.ask("And Nadia?")
    assert "\nWhat Nadia Brooks said, by chapter:\n" in nadia.text
    assert {u.speaker for u in nadia.cited_utterances} == {"Nadia Brooks"}
    assert nadia.query == "And Nadia?", "nothing was searched as the question before and this one"
    assert "Tomás Reyes said" in chat.ask("What about Tomás Reyes?").text, "a run of such follow-ups"
    assert "said, by chapter" not in chat.ask("And the soil?").text
    fresh = a.chat()
    assert "said, by chapter" not in fresh.ask("And Nadia?").text, "no question before to take the shape of"


def test_tell_me_more_after_an_outline_quotes_what_was_not_quoted_yet() -> None:
    a = Assistant.from_settings()
    a.ingest(SAMPLES)
    chat = a.chat()
    first = chat.ask("What are the key takeaways?")
    second = chat.ask("Tell me more")
    third = chat.ask("Tell me more")
    assert "\nMore from the episode, by chapter:\n" in second.text and "\nMore from" in third.text
    seen = [set(x.cited_utterances) for x in (first, second, third)]
    assert all(seen) and not seen[0] & seen[1] and not (seen[0] | seen[1]) & seen[2]

    tomas = chat.ask("What did Tomás say?")
    more = chat.ask("Go on")
    assert "\nMore of what Tomás Reyes said, by chapter:\n" in more.text
    assert {u.speaker for u in more.cited_utterances} == {"Tomás Reyes"}
    assert not set(more.cited_utterances) & set(tomas.cited_utterances)


def test_hosted_tell_me_more_is_not_served_another_runs_summary(tmp_path: Path) -> None:
    fake = FakeCohere(dimension=64)
    a = Assistant.from_settings(store=tmp_path / "s", settings=fake.settings(), cohere_client=fake.client())
    a.ingest(SAMPLES)
    first = a.chat()
    outline = first.ask("What are the key takeaways?")
    after_outline = first.ask("Tell me more")
    second = a.chat()
    tomas = second.ask("What did Tomás say?")
    after_tomas = second.ask("Tell me more")
    sent = [[d["id"] for d in body["documents"]] for body in fake.bodies("chat_stream")]
    assert len(sent) == 4, "each summary was asked for: none came from another's cache"
    assert {u.id for u in outline.cited_utterances}.isdisjoint(sent[1])
    assert {u.id for u in tomas.cited_utterances}.isdisjoint(sent[3])
    assert after_outline.mode == after_tomas.mode == "hosted"
    assert not fake.calls("chat"), '"Tell me more" is the question before: no model rewrites it'


def test_what_someone_said_in_a_transcript_without_labels_is_its_outline_said_so(tmp_path: Path) -> None:
    text = (SAMPLES / "harbour-bridge.txt").read_text(encoding="utf-8")
    details, said = text.split("--- METADATA END ---")
    plain = "\n".join(line.split(": ", 1)[-1] for line in said.splitlines())  # no labels, details kept
    (tmp_path / "plain.txt").write_text(details + "--- METADATA END ---" + plain, encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest(tmp_path / "plain.txt").ok
    answer = a.ask("What did Tomás say?")
    assert "\nThe episode in " in answer.text and answer.citations
    assert answer.notice and "does not label its speakers, so Tomás Reyes's turns cannot be picked out" in (
        answer.notice
    )
    assert "No speaker" not in answer.notice
    views = a.ask("Summarize Tomás's views on the soil")  # a summary of whose view: said so too
    assert "The part of the episode about the soil:" in views.text and views.citations
    assert views.notice == (
        "“Why the Harbour Bridge Opened Eight Months Late” does not label its speakers, so Tomás Reyes's "
        "turns cannot be picked out; here is the part of the episode about the soil instead."
    )
    points = a.ask("What were Tomás's main points?")
    assert "here is the whole episode's outline instead" in (points.notice or "")


def test_the_part_about_x_quotes_a_long_turn_that_states_x_before_it_asks() -> None:
    a = Assistant.from_settings()
    assert a.ingest([DATA / "kickoff_meeting.txt"]).ok
    answer = a.ask("Summarize the part about the budget")
    assert "The part of the episode about the budget:" in answer.text
    assert 2 in {u.number for u in answer.cited_utterances}, (
        "the budget turn says it, not the reply to its question"
    )


@pytest.mark.parametrize(
    "question", ["What did the marketing expert say?", "What did the user interface designer say?"]
)
def test_a_role_label_and_a_word_for_its_holder_name_that_speaker(question: str) -> None:
    """Meetings label people by role ("Marketing", "User Interface"); people say "the marketing expert"."""
    a = Assistant.from_settings()
    a.ingest(DATA / "kickoff_meeting.txt")
    said = a.ask(question)
    label = "Marketing" if "marketing" in question else "User Interface"
    assert f"What {label} said, by chapter:" in said.text, said.text
    assert {u.speaker for u in said.cited_utterances} == {label}
    team = a.ask("What did the marketing team say?")  # a team is not the one who holds the label
    assert "said, by chapter" not in team.text


def test_what_someone_said_where_a_subject_is_discussed_is_a_statement_of_theirs(tmp_path: Path) -> None:
    lines = [
        "Designer: The battery is the biggest cost in this design, a lithium cell alone takes half of it.",
        "Marketing: Yeah.",
        "Designer: We could use two small cells in place of the lithium one.",
        "Designer: That would halve the cost of the whole thing.",
        "Marketing: Customers mostly care about how long it lasts between charges.",
        "Designer: The case will be plastic, in three colours.",
        "Marketing: Young people like bright colours, so yellow and red should be among them.",
    ]
    path = tmp_path / "design_meeting.txt"
    path.write_text("".join(f"{n}\n{t}\n" for n, t in enumerate(lines, start=1)), encoding="utf-8")
    a = Assistant.from_settings()
    a.ingest(path)
    answer = a.ask("Summarize Marketing's opinions on the battery")
    assert "quoted: theirs where it is discussed" in (answer.notice or ""), answer.notice
    assert [u.number for u in answer.cited_utterances] == [5], answer.text
