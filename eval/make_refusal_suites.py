"""Write the refusal suites under eval/out/refusals/ from the dev data in ../shared/data (deterministic).

Each suite mixes answerable questions (from the dev data, with their gold evidence) with unanswerable ones:
off-topic general questions of our own; questions from another corpus asked with an episode filter on an
episode that cannot discuss them (a committee hearing's question on a Friends episode, a sitcom question on a
product meeting); and near misses: a Friends question asked on an episode of another season, a product
meeting's question asked on a research meeting and the other way round (a Friends near miss may be
answered after all in the other episode: a little label noise). Fitting and reporting use different
episodes and different off-topic questions:

- `fit-qmsum` (qmsum/train meetings), `fit-friendsqa` (six friendsqa/dev episodes) and `fit-project` (the
  project suite's paraphrase questions about two of its transcripts): what `eval/fit_answerability.py`
  fits on;
- `friendsqa` (the three other friendsqa/dev episodes) and `samples` (the project's sample podcast): what
  the report measures, with `eval/fixtures/seed`.

    python eval/make_refusal_suites.py          # from the project root; needs ../shared/data
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "eval" / "out" / "refusals"
"""Generated, never committed: the dev questions come from ../shared, which stays outside the repository."""

OFF_TOPIC = [
    "What is the capital of France?",
    "How tall is Mount Everest?",
    "Who won the 2018 FIFA World Cup?",
    "What is the boiling point of water at sea level?",
    "How many moons does Jupiter have?",
    "Who painted the Mona Lisa?",
    "What is the chemical symbol for gold?",
    "How do I change a flat tyre on a bicycle?",
    "What year did the Berlin Wall fall?",
    "What is the longest river in Africa?",
    "How many bones are in the adult human body?",
    "What is the speed of light in a vacuum?",
    "Who wrote Pride and Prejudice?",
    "What is the population of Tokyo?",
    "How do you make a classic French omelette?",
    "What is the exchange rate between the euro and the yen?",
    "Which planet is closest to the Sun?",
    "What are the rules of cricket?",
    "How long should I boil an egg for a runny yolk?",
    "Who was the first person to walk on the Moon?",
    "What is the tallest building in the world?",
    "How does photosynthesis work?",
    "What is the national animal of Scotland?",
    "When was the printing press invented?",
    "What is the square root of 144?",
    "Which language has the most native speakers?",
    "How do I reset my router?",
    "What causes the northern lights?",
    "Who composed the Four Seasons?",
    "What is the best way to learn to play the guitar?",
    "How far is the Moon from the Earth?",
    "What is the main ingredient of guacamole?",
    "Who invented the telephone?",
    "What is the currency of Brazil?",
    "How many players are on a basketball team?",
    "What temperature does paper burn at?",
    "Which ocean is the deepest?",
    "What is the plot of Hamlet?",
    "How do vaccines train the immune system?",
    "What is the weather forecast for tomorrow in Paris?",
]
FIT_OFF_TOPIC = OFF_TOPIC[0::2]
REPORT_OFF_TOPIC = OFF_TOPIC[1::2]

FRIENDS_FIT = ["s01_e23", "s01_e24", "s02_e23", "s02_e24", "s03_e23", "s03_e24"]
FRIENDS_REPORT = ["s03_e25", "s04_e23", "s04_e24"]
PRODUCT_FIT = ["ES2002a", "IS1000b", "TS3005c"]
ACADEMIC_FIT = ["Bro007"]
PROJECT_FIT = ["library-app-weekly", "sourdough-at-dawn"]
QMSUM_FIT = ["ES2002a", "IS1000b", "TS3005c", "Bro007", "covid_3", "education_1", "covid_7", "education_5"]


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _specific(questions: list[dict]) -> list[dict]:
    """Questions that point at a passage (not "Summarize the whole meeting")."""
    return [
        q
        for q in questions
        if q.get("evidence")
        and q.get("kind", "specific") == "specific"
        and not q["question"].lower().startswith("summar")
    ]


def _answerable(q: dict, prefix: str) -> dict:
    """The question and its gold evidence only: the dev data's reference answers stay in ../shared."""
    item = {"id": f"{prefix}-{q['id']}", "episode": q["episode"], "question": q["question"]}
    item.update(evidence=q["evidence"], category="answerable")
    return item


def _unanswerable(qid: str, question: str, episode: str, category: str) -> dict:
    return {
        "id": qid,
        "episode": episode,
        "question": question,
        "answerable": False,
        "category": category,
    }


