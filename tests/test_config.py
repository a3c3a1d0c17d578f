"""`[tool.oapi-pygen]` in pyproject.toml, as another repository would use it.

Every test builds a small project in a temporary folder: a copy of the
features_31 golden spec, an overlay, a templates folder overriding one
template, and a pyproject.toml; then runs `python -m generator` there with the
project folder as the current directory, like the `oapi-pygen` console script
and the pre-commit hook do. Nothing in the repository is written. The overlay
actions themselves are also applied in process, at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.config import load_settings
from generator.overlay import apply_overlays
from generator.pipeline import Options, generate, sources_hash
from generator.problems import SpecError
from generator.render import BUILTIN_TEMPLATES, template_sources
from generator.resources import NO_LAYOUT, Layout
from generator.scope import Filters
from generator.write import read_tree

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "tests" / "golden" / "features_31" / "spec.yaml"
HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"

MARKER = "<!-- custom README template from the project's templates folder -->"
PACKAGE = "petzoo"
CLIENT = "PetZooClient"
PREFIX = "PETS"
OUT = "client_out"

# The spec has no tags; the overlay adds them (so the tag filter also shows that the
# overlay ran before the filters) and renames the API (visible in the README).
OVERLAY = """\
overlay: 1.0.0
info: {title: Tags for the zoo, version: 1.0.0}
actions:
  - target: $.info
    update: {title: Overlaid Zoo}
  - target: $.paths['/pets'].get
    update: {tags: [pets]}
  - target: $.paths['/pets'].post
    update: {tags: [admin]}
  - target: $.paths['/pets/{pet_id}/toys/{toy_id}'].delete
    update: {tags: [toys]}
"""

FULL_SECTION: dict[str, Any] = {
    "spec": "api/spec.yaml",
    "overlays": ["api/overlays/tags.yaml"],
    "out": OUT,
    "package": PACKAGE,
    "client-name": CLIENT,
    "env-prefix": PREFIX,
    "tags": ["pets"],
    "operations": ["deleteToy"],
    "templates": "codegen/templates",
}
# tag "pets" -> listPets; operationId deleteToy -> deleteToy; createPet (tag "admin") is left out
FILTERED_ALL = ["delete_toy", "list_pets"]
ALL_OPERATIONS = ["create_pet", "delete_toy", "list_pets"]
SAME_AS_BUILTIN = ("__init__.py", "client.py", "py.typed")  # and the _runtime/ files
# The overlay's tags group the two operations left into the resources `pets` and `toys`, with
# their models and request builders split the same way.
RESOURCE_FILES = ("resources/__init__.py", "resources/pets.py", "resources/toys.py", "models/__init__.py",
                  "models/__init__.pyi", "models/_other.py", "models/pets.py", "operations/__init__.py",
                  "operations/__init__.pyi", "operations/pets.py", "operations/toys.py")


# --- helpers -----------------------------------------------------------------------------


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, check=False, text=True,
    )


def toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)  # a JSON string or number is a valid TOML one


def write_pyproject(project: Path, section: dict[str, Any] | None) -> None:
    lines = ['[project]', 'name = "someone-elses-api"', 'version = "1.0.0"', ""]
    if section is not None:
        lines.append("[tool.oapi-pygen]")
        lines += [f"{key} = {toml_value(value)}" for key, value in section.items()]
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_project(project: Path, section: dict[str, Any] | None = None) -> Path:
    """The spec, overlay and custom templates of FULL_SECTION, and a pyproject.toml with `section`."""
    (project / "api" / "overlays").mkdir(parents=True)
    shutil.copyfile(SPEC, project / "api" / "spec.yaml")
    (project / "api" / "overlays" / "tags.yaml").write_text(OVERLAY, encoding="utf-8")
    templates = project / "codegen" / "templates"
    templates.mkdir(parents=True)
    builtin_readme = (BUILTIN_TEMPLATES / "README.md.jinja").read_text(encoding="utf-8")
    (templates / "README.md.jinja").write_text(builtin_readme + "\n" + MARKER + "\n", encoding="utf-8")
    write_pyproject(project, FULL_SECTION if section is None else section)
    return project


def manifest(package_dir: Path) -> dict[str, Any]:
    """The manifest's record of what the output was made from."""
    data: dict[str, Any] = json.loads((package_dir / "_manifest.json").read_text(encoding="utf-8"))
    inputs: dict[str, Any] = data["inputs"]
    return inputs


