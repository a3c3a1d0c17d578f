"""End-to-end tests of the command line: `python -m generator generate|check|validate`.

Everything runs on temporary copies: the real spec is copied into a temp folder
and generated from there; spec/ and generated/ in the repository are only read.
Specs the generator must refuse are tested in test_bad_specs.py.
"""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__, write
from generator.cli import main
from tests.cli_support import PKG, SPEC, Workspace, run_cli, sha256, snapshot

PY_FILES = ("__init__.py", "models.py", "operations.py", "client.py", "_runtime/__init__.py", "_runtime/core.py",
            "_runtime/transport.py")
OTHER_FILES = ("py.typed", "README.md", "_manifest.json", "_surface.json")
OPERATIONS = 23


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
    names = {p.relative_to(ws.pkg).as_posix() for p in ws.pkg.rglob("*") if p.is_file()}
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


def test_every_generated_file_has_the_same_header_without_a_hash(ws: Workspace) -> None:
    """What generated it and how to regenerate it; no hash, date or version (the manifest has those)."""
    spec_sha = sha256(SPEC.read_bytes())
    files = sorted(p for p in ws.pkg.rglob("*") if p.is_file())
    assert files
    heads = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            # JSON has no comments: the header is the first key, "_comment"
            data = json.loads(text)
            head = data[next(iter(data))]
        else:
            head = text.splitlines()[0].removeprefix("# ").removeprefix("<!-- ").removesuffix(" -->")
        assert "DO NOT EDIT" in head and "oapi-pygen generate" in head, f"{path.name}: {head!r}"
        assert spec_sha not in text or path.name == "_manifest.json", path.name
        assert not re.search(r"\b\d+\.\d+\.\d+\b|\b20\d\d-\d\d-\d\d\b", head), head
        heads.add(head)
    assert len(heads) == 1, heads


def test_manifest_records_hashes(ws: Workspace) -> None:
    manifest = json.loads((ws.pkg / "_manifest.json").read_text(encoding="utf-8"))
    hex64 = re.compile(r"^[0-9a-f]{64}$")
    inputs = manifest["inputs"]
    assert inputs["spec"]["sha256"] == sha256(SPEC.read_bytes())
    assert hex64.match(inputs["templates"]["sha256"])
    assert inputs["generator"] == {"name": "oapi-pygen", "version": __version__}
    assert inputs["formatter"]["black"]  # the formatter's version is part of what the bytes depend on
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


@pytest.mark.parametrize(("name", "clash"), [("Mapping", "Mapping"), ("httpx", "httpx"), ("Transport", "AsyncTransport"),
                                             ("object", "object")])
def test_generate_refuses_a_client_name_the_client_module_uses(tmp_path: Path, name: str, clash: str) -> None:
    """`--client-name Mapping` (or `Self`, `httpx`, `operations`...) made a class over a name the client
    module imports: the package failed mypy --strict, or at import."""
    out = tmp_path / "out"
    proc = run_cli("generate", "--spec", SPEC, "--out", out, "--client-name", name, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "--client-name" in proc.stderr and repr(clash) in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


# --- output locations the operating system refuses, or that are in the way ---------------------

MINIMAL_SPEC = "openapi: 3.1.0\ninfo: {title: T, version: 1.0.0}\npaths: {}\n"


def _minimal_spec(folder: Path, extra: str = "") -> Path:
    spec = folder / "spec.yaml"
    spec.write_text(MINIMAL_SPEC + extra, encoding="utf-8")
    return spec


def _state(root: Path) -> dict[str, tuple[str, bytes | str | None, int]]:
    """Everything under root, links not followed: kind, bytes or link text, st_mtime_ns.

    Root's own mtime is left out: a failed write may have made and removed its staging folder there.
    """
    found: dict[str, tuple[str, bytes | str | None, int]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path), st.st_mtime_ns)
        elif path.is_dir():
            found[rel] = ("dir", None, st.st_mtime_ns)
        else:
            found[rel] = ("file", path.read_bytes(), st.st_mtime_ns)
    return found


def _refused(returncode: int, stderr: str, path: Path, reason: str, cwd: Path) -> None:
    """Exit 2 and one error line naming the path (as shown, relative to cwd) and the reason."""
    assert returncode == 2, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert path.relative_to(cwd).as_posix() in errors[0], errors[0]
    assert reason in errors[0], errors[0]


def test_generate_out_is_a_file_is_refused(tmp_path: Path) -> None:
    spec = _minimal_spec(tmp_path)
    out = tmp_path / "afile"
    out.write_text("mine\n", encoding="utf-8")
    before = _state(tmp_path)
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path)
    _refused(proc.returncode, proc.stderr, out, "Not a directory", tmp_path)
    assert _state(tmp_path) == before


def test_generate_out_under_a_file_is_refused(tmp_path: Path) -> None:
    spec = _minimal_spec(tmp_path)
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    out = tmp_path / "afile" / "sub"
    before = _state(tmp_path)
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path)
    _refused(proc.returncode, proc.stderr, out, "Not a directory", tmp_path)
    assert _state(tmp_path) == before


