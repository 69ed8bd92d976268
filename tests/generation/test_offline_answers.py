"""The offline answer leads with the reply, cuts long turns to what matches, refuses honestly (public API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA

from assistant import Answer, Assistant, ExtractiveGenerator, Hit, Turn, Utterance
from assistant.generation.excerpt import sentences

TRANSCRIPT = """--- METADATA START ---
Show: Flour and Steel
Episode: From Banking to Bread
Host: Ana Lima
Guests: Grace Otieno
--- METADATA END ---

1
Welcome to Flour and Steel, the show about people who changed trades.
2
My guest today spent ten years in banking before opening a bakery by the river.
3
So what made you leave the bank and open a bakery?
4
My grandmother taught me to bake as a child, and after years of spreadsheets I missed working with my hands.
5
How did your colleagues take the news?
6
They thought I had lost my mind, honestly.
7
Tell me about the ovens.
8
{long}
9
Do you still enjoy the early mornings?
10
I love them now, the street is quiet and the first loaves come out at five.
"""

LONG = (
    "We started with a second-hand deck oven from a pizzeria that closed down. "
    "It had three decks and a temperamental thermostat that ran hot on the left side. "
    "The wood-fired oven came two years later, when the loan from the cooperative finally arrived. "
    "We built it ourselves over a long summer with a mason from the village. "
    "Nowadays the deck oven does the sandwich loaves and the wood oven does the sourdough."
)


@pytest.fixture
def bakery(tmp_path: Path) -> Assistant:
    return _library(tmp_path, "bakery", TRANSCRIPT.format(long=LONG))


def _quoted_before(answer: Answer, first: int, second: int) -> bool:
    starts = {c.utterances[0].number: c.start for c in answer.citations}
    return starts[first] < starts[second]


def test_a_host_question_is_answered_by_the_reply_that_follows_it(bakery: Assistant) -> None:
    answer = bakery.ask("What made you leave the bank and open a bakery?", episode="bakery")
    assert not answer.refused
    assert answer.citations[0].utterances[0].number == 4, answer.text
    cited = [u.number for u in answer.cited_utterances]
    assert 3 in cited, "the question is shown, as context"
    assert _quoted_before(answer, 4, 3)
    assert "in reply to #3" in answer.text


def test_a_long_utterance_is_cut_to_the_matching_sentence_and_still_cites_the_whole_turn(
    bakery: Assistant,
) -> None:
    answer = bakery.ask("When did the wood-fired oven arrive?", episode="bakery")
    citation = next(c for c in answer.citations if c.utterances[0].number == 8)
    assert "…" in citation.text
    assert "wood-fired oven came two years later" in citation.text
    assert "temperamental thermostat" not in citation.text
    assert citation.utterances[0].text == LONG
    assert answer.text[citation.start : citation.end] == citation.text
    for part in citation.text.strip("“”").split("…"):
        assert part.strip() in LONG


def test_a_run_on_turn_from_speech_recognition_is_cut_to_the_words_that_match(tmp_path: Path) -> None:
    filler = "and then we talked about the weather and the traffic and the football on the weekend "
    run_on = (
        filler * 6
        + "but the wood-fired oven finally arrived from the cooperative in the spring "
        + filler * 6
        + "and that was the whole of it"
    )
    a = _numbered_transcript(tmp_path, "market", ["Ana Lima: How was the market?", f"Grace Otieno: {run_on}"])
    answer = a.ask("When did the wood-fired oven arrive?", episode="market")
    citation = next(c for c in answer.citations if c.utterances[0].number == 2)
    assert "wood-fired oven finally arrived" in citation.text
    assert "…" in citation.text and len(citation.text.split()) < 60 < len(run_on.split())
    for part in citation.text.strip("“”").split("…"):
        assert part.strip() in run_on


def test_how_many_is_answered_by_the_turn_that_counts_it_wherever_it_ranks(tmp_path: Path) -> None:
    lines = [
        f"{'Ana' if n % 2 else 'Bo'}: {text}"
        for n, text in enumerate(
            [
                "Welcome. Today it is all about the bakery and the people who work at the bakery.",
                "People love to work at the bakery, and the bakery loves its people.",
                "Do people work at the bakery on Sundays?",
                "Some people work at the bakery on Sundays, yes, people like the bakery then.",
                "Why do people want to work at a bakery?",
                "People who work at a bakery get up early and the bakery is warm for people.",
                "What do people at the bakery work on first?",
                "The bread. People at the bakery work on bread before anything else.",
                "And the bakery itself?",
                "We are a 14-person business now, which still surprises me.",
            ],
            start=1,
        )
    ]
    a = _numbered_transcript(tmp_path, "bakery", lines)
    answer = a.ask("How many people work at the bakery?", episode="bakery")
    assert not answer.refused, answer.text
    assert answer.citations[0].utterances[0].number == 10, answer.text


def test_an_off_topic_question_is_refused_with_no_citation(bakery: Assistant) -> None:
    answer = bakery.ask("What is the capital of France?", episode="bakery")
    assert answer.refused and answer.citations == ()
    assert "nothing in the searched transcripts" in answer.text or "found nothing" in answer.text


def test_a_near_miss_is_refused_and_the_closest_passages_are_shown_uncited(bakery: Assistant) -> None:
    answer = bakery.ask("How much does a loaf of bread cost at the bakery?", episode="bakery")
    assert answer.refused and answer.citations == ()
    assert "Closest passages (they may not answer it):" in answer.text
    assert "#3" in answer.text.split("Closest passages")[1], "the bakery question is the closest passage"
    assert answer.notice and "“cost”" in answer.notice and "quoted passages" not in answer.notice
    assert "“loaf”" not in answer.notice, "the transcript says “loaves”"


def test_a_question_the_library_has_no_word_for_is_refused(sample_copy: Path) -> None:
    a = Assistant.from_settings()
    a.ingest([sample_copy])
    answer = a.ask("Who won the 2018 FIFA World Cup?", episode="harbour-bridge")
    assert answer.refused and answer.citations == ()
    assert answer.hits, "retrieval still ran"


def test_a_question_about_someone_the_transcripts_never_name_is_refused(sample_copy: Path) -> None:
    """The harbour-bridge talk covers the steel, but no Melanie or Priya is in it: what she said cannot be
    quoted from it, however well "say about the steel" matches; the guest's name keeps the question open."""
    a = Assistant.from_settings()
    a.ingest([sample_copy])
    for question, name in (
        ("What did Melanie say about the steel?", "Melanie"),
        ("What did Priya think about the piles?", "Priya"),
    ):
        answer = a.ask(question)
        assert answer.refused and answer.citations == (), question
        assert answer.notice == f"The searched transcripts never use “{name}”.", (
            "named as the question writes it"
        )
    named = a.ask("What did Tomás say about the steel?")
    assert not named.refused and any(c.utterances[0].number == 4 for c in named.citations)


