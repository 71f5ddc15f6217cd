"""Problems found in local files, collected rather than stopping at the first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

KEPT_PER_FILE = 100


@dataclass(frozen=True)
class Problem:
    """One problem in a local file: where it is and why it is a problem."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            word = "key" if self.file.startswith("programme.") else "column"
            where.append(f"{word} {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class ProblemLog:
    """Collects problems; keeps the first KEPT_PER_FILE of each file and counts the rest."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.counts: Counter[str] = Counter()

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record a problem."""
        self.counts[file] += 1
        if self.counts[file] <= KEPT_PER_FILE:
            self.problems.append(Problem(file, row, column, message))

    def __bool__(self) -> bool:
        return bool(self.counts)

    def total(self, file: str | None = None) -> int:
        """Return how many problems were found (in one file, or in all)."""
        return self.counts[file] if file else sum(self.counts.values())

    def lines(self) -> list[str]:
        """Return the problems as readable lines, noting any left out."""
        lines = [str(problem) for problem in self.problems]
        for file, count in sorted(self.counts.items()):
            if count > KEPT_PER_FILE:
                lines.append(f"{file}: ... and {count - KEPT_PER_FILE} more problem(s)")
        return lines


class RecordsError(Exception):
    """The local files have problems; nothing was compiled."""

    def __init__(self, log: ProblemLog):
        self.log = log
        super().__init__(f"{log.total()} problem(s) in the local files")
