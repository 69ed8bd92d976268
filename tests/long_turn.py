"""A two-turn AssemblyAI transcript whose second turn runs for two minutes, its words timed: for tests of
where a citation of words far into a long turn opens the recording."""

from __future__ import annotations

import json
from pathlib import Path

SAID = [
    "Thanks for having me on the show.",
    "I started out as a site engineer on small footbridges.",
    "Then the harbour job came along in the spring.",
    "Nobody expected the steel to be the easy part.",
    "The mill delivered every girder on time.",
    "The trouble was always below the water line.",
    "We drove the first piles in the autumn.",
    "The divers found soft clay where the survey showed rock.",
    "The cofferdam flooded twice in March because the pumps failed.",
    "After that we redesigned the foundations from scratch.",
    "It cost us eight months in the end.",
    "I would do the survey differently next time.",
]
TURN_START = 60.0  # one word a second from here, a second's pause between sentences


def _words() -> list[dict[str, object]]:
    words, t = [], TURN_START
    for sentence in SAID:
        for word in sentence.split():
            words.append({"text": word, "start": int(t * 1000), "end": int(t * 1000) + 800, "speaker": "B"})
            t += 1
        t += 1
    return words


def said_at(sentence: str) -> float:
    return TURN_START + sum(len(s.split()) + 1 for s in SAID[: SAID.index(sentence)])


def write_long_turn(path: Path, asked: str = "What went wrong with the bridge?") -> Path:
    words = _words()
    turns = [
        {"speaker": "A", "start": 55_000, "end": 59_000, "text": asked},
        {"speaker": "B", "start": 60_000, "end": words[-1]["end"], "text": " ".join(SAID), "words": words},
    ]
    path.write_text(json.dumps({"status": "completed", "utterances": turns}), encoding="utf-8")
    return path
