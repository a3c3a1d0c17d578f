"""Stage 6: black, in-process, on every generated Python module (and stub, whole, in black's stub mode).

A module is cut into chunks where black's spacing is known: before top-level
statements (two blank lines) and, in a long class, between methods (one blank
line; such a piece is formatted under a stand-in class line). The chunks of all
modules are formatted in parallel: forked workers, one per core, where fork is
available. Each chunk's result is cached by the sha256 of
its unformatted text and black's version and mode, so regenerating after a
small spec change re-formats only the chunks whose text changed. The tests
check that the joined result is exactly what black makes of the whole module.
"""

from __future__ import annotations

import ast
import gc
import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import metadata

from generator import cache
from generator.problems import Problem, SpecError
from generator.progress import NO_PROGRESS, Progress

LINE_LENGTH = 100
TARGET = "PY311"
_FORMATTER = f"black {metadata.version('black')} line-length {LINE_LENGTH} target {TARGET}"


def format_source(path: str, source: str) -> str:
    """Format one module; a syntax error here is a generator bug, reported with the file name."""
    import black  # imported on first use: a run that finds its output up to date never formats
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(target_versions={TargetVersion[TARGET]}, line_length=LINE_LENGTH, is_pyi=path.endswith(".pyi"))
    # black.format_str formats twice when its first pass changed the text, a guard for rare
    # magic-trailing-comma cases; on our output the first pass is already stable (the tests
    # run `black --check` over every generated package), so one pass halves the cost.
    # black is pinned, so this private function is the one we tested.
    format_once = getattr(black, "_format_str_once", black.format_str)
    try:
        return str(format_once(source, mode=mode))
    except InvalidInput as exc:
        raise SpecError([Problem("", f"internal error: generated {path} is not valid Python: {exc}")]) from None


@dataclass(frozen=True)
class Chunk:
    """A piece of a module, formatted alone.

    A piece from inside a class (`in_class`) holds whole methods, as they stand in the
    class: black formats it under a stand-in class line, which is then dropped. It follows
    the piece before it after one blank line, as black puts between methods; a top-level
    piece follows after two.
    """

    text: str
    in_class: bool = False

    @property
    def separator(self) -> str:
        return "\n" if self.in_class else "\n\n"


_STAND_IN = "class _:\n"


def format_chunk(path: str, chunk: Chunk) -> str:
    if not chunk.in_class:
        return format_source(path, chunk.text)
    formatted = format_source(path, _STAND_IN + chunk.text)
    if not formatted.startswith(_STAND_IN):
        raise SpecError([Problem("", f"internal error: black moved the stand-in class line in {path}")])
    return formatted[len(_STAND_IN):]


def join_chunks(chunks: list[Chunk], formatted: list[str]) -> str:
    return "".join((c.separator if i else "") + text for i, (c, text) in enumerate(zip(chunks, formatted, strict=True)))


def _format_item(item: tuple[str, Chunk]) -> str:
    return format_chunk(*item)


def format_files(files: dict[str, str], beside_validation: bool = False,
                 progress: Progress = NO_PROGRESS) -> dict[str, str]:
    """Every `.py` and `.pyi` file formatted (cached results reused); other files as they are.

    `beside_validation`: a validation is running in another process; the formatting
    workers then yield the CPU to it (see _yield_to_validation). `progress` counts the
    modules cut into pieces, then the pieces formatted (those not found in the cache).
    """
    progress.stage("formatting", sum(path.endswith((".py", ".pyi")) for path in files), "modules")
    out = dict(files)
    pieces: dict[str, tuple[list[Chunk], list[str]]] = {}  # path -> its chunks and their cache keys
    todo: dict[str, tuple[str, Chunk]] = {}  # cache key -> (path, chunk) still to format
    done: dict[str, str] = {}
    for path, text in files.items():
        if not path.endswith((".py", ".pyi")):
            continue
        cut = chunks(text) if path.endswith(".py") else [Chunk(text)]  # a stub: black's stub rules, whole
        kind = path.rsplit(".", 1)[1]
        keys = [cache.key(_FORMATTER, kind, str(c.in_class), c.text) for c in cut]
        pieces[path] = (cut, keys)
        for key, chunk in zip(keys, cut, strict=True):
            if key in done or key in todo:
                continue
            hit = cache.get("format", key)
            if hit is not None:
                done[key] = hit.decode("utf-8")
            else:
                todo[key] = (path, chunk)
        progress.advance()
    progress.stage("formatting", len(todo), "pieces")
    for key, formatted in zip(todo, _run(list(todo.values()), beside_validation, progress), strict=True):
        done[key] = formatted
        cache.put("format", key, formatted.encode("utf-8"))
    for path, (cut, keys) in pieces.items():
        out[path] = join_chunks(cut, [done[key] for key in keys])
    return out


