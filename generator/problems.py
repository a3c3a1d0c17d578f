"""Problems found in a spec, carried as data between stages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]  # info: said, never counted or made an error


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located by a JSON pointer into the spec."""

    pointer: str
    message: str
    level: Level = "error"
    line: int | None = None
    kind: str = "invalid"  # groups warnings in the coverage report, e.g. "default-mismatch"

    def render(self) -> str:
        where = self.pointer or "/"
        if self.line is not None:
            where = f"{where} (line {self.line})"
        return f"{self.level}: {where}: {self.message}"


class SpecError(Exception):
    """Raised at a stage boundary when the spec cannot be turned into a client."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sort_problems(problems)
        super().__init__("\n".join(p.render() for p in self.problems))


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Unique problems in a stable order: by location, then message."""
    return tuple(sorted(set(problems), key=lambda p: (p.pointer, p.message, p.level)))


