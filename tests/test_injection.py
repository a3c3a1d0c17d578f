"""Spec text is data: nothing a spec says can become code, template source or a side effect.

One hostile spec (EVIL_SPEC) puts quotes, triple quotes, backslashes, Jinja markers,
NUL, carriage returns, Unicode line separators and a 100,000-character line into
titles, descriptions and summaries; Python code, keywords, quotes and newlines into
property names, enum values, defaults, operationIds, parameter names and paths; and
an expression that would run `os.system` into info.version. It is generated once by
the command line, then:

- every module parses (ast.parse);
- importing the package, watched by an audit hook, starts no process, opens nothing
  for writing, touches no socket and changes no file or environment variable;
- the Jinja markers are printed as they are, and the docstrings hold the spec's
  text exactly (so it was neither evaluated nor cut short);
- a model with the odd property names round-trips through its aliases, and an
  operation puts the odd names on the wire as they are;
- mypy --strict accepts the package.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.cli_support import run_cli

PACKAGE = "evil_client"
HANG_GUARD = 300  # seconds; only so that a hang fails instead of blocking the suite

EVIL = ('end """ here \'\'\' and \\ backslash \\" {{ 7*7 }} {% raw %}x{% endraw %} {# c #} ${x} %(y)s '
        "nul\x00 cr\r lsep\u2028 psep\u2029 nel\x85 del\x7f")
LONG = "L" * 100_000
RUN_AT_IMPORT = "__import__('os').system('touch pwned')"
ODD_PROPERTIES: dict[str, Any] = {  # wire name -> a value to round-trip
    RUN_AT_IMPORT: "code as a name",
    'a"b': "double quote",
    "a'b": "single quote",
    "a\nb": 1,
    "a\\b": True,
    "class": "keyword",
    "def": "keyword",
    "None": False,
    "1abc": 1.5,
    "model_config": "pydantic's own",
    "__init__": "dunder",
    "self": "argument name",
    "{{ 7*7 }}": "jinja",
    "": "empty",
    "$": "symbol",
    "naïve": "non-ASCII",
}


