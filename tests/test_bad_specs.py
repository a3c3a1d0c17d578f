"""Specs the generator must refuse: broken, malformed and hostile input.

Every case in tests/bad_specs/ (and in MADE, the large ones this module writes
into a temporary folder) runs through the real command line,
`python -m generator generate --spec CASE --out DIR`, where DIR already holds a
generated package. Each run must:

- exit with status 2, print nothing on stdout and no traceback;
- print on stderr exactly the lines kept for the case in tests/bad_specs/expected.json
  (temporary paths normalised); every error line names a JSON pointer and a line
  (YAML; JSON too, but for a problem with the whole document);
- leave DIR byte-for-byte and mtime-for-mtime as it was;
- stay within 1 GiB of address space (RLIMIT_AS): a case that blows memory fails.

The messages are golden snapshots: `make golden` (pytest --update-golden) rewrites
them, through the same flag and module (tests/golden_support.py) as the packages.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import resource
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline
from generator.compose import MAX_DEPTH
from generator.problems import SpecError
from tests.cli_support import (
    ERROR_LINE,
    SPEC,
    SUMMARY_LINE,
    Workspace,
    error_lines,
    ptr,
    run_cli,
    snapshot,
)
from tests.golden_support import BAD_SPECS_DIR, UPDATE_COMMAND, store_messages, stored_messages

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MEMORY_LIMIT = 1 << 30  # bytes of address space; generating the real spec needs well under this
HANG_GUARD = 300  # seconds; only so that a hang fails instead of blocking the suite


def _deep_schema(levels: int) -> str:
    """A component schema nested `levels` objects deep (two mappings per level), as flow YAML."""
    inner = "{type: object, properties: {a: " * levels + "{type: string}" + "}}" * levels
    head = "openapi: 3.1.0\ninfo: {title: Deep, version: 1.0.0}\npaths: {}\n"
    return head + f"components:\n  schemas:\n    Deep: {inner}\n"


def _deep_schema_json(levels: int) -> str:
    inner = '{"type": "object", "properties": {"a": ' * levels + '{"type": "string"}' + "}}" * levels
    return ('{"openapi": "3.1.0", "info": {"title": "Deep", "version": "1.0.0"}, "paths": {},\n'
            f' "components": {{"schemas": {{"Deep": {inner}}}}}}}\n')


def _deep_lists(levels: int) -> str:
    """`levels` nested flow lists: PyYAML's C composer overflowed the C stack on this (a segfault)."""
    head = "openapi: 3.1.0\ninfo: {title: Deep, version: 1.0.0}\npaths: {}\n"
    return head + "x-deep: " + "[" * levels + "]" * levels + "\n"


def _ref_chain(length: int) -> str:
    """`length` schemas, each only a `$ref` to the next: shallow in the document, deep through references."""
    schemas = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(length)}
    schemas[f"S{length}"] = {"type": "string"}
    return json.dumps({"openapi": "3.1.0", "info": {"title": "Chain", "version": "1.0.0"}, "paths": {},
                       "components": {"schemas": schemas}})


# Large cases, written by the test instead of kept on disk.
MADE: dict[str, Callable[[], str]] = {
    "deep_schema_5000.yaml": lambda: _deep_schema(5000),
    "deep_schema_5000.json": lambda: _deep_schema_json(5000),
    "deep_lists_100000.yaml": lambda: _deep_lists(100_000),
    "ref_chain_2000.json": lambda: _ref_chain(2000),
}
ON_DISK = sorted(
    p.name for p in BAD_SPECS_DIR.iterdir() if p.suffix in (".yaml", ".json") and p.name != "expected.json"
)
CASES = sorted(ON_DISK + list(MADE))


def case_file(name: str, folder: Path) -> Path:
    if name in MADE:
        path = folder / name
        path.write_text(MADE[name](), encoding="utf-8")
        return path
    return BAD_SPECS_DIR / name


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


NOTE = "note: "  # `generate` says first when the package at --out was generated from another spec


def normalised(stderr: str, tmp_path: Path) -> list[str]:
    return [line.replace(str(tmp_path), "<tmp>") for line in stderr.splitlines() if not line.startswith(NOTE)]


def assert_clean_refusal(proc: subprocess.CompletedProcess[str], name: str) -> None:
    """Exit 2, nothing on stdout, no traceback, and only located one-line errors plus the summary."""
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    assert proc.stdout == "", "errors go to stderr"
    lines = [line for line in proc.stderr.splitlines() if not line.startswith(NOTE)]
    assert lines and SUMMARY_LINE.match(lines[-1]), proc.stderr
    for line in lines[:-1]:
        m = ERROR_LINE.match(line)
        assert m, f"not an 'error: <pointer>: <message>' line: {line!r}"
        assert m["pointer"].startswith("/"), line
        if name.endswith(".yaml") or (name.endswith(".json") and m["pointer"] != "/"):
            assert m["line"], f"no line number for a YAML or JSON spec: {line!r}"


