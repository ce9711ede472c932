"""Cold start and the pipeline's batching: the warm-up starts once, UMAP's compiled code goes to the data
folder, and spaCy over several files at once gives exactly what one file at a time gives."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from triangulate import warmup
from triangulate.core.permissions import SYSTEM
from triangulate.residents import nlp, store, umap_cache

FILES = [
    ("a.txt", b"Interviewer: How is it going?\nMargaret Boyle: The rent went up and Jayden needs new shoes.\n"
              b"Interviewer: And the buses?\nMargaret Boyle: Phone me on 07700 900123, the 9 bus from Govan is late."),
    ("b.txt", b"Facilitator: Tell me about the nursery.\nShona: Wee Ruby is at the nursery in Castlemilk.\n"
              b"Shona: Universal Credit paid late so Ruby had no dinner money."),
]


def signature(item: store.Preview):
    return ([(t.speaker, t.text, [(s.start, s.end, s.lemmas, s.entities, s.noun_chunks) for s in t.sentences])
             for t in item.turns], [(r.start, r.end, r.rule, r.pseudonym) for r in item.redactions], item.speaker_map)


def test_files_parsed_together_give_the_same_previews(sqlite_engine):
    one_by_one = [store.preview(sqlite_engine, SYSTEM, name, data) for name, data in FILES]
    together = store.previews(sqlite_engine, SYSTEM, FILES)
    assert [signature(i) for i in together] == [signature(i) for i in one_by_one]
    assert any(r.rule == "phone" for r in together[0].redactions)


def test_preview_many_reports_each_files_problem(sqlite_engine):
    results = store.preview_many(sqlite_engine, SYSTEM, [FILES[0], ("empty.txt", b"")])
    assert isinstance(results[0], store.Preview)
    assert isinstance(results[1], store.ImportFailed) and results[1].problems[0].file == "empty.txt"


def test_process_refuses_docs_of_other_texts():
    docs = nlp.parse_together([["One turn about rent."]])[0]
    with pytest.raises(ValueError):
        nlp.process(["Another turn entirely."], [1], ["Q"], docs=docs)


def test_parse_together_splits_back_by_file():
    parsed = nlp.parse_together([["First file, one turn."], [], ["Second file.", "Its second turn."]], n_process=1)
    assert [[d.text for d in docs] for docs in parsed] == [["First file, one turn."], [],
                                                           ["Second file.", "Its second turn."]]


def test_umap_cache_lives_in_the_data_folder(tmp_path):
    # In a fresh process: numba's cache locator is set once per function and process, and this suite's demo
    # template has already switched caching on for another data folder.
    script = (
        "from triangulate.residents import umap_cache\n"
        "from umap import umap_ as umap_module\n"
        "umap_cache.enable(wait=False)\n"
        "print(umap_module.smooth_knn_dist._cache._impl.locator._cache_path)\n"
        "print(umap_cache.enable(wait=False))\n")
    env = dict(os.environ, TRIANGULATE_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    path, again = out.stdout.split()[-2:]
    assert str(tmp_path / "numba") in path
    assert again == "0"  # once per folder


def test_warm_up_starts_once(monkeypatch, sqlite_engine):
    monkeypatch.setenv("TRIANGULATE_WARMUP", "1")
    monkeypatch.setattr(warmup, "_state", {"thread": None, "seconds": {}, "error": None})
    ran, spawned = [], []
    gate = threading.Event()
    monkeypatch.setattr(warmup, "_run", lambda engine: (ran.append(engine), gate.set()))
    monkeypatch.setattr(umap_cache, "start_background", lambda: spawned.append(1))
    first = warmup.start(sqlite_engine)
    assert first is not None and gate.wait(10)
    assert warmup.start(sqlite_engine) is None  # a rerun, another page: nothing more starts
    assert ran == [sqlite_engine] and spawned == [1]


def test_warm_up_can_be_turned_off(monkeypatch, sqlite_engine):
    monkeypatch.setenv("TRIANGULATE_WARMUP", "0")
    monkeypatch.setattr(warmup, "_state", {"thread": None, "seconds": {}, "error": None})
    assert warmup.start(sqlite_engine) is None


SPACY_CHILD = r"""
import json, sys
if sys.argv[1] == "torch-first":
    import torch  # noqa: F401  (as in a server whose warm-up loaded the sentence model first)
from tests.test_coldstart import FILES, signature
from triangulate.core import db
from triangulate.core.permissions import SYSTEM
from triangulate.residents import store
engine = db.make_engine("sqlite://")
db.upgrade(engine)
print(json.dumps({"torch": "torch" in sys.modules and sys.modules["torch"] is not None,
                  "previews": [signature(i) for i in store.previews(engine, SYSTEM, FILES)]}))
"""


def test_spacy_without_torch_gives_the_same_previews():
    """`nlp.pipeline` keeps torch out of a one-thread process (`init --demo`): the same turns, redactions and
    sentences (lemmas, entities, noun chunks) as with torch loaded first."""
    out = {}
    for mode in ("torch-first", "plain"):
        env = {k: v for k, v in os.environ.items() if k != "TRIANGULATE_SPACY_MODEL"}
        done = subprocess.run([sys.executable, "-c", SPACY_CHILD, mode], env=env, capture_output=True, text=True,
                              timeout=600, cwd=Path(__file__).resolve().parents[1])
        assert done.returncode == 0, done.stderr[-2000:]
        out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["torch-first"]["torch"] is True and out["plain"]["torch"] is False
    assert out["plain"]["previews"] == out["torch-first"]["previews"]


def test_warm_up_loads_the_suggestions_model_and_then_the_chosen_one(monkeypatch, sqlite_engine):
    """The suggestions run their own model (MiniLM): the warm-up loads it with their assigner, and the chosen model
    (mpnet by default, for uploads) after spaCy."""
    from types import SimpleNamespace

    from triangulate.core import embeddings
    from triangulate.joint import report
    from triangulate.practitioners import suggest

    done = []
    monkeypatch.setattr(warmup, "_state", {"thread": None, "seconds": {}, "error": None})
    monkeypatch.setattr(report, "warm", lambda: done.append("reports"))
    fitted = SimpleNamespace(assigner=SimpleNamespace(embedder=suggest.INTERACTIVE_EMBEDDER))
    monkeypatch.setattr(suggest, "machine", lambda engine: done.append("assigner") or fitted)
    monkeypatch.setattr(embeddings, "encode", lambda texts, batch_size=64, embedder=None: done.append(embedder))
    monkeypatch.setattr(nlp, "pipeline", lambda: done.append("spacy"))
    monkeypatch.setattr(embeddings, "model", lambda: done.append("chosen model"))
    warmup._run(sqlite_engine)
    assert done == ["reports", "assigner", "minilm", "spacy", "chosen model"]
    assert set(warmup.timings()) == {"reports", "suggestions", "spacy", "sentence model"}
