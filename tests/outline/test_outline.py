import json
from dataclasses import replace

import numpy as np
import pytest

from assistant.outline.answer import (
    answer_from_outline,
    is_whole_episode_question,
    speaker_asked_about,
    speaker_asked_next,
)
from assistant.outline.build import build_outline, chapter_quotes
from assistant.outline.segment import SegmentParams, equal_segments, segment, texttiling
from assistant.outline.titles import chapter_titles
from assistant.outline.types import Outline
from assistant.types import Utterance, format_time

TOPICS = {
    "cooking": "the pasta sauce needs garlic tomatoes basil olive oil and slow simmering in the pan",
    "football": "the striker scored a goal after the midfielder passed the ball past the defender",
    "taxes": "the accountant filed the income tax return with deductions receipts and the refund",
}


def synthetic_episode(lengths=(60, 50, 70), dim=64, seed=0):
    """Three topics in a row: each topic's vectors scatter around its own direction, with backchannels
    and empty turns sprinkled in; the texts carry the topic's words."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(lengths), dim))
    rows, texts = [], []
    for topic, (name, length) in enumerate(zip(list(TOPICS)[: len(lengths)], lengths, strict=True)):
        words = TOPICS[name].split()
        for i in range(length):
            if i % 13 == 5:
                texts.append("")
            elif i % 7 == 3:
                texts.append("Yeah.")
            else:
                texts.append(" ".join(rng.choice(words, size=12)))
            rows.append(centres[topic] + 1.2 * rng.standard_normal(dim))
    v = np.array(rows)
    return v / np.linalg.norm(v, axis=1, keepdims=True), texts


def utterances_for(texts, episode="ep"):
    return [Utterance(episode, i + 1, t, start=10.0 * i) for i, t in enumerate(texts)]


@pytest.mark.parametrize("lexical", [True, False])
def test_segment_finds_obvious_topic_shifts(lexical):
    v, texts = synthetic_episode()
    bounds = segment(v, texts, SegmentParams(min_words=200, lexical=lexical))
    assert len(bounds) == 2
    assert abs(bounds[0] - 60) <= 2 and abs(bounds[1] - 110) <= 2


def test_the_shortest_chapter_is_counted_in_words_not_utterances():
    """An hour pasted as one block is read as ~100-word passages: 20 of them hold a topic (2,000 words)."""
    v, texts = synthetic_episode(lengths=(20, 20, 20))
    passages = [" ".join([t] * 8) if t else "" for t in texts]  # ~96 words where a turn had 12
    bounds = segment(v, passages, SegmentParams(words_per_chapter=None))
    assert len(bounds) == 2 and abs(bounds[0] - 20) <= 2 and abs(bounds[1] - 40) <= 2
    assert segment(v, texts, SegmentParams(words_per_chapter=None)) == []  # 12-word turns: too short


def test_segment_with_a_given_count_and_on_one_topic():
    v, texts = synthetic_episode()
    assert len(segment(v, texts, SegmentParams(min_words=200), count=3)) == 2
    one_v, one_texts = synthetic_episode(lengths=(150,))
    assert segment(one_v, one_texts, SegmentParams(min_words=200)) == []


def test_segment_short_or_empty_episodes():
    assert segment(np.zeros((5, 8)), [""] * 5) == []
    v, texts = synthetic_episode()
    with pytest.raises(ValueError):
        segment(v[:-1], texts)


def test_baselines():
    assert equal_segments(100, 4) == [25, 50, 75]
    assert equal_segments(10, 1) == []
    _, texts = synthetic_episode()
    bounds = texttiling(texts, w=10, k=5)
    assert any(abs(b - 60) <= 5 for b in bounds) and any(abs(b - 110) <= 5 for b in bounds)


def test_outline_chapters_titles_and_json_round_trip():
    v, texts = synthetic_episode()
    utterances = utterances_for(texts)
    outline = build_outline("ep", utterances, v, SegmentParams(min_words=200))
    assert [c.number for c in outline.chapters] == [1, 2, 3]
    assert outline.chapters[0].first == 1 and outline.chapters[-1].last == len(texts)
    for before, after in zip(outline.chapters, outline.chapters[1:], strict=False):
        assert after.first == before.last + 1
    assert any(w in outline.chapters[1].title.lower() for w in TOPICS["football"].split() if len(w) > 3)
    for chapter in outline.chapters:
        assert 1 <= len(chapter.key_quotes) <= 3
        assert all(chapter.first <= u.number <= chapter.last for u in chapter.key_quotes)
        assert all(len(u.text.split()) >= 8 for u in chapter.key_quotes)
    stored = json.loads(json.dumps(outline.to_dict()))
    assert Outline.from_dict(stored) == outline


def test_key_quotes_state_rather_than_ask():
    v, texts = synthetic_episode()
    asked = [t + "?" if i % 2 == 0 and t.strip() else t for i, t in enumerate(texts)]
    outline = build_outline("ep", utterances_for(asked), v, SegmentParams(min_words=200))
    quotes = [u for c in outline.chapters for u in c.key_quotes]
    assert quotes and not any(u.text.endswith("?") for u in quotes)


def test_answer_cites_key_quotes_that_are_real_utterances():
    v, texts = synthetic_episode()
    utterances = utterances_for(texts)
    outline = build_outline("ep", utterances, v, SegmentParams(min_words=200))
    text, citations = answer_from_outline(outline)
    quotes = [u for c in outline.chapters for u in c.key_quotes]
    assert [c.utterances for c in citations] == [(u,) for u in quotes]  # one line, one turn
    by_number = {u.number: u for u in utterances}
    for citation in citations:
        assert text[citation.start : citation.end] == citation.text
        (u,) = citation.utterances
        assert by_number[u.number] == u
        assert citation.text.startswith("   “") and u.text[:40] in citation.text
    for chapter in outline.chapters:
        assert f"\n{chapter.number}. {chapter.title} (" in text


def test_focused_answer_quotes_the_passages_under_the_chapters_that_hold_them():
    v, texts = synthetic_episode()
    utterances = utterances_for(texts)
    outline = build_outline("ep", utterances, v, SegmentParams(min_words=200))
    goals = [u for u in utterances if "goal" in u.text][:3]
    refund = next(u for u in utterances if "refund" in u.text)
    passages = [goals[2], refund, goals[0], goals[1]]  # best first, as a search returns them
    text, citations = answer_from_outline(outline, focus="the goal", passages=passages)
    assert "The part of the episode about the goal:" in text
    assert [c.utterances for c in citations] == [(g,) for g in goals] + [(refund,)]  # chapters, then turns
    football, taxes = (
        next(c for c in outline.chapters if c.first <= u.number <= c.last) for u in (goals[0], refund)
    )
    headers = [line.split(".")[0] for line in text.splitlines()[2:] if not line.startswith(" ")]
    assert headers == [str(football.number), str(taxes.number)]
    assert all(text[c.start : c.end] == c.text for c in citations)
    assert answer_from_outline(outline, focus="the goal") == answer_from_outline(outline)


def test_a_long_passage_about_the_focus_is_cut_to_its_sentences_that_match():
    v, texts = synthetic_episode()
    filler = "The weather was mild and everyone arrived early for the session that morning in town. "
    texts[70] = filler * 3 + "The striker scored the winning goal in the last minute of the match."
    utterances = utterances_for(texts)
    outline = build_outline("ep", utterances, v, SegmentParams(min_words=200))
    text, citations = answer_from_outline(outline, focus="the winning goal", passages=[utterances[70]])
    assert "“… The striker scored the winning goal in the last minute of the match.”" in text
    assert citations[0].utterances == (utterances[70],)  # the citation still points at the whole turn


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are the key takeaways?", (True, None)),
        ("What topics did they cover?", (True, None)),
        ("Summarize the whole meeting.", (True, None)),
        ("What was the meeting about?", (True, None)),
        ("What were the main discussion points of the meeting?", (True, None)),
        ("Give me a quick overview of the episode", (True, None)),
        ("What did they discuss about synthetic data?", (True, "synthetic data")),
        ("Summarize the part about agents", (True, "agents")),
        ("Summarize the discussion about project finance.", (True, "project finance")),
        ("What were the topics talked about in the meeting?", (True, None)),
        ("Summarize the evaluation of the remote.", (True, "the evaluation of the remote")),
        ("What did they discuss about synthetic data? And about agents?", (True, "synthetic data")),
        ("Summarize the discussion about U.S. policy.", (True, "U.S. policy")),
        ("What did the industrial designer think about the remote?", (False, None)),
        ("Why did Aidan leave Google?", (False, None)),
        ("Who find Chandler amusing ?", (False, None)),
        ("What was the meeting time?", (False, None)),
        ("What is the standup about?", (True, None)),
        ("Summarize the webinar", (True, None)),
        ("What was discussed in the retro?", (True, None)),
        ("What is the debate about AI risk?", (False, None)),
        ("What happened in the meeting?", (True, None)),
        ("So what went on during the call?", (True, None)),
        ("What happened in the lab?", (False, None)),
        ("What did they say in the episode?", (True, None)),
        ("What did they say?", (False, None)),  # more often a follow-up about someone just named
        ("What did they say about the budget?", (True, "the budget")),
    ],
)
def test_is_whole_episode_question(question, expected):
    assert is_whole_episode_question(question) == expected


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("What did Raj say?", "Raj"),
        ("what did the professor talk about in the meeting", "the professor"),
        ("Summarize what Mei Chen said", "Mei Chen"),
        ("What was Dana's main point?", "Dana"),
        ("What did Raj say about billing?", None),
        ("What did they say about billing?", None),
        ("Why did Raj leave?", None),
    ],
)
def test_speaker_asked_about(question: str, who: str | None) -> None:
    assert speaker_asked_about(question) == who


def test_a_function_word_never_titles_a_chapter() -> None:
    texts = [
        "Would the piles hold? We would drill the piles deeper on the north bank.",
        "The piles would sit in soft clay, so we would wait for the piles to settle.",
        "The steel would come from Finland, and the steel mill would be late.",
        "Steel from Finland would arrive in March, the steel delayed by a fire.",
    ]
    titles = chapter_titles(texts, [(0, 1), (2, 3)])
    assert all("would" not in t.lower() for t in titles), titles
    assert "Piles" in titles[0] and "Steel" in titles[1], titles


def test_a_long_key_quote_keeps_its_first_whole_sentences():
    v, texts = synthetic_episode()
    first = "The striker scored the winning goal in the last minute of the match."
    second = "Nobody in the stadium expected it after such a slow and careful first half of football."
    texts[70] = f"{first} {second} The coach said it was the best game of the season so far."
    utterances = utterances_for(texts)
    outline = build_outline("ep", utterances, v, SegmentParams(min_words=200))
    text, _ = answer_from_outline(outline, speaker="Ana", passages=[utterances[70]])
    assert f"“{first} {second} …”" in text
    focused, _ = answer_from_outline(outline, focus="the goal", passages=[utterances[70]])
    assert "… …" not in focused


def test_key_quotes_say_what_the_chapter_is_about_not_what_sits_at_its_vectors_centre():
    rng = np.random.default_rng(1)
    words = TOPICS["cooking"].split()
    texts = [" ".join(rng.choice(words, size=12)) for _ in range(60)]
    generic = 10
    texts[generic] = "And then we realized folks were working on the same thing."
    centre = rng.standard_normal(32)
    v = centre + 2.0 * rng.standard_normal((60, 32))
    v[generic] = centre
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    outline = build_outline(
        "ep", utterances_for(texts), v, SegmentParams(min_words=10**6, words_per_chapter=None)
    )
    assert len(outline.chapters) == 1
    quoted = [u.number - 1 for u in outline.chapters[0].key_quotes]
    assert len(quoted) == 3 and generic not in quoted


def _one_chapter_quotes(texts: list[str]) -> list[str]:
    rng = np.random.default_rng(2)
    v = rng.standard_normal((len(texts), 16))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    outline = build_outline(
        "ep", utterances_for(texts), v, SegmentParams(min_words=10**6, words_per_chapter=None)
    )
    return [u.text for u in outline.chapters[0].key_quotes]


def test_a_short_meeting_is_quoted_by_its_shorter_statements_too():
    texts = [
        "Welcome, everyone, to the kick-off.",
        "Here is the budget for the remote: twenty five euros. Does anyone have first ideas?",
        "I wonder whether we want any special feature on it.",
        "Young people like bright colours.",
    ]
    assert _one_chapter_quotes(texts) == [texts[0], texts[2], texts[3]]


def test_a_backchannel_is_never_a_key_quote_while_a_statement_is_left():
    texts = [
        "Yeah.",
        "Okay, sure.",
        "The bridge opened in December after the soil survey.",
        "Mm-hmm.",
        "Right.",
    ]
    assert _one_chapter_quotes(texts) == [texts[2]]
    assert _one_chapter_quotes(["Yeah.", "Okay.", "Right."])  # a chapter of nothing else still has one


def test_one_speakers_words_skip_a_chapter_where_they_only_backchannel():
    """What one person said, by chapter: "Yeah." is no word of theirs on the football chapter, unless it is
    all they ever say."""
    v, texts = synthetic_episode()
    outline = build_outline("ep", utterances_for(texts), v, SegmentParams(min_words=200))
    football = outline.chapters[1]
    utterances = [
        replace(
            u, speaker="B" if u.text == "Yeah." or not football.first <= u.number <= football.last else "A"
        )
        for u in utterances_for(texts)
    ]
    theirs = chapter_quotes(outline, utterances, lambda u: u.speaker == "B")
    assert theirs and all(u.text != "Yeah." for u in theirs)
    assert not [u for u in theirs if football.first <= u.number <= football.last]
    only_yeah = chapter_quotes(outline, utterances, lambda u: u.text == "Yeah.")
    assert {u.text for u in only_yeah} == {"Yeah."}


def test_a_chapter_ends_at_its_last_turns_end_or_its_start_when_the_file_gives_only_starts():
    v, texts = synthetic_episode()
    starts_only = utterances_for(texts)
    outline = build_outline("ep", starts_only, v, SegmentParams(min_words=200))
    assert len(outline.chapters) == 3
    by_number = {u.number: u for u in starts_only}
    assert [c.end for c in outline.chapters] == [by_number[c.last].start for c in outline.chapters]
    timed = [replace(u, end=u.start + 8.0) for u in starts_only]
    outline = build_outline("ep", timed, v, SegmentParams(min_words=200))
    assert [c.end for c in outline.chapters] == [by_number[c.last].start + 8.0 for c in outline.chapters]


def test_a_word_said_once_does_not_name_a_chapter():
    texts = [
        "The piles sit in soft clay near the zeppelin hangar.",
        "Soft clay moves, so the piles go deeper.",
        "The steel came from Finland.",
        "Finland shipped the steel late.",
    ]
    titles = chapter_titles(texts, [(0, 1), (2, 3)])
    assert titles[0].lower().split(", ") in (["piles", "clay"], ["clay", "piles"], ["soft clay", "piles"]), (
        titles
    )
    assert "zeppelin" not in titles[0].lower() and "hangar" not in titles[0].lower(), titles


def test_a_word_capitalised_once_mid_sentence_keeps_the_case_the_transcript_mostly_gives_it():
    texts = [
        "the cider press ran all night, the press never stopped, and the apple harvest came in",
        "the Apple orchard fed the press, and the press was busy all week",
        "apple prices rose, and every apple went to the press",
    ] + ["the striker scored a goal and the striker ran to the goal"] * 3
    title = chapter_titles(texts, [(0, 2), (3, 5)])[0]
    assert title.startswith("Press") and "apple" in title, title  # not "Apple": mostly lower case


def test_the_outline_answer_gives_each_chapter_its_time_range_and_one_chapter_in_the_singular():
    v, texts = synthetic_episode()
    timed = [replace(u, end=u.start + 8.0) for u in utterances_for(texts)]
    outline = build_outline("ep", timed, v, SegmentParams(min_words=200))
    text, _ = answer_from_outline(outline)
    assert text.split("\n")[1] == "The episode in 3 chapters:"
    for c in outline.chapters:
        assert (
            f"{c.number}. {c.title} ({format_time(c.start)}-{format_time(c.end)}, #{c.first}-#{c.last})"
            in text
        )
    one = Outline("ep", outline.chapters[:1], outline.method)
    assert "The episode in 1 chapter:" in answer_from_outline(one)[0]


def test_a_long_key_quote_is_cut_to_at_most_160_characters_with_its_mark():
    v, texts = synthetic_episode()
    texts[70] = (
        ("The striker scored the winning goal " + "x" * 122 + ".")[:159] + " " + "Then rain fell all day."
    )
    outline = build_outline("ep", utterances_for(texts), v, SegmentParams(min_words=200))
    text, citations = answer_from_outline(outline, focus="the goal", passages=[utterances_for(texts)[70]])
    quoted = [c.text.strip()[1:-1] for c in citations]  # without the quotation marks
    assert quoted and all(len(q) <= 160 for q in quoted), [len(q) for q in quoted]


def test_a_name_alone_asks_what_they_said_only_while_the_run_of_names_lasts():
    assert speaker_asked_next("And Raj?", ["And Mei?", "What did Ana say?"]) == "Raj"
    longer = "And the steel and the clay on the north bank"  # no name: the run of names has ended
    assert speaker_asked_next("And Raj?", [longer, "What did Ana say?"]) is None
