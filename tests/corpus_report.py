"""The table of `make corpus`: every spec in ../shared/corpus/specs generated as tests/test_corpus.py
does (by default, or with --allow-partial where the spec is invalid), with what each run said.

Columns: spec, mode, operations generated/in the spec, models, warnings by kind, seconds (cold:
each run has an empty cache of its own).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

from tests.test_corpus import SPECS, generate

WARNING = re.compile(r"^warning: ")


def main() -> int:
    if not SPECS:
        print("the corpus is not present (../shared/corpus/specs beside the project)")
        return 0
    rows = [("spec", "mode", "operations", "models", "warnings by kind", "seconds")]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="oapi-pygen-corpus-") as tmp:
        for spec in SPECS:
            os.environ["OAPI_PYGEN_CACHE_DIR"] = str(Path(tmp) / "cache" / spec.stem)
            started = time.perf_counter()
            run = generate(spec, Path(tmp) / "packages")
            seconds = time.perf_counter() - started
            coverage = run.coverage
            failed += run.returncode != 0 or coverage is None
            operations = f"{coverage[1]}/{coverage[2]}" if coverage else f"exit {run.returncode}"
            rows.append((spec.name, run.mode, operations, coverage[4] if coverage else "-",
                         coverage[5] if coverage else run.stderr.strip().splitlines()[-1:][0][:60], f"{seconds:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print(f"{len(SPECS) - failed}/{len(SPECS)} specs generated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