def _suite(
    name: str,
    description: str,
    transcripts: str,
    answerable: list[dict],
    off_topic: list[str],
    foreign: list[dict],
    episodes: list[str],
    near: list[tuple[dict, str]] = (),
) -> None:
    lines = list(answerable)
    for n, question in enumerate(off_topic):
        lines.append(_unanswerable(f"{name}-off-{n:02d}", question, episodes[n % len(episodes)], "off-topic"))
    for n, q in enumerate(foreign):
        lines.append(
            _unanswerable(f"{name}-x-{q['id']}", q["question"], episodes[n % len(episodes)], "other-episode")
        )
    for q, episode in near:
        lines.append(_unanswerable(f"{name}-near-{q['id']}", q["question"], episode, "near-miss"))
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"name": f"refusals-{name}", "description": description, "transcripts": transcripts}
    meta["relative_to"] = "repo"
    (folder / "suite.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in lines)
    (folder / "questions.jsonl").write_text(text, encoding="utf-8")
    print(f"{folder}: {len(answerable)} answerable, {len(lines) - len(answerable)} unanswerable")


def main() -> None:
    rng = random.Random(20261130)
    friends = _specific(_read(DATA / "friendsqa" / "dev" / "questions.jsonl"))
    train = _specific(_read(DATA / "qmsum" / "train" / "questions.jsonl"))
    val = _specific(_read(DATA / "qmsum" / "val" / "questions.jsonl"))
    project = _read(ROOT / "eval" / "fixtures" / "suite" / "questions.jsonl")

    def elsewhere(pool: list[dict], episodes: list[str], n: int) -> list[tuple[dict, str]]:
        """`n` questions of these episodes, each asked on another of them (a near miss: same show)."""
        chosen = rng.sample([q for q in pool if q["episode"] in episodes], n)
        return [(q, rng.choice([e for e in episodes if e[:3] != q["episode"][:3]])) for q in chosen]

    def pick(pool: list[dict], episodes: list[str], per_episode: int) -> list[dict]:
        out = []
        for episode in episodes:
            mine = [q for q in pool if q["episode"] == episode]
            out += rng.sample(mine, min(per_episode, len(mine)))
        return out

    other_meetings = [q for q in train if q["episode"] not in QMSUM_FIT]
    product = [q for q in other_meetings if q["episode"][:2] in ("ES", "IS", "TS")]
    academic = [q for q in other_meetings if q["episode"][:1] == "B"]
    _suite(
        "fit-qmsum",
        "Fitting set of the answerability model: QMSum train meetings; unanswerable questions are off-topic "
        "ones of our own and FriendsQA questions asked on a meeting.",
        "../shared/data/qmsum/train/transcripts",
        [_answerable(q, "fit") for q in pick(train, QMSUM_FIT, 6)],
        FIT_OFF_TOPIC,
        rng.sample([q for q in friends if q["episode"] in FRIENDS_FIT], 16),
        QMSUM_FIT,
        [(q, rng.choice(ACADEMIC_FIT)) for q in rng.sample(product, 8)]
        + [(q, rng.choice(PRODUCT_FIT)) for q in rng.sample(academic, 8)],
    )
    _suite(
        "fit-friendsqa",
        "Fitting set of the answerability model: six FriendsQA dev episodes; unanswerable questions are "
        "off-topic ones of our own and QMSum train questions asked on a Friends episode.",
        "../shared/data/friendsqa/dev/transcripts",
        [_answerable(q, "fit") for q in pick(friends, FRIENDS_FIT, 8)],
        FIT_OFF_TOPIC,
        rng.sample(other_meetings, 20),
        FRIENDS_FIT,
        elsewhere(friends, FRIENDS_FIT, 24),
    )
    _suite(
        "fit-project",
        "Fitting set of the answerability model: the project suite's paraphrase questions about two of its "
        "transcripts (not the sample podcast, which reports), with its unanswerable ones and off-topic ones.",
        "eval/fixtures/suite/transcripts",
        [
            {k: v for k, v in q.items() if k != "standalone"}
            for q in project
            if q.get("episode") in PROJECT_FIT and not q.get("history")
        ],
        FIT_OFF_TOPIC[:10],
        [],
        PROJECT_FIT,
    )
    _suite(
        "friendsqa",
        "Reporting set for refusals: the three FriendsQA dev episodes the model was not fitted on; "
        "unanswerable questions are off-topic ones of our own (not those fitted on) and QMSum val questions "
        "asked on a Friends episode.",
        "../shared/data/friendsqa/dev/transcripts",
        [_answerable(q, "rep") for q in pick(friends, FRIENDS_REPORT, 14)],
        REPORT_OFF_TOPIC,
        rng.sample(val, 20),
        FRIENDS_REPORT,
        elsewhere(friends, FRIENDS_REPORT, 20),
    )
    _suite(
        "samples",
        "Reporting set for refusals: the project's sample podcast (samples/), with the project suite's "
        "answerable questions about it, off-topic questions and QMSum val questions asked on it.",
        "samples",
        [
            {k: v for k, v in q.items() if k not in ("history", "standalone")}
            for q in project
            if q.get("episode") == "harbour-bridge" and q.get("evidence") and not q.get("history")
        ],
        REPORT_OFF_TOPIC,
        rng.sample(val, 10) + rng.sample([q for q in friends if q["episode"] in FRIENDS_REPORT], 10),
        ["harbour-bridge"],
    )


if __name__ == "__main__":
    main()
