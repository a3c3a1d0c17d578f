"""The validation problems of specs under one of the validator's backends, as JSON on stdout.

    python -m tests.backend_problems jsonschema-rs|jsonschema SPEC...

Run by tests/test_validator_backends.py, one child per backend. `jsonschema` makes the
import of jsonschema-rs fail, as on a platform it has no wheel for. For each spec: what
`validate` reports after loading, overlays and filters (none here), as the command line
prints it, with pointers and lines: the errors that refuse the spec, or its warnings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(spec: Path) -> list[str]:
    from generator.pipeline import Options, prepare
    from generator.problems import SpecError

    try:
        return [p.render() for p in prepare(Options(spec=spec)).warnings]
    except SpecError as exc:
        return [p.render() for p in exc.problems]


def main(argv: list[str]) -> None:
    backend, specs = argv[0], argv[1:]
    if backend == "jsonschema":
        sys.modules["jsonschema_rs"] = None  # type: ignore[assignment]  # its import now fails
    from generator.validate import schema_backend

    json.dump({"backend": schema_backend().name, "problems": {spec: problems(Path(spec)) for spec in specs}},
              sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
