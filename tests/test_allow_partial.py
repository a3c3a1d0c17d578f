"""--allow-partial through the command line and the pipeline: a bad corner costs that corner.

One hand-written spec has a deviation of each kind: some with one obvious meaning (repaired),
some not (isolated). Written as YAML and as JSON, it must be:
- refused by default (exit 2), every error with its pointer and its line;
- generated with --allow-partial into a package that imports, every repair and every part
  taken out reported as a warning with its pointer and its line, counted on the coverage line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import Options, check_spec, generate
from generator.problems import SpecError
from tests.cli_support import ERROR_LINE, run_cli

WARNING_LINE = re.compile(r"^warning: (?P<pointer>/\S*) \(line (?P<line>\d+)\): (?P<message>.+)$")

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Zoo", "version": "1.0"},
    "paths": {
        "/animals/{animalId}": {"get": {
            "operationId": "getAnimal",
            "title": "Fetch one animal",  # repaired: moved to x-title
            "responses": {  # the path parameter is not declared: repaired
                "200": {"description": "The animal.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Animal"}}}},
                "4xx": {"description": "A client error."},  # repaired: 4XX
            },
        }},
        "/animals": {
            "get": {
                "operationId": "listAnimals",
                "parameters": [{"$ref": "#/components/parameters/Limit"}],  # an invalid component
                "responses": {"200": {"description": "The animals."}},
            },
            "post": {
                "operationId": "addAnimal",
                "deprecated": "maybe",  # invalid in the operation itself
                "responses": {"201": {"description": "Added."}},
            },
        },
        "/keepers": {"get": {
            "operationId": "listKeepers",
            "responses": {"200": {"description": "The keepers.", "content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Keeper"}}}}}},
        }},
    },
    "components": {
        "parameters": {"Limit": {"name": "limit", "in": "query", "style": "sideways",
                                 "schema": {"type": "integer"}}},
        "schemas": {
            "Animal": {"type": "object", "properties": {
                "name": {"type": "string", "required": True},  # repaired
                "kind": {"type": "string", "const": "animal"},  # repaired
                "gone": {"type": "null"},  # repaired
                "keeper": {"$ref": "#/components/schemas/Nobody"},  # repaired: dangling
            }},
            "Keeper": {"type": "object", "properties": {"name": {"type": "string", "minLength": -1}}},
        },
    },
}

KEPT = ("get_animal", "list_keepers")
DROPPED = ("add_animal", "list_animals")
KINDS = {"repaired": 7, "dropped-operation": 2, "dropped-component": 1, "replaced-schema": 1}


IMPORT_CHECK = """\
import typing
import zoo_client
import zoo_client.models as m
print(*sorted(n for n in dir(zoo_client.ZooClient) if not n.startswith("_")))
print(m.Keeper is typing.Any, m.Animal.model_fields["name"].is_required())
"""


def write(folder: Path, suffix: str) -> Path:
    spec = folder / f"zoo{suffix}"
    text = json.dumps(SPEC, indent=2) if suffix == ".json" else yaml.safe_dump(SPEC, sort_keys=False)
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache"))


def line_of(spec: Path, text: str) -> int:
    """The 1-based line of the first line of the spec that holds `text`."""
    return next(i for i, line in enumerate(spec.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_by_default_the_spec_is_refused_with_every_error_located(tmp_path: Path, suffix: str) -> None:
    spec = write(tmp_path, suffix)
    proc = run_cli("generate", "--spec", spec, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    errors = [ERROR_LINE.match(line) for line in proc.stderr.splitlines()[:-1]]
    assert errors and all(m and m["pointer"].startswith("/") and m["line"] for m in errors), proc.stderr
    assert not (tmp_path / "out").exists()
    # the dangling $ref stops validation first; with it repaired, the validator's errors show
    fixed = json.loads(json.dumps(SPEC))
    fixed["components"]["schemas"]["Animal"]["properties"]["keeper"] = {"type": "string"}
    spec.write_text(json.dumps(fixed, indent=2) if suffix == ".json" else yaml.safe_dump(fixed, sort_keys=False))
    proc = run_cli("validate", "--spec", spec, cwd=tmp_path)
    errors = [ERROR_LINE.match(line) for line in proc.stderr.splitlines()[:-1]]
    assert proc.returncode == 2 and len(errors) >= 5, proc.stderr
    assert all(m and m["line"] for m in errors), proc.stderr
    deprecated = next(m for m in errors if m and m["pointer"] == "/paths/~1animals/post/deprecated")
    assert int(deprecated["line"]) == line_of(spec, "maybe")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_allow_partial_generates_what_is_valid_and_says_what_it_did(tmp_path: Path, suffix: str) -> None:
    spec = write(tmp_path, suffix)
    out = tmp_path / "out"
    proc = run_cli("generate", "--spec", spec, "--out", out, "--package", "zoo_client", "--client-name", "ZooClient",
                   "--allow-partial", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = [WARNING_LINE.match(line) for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and all(warnings), proc.stderr  # every warning: a pointer and a line
    by_pointer = {m["pointer"]: m for m in warnings if m}
    title = by_pointer["/paths/~1animals~1{animalId}/get/title"]
    assert int(title["line"]) == line_of(spec, "Fetch one animal") and "moved to `x-title`" in title["message"]
    dropped = by_pointer["/paths/~1animals/post/deprecated"]
    assert int(dropped["line"]) == line_of(spec, "maybe")
    assert "operation POST /animals (addAnimal) dropped" in dropped["message"]
    said = ", ".join(f"{kind} {n}" for kind, n in sorted(KINDS.items()))
    assert "coverage: 2/4 operations, " in proc.stdout and f"warnings: {said}" in proc.stdout, proc.stdout
    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK],
        env={**os.environ, "PYTHONPATH": str(out)}, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    methods, checks = imported.stdout.splitlines()
    assert all(name in methods.split() for name in KEPT) and not any(name in methods for name in DROPPED)
    assert checks == "True True"  # Keeper replaced by any value; `required: true` made name required


def test_the_spec_as_written_is_still_refused_after_a_partial_run(tmp_path: Path) -> None:
    """The repaired, pruned document is another document: its cached verdict is never the original's."""
    options = Options(spec=write(tmp_path, ".yaml"), package="zoo_client", client_name="ZooClient")
    partial = Options(**{**options.__dict__, "allow_partial": True})
    assert generate(partial).coverage.operations == 2
    with pytest.raises(SpecError):
        generate(options)
    with pytest.raises(SpecError):
        check_spec(options)
    assert generate(partial).coverage.operations == 2


def test_validate_and_generate_say_the_same_under_allow_partial(tmp_path: Path) -> None:
    """`validate` validates in this process, `generate` beside the build: same repairs, same drops."""
    options = Options(spec=write(tmp_path, ".json"), package="zoo_client", client_name="ZooClient",
                      allow_partial=True)
    assert check_spec(options) == generate(options).coverage


def test_strict_wins_over_allow_partial(tmp_path: Path) -> None:
    options = Options(spec=write(tmp_path, ".yaml"), allow_partial=True, strict=True)
    with pytest.raises(SpecError) as raised:
        generate(options)
    assert all(p.level == "error" for p in raised.value.problems)
