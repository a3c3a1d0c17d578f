"""End-to-end tests of the command line: `python -m generator generate|check|validate`.

Everything runs on temporary copies: the real spec is copied into a temp folder
and generated from there; spec/ and generated/ in the repository are only read.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec" / "assistants.yaml"
BAD_SPECS = Path(__file__).resolve().parent / "bad_specs"
PKG = "assistants_client"
PY_FILES = ("__init__.py", "models.py", "operations.py", "client.py", "_runtime.py")
OTHER_FILES = ("py.typed", "README.md", "_manifest.json", "_surface.json")
OPERATIONS = 23
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ERROR_LINE = re.compile(r"^error: (?P<pointer>\S+)(?: \(line (?P<line>\d+)\))?: (?P<message>.+)$")


# --- helpers -----------------------------------------------------------------------------


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
        text=True,
    )


def snapshot(root: Path) -> dict[str, tuple[str, bytes | None, int]]:
    """Every file and folder under root (root included): kind, bytes, st_mtime_ns."""
    found: dict[str, tuple[str, bytes | None, int]] = {".": ("dir", None, root.stat().st_mtime_ns)}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if path.is_dir():
            found[rel] = ("dir", None, st.st_mtime_ns)
        else:
            found[rel] = ("file", path.read_bytes(), st.st_mtime_ns)
    return found


def error_lines(stderr: str) -> list[re.Match[str]]:
    return [m for m in map(ERROR_LINE.match, stderr.splitlines()) if m]


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def ptr(*tokens: object) -> str:
    return "".join("/" + escape(t) for t in tokens)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- shared generated tree (one full generation per module) ------------------------------


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec = root / "spec" / "assistants.yaml"
        self.out = root / "out"
        self.result: subprocess.CompletedProcess[str] | None = None

    @property
    def pkg(self) -> Path:
        return self.out / PKG

    def copy_to(self, dest: Path) -> tuple[Path, Path]:
        """A private copy (spec, out dir) that a test may change."""
        spec = dest / "spec" / "assistants.yaml"
        spec.parent.mkdir(parents=True)
        shutil.copy2(self.spec, spec)
        out = dest / "out"
        shutil.copytree(self.out, out, symlinks=True)
        return spec, out


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    w = Workspace(tmp_path_factory.mktemp("cli"))
    w.spec.parent.mkdir(parents=True)
    shutil.copy2(SPEC, w.spec)
    w.result = run_cli("generate", "--spec", w.spec, "--out", w.out, cwd=w.root)
    assert w.result.returncode == 0, w.result.stderr
    return w


@pytest.fixture(scope="module")
def spec_doc() -> dict:
    return yaml.safe_load(SPEC.read_bytes())


# --- validate ----------------------------------------------------------------------------


def test_validate_real_spec(tmp_path: Path) -> None:
    spec = tmp_path / "assistants.yaml"
    shutil.copy2(SPEC, spec)
    proc = run_cli("validate", "--spec", spec, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, proc.stdout  # the summary, then the coverage report
    assert lines[1].startswith(f"coverage: {OPERATIONS}/{OPERATIONS} operations"), lines[1]
    assert re.search(rf"\b{OPERATIONS} operations\b", lines[0]), lines[0]
    assert re.search(r"\b\d+(\.\d+)?\s?s\b", lines[0]), f"no time in {lines[0]!r}"
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [spec], "validate must not write anything"


# --- generate ----------------------------------------------------------------------------


def test_generate_creates_package(ws: Workspace) -> None:
    names = {p.name for p in ws.pkg.iterdir()}
    assert set(PY_FILES) | set(OTHER_FILES) <= names
    for name in PY_FILES + OTHER_FILES:
        assert (ws.pkg / name).is_file(), name
    # nothing left beside the package: no staging or parked folders
    assert [p.name for p in ws.out.iterdir()] == [PKG]


def test_generate_prints_one_summary_line(ws: Workspace) -> None:
    assert ws.result is not None
    lines = [line for line in ws.result.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, ws.result.stdout  # the summary, then the coverage report
    assert lines[1].startswith("coverage: "), lines[1]
    m = re.search(r"\b(\d+) operations, (\d+) models\b", lines[0])
    assert m, lines[0]
    assert int(m.group(1)) == OPERATIONS
    assert int(m.group(2)) > 0
    assert re.search(r"\b\d+\.\d+s\b", lines[0]), f"no seconds in {lines[0]!r}"
    assert "Traceback" not in ws.result.stderr


def test_every_generated_file_has_header_with_spec_sha(ws: Workspace) -> None:
    spec_sha = sha256(SPEC.read_bytes())
    files = sorted(p for p in ws.pkg.rglob("*") if p.is_file())
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            # JSON has no comments: the header is the first key, "_comment"
            data = json.loads(text)
            head = data[next(iter(data))]
        else:
            head = text.splitlines()[0]
        assert "DO NOT EDIT" in head, f"{path.name}: {head!r}"
        assert spec_sha in head, f"{path.name}: {head!r}"


def test_manifest_records_hashes(ws: Workspace) -> None:
    manifest = json.loads((ws.pkg / "_manifest.json").read_text(encoding="utf-8"))
    hex64 = re.compile(r"^[0-9a-f]{64}$")
    inputs = manifest["inputs"]
    assert inputs["spec"]["sha256"] == sha256(SPEC.read_bytes())
    assert hex64.match(inputs["templates"]["sha256"])
    assert hex64.match(inputs["generator"]["sha256"])
    assert inputs["toolchain"]["black"]  # the formatter's version is part of what the bytes depend on
    assert manifest["coverage"]["operations"] == OPERATIONS
    on_disk = {
        p.relative_to(ws.pkg).as_posix(): sha256(p.read_bytes())
        for p in ws.pkg.rglob("*")
        if p.is_file() and p.name != "_manifest.json"
    }
    assert manifest["files"] == on_disk


# --- check -------------------------------------------------------------------------------


def test_check_after_generate_is_clean(ws: Workspace) -> None:
    before = snapshot(ws.out)
    proc = run_cli("check", "--spec", ws.spec, "--out", ws.out, cwd=ws.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "---" not in proc.stdout and "@@" not in proc.stdout
    assert snapshot(ws.out) == before, "check must not write"


def test_check_reports_hand_edit_as_diff(ws: Workspace, tmp_path: Path) -> None:
    spec, out = ws.copy_to(tmp_path)
    models = out / PKG / "models.py"
    lines = models.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("class "))
    original = lines[index]
    edited = original.rstrip("\n") + "  # hand-edited\n"
    lines[index] = edited
    models.write_text("".join(lines), encoding="utf-8")

    proc = run_cli("check", "--spec", spec, "--out", out, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    diff = proc.stdout
    headers = [line for line in diff.splitlines() if line.startswith(("--- ", "+++ "))]
    assert len(headers) == 2, headers  # exactly one file differs
    assert headers[0].startswith("--- ") and headers[0].rstrip().endswith("models.py")
    assert headers[1].startswith("+++ ") and "models.py" in headers[1]
    assert "@@" in diff
    assert "\n-" + edited in diff
    assert "\n+" + original in diff
    assert "Traceback" not in proc.stderr


def _edit_first_path_description(text: str, token: str) -> str:
    """Append `token` to the first plain-scalar `description:` line under `paths:`."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("paths:"))
    plain = re.compile(r"^(\s+description: [A-Za-z][^'\"#\n]*?)(\r?\n)$")
    for i in range(start, len(lines)):
        m = plain.match(lines[i])
        if m:
            lines[i] = f"{m.group(1)} {token}{m.group(2)}"
            return "".join(lines)
    raise AssertionError("no plain description under paths:")


