"""Legal specs that look like the bad ones: each must still generate, the same way every run.

The refusals live in test_bad_specs.py; these are their neighbours on the legal side:
recursion through an alias, unquoted response codes, YAML anchors and merge keys,
names that collide once made into Python, nesting right at the documented limit,
and a spec of 10,000 schemas.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.compose import MAX_DEPTH
from generator.pipeline import Options, generate
from tests.cli_support import ERROR_LINE, REPO, run_cli

HANG_GUARD = 600  # seconds; only so that a hang fails instead of blocking the suite


def _generate(tmp_path: Path, text: str, name: str = "spec.yaml") -> dict[str, str]:
    spec = tmp_path / name
    spec.write_text(text, encoding="utf-8")
    files = generate(Options(spec=spec, package="tricky_client", client_name="TrickyClient")).files
    texts = {n: data.decode("utf-8") for n, data in files.items()}
    for n, source in texts.items():
        if n.endswith(".py"):
            ast.parse(source, n)
    return texts


def _body(source: str) -> str:
    """A module without its first line (the header, which names the spec's sha256)."""
    return source.split("\n", 1)[1]


def test_alias_that_recurses_through_a_property_is_not_a_cycle(tmp_path: Path) -> None:
    """`Tree` is only a `$ref` to `Node`, and `Node` refers back to `Tree` from a property: legal."""
    files = _generate(tmp_path, textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: Trees, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Tree: {$ref: "#/components/schemas/Node"}
            Node:
              type: object
              properties:
                children: {type: array, items: {$ref: "#/components/schemas/Tree"}}
                parent: {$ref: "#/components/schemas/Tree"}
        """))
    models = files["models.py"]
    assert "class Node(APIModel):" in models
    assert 'Tree = TypeAliasType("Tree", "Node")' in models  # an alias on a cycle: defined lazily
    assert "children: list[Tree] | None = None" in models


def test_unquoted_response_codes_are_read_as_text(tmp_path: Path) -> None:
    """`200:` is a number to YAML and `default:` a string; the keys are read as their text (as in JSON)."""
    files = _generate(tmp_path, textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: Codes, version: 1.0.0}
        paths:
          /pets:
            get:
              operationId: listPets
              responses:
                200:
                  description: ok
                  content:
                    application/json:
                      schema: {type: array, items: {type: string}}
                default:
                  description: error
        """))
    assert "def list_pets() -> Request[list[str]]:" in files["operations.py"]


