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