def operations_all(out: Path, package: str) -> list[str]:
    """`<package>.operations.__all__`, imported in a fresh interpreter (no bytecode written)."""
    proc = subprocess.run(
        [sys.executable, "-B", "-c", f"import json, {package}.operations as m; print(json.dumps(m.__all__))"],
        cwd=out, capture_output=True, check=False, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    names: list[str] = json.loads(proc.stdout)
    return names


def coverage_line(stdout: str) -> str:
    found = [line for line in stdout.splitlines() if line.startswith("coverage: ")]
    assert len(found) == 1, stdout
    return found[0]


# --- a fully configured project -----------------------------------------------------------


class Configured:
    """One project generated twice: with the configured templates, and without the templates key."""

    def __init__(self, root: Path) -> None:
        self.project = make_project(root)
        self.proc = run_cli("generate", cwd=self.project)
        assert self.proc.returncode == 0, self.proc.stderr
        self.package_dir = self.project / OUT / PACKAGE

        plain = {k: v for k, v in FULL_SECTION.items() if k != "templates"} | {"out": "plain_out"}
        write_pyproject(self.project, plain)
        self.plain_proc = run_cli("generate", cwd=self.project)
        assert self.plain_proc.returncode == 0, self.plain_proc.stderr
        self.plain_dir = self.project / "plain_out" / PACKAGE
        write_pyproject(self.project, FULL_SECTION)


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> Configured:
    return Configured(tmp_path_factory.mktemp("configured"))


def test_package_lands_in_the_configured_out_folder(configured: Configured) -> None:
    assert sorted(p.name for p in (configured.project / OUT).iterdir()) == [PACKAGE]
    files = read_tree(configured.package_dir)
    assert sorted(n for n in files if not n.startswith("_runtime/")) == sorted(
        SAME_AS_BUILTIN + ("README.md", "_manifest.json", "_surface.json", *RESOURCE_FILES))
    assert {"_runtime/__init__.py", "_runtime/core.py", "_runtime/transport.py"} <= set(files)
    assert not (configured.project / "generated").exists()
    assert f"in {OUT}/{PACKAGE}" in configured.proc.stdout


def test_client_has_the_configured_name_and_env_prefix(configured: Configured) -> None:
    client = (configured.package_dir / "client.py").read_text(encoding="utf-8")
    assert f"class {CLIENT}:" in client
    assert f"class Async{CLIENT}:" in client
    assert f'BASE_URL_ENV = "{PREFIX}_BASE_URL"' in client
    assert "OPENAI_API_KEY" not in client and "AssistantsClient" not in client
    init = (configured.package_dir / "__init__.py").read_text(encoding="utf-8")
    assert CLIENT in init


def test_filters_limit_the_operations(configured: Configured) -> None:
    assert operations_all(configured.project / OUT, PACKAGE) == FILTERED_ALL
    assert coverage_line(configured.proc.stdout).startswith("coverage: 2/3 operations (2 in scope), ")


def test_overlay_is_applied(configured: Configured) -> None:
    readme = (configured.package_dir / "README.md").read_text(encoding="utf-8")
    assert "Typed Python client for Overlaid Zoo" in readme


def test_custom_template_overrides_and_the_rest_fall_back(configured: Configured) -> None:
    custom = read_tree(configured.package_dir)
    plain = read_tree(configured.plain_dir)
    assert MARKER in custom["README.md"].decode()
    assert MARKER not in plain["README.md"].decode()
    assert sorted(custom) == sorted(plain)
    for name in SAME_AS_BUILTIN + RESOURCE_FILES + tuple(n for n in custom if n.startswith("_runtime/")):
        assert custom[name] == plain[name], f"{name} differs from the built-in template's output"
    # The run without the templates key is exactly the in-process generation with the
    # built-in templates (manifest included: same file names, same options).
    project = configured.project
    builtin = generate(Options(
        spec=project / "api" / "spec.yaml", overlays=(project / "api" / "overlays" / "tags.yaml",),
        package=PACKAGE, client_name=CLIENT, env_prefix=PREFIX, templates=BUILTIN_TEMPLATES,
        filters=Filters(("pets",), ("deleteToy",)),
    )).files
    assert plain == builtin
    assert {k: v for k, v in custom.items() if k not in ("README.md", "_manifest.json")} == {
        k: v for k, v in builtin.items() if k not in ("README.md", "_manifest.json")}


def test_manifest_records_the_configured_options(configured: Configured) -> None:
    data = manifest(configured.package_dir)
    assert data["options"] == {"package": PACKAGE, "client_name": CLIENT, "env_prefix": PREFIX,
                               "tags": ["pets"], "operations": ["deleteToy"], "allow_partial": False}
    assert data["spec"]["file"] == "spec.yaml"
    assert [o["file"] for o in data["overlays"]] == ["tags.yaml"]
    custom_sources = template_sources(configured.project / "codegen" / "templates")
    assert data["templates"]["sha256"] == sources_hash(custom_sources)
    assert manifest(configured.plain_dir)["templates"]["sha256"] == sources_hash(
        template_sources(BUILTIN_TEMPLATES))


def test_check_uses_the_config_too(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert run_cli("generate", cwd=project).returncode == 0
    proc = run_cli("check", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("up to date: 2 operations"), proc.stdout
    models = project / OUT / PACKAGE / "client.py"
    models.write_text(models.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    proc = run_cli("check", cwd=project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "# edited by hand" in proc.stdout
    assert f"{OUT}/{PACKAGE}" in proc.stderr


# --- the command line over the file --------------------------------------------------------


def test_another_package_takes_its_env_prefix_from_its_name_not_the_config(tmp_path: Path) -> None:
    """The configured env prefix goes with the configured package; a client generated under
    another package name reads variables named after it (`door_client` -> DOOR_...)."""
    project = make_project(tmp_path)
    spec = REPO / "tests" / "golden" / "security_schemes" / "spec.yaml"
    proc = run_cli("generate", "--spec", str(spec), "--package", "door_client", "--out", "doors", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert manifest(project / "doors" / "door_client")["options"]["env_prefix"] == "DOOR"
    client = (project / "doors" / "door_client" / "client.py").read_text(encoding="utf-8")
    assert '"DOOR_USERNAME"' in client and 'BASE_URL_ENV = "DOOR_BASE_URL"' in client
    assert "OPENAI" not in client and PREFIX not in client


def test_command_line_options_override_the_config(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    proc = run_cli("generate", "--package", "other", "--env-prefix", "OTHER", "--tag", "admin", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (project / OUT).iterdir()) == ["other"]  # configured out, given package
    data = manifest(project / OUT / "other")
    assert data["options"] == {"package": "other", "client_name": CLIENT, "env_prefix": "OTHER",
                               "tags": ["admin"], "operations": [], "allow_partial": False}
    assert [o["file"] for o in data["overlays"]] == ["tags.yaml"]  # the configured spec keeps its overlays
    assert operations_all(project / OUT, "other") == ["create_pet"]
    assert 'BASE_URL_ENV = "OTHER_BASE_URL"' in (project / OUT / "other" / "client.py").read_text()

    proc = run_cli("generate", "--out", "elsewhere", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "elsewhere" / PACKAGE / "client.py").is_file()


def test_spec_on_the_command_line_drops_configured_overlays_and_filters(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    proc = run_cli("generate", "--spec", "api/spec.yaml", cwd=project)
    assert proc.returncode == 0, proc.stderr
    package_dir = project / OUT / PACKAGE
    data = manifest(package_dir)
    assert data["overlays"] == []
    assert data["options"]["tags"] == [] and data["options"]["operations"] == []
    assert operations_all(project / OUT, PACKAGE) == ALL_OPERATIONS
    assert coverage_line(proc.stdout).startswith("coverage: 3/3 operations, ")
    readme = (package_dir / "README.md").read_text(encoding="utf-8")
    assert "Typed Python client for Feature Zoo" in readme  # no overlay
    assert MARKER in readme  # the templates are not tied to the spec: still the configured ones

    proc = run_cli("generate", "--spec", "api/spec.yaml", "--overlay", "api/overlays/tags.yaml", cwd=project)
    assert proc.returncode == 0, proc.stderr
    data = manifest(package_dir)
    assert [o["file"] for o in data["overlays"]] == ["tags.yaml"]
    assert data["options"]["tags"] == []  # the configured filters still belong to the configured spec
    assert operations_all(project / OUT, PACKAGE) == ALL_OPERATIONS


# --- bad and empty configuration -----------------------------------------------------------


@pytest.mark.parametrize("command", ["generate", "check", "validate"])
def test_malformed_pyproject_exits_2_with_a_clear_message(tmp_path: Path, command: str) -> None:
    project = make_project(tmp_path)
    (project / "pyproject.toml").write_text('[tool.oapi-pygen\nspec = "api/spec.yaml"\n', encoding="utf-8")
    proc = run_cli(command, cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "pyproject.toml" in proc.stderr
    assert "line 1" in proc.stderr  # tomllib's position of the error
    assert not (project / OUT).exists() and not (project / "generated").exists()


@pytest.mark.parametrize("command", ["generate", "check", "validate"])
def test_pyproject_that_is_not_utf8_exits_2_with_a_clear_message(tmp_path: Path, command: str) -> None:
    project = make_project(tmp_path)
    (project / "pyproject.toml").write_bytes(b'[tool.oapi-pygen]\nspec = "api/spec.yaml"\nclient-name = "caf\xe9"\n')
    before = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    proc = run_cli(command, cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    assert "pyproject.toml" in errors[0] and "not UTF-8" in errors[0] and "line 3" in errors[0], errors[0]
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == before


ILL_TYPED = {
    "package-not-a-string": '[tool.oapi-pygen]\nspec = "api/spec.yaml"\npackage = 5\n',
    "spec-not-a-string": "[tool.oapi-pygen]\nspec = 3\n",
    "tags-a-string": '[tool.oapi-pygen]\nspec = "api/spec.yaml"\noverlays = ["api/overlays/tags.yaml"]\n'
                     'tags = "pets"\n',
    "section-not-a-table": '[tool]\noapi-pygen = "api/spec.yaml"\n',
    "tool-not-a-table": "tool = 1\n",
}


@pytest.mark.parametrize("text", ILL_TYPED.values(), ids=ILL_TYPED.keys())
def test_ill_typed_config_values_exit_2_with_a_clear_message(tmp_path: Path, text: str) -> None:
    project = make_project(tmp_path)
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    proc = run_cli("generate", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "pyproject.toml" in proc.stderr


def test_missing_templates_folder_is_an_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, FULL_SECTION | {"templates": "codegen/no-such-folder"})
    proc = run_cli("generate", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no-such-folder" in proc.stderr


@pytest.mark.parametrize("pyproject", ["empty-section", "no-section", "no-file"])
def test_empty_config_falls_back_to_the_defaults(tmp_path: Path, pyproject: str) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copyfile(SPEC, tmp_path / "spec" / "assistants.yaml")  # the default spec path
    if pyproject != "no-file":
        write_pyproject(tmp_path, {} if pyproject == "empty-section" else None)
    proc = run_cli("generate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    package_dir = tmp_path / "generated" / "assistants_client"
    data = manifest(package_dir)
    assert data["options"] == {"package": "assistants_client", "client_name": "AssistantsClient",
                               "env_prefix": "OPENAI", "tags": [], "operations": [], "allow_partial": False}
    assert data["overlays"] == []
    assert data["templates"]["sha256"] == sources_hash(template_sources(BUILTIN_TEMPLATES))
    client = (package_dir / "client.py").read_text(encoding="utf-8")
    assert "class AssistantsClient:" in client and 'BASE_URL_ENV = "OPENAI_BASE_URL"' in client
    assert operations_all(tmp_path / "generated", "assistants_client") == ALL_OPERATIONS
    assert run_cli("check", cwd=tmp_path).returncode == 0


# --- grouping and resource renames -----------------------------------------------------------


def layout_of(tmp_path: Path, text: str) -> Layout:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "pyproject.toml").layout


def config_errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_settings(tmp_path / "pyproject.toml")
    return [p.message.replace(str(tmp_path / "pyproject.toml"), "pyproject.toml") for p in caught.value.problems]


@pytest.mark.parametrize("grouping", ["tags", "paths", "flat"])
def test_the_grouping_is_read(tmp_path: Path, grouping: str) -> None:
    assert layout_of(tmp_path, f'[tool.oapi-pygen]\ngrouping = "{grouping}"\n') == Layout(grouping)


def test_no_grouping_and_no_renames_leave_the_spec_to_say(tmp_path: Path) -> None:
    assert layout_of(tmp_path, '[tool.oapi-pygen]\npackage = "p"\n') == NO_LAYOUT
    assert layout_of(tmp_path, '[tool.oapi-pygen]\n[tool.oapi-pygen.resources]\n') == NO_LAYOUT


def test_renames_are_read_with_dotted_keys_written_either_way(tmp_path: Path) -> None:
    """TOML reads `vector_stores.files` unquoted as a table in a table: both spellings name the
    resource vector_stores.files."""
    text = ('[tool.oapi-pygen]\n[tool.oapi-pygen.resources]\nfiles = "documents"\n'
            '"fine_tuning.jobs" = "jobs"\nvector_stores.files = "store_files"\nassistants = ""\n')
    assert layout_of(tmp_path, text) == Layout(None, (
        ("assistants", ""), ("files", "documents"), ("fine_tuning.jobs", "jobs"),
        ("vector_stores.files", "store_files")))
    inline = '[tool.oapi-pygen]\ngrouping = "paths"\nresources = {threads = "conversations.threads"}\n'
    assert layout_of(tmp_path, inline) == Layout("paths", (("threads", "conversations.threads"),))


RENAMES = "pyproject.toml [tool.oapi-pygen.resources]"
DOTTED = "write dotted Python identifiers such as fine_tuning.jobs"
ON_CLIENT = '(or "" for the client itself)'
KEY_HINT = "a key names a resource as the client has it (client.fine_tuning.jobs: fine_tuning.jobs)"
BAD_LAYOUT = {
    "grouping-tag": ('grouping = "tag"',
                     "pyproject.toml [tool.oapi-pygen] grouping: expected one of tags, paths, flat, got 'tag'"),
    "grouping-number": ("grouping = 5",
                        "pyproject.toml [tool.oapi-pygen] grouping: expected one of tags, paths, flat, got 5"),
    "resources-list": ('resources = ["files"]',
                       f"{RENAMES}: expected a table of resource = \"new.place\", got ['files']"),
    "value-not-text": ("resources = {files = 5}", f"{RENAMES} files: expected a resource path (a string), got 5"),
    "value-not-dotted": ('resources = {files = "my files"}',
                         f"{RENAMES} files: 'my files' is not a resource path: {DOTTED} {ON_CLIENT}"),
    "value-empty-part": ('resources = {files = "docs..files"}',
                         f"{RENAMES} files: 'docs..files' is not a resource path: {DOTTED} {ON_CLIENT}"),
    "value-keyword": ('resources = {files = "import.files"}',
                      f"{RENAMES} files: 'import.files' is not a resource path: 'import' is a Python keyword"),
    "key-a-tag-name": ('resources = {"Fine Tuning" = "tuning"}',
                       f"{RENAMES}: 'Fine Tuning' is not a resource path: {DOTTED}; {KEY_HINT}"),
    "key-empty": ('resources = {"" = "tuning"}', f"{RENAMES}: '' is not a resource path: {DOTTED}; {KEY_HINT}"),
}


@pytest.mark.parametrize(("line", "message"), BAD_LAYOUT.values(), ids=BAD_LAYOUT.keys())
def test_bad_grouping_or_renames_are_refused_with_what_is_allowed(tmp_path: Path, line: str, message: str) -> None:
    assert config_errors(tmp_path, f"[tool.oapi-pygen]\n{line}\n") == [message]


def test_an_unknown_key_names_grouping_and_resources_among_the_known(tmp_path: Path) -> None:
    [message] = config_errors(tmp_path, '[tool.oapi-pygen]\ngroupping = "paths"\n')
    assert message.startswith("pyproject.toml [tool.oapi-pygen] has no setting 'groupping'; known: ")
    assert "grouping" in message.split("known: ")[1] and "resources" in message.split("known: ")[1]


def test_a_bad_grouping_exits_2_before_anything_is_written(tmp_path: Path) -> None:
    project = make_project(tmp_path, FULL_SECTION | {"grouping": "by-tag"})
    proc = run_cli("generate", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "grouping: expected one of tags, paths, flat, got 'by-tag'" in proc.stderr
    assert not (project / OUT).exists()


def test_grouping_and_renames_reach_the_package_and_its_manifest(tmp_path: Path) -> None:
    """Configured: the overlay's tags make the resources pets and toys; pets is renamed. --grouping
    wins over the file; --spec leaves the renames (they name the configured spec's resources)
    but keeps the grouping."""
    project = make_project(tmp_path, FULL_SECTION | {"grouping": "tags"})
    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('[tool.oapi-pygen.resources]\npets = "animals"\n')

    def surface() -> list[str]:
        data = json.loads((project / OUT / PACKAGE / "_surface.json").read_text(encoding="utf-8"))
        return sorted(data["operations"])

    proc = run_cli("generate", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert surface() == ["animals.list_pets", "toys.delete"]
    options = manifest(project / OUT / PACKAGE)["options"]
    assert options["grouping"] == "tags" and options["resources"] == {"pets": "animals"}

    proc = run_cli("generate", "--grouping", "flat", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert surface() == ["delete_toy", "list_pets"]
    assert manifest(project / OUT / PACKAGE)["options"]["grouping"] == "flat"
    assert ("warning: /: [tool.oapi-pygen.resources] renames 'pets' (to 'animals'), but the client has no "
            "resource 'pets'; its resources: none, its operations are all on the client") in proc.stderr

    proc = run_cli("generate", "--spec", "api/spec.yaml", "--overlay", "api/overlays/tags.yaml", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert surface() == ["admin.create_pet", "pets.list", "toys.delete"]
    options = manifest(project / OUT / PACKAGE)["options"]
    assert options["grouping"] == "tags" and "resources" not in options


# --- the pre-commit hook and the installed command -----------------------------------------


def test_pre_commit_hooks_file_runs_a_declared_console_script() -> None:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and hooks
    by_id = {hook["id"]: hook for hook in hooks}
    assert "oapi-pygen-check" in by_id
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    from generator.cli import main

    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= hook.keys(), hook
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook.get("always_run") is True or hook.get("files"), hook
        script, command = hook["entry"].split()
        assert script in scripts, f"{script!r} is not in [project.scripts]"
        assert scripts[script] == "generator.launch:main"
        assert command in main.commands, f"{command!r} is not an oapi-pygen command"
    assert by_id["oapi-pygen-check"]["entry"] == "oapi-pygen check"


def test_a_non_editable_install_can_generate(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, source / name)
    for name in ("generator", "templates"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"  # what a wheel would install: setuptools' build_py output
    built = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py", "-d", str(site)],
        cwd=source, capture_output=True, check=False, text=True,
    )
    if built.returncode != 0:  # cannot tell what an install would hold
        pytest.skip(f"setuptools build_py failed: {built.stderr[-500:]}")
    project = make_project(tmp_path / "project")
    env = dict(os.environ, PYTHONPATH=str(site))
    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=project, env=env, capture_output=True, check=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(site)  # the installed copy, not the repository
    proc = subprocess.run([sys.executable, "-m", "generator", "generate"],
                          cwd=project, env=env, capture_output=True, check=False, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (project / OUT / PACKAGE / "client.py").is_file()


# --- overlay actions: `remove: true` on several nodes ----------------------------------------

# Three parameters of one list, three responses of one object, and nested matches for `$..[?@.drop]`.
REMOVAL_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "T", "version": "1.0.0"},
    "paths": {"/p": {"get": {
        "parameters": [{"name": f"p{i}", "in": "query", "schema": {"type": "string"}} for i in range(3)],
        "responses": {code: {"description": code} for code in ("200", "404", "500")},
    }}},
    "x-list": [{"drop": True, "kids": [{"drop": True}, {"keep": 1}]}, {"keep": 2}, {"drop": True, "kids": [{"drop": True}]}],
    "x-map": {"a": {"drop": True, "in": {"drop": True}}, "b": {"keep": 3, "in": {"drop": True}}},
}


def removed(target: str) -> dict[str, Any]:
    overlay = {"overlay": "1.0.0", "info": {"title": "remove", "version": "1"},
               "actions": [{"target": target, "remove": True}]}
    before = json.dumps(REMOVAL_SPEC)
    doc = apply_overlays(REMOVAL_SPEC, [(Path("remove.json"), json.dumps(overlay).encode())])
    assert json.dumps(REMOVAL_SPEC) == before  # the input is not changed
    return doc


@pytest.mark.parametrize(("target", "kept"), [
    ("$.paths['/p'].get.parameters[?@.name=='p0' || @.name=='p1']", ["p2"]),  # once: p0 and p2 went, p1 stayed
    ("$.paths['/p'].get.parameters[*]", []),  # once: IndexError
    ("$.paths['/p'].get.parameters[2,0,0,-1]", ["p1"]),  # p0 named twice, p2 twice (-1 is 2)
])
def test_overlay_removes_every_list_item_it_matches(target: str, kept: list[str]) -> None:
    assert [p["name"] for p in removed(target)["paths"]["/p"]["get"]["parameters"]] == kept


@pytest.mark.parametrize(("target", "kept"), [
    ("$.paths['/p'].get.responses['404','500']", ["200"]),
    ("$.paths['/p'].get.responses[?@.description != '404']", ["404"]),
    ("$.paths['/p'].get.responses[*]", []),
])
def test_overlay_removes_every_key_of_an_object_it_matches(target: str, kept: list[str]) -> None:
    assert list(removed(target)["paths"]["/p"]["get"]["responses"]) == kept


def test_overlay_removes_nested_matches_with_the_node_holding_them() -> None:
    doc = removed("$..[?@.drop]")
    assert doc["x-list"] == [{"keep": 2}]
    assert doc["x-map"] == {"b": {"keep": 3}}
    assert [p["name"] for p in doc["paths"]["/p"]["get"]["parameters"]] == ["p0", "p1", "p2"]


def test_resolve_writes_the_spec_without_the_parameters_removed(tmp_path: Path) -> None:
    """The reported case through the command line: it exited 0 with p1 kept and p2 removed."""
    (tmp_path / "spec.json").write_text(json.dumps(REMOVAL_SPEC), encoding="utf-8")
    (tmp_path / "remove.yaml").write_text(
        "overlay: 1.0.0\ninfo: {title: remove, version: '1'}\nactions:\n"
        "  - target: $.paths['/p'].get.parameters[?@.name=='p0' || @.name=='p1']\n    remove: true\n",
        encoding="utf-8")
    proc = run_cli("resolve", "--spec", "spec.json", "--overlay", "remove.yaml", "--output", "out.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [p["name"] for p in doc["paths"]["/p"]["get"]["parameters"]] == ["p2"]


def test_an_overlays_problems_name_the_overlay_not_a_line_of_the_spec(tmp_path: Path) -> None:
    """A YAML syntax error in an overlay was reported as `/ (line 7)`, as if in the spec; a problem
    in an overlay given by an absolute path got a line of the spec (its pointer starts with `/`)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: T, version: 1.0.0}\npaths: {}\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("overlay: 1.0.0\ninfo: {title: x, version: 1}\nactions:\n  - bad: [\n", encoding="utf-8")
    proc = run_cli("validate", "--spec", spec, "--overlay", broken.resolve(), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"error: {broken.resolve().as_posix()}# (line 5): invalid YAML"), proc.stderr
    missing = tmp_path / "missing.yaml"
    missing.write_text("overlay: 1.0.0\ninfo: {title: x, version: 1}\nactions:\n  - {target: $.nothing, remove: true}\n",
                       encoding="utf-8")
    proc = run_cli("validate", "--spec", spec, "--overlay", missing.resolve(), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {missing.resolve().as_posix()}#/actions/0/target: "), proc.stderr
