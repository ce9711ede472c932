"""What a server does in the background as it starts, so that the first people to use it do not wait.

The first officer suggestion needs its sentence model (MiniLM, `suggest.INTERACTIVE_EMBEDDER`) and the codebook's
fitted assigner (18.7 s when loaded on first use); an upload needs spaCy, then the chosen sentence model
(mpnet by default) to embed it; the first report needs its PDF and workbook libraries and the chart renderer's
engine (about 1.5 s); the first topic fit needs UMAP's compiled numba code. `start(engine)` loads the first four
in a daemon thread and compiles the last in a separate process into the data folder's cache
(`triangulate.residents.umap_cache`). Once per process, whatever calls it (Streamlit reruns, several pages);
TRIANGULATE_WARMUP=0 turns it off (tests that count processes or threads).
"""
from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy.engine import Engine

_lock = threading.Lock()
_state: dict[str, object] = {"thread": None, "seconds": {}, "error": None}
log = logging.getLogger(__name__)
__all__ = ["enabled", "start", "timings", "wait"]  # what app.py, ui and the benches may call


def enabled() -> bool:
    return os.environ.get("TRIANGULATE_WARMUP", "1") != "0"


def start(engine: Engine) -> threading.Thread | None:
    """Start the warm-up (idempotent: once per process). Returns the thread, or None if it had already
    started or is turned off."""
    if not enabled():
        return None
    with _lock:
        if _state["thread"] is not None:
            return None
        thread = threading.Thread(target=_run, args=(engine,), name="triangulate-warmup", daemon=True)
        _state["thread"] = thread
    from triangulate.residents import umap_cache

    umap_cache.start_background()
    thread.start()
    return thread


def wait(timeout: float | None = None) -> bool:
    """Block until the warm-up thread is done (for benchmarks); True if it finished."""
    thread = _state["thread"]
    if thread is None:
        return False
    thread.join(timeout)
    return not thread.is_alive()


def timings() -> dict[str, float]:
    """Seconds each warm-up step took in this process (empty until they ran)."""
    return dict(_state["seconds"])


def _run(engine: Engine) -> None:
    from triangulate.core import embeddings
    from triangulate.joint import report
    from triangulate.practitioners import suggest
    from triangulate.residents import nlp

    # the report's renderers first: a second's work, and a lead may prepare a report right after signing in
    # the suggestions run their own smaller model (suggest.INTERACTIVE_EMBEDDER); the chosen model that embeds
    # uploads (mpnet by default) comes after spaCy, which an upload needs first
    steps = [("reports", report.warm), ("suggestions", lambda: suggest.warm(engine)),
             ("spacy", lambda: nlp.pipeline()), ("sentence model", embeddings.model)]
    for name, step in steps:
        started = time.perf_counter()
        try:
            step()
        except Exception as exc:  # a warm-up only: the page loads it again on first use and reports any error
            _state["error"] = f"{name}: {exc}"
            log.warning("Warm-up of %s failed: %s", name, exc)
        _state["seconds"][name] = time.perf_counter() - started
