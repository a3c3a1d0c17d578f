"""The problems a spec gets do not depend on the validator's backend.

openapi-spec-validator checks a document against the OpenAPI meta-schema with jsonschema-rs
when it is installed (it is, wherever it has a wheel), else with the pure-Python jsonschema
(see generator/validate.py, `shape_errors`). Each backend runs in its own child
(tests/backend_problems.py; the pure-Python one with the import of jsonschema-rs made to
fail, as on a platform without a wheel, and each with OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND
set to the other backend, which must not matter) over the same specs, and their rendered
problems (pointer, line, level, message, in order) must be equal:

- every bad spec (tests/bad_specs/, and the large ones test_bad_specs.py writes);
- small specs made here that take each way through `shape_errors`: a value jsonschema-rs
  cannot read, a YAML `!!pairs` list (tuples), a 3.0 `format` only jsonschema-rs checks;
- the real specs beside the project (../shared/reference, ../shared/corpus/specs), when
  there: a fixed slice of the quick ones (about 1 s per backend, among them both specs with
  shape errors), or all of them (about 30 s on an idle 2-core machine) with OAPI_PYGEN_BACKEND_SPECS=all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import REPO
from tests.test_bad_specs import CASES, case_file

SHARED = REPO.parent / "shared"
REAL_FOLDERS = (SHARED / "reference", SHARED / "corpus" / "specs")
# Validated in well under a second each; opc-baseline-* have shape errors, xero-assets and
# spotify hold YAML dates in their examples.
QUICK = ("museum.yaml", "opc-baseline-30.json", "opc-baseline-31.yaml", "readme-discriminators.json",
         "readme-file-uploads.json", "readme-polymorphism.json", "readme-schema-circular.json",
         "readme-train-travel.json", "swagger-petstore3.yaml", "xero-assets.yaml", "fastapi-template-pr.json",
         "spotify.yml")
ENV_SETTING = "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND"
BACKENDS = ("jsonschema-rs", "jsonschema")
BLOCK_RS = "import sys; sys.modules['jsonschema_rs'] = None; "

HEAD_30 = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n"
HEAD_31 = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\n"
MADE_HERE = {
    # a date where a string must be: jsonschema-rs cannot read it, jsonschema reports it
    "date_version.yaml": "openapi: 3.1.0\ninfo: {title: T, version: 2024-01-01}\npaths: {}\n",
    "date_version_30.yaml": "openapi: 3.0.3\ninfo: {title: T, version: 2024-01-01}\npaths: {}\n",
    # a date where anything goes: both take it
    "date_example.yaml": HEAD_31 + "components: {schemas: {A: {type: string, example: 2024-01-01}}}\n",
    # tuples (the items of a !!pairs list): jsonschema-rs would take one for an array
    "pairs_tags.yaml": HEAD_31 + "tags: !!pairs [{a: b}]\n",
    "pairs_servers.yaml": HEAD_30 + "servers: !!pairs [{url: /}]\n",
    "pairs_example.yaml": HEAD_31 + "components: {schemas: {A: {type: object, example: !!pairs [{a: b}]}}}\n",
    # formats jsonschema-rs checks under draft 4 (the 3.0 meta-schema) and jsonschema does not
    "format_30.yaml": "openapi: 3.0.3\ninfo: {title: T, version: '1', termsOfService: 'not a uri',\n"
                      "  contact: {email: not-an-address, url: 'no url'}}\npaths: {}\n",
    # shape errors of several kinds at once, each where it is written
    "shapes_31.yaml": "openapi: 3.1.0\ninfo: {title: 1, version: [1]}\nservers: {url: /}\npaths: {/p: {get: []}}\n"
                      "components: {schemas: {A: 1}, parameters: {P: {name: p}}}\n",
    "shapes_30.yaml": "openapi: 3.0.3\ninfo: {title: T}\npaths: {p: {}}\n"
                      "components: {schemas: {A: {type: strin, required: [a, a], minLength: 1.5}}}\n",
    # warnings only (the keyword pass), after a clean shape pass
    "warnings_31.yaml": HEAD_31 + "components: {schemas: {A: {type: object, required: [a, a], "
                        "properties: {a: {type: integer, default: x}}}}}\n",
}


def _real_specs() -> list[Path]:
    everything = os.environ.get("OAPI_PYGEN_BACKEND_SPECS") == "all"
    return sorted(path for folder in REAL_FOLDERS if folder.is_dir() for path in folder.iterdir()
                  if path.suffix in (".yaml", ".yml", ".json") and (everything or path.name in QUICK))


def _problems_under(backends: tuple[str, ...], specs: list[Path], cwd: Path) -> dict[str, dict[str, Any]]:
    """{backend: {"backend": the one in use, "problems": {spec: rendered lines}}}, the children run side by side."""
    # One hash seed for both: which of several equal faults in one schema the keyword pass (pure
    # Python under both backends) names changes with it (the 2026 OpenAI spec's exclusiveMinimum
    # warnings), and that is not what is compared here.
    env = {**os.environ, "OAPI_PYGEN_CACHE": "0", "PYTHONHASHSEED": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    children = {
        backend: subprocess.Popen(
            [sys.executable, "-m", "tests.backend_problems", backend, *map(str, specs)], cwd=cwd,
            env={**env, ENV_SETTING: next(b for b in BACKENDS if b != backend)},  # the other one: ignored
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for backend in backends
    }
    found = {}
    for backend, child in children.items():
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err
        found[backend] = json.loads(out)
    return found


def _needs_rs() -> None:
    import importlib.util

    if importlib.util.find_spec("jsonschema_rs") is None:
        pytest.skip("jsonschema-rs is not installed here (no wheel for this platform): one backend only")


def test_every_spec_gets_the_same_problems_under_both_backends(tmp_path: Path) -> None:
    _needs_rs()
    specs = [case_file(name, tmp_path) for name in CASES]
    for name, text in MADE_HERE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        specs.append(tmp_path / name)
    specs += _real_specs()
    found = _problems_under(BACKENDS, specs, tmp_path)
    assert {b: found[b]["backend"] for b in BACKENDS} == {b: b for b in BACKENDS}
    fast, python = found["jsonschema-rs"]["problems"], found["jsonschema"]["problems"]
    differ = [spec for spec in fast if fast[spec] != python[spec]]
    assert not differ, "\n\n".join(
        f"{spec}\n  jsonschema-rs: {fast[spec]}\n  jsonschema:    {python[spec]}" for spec in differ)
    # the made cases say what they are about (so a case that stopped testing anything shows)
    said = {Path(spec).name: lines for spec, lines in fast.items()}
    date_error = "error: /info/version (line 2): datetime.date(2024, 1, 1) is not of type 'string'"
    assert said["date_version.yaml"] == said["date_version_30.yaml"] == [date_error]
    assert said["pairs_tags.yaml"] and said["shapes_31.yaml"] and said["shapes_30.yaml"]
    assert said["date_example.yaml"] == said["pairs_example.yaml"] == said["format_30.yaml"] == []
    assert all(line.startswith("warning: ") for line in said["warnings_31.yaml"]) and said["warnings_31.yaml"]


TINY = HEAD_31.replace("paths: {}", "paths: {/pets: {get: {operationId: listPets, responses: {'200': "
                                    "{description: ok}}}}}")


def _cli(args: list[str], cwd: Path, block_rs: bool, setting: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OAPI_PYGEN_CACHE": "0", ENV_SETTING: setting,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    code = (BLOCK_RS if block_rs else "") + "from generator.launch import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False, timeout=600)


NOTE = "note: openapi-spec-validator "


def _notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(NOTE)]


def test_without_jsonschema_rs_the_generator_validates_and_says_so_once_with_verbose(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY, encoding="utf-8")
    # the environment asks for the backend that is missing: the generator decides, and does not fail
    quiet = _cli(["validate", "--spec", str(spec)], tmp_path, block_rs=True, setting="jsonschema-rs")
    assert quiet.returncode == 0 and quiet.stdout.startswith("valid: 1 operations"), quiet.stderr
    assert not _notes(quiet.stderr)
    told = _cli(["validate", "--spec", str(spec), "-v"], tmp_path, block_rs=True, setting="jsonschema-rs")
    assert told.returncode == 0 and told.stdout.startswith("valid: 1 operations"), told.stderr
    [note] = _notes(told.stderr)
    assert "its pure-Python backend" in note and "jsonschema-rs is not installed" in note


def test_verbose_names_the_jsonschema_rs_backend_once_per_command(tmp_path: Path) -> None:
    _needs_rs()
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY, encoding="utf-8")
    # `diff` validates two specs: the backend is said once; the environment's other choice is ignored
    told = _cli(["diff", str(spec), str(spec), "--verbose"], tmp_path, block_rs=False, setting="jsonschema")
    assert told.returncode == 0, told.stderr
    [note] = _notes(told.stderr)
    assert "its jsonschema-rs backend (jsonschema-rs " in note
