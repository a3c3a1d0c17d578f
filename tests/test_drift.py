"""The drift check a team puts in CI: red on every hand edit, green on every honest machine,
quiet about options it was not given, and small diffs when the spec changes.

Each test works on a private copy of this repository's spec, overlays and `[tool.oapi-pygen]`
settings in a temporary folder, generated there first, with a cache folder of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import HEADER
from generator.cli import main
from generator.manifest import MANIFEST
from generator.write import read_tree
from tests.cli_support import REPO

PKG = "assistants_client"
SETTINGS = """\
[tool.oapi-pygen]
spec = "spec/assistants.yaml"
overlays = [
    "spec/overlays/client.yaml",
    "spec/overlays/streaming.yaml",
    "spec/overlays/list-cursors.yaml",
    "spec/overlays/nullable-31.yaml",
]
out = "generated"
package = "assistants_client"
client-name = "AssistantsClient"
env-prefix = "OPENAI"
"""
OVERLAYS = "client.yaml, streaming.yaml, list-cursors.yaml, nullable-31.yaml"


@pytest.fixture(scope="module")
def generated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project like this one (spec, overlays, settings), generated once; tests copy it."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO / "spec", root / "spec")
    (root / "pyproject.toml").write_text(SETTINGS, encoding="utf-8")
    proc = _cli(root, "generate", cache=root.parent / "module-cache")
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture
def project(generated_project: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(generated_project, root)
    return root


def _cli(cwd: Path, *args: str, cache: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m generator ARGS` in cwd, with its own cache folder, not under make."""
    environ = {k: v for k, v in os.environ.items() if k != "MAKELEVEL"}
    environ.update({"OAPI_PYGEN_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO), **(env or {})})
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=environ, capture_output=True,
                          text=True, check=False)


def _forge(package_dir: Path, name: str, text: str) -> None:
    """A hand edit whose sha256 is written into the manifest, as someone hiding it would."""
    path = package_dir / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    manifest = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (package_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_a_hand_edit_with_a_forged_manifest_is_drift(project: Path, tmp_path: Path, cache: str) -> None:
    package_dir = project / "generated" / PKG
    warm = tmp_path / "cache"
    assert _cli(project, "check", cache=warm).returncode == 0  # fills the cache for these inputs
    _forge(package_dir, "models.py", "\nINJECTED = 1\n")
    proc = _cli(project, "check", cache=warm if cache == "warm" else tmp_path / "empty-cache")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-INJECTED = 1" in proc.stdout  # the diff names the edit
    assert "drift: generated/assistants_client does not match spec/assistants.yaml" in proc.stderr
    assert "edited after generation" in proc.stderr


def test_a_forged_manifest_alone_is_drift(project: Path, tmp_path: Path) -> None:
    """The manifest is compared as bytes too: its claims are not trusted, they are regenerated."""
    manifest_path = project / "generated" / PKG / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["coverage"]["operations"] = 24
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    proc = _cli(project, "check", cache=tmp_path / "cache")
    assert proc.returncode == 1 and '-    "operations": 24,' in proc.stdout, proc.stdout + proc.stderr


def _change_description(spec: Path) -> None:
    """One property's description in a schema the client only reads (an assistant's creation time)."""
    text = spec.read_text(encoding="utf-8")
    old = "Creation time of the assistant, as a Unix timestamp in seconds."
    assert text.count(old) == 1
    spec.write_text(text.replace(old, "When the assistant was created, as a Unix timestamp in seconds."),
                    encoding="utf-8")


def test_a_one_description_change_rewrites_only_the_files_it_changes(project: Path, tmp_path: Path) -> None:
    package_dir = project / "generated" / PKG
    before = read_tree(package_dir)
    _change_description(project / "spec" / "assistants.yaml")
    proc = _cli(project, "generate", cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    after = read_tree(package_dir)
    assert sorted(n for n in after if after[n] != before.get(n)) == [MANIFEST, "models.py"]


def test_the_header_is_the_same_for_every_spec(project: Path) -> None:
    heads = {p.read_text(encoding="utf-8").splitlines()[0] for p in (project / "generated" / PKG).rglob("*")
             if p.suffix in (".py", ".typed")}
    assert heads == {"# " + HEADER}
    assert HEADER == "Generated by oapi-pygen from an OpenAPI spec. DO NOT EDIT: regenerate with `oapi-pygen generate`."
    golden_heads = {p.read_text(encoding="utf-8").splitlines()[0]
                    for p in (REPO / "tests" / "golden").glob("*/expected/**/*.py")}
    assert golden_heads == heads


def test_drift_after_a_spec_change_names_the_input_and_the_fix(project: Path, tmp_path: Path) -> None:
    _change_description(project / "spec" / "assistants.yaml")
    proc = _cli(project, "check", cache=tmp_path / "cache")
    assert proc.returncode == 1
    assert "(changed since it was generated: the spec (assistants.yaml))" in proc.stderr
    assert proc.stderr.rstrip().endswith("regenerate with `python -m generator generate`."), proc.stderr


def test_the_fix_names_the_options_in_the_form_the_user_ran(project: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """From the console script, the program's own name and the options given; from make in this
    repository, `make generate`."""
    _change_description(project / "spec" / "assistants.yaml")
    monkeypatch.chdir(project)
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MAKELEVEL", raising=False)
    args = ["check", "--out", "generated/assistants_client"]
    result = CliRunner().invoke(main, args, prog_name="oapi-pygen")
    assert result.exit_code == 1
    assert "regenerate with `oapi-pygen generate --out generated/assistants_client`." in result.output
    given_overlays = [word for o in OVERLAYS.split(", ") for word in ("--overlay", f"spec/overlays/{o}")]
    spaced = ["check", "--spec", "spec/assistants.yaml", *given_overlays, "--out", "my out"]
    (project / "my out").mkdir()
    shutil.copytree(project / "generated" / PKG, project / "my out" / PKG)
    result = CliRunner().invoke(main, spaced, prog_name="oapi-pygen")
    assert result.exit_code == 1, result.output
    overlays = " ".join(f"--overlay spec/overlays/{o}" for o in OVERLAYS.split(", "))
    assert (f"regenerate with `oapi-pygen generate --spec spec/assistants.yaml {overlays} --out 'my out'`."
            in result.output)
    monkeypatch.setenv("MAKELEVEL", "1")
    result = CliRunner().invoke(main, ["check"], prog_name="oapi-pygen")
    assert "regenerate with `oapi-pygen generate`." in result.output  # not this repository: no make target
    (project / "Makefile").write_text("generate:\n\tpython -m generator generate\n", encoding="utf-8")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[project]\nname = "oapi-pygen"\nversion = "0"\n')
    result = CliRunner().invoke(main, ["check"], prog_name="oapi-pygen")
    assert "regenerate with `make generate`." in result.output


def test_check_without_the_configured_overlays_says_so_and_reports_no_drift(project: Path, tmp_path: Path) -> None:
    proc = _cli(project, "check", "--spec", "spec/assistants.yaml", cache=tmp_path / "cache")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""  # no diff
    assert (f"error: generated/assistants_client was generated with overlays {OVERLAYS}; this run has none"
            in proc.stderr.splitlines())
    assert "drift" not in proc.stderr


def test_check_with_other_filters_or_names_says_so(project: Path, tmp_path: Path) -> None:
    proc = _cli(project, "check", "--tag", "Assistants", "--out", "generated/assistants_client",
                "--env-prefix", "OTHER", cache=tmp_path / "cache")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert "error: generated/assistants_client was generated with tags none; this run has Assistants" in lines
    assert "error: generated/assistants_client was generated with env prefix OPENAI; this run has OTHER" in lines


def test_generate_with_other_options_says_so_and_does_what_it_is_told(project: Path, tmp_path: Path) -> None:
    proc = _cli(project, "generate", "--spec", "spec/assistants.yaml", cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    assert (f"note: generated/assistants_client was generated with overlays {OVERLAYS}; this run has none"
            in proc.stderr.splitlines())
    manifest = json.loads((project / "generated" / PKG / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["inputs"]["overlays"] == []


def test_diff_applies_the_configured_overlays_and_filters(project: Path, tmp_path: Path) -> None:
    """Without --overlay, --tag or --operation, `diff` uses what pyproject.toml configures, as `generate`
    does. The new spec retypes a list cursor (which the list-cursors overlay restates on both sides)
    and drops deleteMessage (which a filter to getThread leaves out)."""
    doc = yaml.safe_load((project / "spec" / "assistants.yaml").read_text(encoding="utf-8"))
    doc["components"]["schemas"]["ListMessagesResponse"]["properties"]["first_id"] = {"type": "integer"}
    del doc["paths"]["/threads/{thread_id}/messages/{message_id}"]["delete"]
    (project / "spec" / "new.json").write_text(json.dumps(doc), encoding="utf-8")

    def changes() -> list[tuple[str, str, str]]:
        proc = _cli(project, "diff", "spec/assistants.yaml", "spec/new.json", "--format", "json",
                    cache=tmp_path / "cache")
        assert proc.returncode == 0, proc.stderr
        return [(c["section"], c["kind"], c["subject"]) for c in json.loads(proc.stdout)["changes"]]

    assert changes() == [("operation", "removed", "delete_message")]
    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('operations = ["getThread"]\n')
    assert changes() == []


def test_a_changed_grouping_or_rename_is_drift_and_an_unchanged_one_is_not(project: Path, tmp_path: Path) -> None:
    """The settings shape the package: `check` after changing them reports drift and names them;
    after `generate`, the same settings are up to date. (Grouped by paths, the Assistants client
    has resources: assistants, threads, ...)"""
    cache = tmp_path / "cache"
    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('grouping = "paths"\n')
    proc = _cli(project, "check", cache=cache)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "+    def create_assistant(" not in proc.stdout and "-    def create_assistant(" in proc.stdout
    assert "(changed since it was generated: the grouping setting (not set -> paths))" in proc.stderr
    assert _cli(project, "generate", cache=cache).returncode == 0
    proc = _cli(project, "check", cache=cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((project / "generated" / PKG / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["inputs"]["options"]["grouping"] == "paths"
    assert (project / "generated" / PKG / "resources" / "threads.py").is_file()

    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[tool.oapi-pygen.resources]\nthreads = "conversations"\n')
    proc = _cli(project, "check", cache=cache)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "(changed since it was generated: the resource renames (threads))" in proc.stderr
    assert _cli(project, "generate", cache=cache).returncode == 0
    assert _cli(project, "check", cache=cache).returncode == 0
    assert (project / "generated" / PKG / "resources" / "conversations.py").is_file()
    assert not (project / "generated" / PKG / "resources" / "threads.py").exists()

    proc = _cli(project, "check", "--grouping", "flat", cache=cache)  # a one-off grouping is drift too
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the grouping setting (paths -> flat)" in proc.stderr
    assert proc.stderr.rstrip().endswith("regenerate with `python -m generator generate --grouping flat`.")


def test_the_committed_manifest_names_no_unpinned_tool() -> None:
    """Only inputs that decide the bytes: no versions of PyYAML, Jinja2, the validator (a new patch
    release of any of them must not make a fresh machine's `generate` rewrite the manifest)."""
    manifest = json.loads((REPO / "generated" / PKG / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {"generator", "spec", "overlays", "templates", "formatter", "options"}
    assert list(manifest["inputs"]["formatter"]) == ["black"]
    text = json.dumps(manifest).lower()
    for unpinned in ("pyyaml", "jinja2", "openapi-spec-validator", "jsonpath", "python"):
        assert unpinned not in text, unpinned


def test_the_cli_runs_without_the_project_on_sys_path_only_through_its_entry(tmp_path: Path) -> None:
    """`python -m generator` and the console script start at the same launcher."""
    proc = subprocess.run([sys.executable, "-m", "generator", "--help"], cwd=REPO, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0 and "Usage: python -m generator" in proc.stdout, proc.stderr
