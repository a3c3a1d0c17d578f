"""Where a cold `generate` spends its CPU: every stage run serially under cProfile, in one process.

    python bench/stages.py --project                       # the [tool.oapi-pygen] settings of ./pyproject.toml
    python bench/stages.py --spec X [--overlay O] [--tag T] [--package P] [--client-name C]

A real run overlaps validation (a forked child) with build, render and format (black in
forked workers), so its wall time hides what each stage costs; this runs the same stage
functions one after another, so each stage's CPU is its own. The generated package is
the same, but nothing is written and no cache is read or filled (OAPI_PYGEN_CACHE=0 is
set before the generator is imported).

Prints one JSON object:
    {"stages": {stage: {"seconds": s, "by_package": {package: seconds of own time},
                        "top": [[function, calls, own seconds, cumulative seconds], ...]}}}
Timings under cProfile are inflated (roughly 1.5-2x for call-heavy code); read the
shares, not the absolute figures. Run it from the repository root.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from phases import options_from_command_line  # bench/ is on sys.path: this is run as a script

T = TypeVar("T")
TOP = 12


def package_of(filename: str, func: str) -> str:
    """The top-level package a function belongs to. Compiled functions (black is built with
    mypyc) have no file; their name says their module: `<built-in method black.format_str>`."""
    if filename == "~" and func.startswith("<built-in method ") and "." in func:
        module = func.removeprefix("<built-in method ").split(".")[0]
        found = getattr(sys.modules.get(module), "__file__", None) or ""
        if "site-packages" in found:
            return f"{module} (compiled)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1:]
        return rest[0].removesuffix(".py").split(".")[0] if rest else "?"
    if "generator" in parts and "site-packages" not in parts:
        return "generator (ours)"
    if filename.startswith("<") or filename == "~":
        return "builtins / C"
    return "python stdlib"


def profiled(stages: dict[str, Any], name: str, fn: Callable[[], T]) -> T:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        result = fn()
    finally:
        profile.disable()
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profile)
    by_package: dict[str, float] = {}
    rows = []
    for (filename, line, func), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        package = package_of(filename, func)
        by_package[package] = by_package.get(package, 0.0) + own
        rows.append((f"{package}: {Path(filename).name}:{line}({func})", calls, own, cumulative))
    rows.sort(key=lambda r: -r[2])
    stages[name] = {
        "seconds": round(seconds, 4),
        "by_package": {k: round(v, 4) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1]) if v >= 0.001},
        "top": [[f, c, round(o, 4), round(cu, 4)] for f, c, o, cu in rows[:TOP]],
    }
    return result


def main() -> None:
    os.environ["OAPI_PYGEN_CACHE"] = "0"  # before the generator is imported
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    options = options_from_command_line()
    stages: dict[str, Any] = {}
    from generator.pipeline import scoped

    def imports() -> None:
        import black  # noqa: F401

        from generator import build, format, render, validate  # noqa: F401

        validate.preload_validator()

    profiled(stages, "imports", imports)
    from generator.build import build_package
    from generator.format import chunks, format_chunk
    from generator.render import render_package
    from generator.validate import validate

    spec = profiled(stages, "load", lambda: scoped(options))
    profiled(stages, "validate", lambda: validate(spec.doc, strict=options.strict))
    pkg, _ = profiled(stages, "build", lambda: build_package(spec.doc, options.package, options.client_name,
                                                             options.env_prefix))
    texts = profiled(stages, "render", lambda: render_package(pkg, options.templates))

    def format_all() -> int:
        lines = 0
        for name, text in texts.items():
            if name.endswith(".py"):
                for chunk in chunks(text):
                    lines += format_chunk(name, chunk).count("\n")
        return lines

    lines = profiled(stages, "format (black, serial)", format_all)
    print(json.dumps({"stages": stages, "formatted_lines": lines}))


if __name__ == "__main__":
    main()
