"""UMAP's numba code compiled once per data folder, not once per process.

umap-learn declares its numba functions without `cache=True`, so every new process spent 10–22 s compiling
them before its first topic fit. `enable()` turns numba's on-disk cache on for those functions, with the
compiled code kept under the data folder (`<data>/numba`; compiled code only, never text). The cache is
numba's own: it is checked against the source files and the CPU, and recompiles when either changed.

Only umap's (and pynndescent's uncached) functions are pointed there: pynndescent caches its own functions
next to its source already, and a process-wide NUMBA_CACHE_DIR would make it compile them all again.

`start_background()` compiles in a separate process (its own interpreter, so the caller's work is not held
up by it), e.g. while `init --demo` parses transcripts or while a server starts; `enable()` waits for that
process before the first fit, which then loads the compiled code from disk.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

from triangulate.core.config import PROJECT_ROOT, data_dir

_lock = threading.Lock()
_enabled: set[str] = set()  # cache folders already switched on in this process
_switched: list = []  # the functions switched on so far (pointed at another folder if the data folder changes)
_background: subprocess.Popen | None = None
WAIT_SECONDS = 120  # longest wait for a background compile before compiling in this process instead


def cache_dir() -> Path:
    path = data_dir() / "numba"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dispatchers():
    """Every numba function of umap and pynndescent that does not cache itself (after importing umap)."""
    import umap  # noqa: F401  (imports umap.umap_, umap.layouts, umap.spectral, pynndescent)
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in ("umap", "pynndescent"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher) and id(value) not in seen and isinstance(value._cache, NullCache):
                seen.add(id(value))
                yield value


def enable(wait: bool = True) -> int:
    """Keep UMAP's compiled code on disk under the data folder (idempotent per folder; a process whose data
    folder changes, as tests do, points the functions at the new one). With `wait`, first let a background
    compile started by this process finish. Returns how many functions were switched on."""
    if wait:
        wait_for_background()
    from numba.core import config

    folder = str(cache_dir())
    with _lock:
        if folder in _enabled:
            return 0
        before = config.CACHE_DIR
        config.CACHE_DIR = folder  # read when each function's cache is created: only these functions use it
        try:
            targets = {id(d): d for d in [*_switched, *_dispatchers()]}
            for dispatcher in targets.values():
                dispatcher.enable_caching()
            _switched[:] = targets.values()
            count = len(targets)
        finally:
            config.CACHE_DIR = before
        _enabled.add(folder)
    warnings.filterwarnings("ignore", message=r"Cannot cache compiled function", module=r"numba\..*")
    return count


def compile_now() -> None:
    """Compile the topic fit's UMAP code into the cache: UMAP with the topic fit's settings and exact
    neighbours (as `topics.fit_bertopic` runs it) on a small random corpus of unit float32 vectors, the same
    types and hence the same compiled functions as a real fit. Loads no model and no BERTopic."""
    import numpy as np
    from umap import UMAP

    from triangulate.residents.topics import exact_knn, settings_for

    enable(wait=False)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(80, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    settings = settings_for(len(vectors))["umap"]
    reducer = UMAP(**settings)
    reducer.precomputed_knn = exact_knn(vectors, reducer.n_neighbors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reducer.fit_transform(vectors)


def start_background() -> subprocess.Popen | None:
    """Compile into the cache in a separate process, once per process that asks (idempotent). Returns the
    process, or None when one is already running."""
    global _background
    with _lock:
        if _background is not None and _background.poll() is None:
            return None
        env = {**os.environ, "TRIANGULATE_DATA_DIR": str(data_dir())}
        _background = subprocess.Popen([sys.executable, "-m", "triangulate.residents.umap_cache"], cwd=PROJECT_ROOT,
                                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        return _background


def wait_for_background(timeout: float = WAIT_SECONDS) -> None:
    """Let a background compile started by this process finish (it is never waited on for longer)."""
    process = _background
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)


if __name__ == "__main__":
    with contextlib.suppress(OSError):
        os.nice(10)  # a warm-up: the people using the pages come first
    compile_now()