def test_yaml_anchors_and_merge_keys_give_the_same_client_as_the_expanded_spec(tmp_path: Path) -> None:
    with_aliases = textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: Anchors, version: 1.0.0}
        paths:
          /pets:
            get:
              operationId: listPets
              parameters:
                - &limit {name: limit, in: query, schema: {type: integer}}
              responses:
                "200": &ok
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Pet"}
          /cats:
            get:
              operationId: listCats
              parameters: [*limit]
              responses:
                "200": *ok
        components:
          schemas:
            Named: &named
              type: object
              properties:
                name: {type: string}
            Pet:
              <<: *named
              description: A pet.
        """)
    expanded = yaml.safe_dump(json.loads(json.dumps(yaml.safe_load(with_aliases))), sort_keys=False)
    assert "&" not in expanded and "<<" not in expanded
    first = _generate(tmp_path, with_aliases, "aliases.yaml")
    second = _generate(tmp_path, expanded, "expanded.yaml")
    for name in ("models.py", "operations.py", "client.py"):
        assert _body(first[name]) == _body(second[name]), name
    assert "class Pet(APIModel):" in first["models.py"]


def test_names_that_collide_after_sanitizing_get_distinct_names(tmp_path: Path) -> None:
    """Schemas `Foo-Bar`/`Foo_Bar`, properties `a-b`/`a_b`, operationIds `get-thing`/`get_thing`.

    A wire name that already is a valid Python name keeps it; the other takes a suffix.
    Whichever comes first in the document, the result is the same.
    """
    def spec(order: list[int]) -> str:
        ops = [("/one", "get-thing", "Foo-Bar"), ("/two", "get_thing", "Foo_Bar")]
        paths = "".join(textwrap.dedent(f"""\
              {p}:
                get:
                  operationId: {op}
                  responses:
                    "200":
                      description: ok
                      content: {{application/json: {{schema: {{$ref: "#/components/schemas/{ref}"}}}}}}
            """) for p, op, ref in (ops[i] for i in order))
        props = ["a-b: {type: string}", "a_b: {type: integer}"]
        return ("openapi: 3.1.0\ninfo: {title: Names, version: 1.0.0}\npaths:\n" + textwrap.indent(paths, "  ")
                + "components:\n  schemas:\n    Foo-Bar:\n      type: object\n      properties:\n"
                + "".join(f"        {props[i]}\n" for i in order)
                + "    Foo_Bar: {type: object, properties: {x: {type: string}}}\n")

    results = [_generate(tmp_path, spec(order), f"names{k}.yaml") for k, order in enumerate(([0, 1], [1, 0]))]
    for files in results:
        models, operations = files["models.py"], files["operations.py"]
        assert "class FooBar(APIModel):" in models and "class Foo_Bar(APIModel):" in models
        assert 'a_b_2: str | None = Field(default=None, alias="a-b")' in models
        assert "a_b: int | None = None" in models
        assert "def get_thing() -> Request[Foo_Bar]:" in operations
        assert "def get_thing_2() -> Request[FooBar]:" in operations


# --- nesting at the limit ------------------------------------------------------------------


def _depth(node: Any) -> int:
    best, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            best = max(best, level)
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return best


SHAPES = {  # one level of nesting of each kind the generator turns into code
    "Props": lambda s: {"type": "object", "properties": {"a": s}},
    "Items": lambda s: {"type": "array", "items": s},
    "Map": lambda s: {"type": "object", "additionalProperties": s},
    "OneOf": lambda s: {"oneOf": [s, {"type": "string"}]},
    "AllOf": lambda s: {"allOf": [s]},
    "Nullable": lambda s: {"anyOf": [s, {"type": "null"}]},
}


def _nested_to(shape: str, depth: int) -> dict[str, Any]:
    """A document whose only schema nests `shape` until the document is `depth` levels deep."""
    def doc(schema: Any) -> dict[str, Any]:
        return {"openapi": "3.1.0", "info": {"title": "Deep", "version": "1.0.0"}, "paths": {},
                "components": {"schemas": {shape: schema}}}

    schema: Any = {"type": "object", "properties": {"leaf": {"type": "string"}}}
    while _depth(doc(SHAPES[shape](schema))) <= depth:
        schema = SHAPES[shape](schema)
    assert _depth(doc(schema)) in (depth - 1, depth)
    return doc(schema)


def test_nesting_at_the_limit_generates_and_one_level_more_is_refused(tmp_path: Path) -> None:
    """Every shape nested to MAX_DEPTH goes through the whole pipeline (validator, black included).

    Run by the command line, so the stack is the one a user's run has.
    """
    schemas: dict[str, Any] = {}
    for shape in SHAPES:
        schemas.update(_nested_to(shape, MAX_DEPTH)["components"]["schemas"])
    doc = {"openapi": "3.1.0", "info": {"title": "Deep", "version": "1.0.0"}, "paths": {},
           "components": {"schemas": schemas}}
    assert _depth(doc) == MAX_DEPTH
    spec = tmp_path / "deep.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_cli("generate", "--spec", spec, "--out", tmp_path / "out", cwd=tmp_path, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    for name in ("models.py", "operations.py", "client.py"):
        ast.parse((tmp_path / "out" / "assistants_client" / name).read_text(encoding="utf-8"))

    deeper = {**doc, "components": {"schemas": {"Props": {"type": "array", "items": schemas["Props"]}}}}
    assert _depth(deeper) == MAX_DEPTH + 1
    spec = tmp_path / "deeper.yaml"
    spec.write_text(yaml.safe_dump(deeper), encoding="utf-8")
    proc = run_cli("validate", "--spec", spec, cwd=tmp_path, timeout=HANG_GUARD)
    assert proc.returncode == 2, proc.stderr
    found = [m for m in map(ERROR_LINE.match, proc.stderr.splitlines()) if m]
    assert len(found) == 1 and f"nested deeper than {MAX_DEPTH} levels" in found[0]["message"], proc.stderr
    assert found[0]["pointer"].count("/") == MAX_DEPTH


# --- 10,000 schemas ----------------------------------------------------------------------------

LEAN_PATH = """
import json, resource, sys
from pathlib import Path
from generator.build import build_package
from generator.load import load_spec
from generator.render import BUILTIN_TEMPLATES, render_package
from generator.validate import check_operation_ids, check_parameters, check_path_params, check_refs, check_version

