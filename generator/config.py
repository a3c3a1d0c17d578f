"""Project settings for the CLI, read from `[tool.oapi-pygen]` in pyproject.toml.

Command-line options win over the file. Overlays belong to a spec: when `--spec`
is given on the command line without `--overlay`, the configured overlays are
not applied.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.problems import Problem, SpecError
from generator.render import BUILTIN_TEMPLATES
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


_TEXT_KEYS = {"spec": "a path", "out": "a path", "templates": "a path", "package": "a name",
              "client-name": "a name", "env-prefix": "a name"}
_LIST_KEYS = {"overlays": "a list of paths", "tags": "a list of tag names", "operations": "a list of operationIds"}


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
        elif key not in _TEXT_KEYS and key not in _LIST_KEYS:
            known = ", ".join(sorted(_TEXT_KEYS | _LIST_KEYS))
            problems.append(Problem("", f"{where} has no setting {key!r}; known: {known}"))
    if problems:
        raise SpecError(problems)
    return section