def test_a_name_known_by_one_of_its_words_is_not_unknown(tmp_path: Path) -> None:
    """Speech recognition wrote "Noam Shazir": a question about Noam Shazeer asks about someone named."""
    a = _library(
        tmp_path,
        "intern",
        "1\nSo I got hired as an intern, and I was sat next to Noam Shazir.\n"
        "2\nWhat did Noam work on back then?\n"
        "3\nNoam was building huge language models with mixture of experts layers.\n",
    )
    answer = a.ask("What did Noam Shazeer work on?", episode="intern")
    assert not answer.refused and answer.citations, answer.text
    unknown = a.ask("What did Lukasz Kaiser work on?", episode="intern")
    assert unknown.refused and unknown.citations == ()


def test_a_name_spelt_otherwise_is_searched_for_as_the_transcripts_spell_it(tmp_path: Path) -> None:
    """Speech recognition wrote "Neurops" for NeurIPS, and people type "Pheobe": one edit away, the question
    is searched for with the transcripts' spelling, answered from it, and the note says so; two edits away the
    note only suggests it. A word in capitals only matches one in capitals; a common word is never respelt
    ("evaluation" is no valuation), nor is a name with no close spelling."""
    a = _library(
        tmp_path,
        "conference",
        "1\nWe submitted the paper to Neurops and it got in.\n"
        "2\nThe LCD screen led the evaluation of the prototype.\n"
        "3\nThe evaluation took three weeks, the first of them on the screen.\n"
        "4\nPhoebe, what do you think of the prototype?\n"
        "5\nHonestly, the casing is ugly, but the battery lasts a week.\n"
        "6\nMon, come and see what Noam Shazir built for the prototype.\n",
    )
    conference = a.ask("Who got the paper into NeurIPS?", episode="conference")
    assert conference.notice == (
        "The searched transcripts never use “NeurIPS”; searched for “Neurops”, the closest name they use."
    )
    assert conference.query == "Who got the paper into Neurops?"
    assert [c.utterances[0].number for c in conference.citations][:1] == [1], conference.text
    screen = a.ask("Why did they choose the LSD screen?", episode="conference")
    assert "searched for “LCD”" in (screen.notice or ""), screen.notice
    opinion = a.ask("What did Pheobe think of the prototype?", episode="conference")
    assert not opinion.refused and any(c.utterances[0].number in (4, 5) for c in opinion.citations)
    assert "searched for “Phoebe”" in (opinion.notice or ""), opinion.notice
    whose = a.ask("What was Pheobe's opinion of the prototype?", episode="conference")
    assert whose.query == "What was Phoebe's opinion of the prototype?", whose.notice
    far = a.ask("What did Shazeer build?", episode="conference")  # two edits: suggested, not searched for
    assert "“Shazeer” (closest: “Shazir”)" in (far.notice or "") and "searched for" not in (far.notice or "")
    painting = a.ask("Who painted the Mona Lisa?", episode="conference")  # a name is respelt whole
    assert "searched for" not in (painting.notice or "") and painting.query == "Who painted the Mona Lisa?"
    common = a.ask("What was the valuation of the prototype?", episode="conference")
    assert (
        common.notice is not None and "“valuation”" in common.notice and "searched for" not in common.notice
    )
    name = a.ask("What did Kirsty say about the screen?", episode="conference")  # "first" is no name
    assert name.notice is not None and "“Kirsty”" in name.notice and "searched for" not in name.notice
    assert name.refused and name.citations == ()