def test_check_detects_changed_description(ws: Workspace, tmp_path: Path) -> None:
    spec, out = ws.copy_to(tmp_path)  # out was generated from a byte-identical copy
    token = "zqxeditedbytest"
    spec.write_text(
        _edit_first_path_description(spec.read_text(encoding="utf-8"), token), encoding="utf-8"
    )
    assert token in json.dumps(
        yaml.safe_load(spec.read_bytes())
    )  # still valid YAML, really changed

    before = snapshot(out)
    proc = run_cli("check", "--spec", spec, "--out", out, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "@@" in proc.stdout
    assert sha256(spec.read_bytes()) in proc.stdout  # the headers now name the new spec
    assert token in proc.stdout  # the description itself is part of the diff
    assert snapshot(out) == before, "check must not write"


# --- bad specs -------------------------------------------------------------------------

# file -> [(pointer, line or None, message fragment), ...]; every entry must appear on stderr
BAD_CASES: dict[str, list[tuple[str, int | None, str]]] = {
    "dangling_ref.yaml": [
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
            None,
            "points at nothing",
        ),
    ],
    "invalid_yaml.yaml": [("/", 9, "invalid YAML")],
    "duplicate_operation_id.yaml": [
        ("/paths/~1threads/post/operationId", None, "duplicate operationId 'createThread'"),
        ("/paths/~1threads/post/operationId", None, "/paths/~1threads/get/operationId"),
    ],
    "undeclared_path_param.yaml": [
        ("/paths/~1pets~1{pet_id}/get", None, "{pet_id} is used in the path but not declared"),
    ],
    "bad_schema_type.yaml": [("/components/schemas/Pet/properties/name/type", None, "'strin'")],
    "empty.yaml": [("/", None, "empty")],
    "list_document.yaml": [("/", None, "list")],
    "missing_openapi.yaml": [("/openapi", None, "missing")],
    "swagger2.yaml": [("/swagger", None, "Swagger 2.0")],
    "unknown_version.yaml": [("/openapi", None, "4.0.0")],
    "remote_ref.yaml": [
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
            None,
            "http://example.com",
        ),
    ],
    "invalid_json.json": [("/", 4, "invalid JSON")],
}


