"""Every real spec in ../shared/corpus/specs generates, imports and type-checks, and keeps every body.

The specs are published by their vendors (payments, messaging, infrastructure, social, file
storage; from FastAPI, .NET, Stoplight and in-house generators), not written for this project.
Each is generated through the command line, by default, or with --allow-partial where the
spec is invalid; then:
- the run exits 0 and prints its coverage line; every operation of the spec is generated, or
  each one left out is named by a located warning;
- no operation loses its request body: one that declares a body with content (other than an
  empty object schema) has a body argument;
- the package imports (every module), and `mypy --strict` passes on all of them and on their README examples (one run).
The folder is beside the project; the tests skip when it is absent. `make corpus` prints the table.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.corpus_support import CORPUS, SPECS, Generated, generate, oversized_modules, package_name

pytestmark = pytest.mark.skipif(not SPECS, reason=f"the corpus is not present ({CORPUS} is absent)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Generated]]:
    out = tmp_path_factory.mktemp("corpus") / "packages"
    return out, {spec.name: generate(spec, out) for spec in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_the_spec_generates_and_accounts_for_every_operation(corpus: tuple[Path, dict[str, Generated]],
                                                             spec: Path) -> None:
    found = corpus[1][spec.name]
    assert found.returncode == 0, f"{found.mode}:\n{found.stderr[-3000:]}"
    assert "Traceback" not in found.stderr
    coverage = found.coverage
    assert coverage is not None, found.stdout
    generated, total = int(coverage[1]), int(coverage[2])
    dropped = [line for line in found.stderr.splitlines() if "dropped-operation" in line or "left out" in line]
    assert generated == total or len(dropped) >= total - generated, (found.stdout, found.stderr[-3000:])


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_no_module_is_too_long_to_read(corpus: tuple[Path, dict[str, Generated]], spec: Path) -> None:
    out, runs = corpus
    if runs[spec.name].returncode != 0:
        pytest.skip("not generated (the test above says why)")
    assert oversized_modules(out / runs[spec.name].package) == {}


def _load(spec: Path) -> dict[str, Any]:
    text = spec.read_text(encoding="utf-8")
    loaded = json.loads(text) if spec.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)
    assert isinstance(loaded, dict)
    return loaded


def _deref(doc: dict[str, Any], node: Any) -> Any:
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")):
            return node
        target: Any = doc
        for token in node["$ref"][2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            target = target.get(token) if isinstance(target, dict) else None
        node = target
    return node


def declared_bodies(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation whose request body has content (an empty object is none)."""
    found = set()
    for path, item in (doc.get("paths") or {}).items():
        item = _deref(doc, item)
        for method, op in (item or {}).items():
            body = _deref(doc, op.get("requestBody")) if isinstance(op, dict) else None
            content = body.get("content") if isinstance(body, dict) else None
            if not isinstance(content, dict) or not content:
                continue
            schema = _deref(doc, (next(iter(content.values())) or {}).get("schema"))
            empty = isinstance(schema, dict) and schema.get("properties") == {} and not any(
                schema.get(k) for k in ("required", "additionalProperties", "allOf", "oneOf", "anyOf"))
            if not empty:
                found.add((method.upper(), path))
    return found


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_no_operation_loses_its_body(corpus: tuple[Path, dict[str, Generated]], spec: Path) -> None:
    out, runs = corpus
    if runs[spec.name].returncode != 0:
        pytest.fail("not generated")
    surface = json.loads((out / package_name(spec) / "_surface.json").read_text(encoding="utf-8"))
    with_body = {(op["method"], op["path"]) for op in surface["operations"].values()
                 if any(p["location"] == "body" for p in op["params"])}
    generated = {(op["method"], op["path"]) for op in surface["operations"].values()}
    missing = sorted((declared_bodies(_load(spec)) & generated) - with_body)
    assert not missing, missing


README_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_every_package_imports_and_passes_mypy_strict(corpus: tuple[Path, dict[str, Generated]]) -> None:
    out, runs = corpus
    packages = [g.package for g in runs.values() if g.returncode == 0]
    assert packages
    # Every module of every package, not only the client: split models/, operations/ and
    # resources/ modules load on first use, and one that cannot be imported shows only here.
    script = ("import importlib, pkgutil, sys\n"
              "for name in sys.argv[1:]:\n"
              "    package = importlib.import_module(name)\n"
              "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
              "        importlib.import_module(info.name)\n")
    proc = subprocess.run([sys.executable, "-c", script, *packages], cwd=out, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The README's examples (one per operation) are type-checked in the same run.
    example_files = []
    for package in packages:
        readme = (out / package / "README.md").read_text(encoding="utf-8")
        calls, examples = readme.count("\n## **"), readme.count("\n### Example\n")
        assert examples == calls, f"{package}: {examples} examples for {calls} operations"
        example_files.append(f"{package}_examples.py")
        (out / example_files[-1]).write_text("\n".join(README_BLOCK.findall(readme)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages, *example_files],
                          cwd=out, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:]