def test_sentences_keep_abbreviations_and_quotes_together() -> None:
    text = 'Dr. Smith said no. The U.S. market is big! Is it? He said "Go." Then J. R. left.'
    assert sentences(text) == [
        "Dr. Smith said no.",
        "The U.S. market is big!",
        "Is it?",
        'He said "Go."',
        "Then J. R. left.",
    ]


def test_a_fetched_model_uses_the_refusal_model_fitted_for_the_same_files() -> None:
    """`fastembed:M` (fetched) and `onnx:M` (a folder) give the same vectors: one fitted model serves both."""
    from assistant.generation.answerability import model_for

    fitted = model_for("onnx:all-MiniLM-L6-v2")
    fetched = model_for("fastembed:all-MiniLM-L6-v2")
    assert fitted is not None and fetched == fitted and fitted.name == "onnx:all-MiniLM-L6-v2"
    other = model_for("fastembed:some-model-nobody-fitted")
    assert other is not None and other.name == "lexical"


@pytest.mark.parametrize("model", ["nomic-embed-text-v1.5-Q", "embeddinggemma-300m"])
def test_the_stronger_catalog_models_have_refusal_models_of_their_own(model: str) -> None:
    """Their cosines spread differently from MiniLM's: the lexical entry would refuse on other evidence."""
    from assistant.generation.answerability import model_for

    fitted = model_for(f"fastembed:{model}")
    assert fitted is not None and fitted.name == f"fastembed:{model}"


