"""Errors a user can act on. Every import problem names the file, the row or line, the column and the fix."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # 1-based, counting the header as row 1 (as a spreadsheet shows it); line for text files
    column: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}. Fix: {self.fix}"


class TriangulateError(Exception):
    """Base of every error the library raises on purpose; the app shows its message, never a traceback."""


class ImportFailed(TriangulateError):
    """Validation found problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"Import failed, nothing was saved: {head}{more}")


class PermissionDenied(TriangulateError):
    pass


class NotFound(TriangulateError):
    pass


class SignInFailed(TriangulateError):
    pass


# --------------------------------------------------------------------------- errors from outside the library
_DATABASE_MESSAGES = [
    (("unable to open database file", "readonly database", "read-only", "permission denied for"),
     "The database cannot be written: the database file or its folder is read-only for the account running "
     "Triangulate. Fix: give that account write access to the data folder (TRIANGULATE_DATA_DIR) and the "
     "database file, or point DATABASE_URL at a database it may write to."),
    (("database or disk is full", "no space left on device", "could not extend file", "disk full"),
     "The disk holding the database is full, so nothing was saved. Fix: free some space (or move the data "
     "folder to a larger disk), then try again."),
    (("like or glob pattern too complex",),
     "The search is too long for the database. Fix: search for a few words (under 200 characters)."),
    (("0x00", "nul character", "null character"),
     "The text contains a NUL character (\\x00), which the database cannot store or search for. Fix: remove "
     "it (it usually comes from a bad copy-paste) and try again."),
]


def explain(exc: BaseException) -> str | None:
    """A message naming the problem and the fix for an error raised by the database, the disk or the
    parser rather than by the library on purpose; None when it is not one we understand (a real bug)."""
    import errno

    if isinstance(exc, TriangulateError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return ("The input is nested too deeply to read (a hostile or damaged file). Fix: export it again "
                "from the program that made it, with fewer levels.")
    text = " ".join(str(part) for part in (exc, getattr(exc, "orig", ""))).lower()
    if type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        for needles, message in _DATABASE_MESSAGES:
            if any(n in text for n in needles):
                return message
        return None
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return f"The disk is full{where}, so nothing was saved. Fix: free some space, then try again."
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (f"Triangulate may not write to the data folder{where}: it is read-only for the account "
                    "running Triangulate. Fix: give that account write access, or set TRIANGULATE_DATA_DIR to "
                    "a folder it may write to.")
    return None
