"""Project settings for the CLI, read from `[tool.oapi-pygen]` in pyproject.toml.

Command-line options win over the file. Overlays belong to a spec: when `--spec`
is given on the command line without `--overlay`, the configured overlays are
not applied (nor the filters, nor the resource renames, which name the spec's
resources; the grouping is kept, as the package names are).

`grouping` and the `[tool.oapi-pygen.resources]` table win over the spec's own
`x-oapi-pygen-grouping` and `x-oapi-pygen-resource` (see `resources.Layout`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.problems import Problem, SpecError
from generator.render import BUILTIN_TEMPLATES
from generator.resources import GROUPINGS, NO_LAYOUT, Layout, resource_path_problem
from generator.scope import NO_FILTERS, Filters

DEFAULT_TEMPLATES = BUILTIN_TEMPLATES

SECTION = "oapi-pygen"


@dataclass(frozen=True)
class Settings:
    spec: Path = Path("spec/assistants.yaml")
    overlays: tuple[Path, ...] = ()
    out: Path = Path("generated")
    package: str = "assistants_client"
    client_name: str = "AssistantsClient"
    env_prefix: str = "OPENAI"  # the built-in spec's; "" where a configured spec has none: see env_prefix_of
    filters: Filters = NO_FILTERS
    templates: Path = DEFAULT_TEMPLATES  # a folder of templates; missing ones fall back to the built-in
    layout: Layout = NO_LAYOUT  # grouping and resource renames


_TEXT_KEYS = {"spec": "a path", "out": "a path", "templates": "a path", "package": "a name",
              "client-name": "a name", "env-prefix": "a name"}
_LIST_KEYS = {"overlays": "a list of paths", "tags": "a list of tag names", "operations": "a list of operationIds"}
_LAYOUT_KEYS = ("grouping", "resources")


def env_prefix_of(package: str) -> str:
    """The prefix of the client's environment variables when none is set: the package name
    without a trailing `_client`, `_sdk` or `_api`, in capitals (`petstore_client` -> PETSTORE)."""
    for suffix in ("_client", "_sdk", "_api"):
        if package.endswith(suffix) and len(package) > len(suffix):
            package = package.removesuffix(suffix)
            break
    return package.upper()


def load_settings(project_file: Path) -> Settings:
    """Settings from the project file, or the defaults when it has no section for us."""
    if not project_file.is_file():
        return Settings()
    try:
        raw = project_file.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"cannot read {project_file}: not UTF-8 text (line {line}, byte {raw[exc.start:exc.start + 1]!r})"
        raise SpecError([Problem("", message)]) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError([Problem("", f"cannot read {project_file}: {exc}")]) from None
    section = _section(data, project_file)
    base = project_file.parent
    defaults = Settings()
    templates = base / section["templates"] if "templates" in section else DEFAULT_TEMPLATES
    if not templates.is_dir():
        raise SpecError([Problem("", f"{project_file} [tool.{SECTION}] templates: no folder {templates}")])
    return Settings(
        spec=base / section.get("spec", defaults.spec),
        overlays=tuple(base / p for p in section.get("overlays", ())),
        out=base / section.get("out", defaults.out),
        package=section.get("package", defaults.package),
        client_name=section.get("client-name", defaults.client_name),
        env_prefix=section.get("env-prefix", defaults.env_prefix if "spec" not in section else ""),
        filters=Filters(tuple(section.get("tags", ())), tuple(section.get("operations", ()))),
        templates=templates,
        layout=Layout(section.get("grouping"), tuple(sorted(_flat_renames(section.get("resources", {})).items()))),
    )


def _section(data: dict[str, Any], project_file: Path) -> dict[str, Any]:
    """Our section, checked: known keys only, each of the right type."""
    tool = data.get("tool", {})
    section = tool.get(SECTION, {}) if isinstance(tool, dict) else None
    where = f"{project_file} [tool.{SECTION}]"
    if not isinstance(section, dict):
        raise SpecError([Problem("", f"{where} must be a table")])
    problems = []
    for key, value in section.items():
        if key in _TEXT_KEYS and not (isinstance(value, str) and value):
            problems.append(Problem("", f"{where} {key}: expected {_TEXT_KEYS[key]} (a string), got {value!r}"))
        elif key in _LIST_KEYS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(Problem("", f"{where} {key}: expected {_LIST_KEYS[key]} (strings), got {value!r}"))
        elif key == "grouping" and value not in GROUPINGS:
            problems.append(Problem("", f"{where} grouping: expected one of {', '.join(GROUPINGS)}, got {value!r}"))
        elif key == "resources":
            problems += _renames_problems(value, f"{project_file} [tool.{SECTION}.resources]")
        elif key not in _TEXT_KEYS and key not in _LIST_KEYS and key not in _LAYOUT_KEYS:
            known = ", ".join(sorted([*_TEXT_KEYS, *_LIST_KEYS, *_LAYOUT_KEYS]))
            problems.append(Problem("", f"{where} has no setting {key!r}; known: {known}"))
    if problems:
        raise SpecError(problems)
    return section


def _flat_renames(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The resources table with its dotted keys as one key each: TOML reads `fine_tuning.jobs = "jobs"`
    as a table in a table, `"fine_tuning.jobs" = "jobs"` as one key; both mean the resource
    fine_tuning.jobs."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        flat.update(_flat_renames(value, name) if isinstance(value, dict) else {name: value})
    return flat


def _renames_problems(value: Any, where: str) -> list[Problem]:
    """The resources table maps resources of the client (dotted, as the client names them) to their
    new places (dotted, or "" for the client itself)."""
    if not isinstance(value, dict):
        return [Problem("", f"{where}: expected a table of resource = \"new.place\", got {value!r}")]
    problems = []
    for old, new in _flat_renames(value).items():
        why = resource_path_problem(old, client=False)
        if why:
            problems.append(Problem("", f"{where}: {why}; a key names a resource as the client has it "
                                        "(client.fine_tuning.jobs: fine_tuning.jobs)"))
        elif not isinstance(new, str):
            problems.append(Problem("", f"{where} {old}: expected a resource path (a string), got {new!r}"))
        elif (why := resource_path_problem(new)) is not None:
            problems.append(Problem("", f"{where} {old}: {why}"))
    return problems
