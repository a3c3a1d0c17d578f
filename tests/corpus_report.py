"""The table of `make corpus`: every spec in ../shared/corpus/specs generated as tests/test_corpus.py
does (by default, or with --allow-partial where the spec is invalid), with what each run said.

Columns: spec, mode, operations generated/in the spec, models, warnings by kind, seconds (cold:
each run has an empty cache of its own), and the model names a person would not write: with an
underscore inside (a snake_case prefix, a `_2` suffix) or a position number (`...Option3`).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

from tests.corpus_support import SPECS, generate

WARNING = re.compile(r"^warning: ")
MODEL_NAME = re.compile(r"^class (\w+)\(|^(\w+): TypeAlias\b|^(\w+) = TypeAliasType", re.MULTILINE)


def unwritten_names(models: Path) -> tuple[int, int]:
    """(names a person would not write, all model names) in a generated models module."""
    names = ["".join(m) for m in MODEL_NAME.findall(models.read_text(encoding="utf-8"))] if models.is_file() else []
    bad = [n for n in names if "_" in n.strip("_") or re.search(r"Option\d+", n)]
    return len(bad), len(names)


def main() -> int:
    if not SPECS:
        print("the corpus is not present (../shared/corpus/specs beside the project)")
        return 0
    rows = [("spec", "mode", "operations", "models", "warnings by kind", "seconds", "odd names")]
    failed = bad_total = names_total = 0
    with tempfile.TemporaryDirectory(prefix="oapi-pygen-corpus-") as tmp:
        for spec in SPECS:
            os.environ["OAPI_PYGEN_CACHE_DIR"] = str(Path(tmp) / "cache" / spec.stem)
            started = time.perf_counter()
            run = generate(spec, Path(tmp) / "packages")
            seconds = time.perf_counter() - started
            coverage = run.coverage
            failed += run.returncode != 0 or coverage is None
            operations = f"{coverage[1]}/{coverage[2]}" if coverage else f"exit {run.returncode}"
            bad, names = unwritten_names(Path(tmp) / "packages" / run.package / "models.py")
            bad_total, names_total = bad_total + bad, names_total + names
            rows.append((spec.name, run.mode, operations, coverage[4] if coverage else "-",
                         coverage[5] if coverage else run.stderr.strip().splitlines()[-1:][0][:60], f"{seconds:.1f}",
                         str(bad)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print(f"{len(SPECS) - failed}/{len(SPECS)} specs generated; {bad_total} of {names_total} model names "
          "have an underscore inside or a position number")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
