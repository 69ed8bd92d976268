"""The length prior, readable titles, spread key quotes, and `assistant eval --segmentation`."""

import json
import tempfile

from click.testing import CliRunner

from assistant.evaluation.command import eval_command
from assistant.outline.segment import SegmentParams, length_prior, segment
from assistant.outline.titles import chapter_titles, key_quotes

from .test_outline import TOPICS, synthetic_episode


def test_length_prior_sets_a_floor_on_the_chapter_count():
    v, texts = synthetic_episode(lengths=(300,))  # one topic, ~3,000 words
    assert segment(v, texts, SegmentParams(min_words=200, words_per_chapter=None)) == []
    floor = length_prior(texts, 600)
    assert floor >= 4
    assert len(segment(v, texts, SegmentParams(min_words=200, words_per_chapter=600))) + 1 == floor
    assert length_prior(texts, None) == 0


def test_the_prior_does_not_remove_chapters_the_data_asks_for():
    v, texts = synthetic_episode()
    bounds = segment(v, texts, SegmentParams(min_words=200, words_per_chapter=10**6))
    assert len(bounds) == 2


def test_titles_keep_the_transcripts_casing_and_drop_fillers_and_stutters():
    texts = [
        "so the AGI risk is huge huge and folks need help with AGI safety research",
        "we think AGI safety research matters, huge huge, folks, help",
    ] * 5 + [
        "the Cohere enterprise customers want private deployments of the models",
        "enterprise customers at Cohere ask for private deployments every week",
    ] * 5
    titles = chapter_titles(texts, [(0, 9), (10, 19)])
    assert "AGI" in titles[0] and "Cohere" in titles[1]
    for title in titles:
        words = title.lower().replace(",", "").split()
        assert not {"help", "folks", "huge"} & set(words), title
        assert 1 <= len(title.split(", ")) <= 3 and title[0].isupper()


def test_a_chapters_recurring_phrase_names_it_rather_than_its_commonest_word():
    texts = [
        "the data we train on is mostly data from partners, data everywhere, more data",
        "synthetic data is often more useful to the model than human data",
        "we make synthetic data for banks because their data never leaves the bank",
    ] * 3 + ["the striker scored a goal after the midfielder passed the ball past the defender"] * 9
    titles = chapter_titles(texts, [(0, 8), (9, 17)])
    assert titles[0].startswith("Synthetic data"), titles
    assert "data" not in titles[0].lower().replace("synthetic data", ""), titles


def test_spread_key_quotes_come_from_each_stretch_of_the_chapter():
    v, texts = synthetic_episode()
    picked = key_quotes(v, texts, 0, 179, count=3, spread=True)
    assert [p // 60 for p in picked] == [0, 1, 2]
    assert all(len(texts[p].split()) >= 8 for p in picked)
    bunched = key_quotes(v, texts, 0, 59, count=3, spread=False)
    assert len(bunched) == 3 and all(0 <= p <= 59 for p in bunched)


def write_suite(folder, texts, boundaries):
    transcripts = folder / "transcripts"
    transcripts.mkdir(parents=True)
    lines = ["--- METADATA START ---", "Show: Synthetic", "Episode: Three topics", "--- METADATA END ---", ""]
    for number, text in enumerate(texts, start=1):
        lines += [str(number), f"A: {text or 'Mm.'}"]
    (transcripts / "ep1.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edges = [1, *[b + 1 for b in boundaries], len(texts) + 1]
    topics = [
        {"topic": name, "spans": [[a, b - 1]]} for name, a, b in zip(TOPICS, edges, edges[1:], strict=False)
    ]
    row = {"episode": "ep1", "n_turns": len(texts), "topics": topics}
    (folder / "topics.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    question = {"id": "q1", "episode": "ep1", "kind": "general", "question": "Summarize the whole meeting."}
    question["answer"] = "They talked about pasta sauce, a football goal and an income tax return."
    (folder / "questions.jsonl").write_text(json.dumps(question) + "\n", encoding="utf-8")


def test_eval_segmentation_compares_methods_and_writes_report(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ONNX_MODEL", str(tmp_path / "no-model"))  # hashing vectors: fast, offline
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the vector cache
    _, texts = synthetic_episode(lengths=(100, 100, 100))
    write_suite(tmp_path / "suite", texts, [100, 200])
    out = tmp_path / "out"
    args = ["--suite", str(tmp_path / "suite"), "--segmentation", "--out", str(out)]
    result = CliRunner().invoke(eval_command, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "segmentation.json").read_text(encoding="utf-8"))
    methods = data["segmentation"]
    assert list(methods) == [
        "ours",
        "ours without length prior",
        "equal (gold count)",
        "texttiling",
        "one chapter",
    ]
    assert methods["equal (gold count)"]["pk"] == 0.0  # equal thirds are the gold here
    assert methods["one chapter"]["chapters"] == 1.0 and methods["one chapter"]["pk"] > 0.2
    assert methods["ours"]["gold_chapters"] == 3.0
    assert all(0.0 <= m["pk"] <= 1.0 and m["chapters"] >= 1 for m in methods.values())
    assert data["general"]["questions"] == 1 and data["general"]["recognised"] == 1
    assert "--segmentation" in data["command"]
    report = (out / "segmentation.md").read_text(encoding="utf-8")
    assert "| texttiling |" in report and "topic coverage" in report


def test_eval_segmentation_needs_gold_topics(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "topics.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(eval_command, ["--suite", str(tmp_path / "empty"), "--segmentation"])
    assert result.exit_code != 0 and "no transcripts with gold topics" in result.output
    missing = CliRunner().invoke(eval_command, ["--segmentation"])
    assert missing.exit_code != 0 and "--suite" in missing.output
    mixed = ["--suite", str(tmp_path / "empty"), "--segmentation", "--config", "bm25"]
    both = CliRunner().invoke(eval_command, mixed)
    assert both.exit_code == 2 and "drop --config" in both.output
