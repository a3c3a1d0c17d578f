"""Project settings for the CLI, read from `[tool.oapi-pygen]` in pyproject.toml.

Command-line options win over the file. Overlays belong to a spec: when `--spec`
is given on the command line without `--overlay`, the configured overlays are
not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

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
    env_prefix: str = "OPENAI"
    filters: Filters = NO_FILTERS
    templates: Path = DEFAULT_TEMPLATES  # a folder of templates; missing ones fall back to the built-in


def load_settings(project_file: Path) -> Settings:
    """Settings from the project file, or the defaults when it has no section for us."""
    if not project_file.is_file():
        return Settings()
    try:
        data = tomllib.loads(project_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError([Problem("", f"cannot read {project_file}: {exc}")]) from None
    section: dict[str, Any] = data.get("tool", {}).get(SECTION, {})
    base = project_file.parent
    defaults = Settings()
    return Settings(
        spec=base / section.get("spec", defaults.spec),
        overlays=tuple(base / p for p in section.get("overlays", ())),
        out=base / section.get("out", defaults.out),
        package=section.get("package", defaults.package),
        client_name=section.get("client-name", defaults.client_name),
        env_prefix=section.get("env-prefix", defaults.env_prefix),
        filters=Filters(tuple(section.get("tags", ())), tuple(section.get("operations", ()))),
        templates=base / section["templates"] if "templates" in section else DEFAULT_TEMPLATES,
    )
