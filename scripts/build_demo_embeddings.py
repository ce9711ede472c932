"""Rebuild the demo's shipped vectors for the chosen model (`TRIANGULATE_EMBEDDER`, default mpnet; MiniLM's file is
triangulate/data/demo/embeddings.npz, mpnet's embeddings-all-mpnet-base-v2.npz): what `init --demo` needs, so
that it loads no model. Run it once per model.

Runs the demo load in a throw-away data folder with the shipped file switched off (every vector computed by the
model), then writes every vector that database holds: the illustrative (fictional) transcripts' resident
segments, the default codebook's definitions and keywords and the off-topic prototypes, all of them texts
shipped with Triangulate, nothing else. Run it after changing any of those texts (a stale file is harmless:
changed texts are computed as before, only slower).

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/build_demo_embeddings.py [--regression-only]

It also writes the model's triangulate/data/demo/regression*.npz: the assignment's regression fitted on the demo's
training set (its fictional insights, the default codebook, the off-topic prototypes), so that `init --demo`
neither imports scikit-learn nor fits it (`assignment.SHIPPED_REGRESSIONS`). `--regression-only` rebuilds that
file alone, from the shipped vectors (no model loaded).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["TRIANGULATE_DATA_DIR"] = tempfile.mkdtemp(prefix="demo_embeddings_")
REGRESSION_ONLY = "--regression-only" in sys.argv
if not REGRESSION_ONLY:
    os.environ["TRIANGULATE_SHIPPED_EMBEDDINGS"] = "0"
os.environ.pop("DATABASE_URL", None)

import numpy as np  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from schemas import Embedding  # noqa: E402
from triangulate import demo  # noqa: E402
from triangulate.codebook import assignment  # noqa: E402
from triangulate.core import db, embeddings  # noqa: E402


def write_regression(engine) -> None:
    """The regression the demo database's codebook and coded insights give, fitted here (none shipped is used)."""
    assignment.SHIPPED_REGRESSIONS = ()
    assigner, _ = assignment.for_database(engine)
    regression = assigner._classifier
    if not isinstance(regression, assignment.Regression):
        raise SystemExit(f"The demo's training set gave no multinomial regression ({type(regression).__name__}).")
    target = embeddings.shipped_demo_file("regression")
    assignment.write_regression(target, regression)
    print(f"Regression {regression.key[:12]}… ({regression.coef_.shape[0]} classes) written to "
          f"{target.relative_to(ROOT)} ({target.stat().st_size // 1024} KB)", file=sys.stderr)


def main() -> int:
    engine = db.make_engine(f"sqlite:///{Path(os.environ['TRIANGULATE_DATA_DIR']) / 'demo.db'}")
    demo.load(engine, progress=lambda step: print(f"  {step}", file=sys.stderr), fit_topics=False)
    write_regression(engine)
    if REGRESSION_ONLY:
        return 0
    with Session(engine) as session:
        rows = session.exec(select(Embedding).where(Embedding.model == embeddings.MODEL_NAME)
                            .order_by(Embedding.text_hash)).all()
    hashes = [r.text_hash for r in rows]
    vectors = np.vstack([np.frombuffer(r.vector, dtype="<f4") for r in rows])
    target = embeddings.SHIPPED_CACHES[0]
    embeddings.write_cache_file(target, hashes, vectors)
    print(f"{len(hashes)} vectors ({embeddings.MODEL_NAME}) written to {target.relative_to(ROOT)} "
          f"({target.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
