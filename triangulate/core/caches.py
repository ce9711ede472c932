"""In-process caches of what is worked out from the database, keyed by its data version, cleared in one place.

A `VersionedCache` keeps results per (database, data version, key): any committed write that can change an
analysis moves the version on (`core.db`), in whatever process it happens, so a stale entry is never
served; entries of older versions are dropped as soon as a newer version is seen.

Every cache that can hold people's text (or words of it) is registered here, so erasure can empty them
all (`clear_all`) and check that none still holds the erased text (`holding`).
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from triangulate.core import db, terms

_registry: dict[str, tuple[Callable[[], None], Callable[[str], bool]]] = {}


def register(name: str, clear: Callable[[], None], holds: Callable[[str], bool]) -> None:
    """Make a cache known to erasure: `clear()` empties it, `holds(text)` says whether it keeps that text."""
    _registry[name] = (clear, holds)


register("words of texts (core.terms)", terms.forget_words, terms.holds)


def clear_all() -> list[str]:
    """Empty every registered cache (after an erasure); returns their names."""
    for clear, _ in _registry.values():
        clear()
    return sorted(_registry)


def holding(text: str) -> list[str]:
    """The registered caches that still hold `text` (or a word of it, for word caches)."""
    return sorted(name for name, (_, holds) in _registry.items() if holds(text))


def mentions(value: Any, needle: str, depth: int = 6) -> bool:
    """Whether `needle` occurs in any string inside `value` (frames, dataclasses, containers), case-insensitively."""
    needle = needle.lower()

    def walk(v: Any, d: int) -> bool:
        if isinstance(v, str):
            return needle in v.lower()
        if d <= 0 or v is None or isinstance(v, (int, float, bool)):
            return False
        if isinstance(v, pd.DataFrame):
            return any(walk(c, d - 1) for c in v.columns) or any(
                walk(x, d - 1) for col in v.columns if not pd.api.types.is_numeric_dtype(v[col].dtype)
                for x in v[col])
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return any(walk(getattr(v, f.name), d - 1) for f in dataclasses.fields(v))
        if isinstance(v, dict):
            return any(walk(k, d - 1) or walk(x, d - 1) for k, x in v.items())
        if isinstance(v, (list, tuple, set, frozenset)):
            return any(walk(x, d - 1) for x in v)
        return False

    return walk(value, depth)


class VersionedCache:
    """Results per (database URL, data version, key), the most recent `max_entries` kept.

    `get` works the value out when it is missing; when the database has no data version, or the value could
    not be pinned to one, it is worked out and not kept. Values are shared between callers: treat them as
    read-only (copy a DataFrame before changing it)."""

    def __init__(self, name: str, max_entries: int = 64):
        self.name = name
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._newest: dict[str, int] = {}  # database URL → newest version seen
        self._lock = threading.Lock()
        register(name, self.clear, lambda text: mentions(list(self._entries.values()), text))

    def version(self, engine: Engine) -> int | None:
        return db.data_version(engine)

    def lookup(self, engine: Engine, version: int | None, key: Hashable) -> Any | None:
        if version is None:
            return None
        with self._lock:
            full = (str(engine.url), version, key)
            if full in self._entries:
                self._entries.move_to_end(full)
                return self._entries[full]
        return None

    def store(self, engine: Engine, version: int | None, key: Hashable, value: Any) -> None:
        if version is None:
            return
        url = str(engine.url)
        with self._lock:
            newest = self._newest.get(url)
            if newest is not None and version < newest:
                return  # already out of date
            if newest is None or version > newest:
                self._newest[url] = version
                for old in [k for k in self._entries if k[0] == url and k[1] < version]:
                    del self._entries[old]
            self._entries[(url, version, key)] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], Any]) -> Any:
        # The version is read before the data: a write committed in between leaves the entry newer than
        # its version says, never older.
        version = self.version(engine)
        hit = self.lookup(engine, version, key)
        if hit is not None:
            return hit
        value = compute()
        self.store(engine, version, key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._newest.clear()

    def __len__(self) -> int:
        return len(self._entries)
