"""Stage 6: black, run in-process on every generated Python file."""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from generator.problems import Problem, SpecError

_MODE = Mode(target_versions={TargetVersion.PY311}, line_length=100)


def format_source(path: str, source: str) -> str:
    """Format one module; a syntax error here is a generator bug, reported with the file name."""
    try:
        return black.format_str(source, mode=_MODE)
    except InvalidInput as exc:
        raise SpecError([Problem("", f"internal error: generated {path} is not valid Python: {exc}")]) from None


def format_files(files: dict[str, str]) -> dict[str, str]:
    return {p: format_source(p, text) if p.endswith(".py") else text for p, text in files.items()}