THIRD_PARTY = "invalid YAML: "  # what follows is PyYAML's wording, which changes between its releases


def same_refusal(actual: list[str], expected: list[str]) -> bool:
    """Equal lines, except that a YAML parser's own words may differ: the pointer, the line and
    our text must not. Deep flow nesting is refused by PyYAML's C scanner itself from 6.0.4 on
    (it scans ahead and stops at 1,000 levels), by our composer at MAX_DEPTH before that: the
    parser's refusal and ours at the same line are the same refusal."""
    if len(actual) != len(expected):
        return False
    return all(a == e or _parser_refusals_alike(a, e) for a, e in zip(actual, expected, strict=True))


def _parser_refusals_alike(a: str, e: str) -> bool:
    ma, me = ERROR_LINE.match(a), ERROR_LINE.match(e)
    if not (ma and me and ma["line"] == me["line"]):
        return False
    kinds = {THIRD_PARTY if m["message"].startswith(THIRD_PARTY) else
             "depth" if f"nested deeper than {MAX_DEPTH} levels" in m["message"] else "other" for m in (ma, me)}
    both_parser = kinds == {THIRD_PARTY} and ma["pointer"] == me["pointer"]
    return both_parser or kinds == {THIRD_PARTY, "depth"}


def assert_snapshot(name: str, lines: list[str], update: bool) -> None:
    if update:
        store_messages({name: lines})
    expected = stored_messages().get(name)
    assert expected is not None and same_refusal(lines, expected), (
        f"{name}: stderr differs from tests/bad_specs/expected.json:\n"
        + "\n".join(difflib.unified_diff(expected or [], lines, "expected", "actual", lineterm=""))
        + f"\nUpdate with: {UPDATE_COMMAND}"
    )


@pytest.mark.parametrize("name", CASES)
def test_bad_spec_is_refused_cleanly(
    ws: Workspace, tmp_path: Path, name: str, update_golden: bool
) -> None:
    spec = case_file(name, tmp_path)
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path, timeout=HANG_GUARD,
                   preexec_fn=_limit_memory)
    assert_clean_refusal(proc, name)
    assert snapshot(out) == before
    assert_snapshot(name, normalised(proc.stderr, tmp_path), update_golden)
    assert not (tmp_path / "pwned").exists()  # yaml_python_tag.yaml's payload never runs