ACCOUNT = """--- METADATA START ---
Show: Flour and Steel
Episode: The Starter
--- METADATA END ---

1
Where did your sourdough culture come from?
2
I kept reading old papers about sourdough starters from a research lab in Brittany.
3
And so eventually I wrote to them, and a month later a little jar arrived in the post.
4
Incredible.
5
Tell me about your first oven.
6
It was a second-hand deck oven from a pizzeria that had closed down.
"""


def test_a_turn_carried_on_by_the_same_speaker_is_quoted_with_its_continuation(tmp_path: Path) -> None:
    """Speech splits one account across turns ("… papers from a lab in Brittany." / "And so eventually I wrote
    to them…"): the turn that goes on with "And so"/"So" is quoted and cited with the one retrieval found."""
    a = _library(tmp_path, "starter", ACCOUNT)
    answer = a.ask("What did she read about sourdough starters from Brittany?", episode="starter")
    cited = [u.number for u in answer.cited_utterances]
    assert 2 in cited and 3 in cited, answer.text
    assert "#2–3" in answer.text
    assert answer.text.index("papers about sourdough starters") < answer.text.index("And so eventually")


def test_a_name_only_the_episode_details_spell_is_not_called_unknown(tmp_path: Path) -> None:
    """Speech recognition wrote "Aiden"; the details say the guest is Aidan: the question's "Aidan" is no
    unknown word, while a word neither the talk nor the details use still is."""
    a = _library(
        tmp_path,
        "guest",
        "--- METADATA START ---\nShow: Flour and Steel\nEpisode: The Guest\nHost: Ana Lima\n"
        "Guests: Aidan Moreau\n--- METADATA END ---\n\n1\nWelcome, Aiden, to the show about bread.\n"
        "2\nThanks, I started baking sourdough bread when I was twelve.\n",
    )
    named = a.ask("When did Aidan start baking bread?", episode="guest")
    assert "aidan" not in (named.notice or "").casefold()
    unknown = a.ask("When did Aidan start baking croissants?", episode="guest")
    assert "“croissants”" in (unknown.notice or "") and "aidan" not in (unknown.notice or "").casefold()
    common = a.ask("Would Aidan rather bake croissants?", episode="guest")
    assert "“croissants”" in (common.notice or "") and "“rather”" not in (common.notice or ""), common.notice


def _library(tmp_path: Path, name: str, transcript: str) -> Assistant:
    """The default (offline) library of one transcript, saved as NAME.txt: its episode id is `name`."""
    path = tmp_path / "in" / f"{name}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(transcript, encoding="utf-8")
    a = Assistant.from_settings()
    assert a.ingest([path]).ok
    return a


def _numbered_transcript(tmp_path: Path, name: str, lines: list[str]) -> Assistant:
    """A library holding one transcript of numbered turns, `lines` in order (episode id `name`)."""
    return _library(tmp_path, name, "\n".join(f"{n}\n{line}" for n, line in enumerate(lines, start=1)) + "\n")


def test_a_short_turn_is_shown_after_the_turn_before_it_not_in_reply_to_it(tmp_path: Path) -> None:
    lines = [
        "Ana Lima: Tell me about your first week at the bakery.",
        "Grace Otieno: We sold out of bread before nine on the first morning.",
        "Grace Otieno: Rye sold first, every day.",
        "Ana Lima: Rye sold first?",
        "Grace Otieno: Yes.",
    ]
    a = _numbered_transcript(tmp_path, "rye", lines)
    answer = a.ask("Which rye sold first every day?", episode="rye")
    assert "after #2 (Grace Otieno)" in answer.text, answer.text
    assert "in reply to #2" not in answer.text


RUN_OF_QUESTIONS = [
    "Welcome back to the show.",
    "So after the bakery opened, what was your journey to the second shop?",
    "How did you find the money for it?",
    "We borrowed from a cooperative of farmers who sold us their rye.",
    "And the second shop opened in the old station building.",
]


