"""The search speed-ups change nothing: same hits from the index's snapshot as from the store, and caches
keyed by the store's generation token see every write."""

from __future__ import annotations

import json
from dataclasses import astuple, replace
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.index.lexical import BM25_B, BM25_K1, FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "harbour-bridge.txt"
MEETING = ROOT / "tests" / "data" / "meeting_speakers.txt"
QUESTIONS = [
    "what did they say about the budget",
    "Totally.",
    "who talked about the bridge",
    "what did Priya say",
    "when does the work start",
    "the roof",
]


def _assistant(store: Path) -> Assistant:
    return Assistant.from_settings(
        store=store, settings=Settings(store=store, mode="offline", embedder="hashing")
    )


def _key(hits: list) -> list:
    return [
        (
            astuple(h.utterance),
            h.score,
            tuple(astuple(c) for c in h.context),
            h.episode_title,
            sorted(h.scores.items()),
        )
        for h in hits
    ]


def test_snapshot_and_store_paths_give_identical_hits(tmp_path: Path) -> None:
    a = _assistant(tmp_path / "store")
    a.ingest([SAMPLE, MEETING])
    snapshot = a.lexical.snapshot()
    assert snapshot.vectors is not None and len(snapshot.vectors) == len(snapshot.keywords)
    episodes = [e.id for e in a.episodes()]
    fast = [_key(a.search(q, k=8)) for q in QUESTIONS] + [
        _key(a.search(q, k=8, episode=episodes[0])) for q in QUESTIONS
    ]
    a.lexical._snapshot = replace(
        snapshot, vectors=None
    )  # the store path: utterances and vectors from Chroma
    slow = [_key(a.search(q, k=8)) for q in QUESTIONS] + [
        _key(a.search(q, k=8, episode=episodes[0])) for q in QUESTIONS
    ]
    assert fast == slow
    assert any(fast)


def test_saved_index_serves_vectors_from_a_memory_map(tmp_path: Path) -> None:
    store = tmp_path / "store"
    a = _assistant(store)
    a.ingest(SAMPLE)
    expected = [_key(a.search(q)) for q in QUESTIONS]
    b = _assistant(store)  # a second process would load the saved folder
    b.lexical._snapshot = None
    vectors = b.lexical.snapshot().vectors
    assert vectors is not None and not vectors.matrix.flags.writeable
    assert [_key(b.search(q)) for q in QUESTIONS] == expected


def test_memoised_reads_follow_writes_from_another_store_object(tmp_path: Path) -> None:
    store = tmp_path / "store"
    reader = _assistant(store)
    writer = _assistant(store)
    writer.ingest(SAMPLE)
    before = reader.store.signature()
    assert reader.store.signature() == before  # unchanged token: the memo answers
    assert [e.id for e in reader.episodes()] == [e.id for e in writer.episodes()]
    writer.ingest(MEETING)
    assert reader.store.signature() != before
    assert len(reader.episodes()) == 2
    assert reader.store.count() == writer.store.count()
    writer.delete(writer.episodes()[0].id)
    assert len(reader.episodes()) == 1


@pytest.mark.parametrize(
    ("key", "stale", "now"),
    [("format", FORMAT_VERSION - 1, FORMAT_VERSION), ("bm25", [1.5, 0.75], [BM25_K1, BM25_B])],
    ids=["older format", "other BM25 parameters"],
)
def test_an_index_saved_in_an_older_format_is_replaced(
    tmp_path: Path, key: str, stale: object, now: object
) -> None:
    store = tmp_path / "store"
    a = _assistant(store)
    a.ingest(SAMPLE)
    a.lexical.current()
    signature = a.store.signature()
    folder = store / "lexical" / signature
    params = json.loads((folder / "params.json").read_text())
    params[key] = stale
    (folder / "params.json").write_text(json.dumps(params))
    b = _assistant(store)
    b.lexical.current()
    assert json.loads((folder / "params.json").read_text())[key] == now


@pytest.mark.parametrize(
    "damaged", ["records.jsonl", "records.jsonl without vectors", "vectors.npy", "params.json", "bm25-own"]
)
def test_a_damaged_saved_index_is_rebuilt_not_a_failed_search(tmp_path: Path, damaged: str) -> None:
    """A disk that filled up or a file cut short: the next process searches as before and saves it again.
    Records cut at a line's end all read: their count, against the keyword index's and the vectors', tells."""
    store = tmp_path / "store"
    a = _assistant(store)
    a.ingest([SAMPLE, MEETING])
    expected = [_key(a.search(q)) for q in QUESTIONS]
    folder = store / "lexical" / a.store.signature()
    whole = {f: f.read_bytes() for f in folder.rglob("*") if f.is_file()}
    target = folder / damaged.split()[0]
    if damaged.endswith("without vectors"):
        (folder / "vectors.npy").unlink()
    for file in [target] if target.is_file() else sorted(target.iterdir()):
        cut = len(whole[file]) // 2
        if file.suffix == ".jsonl":  # at a line's end: every line left reads
            cut = whole[file].rindex(b"\n", 0, cut) + 1
        file.write_bytes(whole[file][:cut])
    sizes = {f.relative_to(folder): len(data) for f, data in whole.items()}
    b = _assistant(store)
    assert [_key(b.search(q)) for q in QUESTIONS] == expected
    assert {f: f.stat().st_size for f in map(folder.joinpath, sizes)} == {
        folder / f: n for f, n in sizes.items()
    }
    c = _assistant(store)
    assert [_key(c.search(q)) for q in QUESTIONS] == expected
    assert c.lexical.snapshot().vectors is not None, "saved again whole: served from the saved file"