def test_every_case_is_described_and_has_a_snapshot(update_golden: bool) -> None:
    if update_golden:
        store_messages({}, keep=set(CASES))
    assert sorted(stored_messages()) == CASES, f"tests/bad_specs/expected.json is stale; {UPDATE_COMMAND}"
    readme = (BAD_SPECS_DIR / "README.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    assert described == set(CASES), "tests/bad_specs/README.md must have one table row per case"
    assert len(CASES) >= 25


def test_deep_cases_are_refused_at_the_documented_depth() -> None:
    """The pointer of a too-deep case has MAX_DEPTH tokens below the document: where the limit was crossed."""
    messages = stored_messages()
    for name in ("deep_schema_5000.yaml", "deep_schema_5000.json", "deep_lists_100000.yaml"):
        found = [m for m in map(ERROR_LINE.match, messages[name]) if m]
        assert len(found) == 1, messages[name]
        if name == "deep_lists_100000.yaml" and found[0]["message"].startswith(THIRD_PARTY):
            # PyYAML 6.0.4's C scanner refuses deep flow nesting itself (at 1,000 levels, scanning
            # ahead) before our composer reaches 64: its refusal, at the line, is as good.
            assert found[0]["line"] == "4", messages[name]
            continue
        assert f"nested deeper than {MAX_DEPTH} levels" in found[0]["message"]
        assert found[0]["pointer"].count("/") == MAX_DEPTH, found[0]["pointer"]


def test_remote_ref_is_never_fetched(ws: Workspace, tmp_path: Path) -> None:
    """A `$ref` to a server that is listening on 127.0.0.1: refused, and no connection is ever made."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/schemas.json#/Pet"
        text = (BAD_SPECS_DIR / "remote_ref.yaml").read_text(encoding="utf-8")
        spec = tmp_path / "remote.yaml"
        spec.write_text(text.replace("http://example.com/schemas.yaml#/Pet", url), encoding="utf-8")
        proc = run_cli("validate", "--spec", spec, cwd=tmp_path, timeout=HANG_GUARD)
        assert_clean_refusal(proc, spec.name)
        assert f"remote reference {url!r} refused" in proc.stderr
        with pytest.raises(BlockingIOError):
            server.accept()  # a connection attempt would be waiting in the backlog


def test_an_overlay_cannot_nest_the_spec_past_the_limit(tmp_path: Path) -> None:
    """Spec and overlay are each within MAX_DEPTH; the overlaid document is not, and is refused."""
    def nested(levels: int, key: str) -> dict[str, Any]:
        node: dict[str, Any] = {}
        for _ in range(levels):
            node = {key: node}
        return node

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": {},
                                "x-deep": nested(40, "a")}), encoding="utf-8")
    overlay = tmp_path / "overlay.json"
    target = "$['x-deep']" + ".a" * 39
    overlay.write_text(json.dumps({"overlay": "1.0.0", "info": {"title": "deeper", "version": "1"},
                                   "actions": [{"target": target, "update": nested(40, "b")}]}), encoding="utf-8")
    proc = run_cli("validate", "--spec", spec, "--overlay", overlay, cwd=tmp_path, timeout=HANG_GUARD)
    assert_clean_refusal(proc, spec.name)
    [found] = error_lines(proc.stderr)
    assert f"nested deeper than {MAX_DEPTH} levels" in found["message"]
    # the update lands on the 39th "a"; the node at depth MAX_DEPTH + 1 is the first too deep
    assert found["pointer"] == ptr("x-deep", *["a"] * 39, *["b"] * (MAX_DEPTH - 40))


def test_recursion_in_the_build_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last resort behind the loader's depth limit: a RecursionError while building is a SpecError."""
    def overflow(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    import generator.build

    monkeypatch.setattr(generator.build, "build_package", overflow)  # the pipeline imports it when it builds
    options = pipeline.Options(spec=BAD_SPECS_DIR.parent / "golden" / "recursive" / "spec.yaml")
    with pytest.raises(SpecError) as raised:
        pipeline.check_spec(options)
    assert [p.render() for p in raised.value.problems] == [
        "error: /: the spec nests too deeply to generate (a chain of hundreds of $refs?)"]


@pytest.mark.parametrize("command", ["check", "validate"])
def test_check_and_validate_refuse_with_the_same_message(
    ws: Workspace, tmp_path: Path, command: str
) -> None:
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    args = ["--spec", BAD_SPECS_DIR / "dangling_ref.yaml"]
    args += ["--out", out] if command == "check" else []
    proc = run_cli(command, *args, cwd=tmp_path, timeout=HANG_GUARD)
    assert_clean_refusal(proc, "dangling_ref.yaml")
    assert normalised(proc.stderr, tmp_path) == stored_messages()["dangling_ref.yaml"]
    assert snapshot(out) == before


# --- the real spec, broken in one place ----------------------------------------------------
# These depend on the real spec's content, so they check fragments instead of a snapshot.


@pytest.fixture(scope="module")
def spec_doc() -> dict:
    return yaml.safe_load(SPEC.read_bytes())


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield path, method, item[method], item


def _first_ref(node, where=()):
    """(tokens, node holding the $ref) of the first $ref found depth-first."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            return where, node
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    for key, value in items:
        found = _first_ref(value, where + (key,))
        if found:
            return found
    return None


def _derive_dangling_ref(doc: dict) -> list[tuple[str, str]]:
    where, holder = _first_ref(doc["paths"], ("paths",))
    holder["$ref"] = "#/components/schemas/DoesNotExistInTheSpec"
    return [(ptr(*where, "$ref"), "DoesNotExistInTheSpec")]


def _derive_duplicate_operation_id(doc: dict) -> list[tuple[str, str]]:
    (p1, m1, op1, _), (p2, m2, op2, _) = list(_operations(doc))[:2]
    op2["operationId"] = op1["operationId"]
    first, second = ptr("paths", p1, m1, "operationId"), ptr("paths", p2, m2, "operationId")
    return [(second, f"duplicate operationId {op1['operationId']!r}"), (second, first)]


def _derive_undeclared_path_param(doc: dict) -> list[tuple[str, str]]:
    for path, method, op, item in _operations(doc):
        names = re.findall(r"{([^{}]+)}", path)
        inline = [p for p in op.get("parameters", [])
                  if names and p.get("in") == "path" and p.get("name") == names[0]]
        if inline and not any(p.get("name") == names[0] for p in item.get("parameters", [])):
            op["parameters"] = [p for p in op["parameters"] if p not in inline]
            return [(ptr("paths", path, method), f"{{{names[0]}}} is used in the path but not declared")]
    raise AssertionError("the real spec has no inline path parameter to remove")


@pytest.mark.parametrize(
    "derive", [_derive_dangling_ref, _derive_duplicate_operation_id, _derive_undeclared_path_param]
)
def test_real_spec_broken_is_refused(
    ws: Workspace, tmp_path: Path, spec_doc: dict, derive
) -> None:
    doc = copy.deepcopy(spec_doc)
    expected = derive(doc)
    spec = tmp_path / "broken.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path, timeout=HANG_GUARD)
    assert_clean_refusal(proc, spec.name)
    found = error_lines(proc.stderr)
    for pointer, fragment in expected:
        assert any(m["pointer"] == pointer and fragment in m["message"] for m in found), (
            f"expected an error at {pointer} mentioning {fragment!r} in:\n{proc.stderr}")
    assert snapshot(out) == before


def test_snapshot_file_is_sorted_json() -> None:
    """The snapshot is written by store_messages only: sorted keys, one list of lines per case."""
    text = (BAD_SPECS_DIR / "expected.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in data.values())
