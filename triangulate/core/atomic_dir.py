"""Write a folder all at once: into a temporary sibling, then one rename.

A topic model folder holds resident text. If `analyse` is killed half-way, a folder written in place stays
on disk with no record pointing at it, where erasure can never find it. Written here, a killed write
leaves only a `.tmp-…` folder, which `erasure.sweep_orphan_files` removes, and the final folder appears
complete or not at all.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = ".tmp-"


@contextmanager
def atomic_directory(final: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder next to `final`; on success it becomes `final` (replacing any old
    one), on any error it is deleted."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.parent / f"{TEMP_PREFIX}{final.name}-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        yield temp
        if final.exists():
            old = final.parent / f"{TEMP_PREFIX}{final.name}-old-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
            os.replace(temp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