@pytest.mark.parametrize("labelled", [False, True])
def test_a_run_of_questions_is_answered_by_the_turn_after_the_run(tmp_path: Path, labelled: bool) -> None:
    speakers = ["Ana Lima", "Ana Lima", "Ana Lima", "Grace Otieno", "Grace Otieno"]
    lines = [
        f"{who}: {line}" if labelled else line for who, line in zip(speakers, RUN_OF_QUESTIONS, strict=True)
    ]
    a = _numbered_transcript(tmp_path, "run", lines)
    answer = a.ask("What was her journey to the second shop after the bakery opened?", episode="run")
    assert answer.citations[0].utterances[0].number == 4, answer.text
    assert "in reply to #2" in answer.text, "the question that matched is shown as context"
    assert "“How did you find the money for it?”" not in answer.text.split("in reply to")[0]


def test_a_question_asked_back_by_the_other_speaker_is_the_reply(tmp_path: Path) -> None:
    lines = [
        "Ana Lima: What was the hardest winter for the bakery?",
        "Grace Otieno: The hardest winter for the bakery? The one when the oven cracked in January.",
        "Ana Lima: Tell me more.",
    ]
    a = _numbered_transcript(tmp_path, "back", lines)
    answer = a.ask("What was the hardest winter for the bakery?", episode="back")
    assert answer.citations[0].utterances[0].number == 2, answer.text


def test_a_line_the_cold_open_replays_is_quoted_once_from_the_turn_that_says_it(tmp_path: Path) -> None:
    lines = [
        "We never wanted to sell to supermarkets.",
        "Welcome back to the show; today my guest runs the station bakery.",
        "Why did you never sell to supermarkets?",
        "Honestly, we never wanted to sell to supermarkets, because they pay late and want one loaf.",
        "We sell to cafes instead, who pay on delivery.",
    ]
    a = _numbered_transcript(tmp_path, "cold", lines)
    answer = a.ask("Why did the bakery never sell to supermarkets?", episode="cold")
    numbers = [u.number for c in answer.citations for u in c.utterances]
    assert 4 in numbers and 1 not in numbers, answer.text
    assert answer.text.count("never wanted to sell to supermarkets") == 1


def test_the_original_of_a_replayed_line_takes_the_replays_place_even_when_ranked_beyond_the_quotes() -> None:
    def hit(number: int, text: str, score: float) -> Hit:
        return Hit(Utterance("cold", number, text), score, "Cold open", scores={"own": 0.9})

    hits = [
        hit(1, "We never wanted to sell to supermarkets.", 1.0),
        hit(5, "The supermarket down the road sells sliced bread.", 0.95),
        hit(6, "Supermarkets called us twice last year.", 0.9),
        hit(10, "Honestly, we never wanted to sell to supermarkets, because they pay late.", 0.8),
    ]
    events = list(ExtractiveGenerator(max_quotes=1).stream("Why not sell to supermarkets?", hits, []))
    answer = events[-1].answer
    assert answer is not None
    assert [u.number for c in answer.citations for u in c.utterances] == [10], answer.text


def test_a_cold_open_that_replays_a_whole_turn_is_quoted_once_where_it_was_said() -> None:
    line = "That's what inspires me much more than building God or saving the world."
    hits = [
        Hit(Utterance("cold", 2, line), 1.0, "Cold open", scores={"own": 0.9}),
        Hit(Utterance("cold", 296, line), 0.9, "Cold open", scores={"own": 0.9}),
    ]
    events = list(ExtractiveGenerator(max_quotes=2).stream("What inspires him?", hits, []))
    answer = events[-1].answer
    assert answer is not None
    assert [u.number for c in answer.citations for u in c.utterances] == [296], answer.text


