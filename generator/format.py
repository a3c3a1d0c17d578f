"""Stage 6: black, in-process, on every generated Python module.

One black pass per module (see format_source). Modules are formatted in parallel (forked workers, one per core, where fork is
available), and each result is cached by the sha256 of the unformatted text and
black's version and mode, so regenerating after a small spec change only
re-formats the modules whose text changed.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata

from generator import cache
from generator.problems import Problem, SpecError

LINE_LENGTH = 100
TARGET = "PY311"
_FORMATTER = f"black {metadata.version('black')} line-length {LINE_LENGTH} target {TARGET}"


def format_source(path: str, source: str) -> str:
    """Format one module; a syntax error here is a generator bug, reported with the file name."""
    import black  # imported on first use: a run that finds its output up to date never formats
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(target_versions={TargetVersion[TARGET]}, line_length=LINE_LENGTH)
    # black.format_str formats twice when its first pass changed the text, a guard for rare
    # magic-trailing-comma cases; on our output the first pass is already stable (the tests
    # run `black --check` over every generated package), so one pass halves the cost.
    # black is pinned, so this private function is the one we tested.
    format_once = getattr(black, "_format_str_once", black.format_str)
    try:
        return str(format_once(source, mode=mode))
    except InvalidInput as exc:
        raise SpecError([Problem("", f"internal error: generated {path} is not valid Python: {exc}")]) from None


def _format_item(item: tuple[str, str]) -> str:
    return format_source(*item)


def format_files(files: dict[str, str]) -> dict[str, str]:
    """Every `.py` file formatted (cached results reused); other files as they are."""
    out = dict(files)
    todo: dict[str, str] = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        hit = cache.get("format", cache.key(_FORMATTER, text))
        if hit is not None:
            out[path] = hit.decode("utf-8")
        else:
            todo[path] = text
    for path, formatted in zip(todo, _run(list(todo.items())), strict=True):
        out[path] = formatted
        cache.put("format", cache.key(_FORMATTER, todo[path]), formatted.encode("utf-8"))
    return out


def _run(items: list[tuple[str, str]]) -> list[str]:
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_format_item(item) for item in items]
    import black  # noqa: F401 -- loaded once here, so forked workers inherit it
    # Largest first, so the longest module starts at once.
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        done = dict(zip(order, pool.map(_format_item, [items[i] for i in order]), strict=True))
    return [done[i] for i in range(len(items))]
