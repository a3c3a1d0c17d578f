"""Validation time under each of openapi-spec-validator's schema backends.

    python bench/validator_backends.py [--repeats N] SPEC...

For every spec, in a fresh child per backend (the pure-Python one with the import of
jsonschema-rs made to fail, as where it has no wheel), the least CPU time (the child's own,
`time.process_time`: on a shared machine its wall time mostly measures the others) of N runs
(default 3) of:

- `library`: openapi-spec-validator's own whole `iter_errors`, the backend chosen by
  OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND (set for the child);
- `shape`: the generator's meta-schema pass (`validate.shape_errors`), the one the backend runs;
- `validate`: the generator's whole `validate()` (shape pass, then the keyword pass and our
  own checks, which are pure Python under both backends).

Nothing is cached (OAPI_PYGEN_CACHE=0). Prints one table. Run it from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BACKENDS = ("jsonschema", "jsonschema-rs")


def _best(repeats: int, run: object) -> float:
    assert callable(run)
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times)


def child(backend: str, spec: str, repeats: int) -> None:
    if backend == "jsonschema":
        sys.modules["jsonschema_rs"] = None  # type: ignore[assignment]
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    from generator.load import load_spec
    from generator.problems import SpecError
    from generator.validate import _meta_validators, schema_backend, shape_errors, validate

    doc = load_spec(Path(spec)).doc
    version = "3.1" if str(doc.get("openapi")).startswith("3.1") else "3.0"
    library_cls = OpenAPIV31SpecValidator if version == "3.1" else OpenAPIV30SpecValidator
    _meta_validators(version)  # made once per process, as in a run

    def whole() -> None:
        try:
            validate(doc)
        except SpecError:
            pass

    out = {
        "backend": schema_backend().name,
        "library": _best(repeats, lambda: list(library_cls(doc).iter_errors())),
        "shape": _best(repeats, lambda: list(shape_errors(doc, version))),
        "validate": _best(repeats, whole),
    }
    json.dump(out, sys.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "SPEC"))
    parser.add_argument("specs", nargs="*")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.repeats)
        return
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "OAPI_PYGEN_CACHE": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    print(f"{'spec':40} {'backend':14} {'library':>8} {'shape':>8} {'validate':>8}  (least CPU s of {args.repeats})")
    for spec in args.specs:
        for backend in BACKENDS:
            proc = subprocess.run(
                [sys.executable, __file__, "--repeats", str(args.repeats), "--child", backend, spec],
                env={**env, "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND": backend},
                capture_output=True, text=True, check=True)
            got = json.loads(proc.stdout)
            assert got["backend"] == backend, got
            print(f"{Path(spec).name:40} {backend:14} {got['library']:8.2f} {got['shape']:8.2f} "
                  f"{got['validate']:8.2f}", flush=True)
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