@pytest.mark.parametrize(
    ("short", "longer"),
    [(("cold", 20), ("cold", 30)), (("cold", 30), ("cold", 10)), (("one", 1), ("two", 10))],
    ids=["later in the episode", "a later turn quoting an earlier one", "another episode"],
)
def test_only_a_line_said_ahead_of_its_longer_turn_in_the_same_episode_is_a_replay(
    short: tuple[str, int], longer: tuple[str, int]
) -> None:
    line = "We never wanted to sell to supermarkets."
    hits = [
        Hit(Utterance(*short, line), 1.0, "Cold open", scores={"own": 0.9}),
        Hit(
            Utterance(*longer, f"Honestly, {line.lower()[:-1]}, because they pay late."),
            0.9,
            scores={"own": 0.9},
        ),
    ]
    events = list(ExtractiveGenerator(max_quotes=2).stream("Why not sell to supermarkets?", hits, []))
    answer = events[-1].answer
    assert answer is not None
    cited = {(u.episode_id, u.number) for c in answer.citations for u in c.utterances}
    assert (short in cited) == (short[1] > longer[1] or short[0] != longer[0]), answer.text


def test_the_best_answer_brings_its_later_sentences_that_answer_too(tmp_path: Path) -> None:
    lines = [
        "Welcome back to the show; today my guest runs the station bakery.",
        "Why did you decide to sell only to cafes?",
        "Honestly, we never liked the idea of chasing volume.",
        "It never felt right to us.",
        "We tried it once and hated it.",
        "And cafes pay on delivery, which keeps a small bakery alive.",
        "Anyway, that was years ago.",
        "What about the ovens?",
        "The ovens came from a closed bakery in Leeds.",
    ]
    a = _numbered_transcript(tmp_path, "carry", lines)
    hit = next(
        h for h in a.search("Why sell only to cafes?", k=3, episode="carry") if h.utterance.number == 2
    )
    assert [u.number for u in hit.carried_on] == [4, 5, 6, 7], "the reply's run stops at the next question"
    answer = a.ask("Why did the bakery sell only to cafes?", episode="carry")
    numbers = [u.number for c in answer.citations for u in c.utterances]
    assert numbers[:2] == [3, 2] and 6 in numbers, answer.text
    assert 4 not in numbers and 5 not in numbers, "only the later sentences that use a word of the question"


def test_another_speakers_turn_does_not_carry_an_answer_on(tmp_path: Path) -> None:
    lines = [
        "Ana Lima: Why did you decide to sell only to cafes?",
        "Grace Otieno: Cafes pay on delivery.",
        "Ana Lima: Cafes are my favourite customers too.",
    ]
    a = _numbered_transcript(tmp_path, "labelled", lines)
    hits = a.search("Why sell only to cafes?", k=3, episode="labelled")
    assert all(h.carried_on == () for h in hits), [(h.utterance.number, h.carried_on) for h in hits]


def test_a_short_reply_is_quoted_with_the_turns_that_spell_it_out(tmp_path: Path) -> None:
    lines = [
        "Welcome back to the show; today my guest runs the station bakery.",
        "Was that how the bakery cooperative worked, everyone baking for everyone?",
        "Yeah, totally.",
        "That was it.",
        "Every member baked two mornings a week and took bread home on the others.",
        "It lasted until the mill closed.",
        "What about the ovens?",
    ]
    a = _numbered_transcript(tmp_path, "short", lines)
    answer = a.ask("How did the bakery cooperative work?", episode="short")
    numbers = [u.number for c in answer.citations for u in c.utterances]
    assert numbers[:3] == [3, 4, 5], answer.text
    assert 6 not in numbers, "the reply is spelled out up to the first turn that stands alone"
    assert answer.text.index("Yeah, totally.") < answer.text.index("Every member baked")