def assert_refused(
    proc: subprocess.CompletedProcess[str], expected: list[tuple[str, int | None, str]]
) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    assert proc.stdout == "", "errors go to stderr"
    found = error_lines(proc.stderr)
    assert found, f"no 'error: <pointer>: <message>' line in:\n{proc.stderr}"
    for pointer, line, fragment in expected:
        hits = [
            m
            for m in found
            if m["pointer"] == pointer
            and (line is None or m["line"] == str(line))
            and fragment in m["message"]
        ]
        assert hits, (
            f"expected error at {pointer} (line {line}) mentioning {fragment!r} in:\n{proc.stderr}"
        )
    summary = re.compile(r"^\d+ problem\(s\); nothing was written\.$")
    for line in proc.stderr.splitlines():  # plain one-line messages only, no multi-line dumps
        assert ERROR_LINE.match(line) or summary.match(line), f"unexpected stderr line {line!r}"


def test_bad_specs_folder_matches_table() -> None:
    files = {p.name for p in BAD_SPECS.iterdir() if p.name != "README.md"}
    assert files == set(BAD_CASES)
    readme = (BAD_SPECS / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme, f"{name} is not described in bad_specs/README.md"


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_spec_is_refused_and_nothing_written(ws: Workspace, tmp_path: Path, name: str) -> None:
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    proc = run_cli("generate", "--spec", BAD_SPECS / name, "--out", out, cwd=tmp_path)
    assert_refused(proc, BAD_CASES[name])
    assert snapshot(out) == before


@pytest.mark.parametrize("command", ["check", "validate"])
def test_bad_spec_refused_by_check_and_validate(
    ws: Workspace, tmp_path: Path, command: str
) -> None:
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    args = ["--spec", BAD_SPECS / "dangling_ref.yaml"] + (
        ["--out", out] if command == "check" else []
    )
    proc = run_cli(command, *args, cwd=tmp_path)
    assert_refused(proc, BAD_CASES["dangling_ref.yaml"])
    assert snapshot(out) == before


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


def _derive_dangling_ref(doc: dict) -> list[tuple[str, int | None, str]]:
    where, holder = _first_ref(doc["paths"], ("paths",))
    holder["$ref"] = "#/components/schemas/DoesNotExistInTheSpec"
    return [(ptr(*where, "$ref"), None, "DoesNotExistInTheSpec")]


def _derive_duplicate_operation_id(doc: dict) -> list[tuple[str, int | None, str]]:
    (p1, m1, op1, _), (p2, m2, op2, _) = list(_operations(doc))[:2]
    op2["operationId"] = op1["operationId"]
    first, second = ptr("paths", p1, m1, "operationId"), ptr("paths", p2, m2, "operationId")
    return [
        (second, None, f"duplicate operationId {op1['operationId']!r}"),
        (second, None, first),
    ]


def _derive_undeclared_path_param(doc: dict) -> list[tuple[str, int | None, str]]:
    for path, method, op, item in _operations(doc):
        names = re.findall(r"{([^{}]+)}", path)
        inline = (
            [
                p
                for p in op.get("parameters", [])
                if p.get("in") == "path" and p.get("name") == names[0]
            ]
            if names
            else []
        )
        if inline and not any(p.get("name") == names[0] for p in item.get("parameters", [])):
            op["parameters"] = [p for p in op["parameters"] if p not in inline]
            return [
                (
                    ptr("paths", path, method),
                    None,
                    f"{{{names[0]}}} is used in the path but not declared",
                )
            ]
    raise AssertionError("the real spec has no inline path parameter to remove")


@pytest.mark.parametrize(
    "derive", [_derive_dangling_ref, _derive_duplicate_operation_id, _derive_undeclared_path_param]
)
def test_real_spec_broken_is_refused(ws: Workspace, tmp_path: Path, spec_doc: dict, derive) -> None:
    doc = copy.deepcopy(spec_doc)
    expected = derive(doc)
    spec = tmp_path / "broken.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    _, out = ws.copy_to(tmp_path)
    before = snapshot(out)
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path)
    assert_refused(proc, expected)
    assert snapshot(out) == before


# --- options and help --------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["generate"], ["check"], ["validate"]])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "--spec" in result.output or not command
    if command in (["generate"], ["check"]):
        assert "--out" in result.output and "--package" in result.output


def test_generate_refuses_invalid_package_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = tmp_path / "assistants.yaml"
    shutil.copy2(SPEC, spec)
    proc = run_cli("generate", "--spec", spec, "--out", out, "--package", "not-valid", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "--package" in proc.stderr
    assert "'not-valid' is not a usable Python identifier" in proc.stderr
    assert not out.exists(), "nothing may be written"


def test_generate_refuses_keyword_package_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = tmp_path / "assistants.yaml"
    shutil.copy2(SPEC, spec)
    proc = run_cli("generate", "--spec", spec, "--out", out, "--package", "class", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--package" in proc.stderr
    assert not out.exists()


def test_generate_refuses_keyword_client_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = tmp_path / "assistants.yaml"
    shutil.copy2(SPEC, spec)
    proc = run_cli("generate", "--spec", spec, "--out", out, "--client-name", "class", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--client-name" in proc.stderr
    assert not out.exists()
