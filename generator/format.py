"""Stage 6: black, in-process, on every generated Python module.

A module is cut into chunks at top-level classes and functions (black formats
each of those the same way wherever it stands, with two blank lines before it),
and the chunks of all modules are formatted in parallel: forked workers, one per
core, where fork is available. Each chunk's result is cached by the sha256 of
its unformatted text and black's version and mode, so regenerating after a
small spec change re-formats only the chunks whose text changed. The tests
check that the joined result is exactly what black makes of the whole module.
"""

from __future__ import annotations

import ast
import itertools
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
    keys: dict[str, list[str]] = {}  # path -> the cache keys of its chunks, in order
    todo: dict[str, tuple[str, str]] = {}  # cache key -> (path, chunk) still to format
    done: dict[str, str] = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        keys[path] = []
        for chunk in chunks(text):
            key = cache.key(_FORMATTER, chunk)
            keys[path].append(key)
            if key in done or key in todo:
                continue
            hit = cache.get("format", key)
            if hit is not None:
                done[key] = hit.decode("utf-8")
            else:
                todo[key] = (path, chunk)
    for key, formatted in zip(todo, _run(list(todo.values())), strict=True):
        done[key] = formatted
        cache.put("format", key, formatted.encode("utf-8"))
    for path, chunk_keys in keys.items():
        out[path] = "\n\n".join(done[key] for key in chunk_keys)
    return out


CHUNK_LINES = 400  # smaller chunks balance the workers better; each costs a little set-up


def chunks(source: str, size: int | None = None) -> list[str]:
    """`source` cut before top-level classes and functions into pieces of about `size` lines.

    A cut is made only where black's output is known to be two blank lines and then the
    definition: before a class or function preceded by blank lines only, and not before or
    after an overload (black may keep overloads together).
    Each piece is formatted alone and the results are joined with two blank lines.
    """
    size = CHUNK_LINES if size is None else size
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [source]  # black reports it, with the file name
    lines = source.splitlines(keepends=True)
    cuts: list[int] = []
    last_cut, prev_end, prev_overload = 0, 0, False
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        gap = lines[prev_end:start]
        definition = isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        overload = definition and "overload" in _decorator_names(node)
        if (prev_end and start - last_cut >= size and definition and not overload and not prev_overload
                and all(not g.strip() for g in gap)):
            cuts.append(start)
            last_cut = start
        prev_end, prev_overload = node.end_lineno or prev_end, overload
    bounds = [0, *cuts, len(lines)]
    return ["".join(lines[a:b]).strip("\n") + "\n" for a, b in itertools.pairwise(bounds)]


def _decorator_names(node: ast.stmt) -> set[str]:
    return {d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
            for d in getattr(node, "decorator_list", [])}


def _run(items: list[tuple[str, str]]) -> list[str]:
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_format_item(item) for item in items]
    import black  # noqa: F401 -- loaded once here, so forked workers inherit it
    # Largest first, so the longest piece starts at once.
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        done = dict(zip(order, pool.map(_format_item, [items[i] for i in order], chunksize=4), strict=True))
    return [done[i] for i in range(len(items))]