MILL = """--- METADATA START ---
Show: Small Trades
Episode: The Mill Lane Building
Host: Ben Carter
Guests: Grace Okonkwo
--- METADATA END ---

1
Ben Carter: Tell me about the building on Mill Lane.
2
Grace Okonkwo: The building on Mill Lane was an old print shop; we bought it from the printer's family.
3
Ben Carter: Was it hard to buy?
4
Grace Okonkwo: Buying the building took patience, because the family wanted the building to stay a workshop.
5
Ben Carter: And the ovens?
6
Grace Okonkwo: The ovens came later, once the floor of the building was strong enough to hold them.
7
Ben Carter: How many loaves do they bake?
8
Grace Okonkwo: Four hundred on a Saturday.
9
Ben Carter: Which loaves sell first on Saturday?
10
Grace Okonkwo: Saturday loaves are the sourdough loaves, the loaves everyone queues for on Saturday.
"""


@pytest.fixture
def mill(tmp_path: Path) -> Assistant:
    return _library(tmp_path, "mill", MILL)


def test_a_question_asking_for_a_number_is_refused_when_no_passage_about_it_states_one(
    mill: Assistant,
) -> None:
    answer = mill.ask("How much did she pay for the building on Mill Lane?")
    assert answer.refused and answer.citations == ()
    assert "asks for a number" in answer.text
    assert (
        "#1" in answer.text.split("Closest passages")[1] or "#2" in answer.text.split("Closest passages")[1]
    )


def test_a_question_asking_for_a_number_is_answered_by_the_turn_that_states_it(mill: Assistant) -> None:
    answer = mill.ask("How many sourdough loaves sell on Saturday?")
    assert not answer.refused
    assert answer.citations[0].utterances[0].number == 8, "the turn that states the amount leads"


def test_a_number_question_quotes_only_the_turns_that_state_an_amount(mill: Assistant) -> None:
    answer = mill.ask("How many sourdough loaves sell on Saturday?")
    quoted = {u.number for c in answer.citations for u in c.utterances}
    assert 8 in quoted and 10 not in quoted, "“the loaves everyone queues for” states no number"


def test_a_question_that_asks_when_leads_with_the_turn_that_names_a_time(tmp_path: Path) -> None:
    lines = [
        "Ben Carter: Welcome to the show about the river bakery.",
        "Grace Okonkwo: When the bakery opened, the whole street came; the day the bakery opened was grand.",
        "Ben Carter: And how did it start?",
        "Grace Okonkwo: It started in 2015, in the spring, with one oven and a van to open the bakery.",
    ]
    a = _numbered_transcript(tmp_path, "river", lines)
    answer = a.ask("When did the bakery open?", episode="river")
    assert not answer.refused and answer.citations[0].utterances[0].number == 4, answer.text
    assert 2 in {u.number for u in answer.cited_utterances}, "a turn that names no time is still quoted"


def test_a_follow_up_after_a_number_question_is_not_a_number_question(mill: Assistant) -> None:
    asked = "How much did she pay for the building on Mill Lane?"
    history = [Turn("user", asked), mill.ask(asked).as_turn()]
    answer = mill.ask("And why did the family want it to stay a workshop?", history=history)
    assert not answer.refused, "a question that asks why needs no amount"
    assert 4 in [u.number for c in answer.citations for u in c.utterances]


def test_a_long_turn_that_states_the_answer_before_asking_leads_rather_than_the_reply() -> None:
    a = Assistant.from_settings()
    assert a.ingest([DATA / "kickoff_meeting.txt"]).ok
    answer = a.ask("What profit are they aiming for?")
    assert not answer.refused
    assert answer.citations[0].utterances[0].number == 2, (
        "the budget turn answers; the reply to its question does not"
    )


