"""What a run is asked to do (`Options`) and what it made of the spec (`Coverage`): the values the
pipeline, the manifest and the command line pass between them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.problems import Problem
from generator.render import BUILTIN_TEMPLATES
from generator.resources import NO_LAYOUT, Layout
from generator.scope import NO_FILTERS, Filters


@dataclass(frozen=True)
class Options:
    spec: Path
    overlays: tuple[Path, ...] = ()
    package: str = "assistants_client"
    client_name: str = "AssistantsClient"
    env_prefix: str = "OPENAI"
    templates: Path = BUILTIN_TEMPLATES
    filters: Filters = NO_FILTERS
    layout: Layout = NO_LAYOUT  # the project's grouping and resource renames (over the spec's extensions)
    strict: bool = False  # warnings are fatal
    allow_partial: bool = False  # something in scope that cannot be generated is a warning, not an error


@dataclass(frozen=True)
class Coverage:
    """What a run generated out of what the spec has, and what it had to say about it."""

    spec_operations: int
    scope_operations: int
    operations: int
    models: int
    warnings: tuple[Problem, ...]

    def summary(self) -> str:
        scope = "" if self.scope_operations == self.spec_operations else f" ({self.scope_operations} in scope)"
        kinds = Counter(p.kind for p in self.warnings if p.level != "info")
        said = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
        return (f"coverage: {self.operations}/{self.spec_operations} operations{scope}, "
                f"{self.models} models; warnings: {said}")
