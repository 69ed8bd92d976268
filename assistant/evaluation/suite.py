"""Evaluation suites: a folder of transcripts plus a JSONL of questions with gold utterance numbers.

Layout (the same as ../shared/data/qmsum/val and ../shared/data/friendsqa/dev):

    my-suite/
      transcripts/*.txt      transcripts in any format the assistant ingests
      questions.jsonl        one question per line (fields below)
      suite.json             optional: name, description, where the transcripts live, Cohere fixtures

Question fields: `question` (required), `episode` (the episode id, i.e. the transcript's file stem; needed
for episode-scoped search), `evidence` (1-based utterance numbers that answer it; 0 names the episode's
details record, for questions about the show, host or guests), `answer` (a reference
answer, optional), `all_answers` (alternative references), `id`, `kind`, `category` (free label for the
per-category table), `history` (earlier turns, a list of {role, content}, for follow-ups), `speaker` (a
speaker filter the user applied), `standalone` (the follow-up rewritten on its own; used only to craft
Cohere fixtures) and `answerable`.

A question is *unanswerable* only when it says so: `"answerable": false` or `"kind": "unanswerable"`. Empty
evidence alone does not make it unanswerable (QMSum's `general` questions have none): such questions are
*ungraded* for retrieval and citations, and only their answers are compared with the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SuiteError, SuiteUnavailable

__all__ = ["SuiteError", "SuiteUnavailable"]

QUESTIONS_FILE = "questions.jsonl"
SUITE_FILE = "suite.json"
TRANSCRIPTS_DIR = "transcripts"

ANSWERABLE = "answerable"
UNANSWERABLE = "unanswerable"
UNGRADED = "ungraded"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    episode: str | None
    evidence: tuple[int, ...] = ()
    answer: str | None = None
    all_answers: tuple[str, ...] = ()
    kind: str | None = None
    category: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    speaker: str | None = None
    standalone: str | None = None
    answerable: bool | None = None
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def status(self) -> str:
        """`answerable` (gold evidence), `unanswerable` (declared so) or `ungraded`
        (no evidence, not declared)."""
        if self.answerable is False or (self.kind or "").lower() == UNANSWERABLE:
            return UNANSWERABLE
        return ANSWERABLE if self.evidence else UNGRADED

    @property
    def references(self) -> tuple[str, ...]:
        refs = [a for a in (self.answer, *self.all_answers) if a and a.strip()]
        return tuple(dict.fromkeys(refs))

    @property
    def group(self) -> str:
        """The label of the per-category table:
        `category`, else FriendsQA's `question_type`, else QMSum's `domain`."""
        for value in (self.category, self.extra.get("question_type"), self.extra.get("domain")):
            if isinstance(value, str) and value.strip():
                return value.strip()
        return "(none)" if self.status != UNGRADED else (self.kind or UNGRADED)


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    transcripts: Path
    questions: tuple[Question, ...]
    description: str = ""
    cohere_fixtures: Path | None = None

    def transcript_files(self) -> list[Path]:
        return sorted(p for p in self.transcripts.iterdir() if p.is_file() and not p.name.startswith("."))

    def limited(self, limit: int | None) -> Suite:
        if not limit or limit >= len(self.questions):
            return self
        return Suite(
            self.name,
            self.path,
            self.transcripts,
            self.questions[:limit],
            self.description,
            self.cohere_fixtures,
        )


def repo_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding pyproject.toml or .git (the project root)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    raise SuiteError(
        f"{start}: `relative_to: repo` needs the suite to live inside a project (no pyproject.toml above)"
    )


def load_suite(path: str | Path) -> Suite:
    """Read and check a suite folder.
    Raises SuiteError (malformed) or SuiteUnavailable (transcripts absent)."""
    folder = Path(path).expanduser()
    if folder.is_file() and folder.name == QUESTIONS_FILE:
        folder = folder.parent
    if not folder.is_dir():
        raise SuiteError(f"{folder}: no such suite folder")
    meta: dict[str, Any] = {}
    meta_file = folder / SUITE_FILE
    if meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SuiteError(f"{meta_file}: not valid JSON ({exc})") from None
        if not isinstance(meta, dict):
            raise SuiteError(f"{meta_file}: expected a JSON object")

    questions_file = folder / QUESTIONS_FILE
    if not questions_file.is_file():
        raise SuiteError(f"{folder}: no {QUESTIONS_FILE} (one JSON object per line, see eval/README.md)")
    questions = _read_questions(questions_file)

    base = folder
    if meta.get("relative_to") == "repo":
        base = repo_root(folder)
    elif meta.get("relative_to") not in (None, "suite"):
        raise SuiteError(
            f'{meta_file}: relative_to must be "suite" or "repo", not {meta.get("relative_to")!r}'
        )
    transcripts = (base / str(meta.get("transcripts", TRANSCRIPTS_DIR))).resolve()
    if not transcripts.is_dir():
        if "transcripts" in meta:
            raise SuiteUnavailable(
                f"suite {meta.get('name', folder.name)!r} reads its transcripts from {transcripts}, which is "
                "not "
                "on this machine; the suite is skipped"
            )
        raise SuiteError(f"{folder}: no {TRANSCRIPTS_DIR}/ folder")

    fixtures = meta.get("cohere_fixtures")
    return Suite(
        name=str(meta.get("name") or "/".join(folder.resolve().parts[-2:])),
        path=folder.resolve(),
        transcripts=transcripts,
        questions=tuple(questions),
        description=str(meta.get("description") or ""),
        cohere_fixtures=(folder / fixtures).resolve() if fixtures else None,
    )


_KNOWN = {
    "id",
    "question",
    "episode",
    "evidence",
    "answer",
    "all_answers",
    "kind",
    "category",
    "history",
    "speaker",
    "standalone",
    "answerable",
}


def _read_questions(path: Path) -> list[Question]:
    questions: list[Question] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read ({exc})") from None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}, line {number}"
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise SuiteError(f"{where}: expected a JSON object")
        question = parse_question(item, where, default_id=f"q{number}", line=number)
        if question.id in seen:
            raise SuiteError(f"{where}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise SuiteError(f"{path}: no questions")
    return questions


def parse_question(item: dict[str, Any], where: str, *, default_id: str, line: int = 0) -> Question:
    text = item.get("question")
    if not isinstance(text, str) or not text.strip():
        raise SuiteError(f"{where}: `question` must be a non-empty string")
    evidence, answerable = _evidence(item, where)
    turns = _history(item, where)
    _check_strings(item, where)
    kind = item.get("kind")
    all_answers = item.get("all_answers") or []
    episode = item.get("episode")
    return Question(
        id=str(item.get("id") or default_id),
        question=text.strip(),
        episode=episode or None,
        evidence=tuple(dict.fromkeys(evidence)),
        answer=item.get("answer"),
        all_answers=tuple(str(a) for a in all_answers if isinstance(a, str)),
        kind=kind,
        category=item.get("category"),
        history=tuple(turns),
        speaker=item.get("speaker"),
        standalone=item.get("standalone"),
        answerable=answerable,
        line=line,
        extra={k: v for k, v in item.items() if k not in _KNOWN},
    )


def _evidence(item: dict[str, Any], where: str) -> tuple[list[int], bool | None]:
    evidence = item.get("evidence") or []
    if not isinstance(evidence, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in evidence
    ):
        raise SuiteError(
            f"{where}: `evidence` must be a list of utterance numbers (integers from 1; 0 is the episode's "
            "details record: show, title, host, guests)"
        )
    answerable = item.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise SuiteError(f"{where}: `answerable` must be true or false")
    if evidence and not item.get("episode"):
        raise SuiteError(
            f"{where}: a question with `evidence` needs the `episode` those utterance numbers belong to"
        )
    if (answerable is False or item.get("kind") == UNANSWERABLE) and evidence:
        raise SuiteError(f"{where}: an unanswerable question cannot have evidence")
    return evidence, answerable


def _history(item: dict[str, Any], where: str) -> list[tuple[str, str]]:
    history = item.get("history") or []
    if not isinstance(history, list):
        raise SuiteError(f"{where}: `history` must be a list of {{role, content}} objects")
    turns: list[tuple[str, str]] = []
    for turn in history:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise SuiteError(f"{where}: each `history` turn needs role user|assistant and a string content")
        turns.append((turn["role"], turn["content"]))
    return turns


def _check_strings(item: dict[str, Any], where: str) -> None:
    if not isinstance(item.get("all_answers") or [], list):
        raise SuiteError(f"{where}: `all_answers` must be a list of strings")
    episode = item.get("episode")
    if episode is not None and not isinstance(episode, str):
        raise SuiteError(f"{where}: `episode` must be a string (the transcript's episode id)")
    for name in ("answer", "speaker", "standalone", "category", "kind"):
        if item.get(name) is not None and not isinstance(item[name], str):
            raise SuiteError(f"{where}: `{name}` must be a string")
