"""Names are stable: taking an operation out of a real spec (or, the other way round, adding it)
renames no model that both versions have. Over every spec in ../shared/corpus/specs, the 2026
OpenAI spec in ../shared/reference, our own spec, and the golden case of the naming rules (where
an operation and a component schema want one name); each is skipped when absent.

The build is run directly on the loaded document (no validation), once with the whole spec and
once without each of three operations (the first, middle and last in the document).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_package
from generator.load import load_spec
from generator.spec import HTTP_METHODS

ROOT = Path(__file__).resolve().parents[1]
SPECS = [*sorted((ROOT.parent / "shared" / "corpus" / "specs").glob("*")),
         ROOT.parent / "shared" / "reference" / "openai-openapi-2026-08-21.yaml", ROOT / "spec" / "assistants.yaml",
         ROOT / "tests" / "golden" / "naming_readable" / "spec.yaml"]


def model_names(doc: dict[str, Any]) -> dict[str, str]:
    pkg, _ = build_package(doc, "stable", "Client", "STABLE")
    return {m.pointer: m.python_name for m in pkg.models}


def operations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(path, method) for path, item in (doc.get("paths") or {}).items() if isinstance(item, dict)
            for method in item if method in HTTP_METHODS]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name if s.name != "spec.yaml" else s.parent.name for s in SPECS])
def test_removing_an_operation_renames_no_model(spec: Path) -> None:
    if not spec.is_file():
        pytest.skip(f"{spec} is absent")
    doc = load_spec(spec).doc
    whole = model_names(doc)
    ops = operations(doc)
    assert ops
    for path, method in dict.fromkeys([ops[0], ops[len(ops) // 2], ops[-1]]):
        smaller = copy.deepcopy(doc)
        del smaller["paths"][path][method]
        names = model_names(smaller)
        renamed = {ptr: (whole[ptr], name) for ptr, name in names.items() if ptr in whole and whole[ptr] != name}
        assert not renamed, f"without {method.upper()} {path}: {renamed}"