def test_filtered_dense_candidates_are_exact_cosine(tmp_path: Path) -> None:
    import numpy as np

    a = _assistant(tmp_path / "store")
    a.ingest([SAMPLE, MEETING])
    snapshot = a.lexical.snapshot()
    index, vectors = snapshot.keywords, snapshot.vectors
    assert vectors is not None
    episode = a.episodes()[0].id
    qv = a.embedder.embed_query("the budget")
    speaker_counts = {
        r.speaker: sum(x.speaker == r.speaker for x in index.records) for r in index.records if r.speaker
    }
    rarest = min(speaker_counts, key=speaker_counts.__getitem__)
    busiest = max(
        speaker_counts, key=speaker_counts.__getitem__
    )  # turns interleaved with others': not a prefix
    masks = [index.mask([e.id]) for e in a.episodes()] + [index.mask(None, [s]) for s in (rarest, busiest)]
    shares = [m.sum() / len(m) for m in masks]
    assert min(shares) <= 0.25 < max(shares), (
        "precondition: both ways of the exact search (gather, one pass) run"
    )
    for keep in masks:
        got = vectors.nearest(keep, qv, 5)
        rows = np.flatnonzero(keep)
        sims = {int(r): float(vectors.matrix[r] @ qv) for r in rows}
        assert got == sorted(sims, key=lambda r: -sims[r])[:5]
    nearest = a.store.nearest
    asked: list[object] = []

    def counted(*args: object, **kwargs: object) -> object:
        asked.append(args)
        return nearest(*args, **kwargs)

    a.store.nearest = counted  # type: ignore[method-assign]
    hits = a.search("the budget", episode=episode)
    assert hits and all(h.utterance.episode_id == episode for h in hits)
    assert not asked, "a filtered search is exact, without Chroma's filtered HNSW query"
    a.retriever.config = replace(a.retriever.config, exact_filtered_dense=False)
    hnsw = a.search("the budget", episode=episode)
    assert len(asked) == 1 and hnsw and all(h.utterance.episode_id == episode for h in hnsw)
    a.search("the budget")
    assert len(asked) == 1, "an unfiltered search of a small library is exact too"
    a.retriever.config = replace(a.retriever.config, exact_dense_rows=len(vectors) - 1)
    a.search("the budget")
    assert len(asked) == 2, "an unfiltered search of a large library takes its dense candidates from Chroma"


def test_a_warm_search_loads_no_scipy_and_scores_as_before(tmp_path: Path) -> None:
    """bm25s imports SciPy only for a build backend the index never uses; a CLI search must not pay for it."""
    import subprocess
    import sys

    with _assistant(tmp_path / "store") as built:
        built.ingest(SAMPLE)
        expected = [[h.utterance.id for h in built.search(q)] for q in QUESTIONS[:3]]
    probe = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from assistant import Assistant, Settings\n"
        f"store = Path({str(tmp_path / 'store')!r})\n"
        "a = Assistant.from_settings(store=store, settings=Settings(store=store, mode='offline', "
        "embedder='hashing'))\n"
        f"hits = [[h.utterance.id for h in a.search(q)] for q in {QUESTIONS[:3]!r}]\n"
        "print(json.dumps({'scipy': 'scipy' in sys.modules, 'hits': hits}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["scipy"] is False
    assert seen["hits"] == expected and all(expected)


def test_warm_up_prepares_the_question_model_in_the_background(tmp_path: Path) -> None:
    import threading

    from assistant.index.embedders import HashingEmbedder

    class SlowToLoad(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.loaded = threading.Event()
            self.loaded_on: str | None = None

        def prepare_queries(self) -> None:
            self.loaded_on = threading.current_thread().name
            self.loaded.set()

    embedder = SlowToLoad()
    store = tmp_path / "store"
    with Assistant.from_settings(
        store=store, settings=Settings(store=store, mode="offline"), embedder=embedder
    ) as a:
        a.warm_up()
        assert embedder.loaded.wait(10)
        assert embedder.loaded_on != threading.current_thread().name


def test_a_short_reply_is_scored_alone_when_asked(tmp_path: Path) -> None:
    """A reply of a few words leans on the turn before, unless `short_reply_context=False`."""
    from assistant import RetrievalConfig

    store = tmp_path / "store"
    with _assistant(store) as built:
        built.ingest(MEETING)

    def dense_and_own(config: RetrievalConfig) -> list[tuple[int, float, float]]:
        with Assistant.from_settings(
            store=store, settings=Settings(store=store, mode="offline", embedder="hashing"), retrieval=config
        ) as a:
            hits = a.search("sorry, that was mine", k=10)
        return [(h.utterance.number, h.scores["dense"], h.scores["own"]) for h in hits]

    blended = dense_and_own(RetrievalConfig(own_weight=1.0))
    alone = dense_and_own(RetrievalConfig(own_weight=1.0, short_reply_context=False))
    assert all(abs(dense - own) < 1e-6 for _, dense, own in alone)
    assert any(abs(dense - own) > 1e-3 for _, dense, own in blended)