def evil_spec() -> dict[str, Any]:
    props: dict[str, Any] = {
        name: {"type": {str: "string", int: "integer", bool: "boolean", float: "number"}[type(v)],
               "description": EVIL}
        for name, v in ODD_PROPERTIES.items()
    }
    props["long"] = {"type": "string", "description": LONG}
    props["mode"] = {"type": "string", "enum": ['a"b', "c'd", "e\nf", "g\\h", "{{ 7*7 }}", "\u2028", '"""'],
                     "default": "e\nf"}
    props["quoted_default"] = {"type": "string", "default": 'q"uo\'te\n\\ """ {{ 7*7 }}'}
    props["infinite"] = {"type": "number", "default": float("inf")}  # not a Python literal: left out
    props["nested_default"] = {"type": "object", "default": {'k"': ["v\n", {"x": "{% raw %}"}]}}
    return {
        "openapi": "3.1.0",
        "info": {"title": 'Evil """ title {{ 7*7 }} \\', "description": EVIL,
                 "version": f'1.0"""; {RUN_AT_IMPORT}; """'},
        "servers": [{"url": "https://api.example.test/\"\"\"'\\{{ 7*7 }}"}],
        "paths": {
            "/things/{thing-id}/\"quoted\"/it's\\/x": {
                "parameters": [{"name": "thing-id", "in": "path", "required": True,
                                "schema": {"type": "string"}, "description": EVIL}],
                "post": {
                    "operationId": "make\"Thing'); import os #",
                    "summary": EVIL,
                    "description": EVIL + "\n" + LONG,
                    "parameters": [
                        {"name": "q\"'\\", "in": "query", "schema": {"type": "string", "enum": ['x"', "y\n"]}},
                        {"name": "X-Evil\"Header", "in": "header", "schema": {"type": "string"}},
                    ],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Evil"}}}},
                    "responses": {"200": {"description": EVIL, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Evil"}}}}},
                },
            },
            "/a b/%7B%7B 7*7 %7D%7D": {"get": {"operationId": "{{ 7*7 }}", "summary": "{% raw %}",
                                                "responses": {"204": {"description": EVIL}}}},
        },
        "components": {"schemas": {
            "Evil": {"type": "object", "description": EVIL, "title": EVIL, "properties": props,
                     "required": ["class"]},
            "Evil.Name-2": {"type": "string", "enum": ["a", 'b"""'], "description": EVIL},
        }},
    }


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the generated `evil_client` package."""
    root = tmp_path_factory.mktemp("injection")
    spec = root / "evil.json"
    spec.write_text(json.dumps(evil_spec()), encoding="utf-8")
    proc = run_cli("generate", "--spec", spec, "--out", root / "out", "--package", PACKAGE,
                   "--client-name", "EvilClient", cwd=root, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr, proc.stderr
    return root / "out"


@pytest.fixture(scope="module")
def modules(out: Path) -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(out))
    try:
        yield {name: importlib.import_module(f"{PACKAGE}.{name}") for name in ("models", "operations", "client")}
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_module_parses(out: Path) -> None:
    sources = sorted((out / PACKAGE).rglob("*.py"))
    names = {p.relative_to(out / PACKAGE).as_posix() for p in sources}
    assert {"__init__.py", "models.py", "operations.py", "client.py", "_runtime/transport.py"} <= names
    for path in sources:
        ast.parse(path.read_text(encoding="utf-8"), str(path))


# Audit events that would mean importing did more than define things.
WATCHER = r"""
import json, os, sys
import httpx, pydantic, typing_extensions  # the package's dependencies, imported before watching

BAD = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen",
       "pty.spawn", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto", "urllib.Request",
       "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.truncate", "shutil.rmtree",
       "shutil.copyfile", "shutil.move", "os.putenv", "os.unsetenv", "os.kill", "ctypes.dlopen", "webbrowser.open"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
seen = []

def watch(event, args):
    if event in BAD:
        seen.append([event, repr(args)[:200]])
    elif event == "open":
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS):
            seen.append([event, repr(args)[:200]])

sys.addaudithook(watch)
import evil_client, evil_client.models, evil_client.operations, evil_client.client
evil_client.EvilClient, evil_client.AsyncEvilClient
print(json.dumps(seen))
"""


def _watch_import(out: Path, cwd: Path) -> list[list[str]]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-c", WATCHER], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == ""
    seen: list[list[str]] = json.loads(proc.stdout)
    return seen


def test_import_does_nothing_but_define(out: Path, tmp_path: Path) -> None:
    assert _watch_import(out, tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # in particular no `pwned` from info.version's payload


def test_the_watcher_sees_side_effects(tmp_path: Path) -> None:
    """A package that does run something at import is caught: the check above is not vacuous."""
    fake = tmp_path / "fake" / PACKAGE
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("import os\nos.system('true')\nopen('written', 'w').close()\n"
                                      "EvilClient = AsyncEvilClient = None\n")
    for name in ("models", "operations", "client"):
        (fake / f"{name}.py").write_text("")
    seen = _watch_import(fake.parent, tmp_path)
    assert [event for event, _ in seen] == ["os.system", "open"]


def test_jinja_markers_are_printed_literally(out: Path) -> None:
    for name in ("models.py", "operations.py", "client.py", "__init__.py"):
        text = (out / PACKAGE / name).read_text(encoding="utf-8")
        assert "{{ 7*7 }}" in text, name
    models = (out / PACKAGE / "models.py").read_text(encoding="utf-8")
    assert "{% raw %}x{% endraw %} {# c #}" in models
    readme = (out / PACKAGE / "README.md").read_text(encoding="utf-8")
    assert "{{ 7*7 }}" in readme and "{% raw %}" in readme


def test_docstrings_hold_the_spec_text_exactly(modules: dict[str, ModuleType]) -> None:
    evil = modules["models"].Evil
    assert evil.__doc__ == EVIL
    operation = modules["operations"].make_thing_import_os
    # a docstring's later lines are indented like the code: cleandoc takes that away (it splits at \n only)
    assert inspect.cleandoc(operation.__doc__) == f"{EVIL}\n\n{EVIL}\n{LONG}"
    init = sys.modules[PACKAGE].__doc__
    assert init is not None and init.startswith('Typed Python client for Evil """ title {{ 7*7 }} \\ '
                                                f'(spec version 1.0"""; {RUN_AT_IMPORT}; """).')


def test_odd_property_names_round_trip_through_aliases(modules: dict[str, ModuleType]) -> None:
    evil = modules["models"].Evil
    wire = dict(ODD_PROPERTIES) | {"mode": "e\nf", "nested_default": {'k"': ["v\n"]}}
    model = evil.model_validate(wire)
    assert model.model_dump(by_alias=True, exclude_unset=True) == wire
    assert json.loads(model.model_dump_json(by_alias=True, exclude_unset=True)) == wire
    fields = {f.alias or name: name for name, f in evil.model_fields.items()}
    assert all(py.isidentifier() for py in fields.values())
    defaults = evil.model_validate({"class": "c"})
    assert defaults.mode == "e\nf"
    assert defaults.quoted_default == 'q"uo\'te\n\\ """ {{ 7*7 }}'
    assert defaults.nested_default == {'k"': ["v\n", {"x": "{% raw %}"}]}
    assert defaults.infinite is None  # a default that is not a literal is left out
    assert modules["models"].EvilName2.__args__[0].__args__ == ("a", 'b"""')  # the Literal, kept whole


def test_odd_names_reach_the_wire_as_they_are(modules: dict[str, ModuleType]) -> None:
    ops = modules["operations"]
    request = ops.make_thing_import_os("id/1", class_="c", q='x"', x_evil_header="h",
                                       import_os_system_touch_pwned="v")
    assert request.path == "/things/id%2F1/\"quoted\"/it's\\/x"
    assert request.query == {"q\"'\\": 'x"'}
    assert request.headers == {'X-Evil"Header': "h"}
    assert {k: v for k, v in request.body.items() if v is not ops.NOT_GIVEN} == {"class": "c", RUN_AT_IMPORT: "v"}
    assert ops.op_7_7().path == "/a b/%7B%7B 7*7 %7D%7D"


def test_mypy_strict_accepts_the_package(out: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", PACKAGE], cwd=out,
                          capture_output=True, text=True, check=False, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stdout + proc.stderr
