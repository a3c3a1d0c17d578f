"""One in-process `generate()` run, for its per-phase timings (run by bench/generation.py in a fresh process).

    python bench/phases.py --project                       # the [tool.oapi-pygen] settings of ./pyproject.toml
    python bench/phases.py --spec X [--overlay O] [--tag T] [--package P] [--client-name C]

Prints one JSON object: {"timings": {phase: seconds}, "total": seconds, "coverage": "..."}.
Nothing is written to disk. Run it from the repository root.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


def options_from_command_line() -> Any:
    """The generator Options the command line names (shared with bench/stages.py)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", action="store_true")
    parser.add_argument("--spec", type=Path)
    parser.add_argument("--overlay", type=Path, action="append", default=[])
    parser.add_argument("--tag", action="append", default=[])
    parser.add_argument("--package", default="assistants_client")
    parser.add_argument("--client-name", default="AssistantsClient")
    args = parser.parse_args()

    from generator.pipeline import Options
    from generator.scope import Filters

    if args.project:
        from generator.config import load_settings

        cfg = load_settings(Path("pyproject.toml"))
        return Options(spec=cfg.spec, overlays=cfg.overlays, package=cfg.package, client_name=cfg.client_name,
                       env_prefix=cfg.env_prefix, templates=cfg.templates, filters=cfg.filters)
    filters = Filters(tuple(args.tag), ()) if args.tag else Filters()
    return Options(spec=args.spec, overlays=tuple(args.overlay), package=args.package,
                   client_name=args.client_name, filters=filters)


def main() -> None:
    started = time.perf_counter()
    options = options_from_command_line()
    from generator.pipeline import generate

    imported = time.perf_counter()
    t0 = time.perf_counter()
    result = generate(options)
    total = time.perf_counter() - t0
    print(json.dumps({
        "timings": dict(result.timings),
        "total": total,
        "imports": imported - started,
        "coverage": result.coverage.summary(),
    }))


if __name__ == "__main__":
    main()