CHUNK_LINES = 400  # smaller chunks balance the workers better; each costs a little set-up
_DEFINITION = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_METHOD = (ast.FunctionDef, ast.AsyncFunctionDef)


def chunks(source: str, size: int | None = None) -> list[Chunk]:
    """`source` cut into pieces of about `size` lines, each formatted alone.

    Cuts are made only where black's output is known: two blank lines, then the next
    top-level statement, and inside a long class one blank line, then the next method.
    A top-level cut goes before a class or function preceded by blank lines only, or
    before any other statement preceded by at least two (black keeps two). A cut inside
    a class goes between two methods separated by blank lines only, and the statement
    after such a class starts a new piece. No cut is made next to an overload (black may
    keep overloads together).
    """
    size = CHUNK_LINES if size is None else size
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [Chunk(source)]  # black reports it, with the file name
    lines = source.splitlines(keepends=True)
    bounds: list[tuple[int, bool]] = [(0, False)]  # (first line of a piece, inside a class)
    last_cut, prev_end, prev_overload, after_split = 0, 0, False, False
    for i, node in enumerate(tree.body):
        start = _first_line(node)
        gap = lines[prev_end:start]
        definition = isinstance(node, _DEFINITION)
        overload = definition and "overload" in _decorator_names(node)
        blank = all(not g.strip() for g in gap)
        if after_split or (prev_end and start - last_cut >= size and not overload and not prev_overload and blank
                           and (definition or len(gap) >= 2)):
            bounds.append((start, False))  # after a class cut into pieces, always: black puts two blank lines
            last_cut = start
        after_split = False
        following = tree.body[i + 1] if i + 1 < len(tree.body) else None
        end = node.end_lineno or start
        if (isinstance(node, ast.ClassDef) and end - last_cut > size
                and (following is None or all(not g.strip() for g in lines[end:_first_line(following)]))):
            for cut in _method_cuts(node, lines, last_cut, size):
                bounds.append((cut, True))
                last_cut, after_split = cut, True
        prev_end, prev_overload = end, overload
    ends = [b for b, _ in bounds[1:]] + [len(lines)]
    return [Chunk("".join(lines[begin:end]).strip("\n") + "\n", in_class)
            for (begin, in_class), end in zip(bounds, ends, strict=True)]


def _first_line(node: ast.stmt) -> int:
    """The 0-based line a statement starts on, its decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators]) - 1


def _method_cuts(cls: ast.ClassDef, lines: list[str], last_cut: int, size: int) -> list[int]:
    cuts = []
    for prev, node in itertools.pairwise(cls.body):
        if not (isinstance(prev, _METHOD) and isinstance(node, _METHOD)):
            continue
        if "overload" in _decorator_names(prev) or "overload" in _decorator_names(node):
            continue
        start = _first_line(node)
        if start - last_cut >= size and all(not g.strip() for g in lines[prev.end_lineno or start:start]):
            cuts.append(start)
            last_cut = start
    return cuts


def _decorator_names(node: ast.stmt) -> set[str]:
    return {d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
            for d in getattr(node, "decorator_list", [])}


# How much lower the formatting workers' priority is than the rest of the run's.
WORKER_NICENESS = 10


def _yield_to_validation() -> None:
    """Run in each formatting worker as it starts, on a cold run: lower its scheduling priority.

    Validation runs beside formatting in one process that cannot be split, while black's
    pieces share out over any free core: when the two compete for too few cores, the one
    sequential job should get its core and black the rest (on 2 cores, 3 processes shared
    alike left validation 2/3 of a core). Where cores are idle, niceness changes nothing.
    """
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not permitted here: the order of work is then the scheduler's
        pass


def _run(items: list[tuple[str, Chunk]], beside_validation: bool = False,
         progress: Progress = NO_PROGRESS) -> list[str]:
    """Each piece formatted, in order; `progress` advances (in this process) as each one is back."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        formatted: list[str] = []
        for item in items:
            formatted.append(_format_item(item))
            progress.advance()
        return formatted
    import black  # noqa: F401 -- loaded once here, so forked workers inherit it
    # Largest first, so the longest piece starts at once.
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1].text))
    context = multiprocessing.get_context("fork")
    # The workers inherit the parent's objects (the spec, the IR, the texts): frozen, the
    # collector in each worker does not walk them again and again while black allocates
    # (a third of black's time on a 10,000-schema spec), and their pages stay shared.
    gc.freeze()
    try:
        initializer = _yield_to_validation if beside_validation else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer) as pool:
            done: dict[int, str] = {}
            # map's results come back in order, each batch as a worker finishes it
            for i, text in zip(order, pool.map(_format_item, [items[i] for i in order], chunksize=4), strict=True):
                done[i] = text
                progress.advance()
    finally:
        gc.unfreeze()
    return [done[i] for i in range(len(items))]
