"""The one validator core for row-based imports (indicator files, insight files).

Each import checks its own cells, and says what is wrong through a `RowProblems`: every problem in the same
shape (`Problem(file, row, column, message, fix)`), the whole file checked before anything is refused, and the
import refused as a whole (`raise_if_any`). Two options serve the big files: `limit` lists the first problems
only (then says how many rows had one), and `merge_columns` makes one problem of the same message on one row
for several columns (a wide row repeats the same fault once per period column).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from triangulate.core.errors import ImportFailed, Problem


class RowProblems:
    """The problems found in one file, collected row by row."""

    def __init__(self, filename: str, problems: list[Problem] | None = None, *, limit: int | None = None,
                 merge_columns: bool = False):
        self.filename = filename
        self.problems = problems if problems is not None else []  # shared with a caller's own list when given
        self.limit = limit
        self.merge_columns = merge_columns
        self.rows_with_problems = 0
        self._at: dict[tuple[int | None, str], int] = {}  # (row, message) -> index in problems

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def add(self, row: int | None, column: str | None, message: str, fix: str) -> None:
        """Note one problem (a cell, a row, or the file when row is None)."""
        if self.merge_columns:
            at = self._at.get((row, message))
            if at is not None:
                again = self.problems[at]
                if column and column not in (again.column or "").split(", "):
                    merged = f"{again.column}, {column}" if again.column else column
                    self.problems[at] = replace(again, column=merged)
                return
        if self.limit is not None and len(self.problems) >= self.limit:
            return
        self._at[(row, message)] = len(self.problems)
        self.problems.append(Problem(self.filename, row, column, message, fix))

    def reject_row(self, row: int | None, column: str | None, message: str, fix: str) -> None:
        """A problem that leaves the row out: counted among the rows with problems."""
        self.add(row, column, message, fix)
        self.rows_with_problems += 1

    def close(self) -> None:
        """After the last row: say so when the limit kept some problems from the list."""
        if self.limit is not None and self.rows_with_problems > self.limit:
            self.problems.append(Problem(self.filename, None, None, f"{self.rows_with_problems} rows have problems; "
                                         f"the first {self.limit} are listed",
                                         "fix those and check the rest the same way"))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)


def records(rows: list[dict[str, str]], first_row: int = 2) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, record) for every row that is not blank; the header is row 1.
    Blank lines between blocks are common in spreadsheets and are no problem."""
    for index, record in enumerate(rows):
        if any(str(v).strip() for v in record.values()):
            yield index + first_row, record