spec = load_spec(Path(sys.argv[1]))
doc = spec.doc
problems = [*check_version(doc), *check_refs(doc), *check_parameters(doc), *check_operation_ids(doc),
            *check_path_params(doc)]
pkg, dropped = build_package(doc, "synth_client", "SynthClient", "SYNTH")
texts = render_package(pkg, BUILTIN_TEMPLATES)
print(json.dumps({"problems": len(problems) + len(dropped), "models": len(pkg.models),
                  "operations": len(pkg.operations), "classes": sum(text.count("\\nclass ") for name, text in texts.items()
                                 if name == "models.py" or name.startswith("models/")),
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@pytest.mark.parametrize("schemas", [10_000])
def test_ten_thousand_schemas_load_build_and_render(tmp_path: Path, schemas: int) -> None:
    """bench/synth.py's spec of 10,000 schemas and 2,000 operations, on a lean path.

    Load, the generator's own checks, build and render: everything but openapi-spec-validator
    and black (and parsing the 6 MB result), third-party stages that take minutes
    at this size (a full `generate` of it measured 307 s and 1.5 GB peak RSS on a busy
    2-core machine). In a subprocess, so its peak memory is its own; the bound is generous
    and only there to catch a blow-up.
    """
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import synth  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "bench"))
    spec = tmp_path / "synth.json"
    spec.write_text(json.dumps(synth.make_spec(schemas)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", LEAN_PATH, str(spec)], cwd=REPO, capture_output=True,
                          text=True, check=False, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["problems"] == 0
    assert report["operations"] == schemas // 5
    assert report["models"] >= schemas
    assert report["classes"] >= schemas // 2  # most synthetic schemas are objects
    assert report["max_rss_kib"] < 1_000_000, report


def test_a_check_the_validator_cannot_make_is_a_located_warning(tmp_path: Path) -> None:
    """OpenAPI 3.0's `format: byte` checker encodes the value as ASCII: a non-ASCII default made it
    raise UnicodeEncodeError, and the whole spec was refused at "/" ("the validator failed"). The
    failure is now reported where it happened, as the default-mismatch warning it is."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent("""\
        openapi: 3.0.3
        info: {title: Bytes, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Blob:
              type: object
              properties:
                data: {type: string, format: byte, default: "é"}
                size: {type: integer, default: 1}
        """), encoding="utf-8")
    proc = run_cli("generate", "--spec", spec, "--out", tmp_path / "out", "--package", "blob_client",
                   cwd=tmp_path, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    expected = ("warning: /components/schemas/Blob/properties/data/default (line 9): the default does not fit the "
                "schema: the validator could not check the value (UnicodeEncodeError: 'ascii' codec can't encode "
                "character '\\xe9' in position 0: ordinal not in range(128))")
    assert warnings == [expected], proc.stderr
    assert "validator failed" not in proc.stderr


def test_problems_in_a_component_are_named_in_the_component(tmp_path: Path) -> None:
    """openapi-spec-validator walks from the operations through `$ref`s and reported a component's
    problem along that walk (/paths/~1blobs/get/...); the pointer now names where it is written."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: Blobs, version: 1.0.0}
        paths:
          /blobs:
            get:
              operationId: getBlob
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Blob"}
        components:
          schemas:
            Blob:
              type: object
              properties:
                size: {type: integer, default: "big"}
                tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
            Tag:
              type: object
              properties:
                name: {type: string, default: 7}
        """), encoding="utf-8")
    proc = run_cli("validate", "--spec", spec, cwd=tmp_path, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    warnings = [line.split(": the default")[0] for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: /components/schemas/Blob/properties/size/default (line 18)",
        "warning: /components/schemas/Tag/properties/name/default (line 23)",
    ], proc.stderr
