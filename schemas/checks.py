"""Checks the import-file shapes share (indicator metadata, insight rows): a value from a fixed list, and
text the database can store. Each raises ValueError, which pydantic turns into the row's problem."""
from __future__ import annotations

from collections.abc import Collection


def one_of(value, allowed: Collection, what: str):
    """`value` when it is one of `allowed`; otherwise a ValueError naming the field and every choice."""
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of: {', '.join(map(str, allowed))}")
    return value


def storable(value):
    """`value`, unless it is text holding a NUL character."""
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail half-way through the write.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character (binary data), which cannot be stored")
    return value