def test_a_long_turn_that_states_an_amount_before_asking_leads_a_number_question() -> None:
    budget = Utterance(
        "kickoff",
        2,
        "Here is the budget for the project, so keep it in mind while you design. We plan to sell the remote"
        " for twenty five euros on the international market, and we aim for a profit of fifty million euros."
        " Production may cost twelve and a half euros at most. Does anyone have first ideas?",
    )
    reply = Utterance("kickoff", 3, "I wonder whether we want any special feature on it.")
    survey = Utterance("kickoff", 9, "Eighty percent of users would pay more for a remote that looks nice.")
    hits = [
        Hit(budget, 1.0, "Kick-off", context=(reply,), scores={"own": 0.9}),
        Hit(survey, 0.9, "Kick-off", scores={"own": 0.9}),
    ]
    events = list(ExtractiveGenerator().stream("How much will they sell the remote for?", hits, []))
    answer = events[-1].answer
    assert answer is not None and not answer.refused
    assert answer.citations[0].utterances[0].number == 2, answer.text


def test_a_short_turn_that_sets_up_its_question_is_answered_by_the_reply(tmp_path: Path) -> None:
    a = _library(
        tmp_path,
        "bridge",
        "1\nNadia Brooks: People complained about the noise during the piling. Was that avoidable?\n"
        "2\nTomás Reyes: Partly. We switched to bored piles, which are much quieter.\n",
    )
    answer = a.ask("What did people say about the noise from the piling?")
    assert answer.citations[0].utterances[0].number == 2


def test_a_turn_that_asks_about_what_matches_then_adds_a_remark_is_answered_by_the_reply(
    tmp_path: Path,
) -> None:
    a = _library(
        tmp_path,
        "bridge",
        "1\nNadia Brooks: Welcome back to the show.\n"
        "2\nNadia Brooks: What about the steel? I read that it came from a mill in Finland.\n"
        "3\nTomás Reyes: It did. The mill had a fire in its rolling line, so our order slipped nine weeks.\n"
        "4\nNadia Brooks: And the soil on the north bank?\n",
    )
    answer = a.ask("Why was the steel late?")
    assert answer.citations[0].utterances[0].number == 3, answer.text
    assert "in reply to #2" in answer.text


def test_a_statement_with_a_question_tag_is_not_a_question_the_next_turn_answers(tmp_path: Path) -> None:
    a = _library(
        tmp_path,
        "wedding",
        "1\nEmily: We have no choice! Anywhere decent would have been booked months ago, don't you see?"
        " This is our wedding.\n"
        "2\nRoss: Postponing it is not an option.\n",
    )
    answer = a.ask("When would anywhere decent have been booked?")
    assert answer.citations[0].utterances[0].number == 1, answer.text


def test_the_best_hit_that_states_an_amount_answers_a_number_question_by_the_quantity_words_alone() -> None:
    raised = Utterance("funding", 4, "Two millions in the end, more than we asked for.")
    question = Utterance("funding", 3, "And the round?")
    hits = [Hit(raised, 1.0, "Funding", context=(question,), scores={"turn": 2.0, "own": 0.1})]
    events = list(ExtractiveGenerator().stream("How many millions did they raise?", hits, []))
    answer = events[-1].answer
    assert answer is not None and not answer.refused, answer and answer.text
    assert answer.citations[0].utterances[0].number == 4


def test_a_turn_that_spells_out_a_short_reply_is_not_quoted_again_when_it_was_found_itself() -> None:
    asked = Utterance("brain", 2, "Was the research group worth joining?", speaker="Ben")
    reply = Utterance("brain", 3, "Yeah, totally.", speaker="Ada")
    spelled = Utterance(
        "brain", 4, "It was a group of researchers with full freedom to work on any research.", speaker="Ada"
    )
    hits = [
        Hit(spelled, 1.0, "Brain", context=(reply,), scores={"turn": 2.0, "own": 0.1}),
        Hit(asked, 0.9, "Brain", context=(reply,), scores={"turn": 2.0, "own": 0.1}, carried_on=(spelled,)),
    ]
    answer = list(ExtractiveGenerator().stream("Was the research group worth it?", hits, []))[-1].answer
    assert answer is not None and not answer.refused
    assert answer.text.count("full freedom") == 1, answer.text
    assert [u.number for c in answer.citations for u in c.utterances].count(4) == 1