@pytest.mark.parametrize("kind", ["file", "link-to-file", "link-to-dir", "dangling-link"])
def test_generate_refuses_what_is_in_the_package_folders_place(tmp_path: Path, kind: str) -> None:
    """A user's file or symbolic link where the package folder goes is neither replaced nor followed."""
    spec = _minimal_spec(tmp_path)
    out = tmp_path / "out"
    (out / "elsewhere").mkdir(parents=True)
    (out / "elsewhere" / "keep.py").write_text("x = 1\n", encoding="utf-8")
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    place = out / PKG
    if kind == "file":
        place.write_text("mine\n", encoding="utf-8")
    else:
        place.symlink_to({"link-to-file": "notes.txt", "link-to-dir": "elsewhere",
                          "dangling-link": "nowhere"}[kind])
    before = _state(tmp_path)
    listing = sorted(p.name for p in out.iterdir())
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path)
    _refused(proc.returncode, proc.stderr, place, "not replacing it", tmp_path)
    assert sorted(p.name for p in out.iterdir()) == listing, "no staging folder or link may remain"
    assert place.is_symlink() == (kind != "file")
    assert _state(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_generate_into_read_only_folder_is_refused(tmp_path: Path) -> None:
    spec = _minimal_spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        before = _state(tmp_path)
        proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path)
        _refused(proc.returncode, proc.stderr, out / PKG, "Permission denied", tmp_path)
        assert _state(tmp_path) == before
    finally:
        out.chmod(0o755)


def _fail_under(root: Path, err: int, real: Callable[..., Any], always: bool = False) -> Callable[..., Any]:
    """`real` (os.mkdir, or write's open) failing with `err` for any path under root: every call when
    `always`, else only opening for writing."""

    def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
        mode = args[0] if args else kwargs.get("mode", "")
        if Path(path).is_relative_to(root) and (always or "w" in str(mode)):
            raise OSError(err, os.strerror(err), str(path))
        return real(path, *args, **kwargs)

    return fake


def test_generate_on_read_only_filesystem_is_refused(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EROFS from mkdir, as on a read-only mount (simulated: the tests may not mount one)."""
    spec, out = ws.copy_to(tmp_path)
    spec.write_text(_edit_first_path_description(spec.read_text(encoding="utf-8"), "zq"),
                    encoding="utf-8")
    before = _state(out)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "mkdir", _fail_under(out, errno.EROFS, os.mkdir, always=True))
    result = CliRunner().invoke(main, ["generate", "--spec", str(spec), "--out", str(out)])
    monkeypatch.undo()
    _refused(result.exit_code, result.stderr, out / PKG, "Read-only file system", tmp_path)
    assert isinstance(result.exception, SystemExit)
    assert _state(out) == before


def test_generate_on_full_disk_leaves_no_new_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing a file (simulated): the folders made for the output go too."""
    spec = _minimal_spec(tmp_path)
    out = tmp_path / "new" / "out"
    before = _state(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(write, "open", _fail_under(tmp_path, errno.ENOSPC, open), raising=False)
    result = CliRunner().invoke(main, ["generate", "--spec", str(spec), "--out", str(out)])
    monkeypatch.undo()
    _refused(result.exit_code, result.stderr, out / PKG, "No space left on device", tmp_path)
    assert isinstance(result.exception, SystemExit)
    assert _state(tmp_path) == before


def test_generate_out_of_file_space_leaves_package_untouched(ws: Workspace, tmp_path: Path) -> None:
    """A real write failure mid-run (RLIMIT_FSIZE: writes past 4 KiB fail with EFBIG) changes nothing."""
    spec, out = ws.copy_to(tmp_path)
    spec.write_text(_edit_first_path_description(spec.read_text(encoding="utf-8"), "zq"),
                    encoding="utf-8")  # a new spec sha: every file's header changes
    before = _state(out)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=tmp_path, preexec_fn=small_files)
    _refused(proc.returncode, proc.stderr, out / PKG, "File too large", tmp_path)
    assert _state(out) == before


# --- resolve -----------------------------------------------------------------------------


def test_resolve_output_is_a_directory_is_refused(tmp_path: Path) -> None:
    spec = _minimal_spec(tmp_path)
    output = tmp_path / "out"
    output.mkdir()
    before = _state(tmp_path)
    proc = run_cli("resolve", "--spec", spec, "--output", output, cwd=tmp_path)
    _refused(proc.returncode, proc.stderr, output, "Is a directory", tmp_path)
    assert _state(tmp_path) == before


def test_resolve_write_failure_keeps_the_old_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _minimal_spec(tmp_path)
    output = tmp_path / "resolved.json"
    output.write_text("{}\n", encoding="utf-8")
    before = _state(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(write, "open", _fail_under(tmp_path, errno.ENOSPC, open), raising=False)
    result = CliRunner().invoke(main, ["resolve", "--spec", str(spec), "--output", str(output)])
    monkeypatch.undo()
    _refused(result.exit_code, result.stderr, output, "No space left on device", tmp_path)
    assert _state(tmp_path) == before, "no temporary file may remain"


def test_resolve_writes_yaml_dates_as_iso_text(tmp_path: Path) -> None:
    spec = _minimal_spec(tmp_path, "components:\n  schemas:\n"
                                   "    D: {type: string, format: date, example: 2024-01-01}\n"
                                   "    T: {type: string, format: date-time, example: 2024-01-01T10:00:00Z}\n")
    output = tmp_path / "sub" / "resolved.json"
    proc = run_cli("resolve", "--spec", spec, "--output", output, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    schemas = json.loads(output.read_text(encoding="utf-8"))["components"]["schemas"]
    assert schemas["D"]["example"] == "2024-01-01"
    assert schemas["T"]["example"] == "2024-01-01T10:00:00+00:00"
    assert sorted(p.name for p in output.parent.iterdir()) == ["resolved.json"]


def test_resolve_refuses_a_number_json_cannot_hold(tmp_path: Path) -> None:
    """`default: .inf` (YAML) was written out as `Infinity`, which is not JSON; resolve now names
    the place and writes nothing."""
    spec = _minimal_spec(tmp_path, "components:\n  schemas:\n    W: {type: number, default: .inf}\n")
    output = tmp_path / "resolved.json"
    proc = run_cli("resolve", "--spec", spec, "--output", output, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: /components/schemas/W/default (line "), proc.stderr
    assert "inf has no JSON form" in proc.stderr
    assert not output.exists()
