"""The stages in order: load -> validate -> build -> render -> format -> files in memory."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import TOOL_NAME, __version__
from generator.build import build_package
from generator.format import format_files
from generator.ir import PackageIR
from generator.load import LoadedSpec, load_spec, yaml_lines
from generator.overlay import apply_overlays
from generator.problems import Problem, SpecError, sort_problems
from generator.render import BUILTIN_TEMPLATES, render_package, template_sources
from generator.scope import NO_FILTERS, Filters, operation_count, select
from generator.validate import as_error, validate

GENERATOR_DIR = Path(__file__).resolve().parent
PROJECT_DIR = GENERATOR_DIR.parent
DEFAULT_TEMPLATES = BUILTIN_TEMPLATES
RUNTIME_FILE = GENERATOR_DIR / "runtime" / "_runtime.py"


@dataclass(frozen=True)
class Options:
    spec: Path
    overlays: tuple[Path, ...] = ()
    package: str = "assistants_client"
    client_name: str = "AssistantsClient"
    env_prefix: str = "OPENAI"
    templates: Path = DEFAULT_TEMPLATES
    filters: Filters = NO_FILTERS
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
        kinds = Counter(p.kind for p in self.warnings)
        said = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
        return (f"coverage: {self.operations}/{self.spec_operations} operations{scope}, "
                f"{self.models} models; warnings: {said}")


@dataclass
class Result:
    files: dict[str, bytes]  # path relative to the package folder -> bytes
    coverage: Coverage
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        return self.coverage.operations

    @property
    def models(self) -> int:
        return self.coverage.models


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now


@dataclass(frozen=True)
class Prepared:
    """The spec loaded, overlaid, filtered and validated, with what validation had to say."""

    loaded: LoadedSpec
    doc: dict[str, Any]
    overlays: list[tuple[Path, bytes]]
    spec_operations: int
    warnings: list[Problem]


def prepare(options: Options, clock: _Clock | None = None) -> Prepared:
    """Load -> overlays -> filters -> validate; every problem gets its line where the YAML has one."""
    loaded = load_spec(options.spec)
    try:
        overlays = [(path, read_overlay(path)) for path in options.overlays]
        full = apply_overlays(loaded.doc, overlays)
        doc = select(full, options.filters)
        if clock:
            clock.lap("load")
        warnings = validate(doc, strict=options.strict)
        if clock:
            clock.lap("validate")
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, loaded)) from None
    return Prepared(loaded, doc, overlays, operation_count(full), with_lines(warnings, loaded))


def with_lines(problems: Iterable[Problem], loaded: LoadedSpec) -> list[Problem]:
    """The problems, each with the YAML line of the node it names (when the source has that node)."""
    problems = list(problems)
    if loaded.path.suffix.lower() == ".json" or not problems:
        return problems
    lines = yaml_lines(loaded.raw, [p.pointer for p in problems if p.line is None and p.pointer.startswith("/")])
    return [dataclasses.replace(p, line=lines.get(p.pointer, p.line)) for p in problems]


def effective_spec(options: Options) -> tuple[LoadedSpec, dict[str, Any], list[tuple[Path, bytes]]]:
    """The spec with its overlays (and filters) applied, validated; raises SpecError on any error."""
    prepared = prepare(options)
    return prepared.loaded, prepared.doc, prepared.overlays


def read_overlay(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem("", f"cannot read overlay {path}: {exc.strerror or exc}")]) from None


def build(options: Options, prepared: Prepared) -> tuple[PackageIR, Coverage]:
    """The IR and the coverage; raises SpecError when something in scope had to be dropped."""
    pkg, problems = build_package(prepared.doc, options.package, options.client_name, options.env_prefix,
                                  prepared.loaded.sha256)
    problems = with_lines(problems, prepared.loaded)
    dropped = [p for p in problems if p.level == "error"]
    if (dropped and not options.allow_partial) or (problems and options.strict):
        raise SpecError(dropped if not options.strict else [as_error(p) for p in problems])
    warnings = prepared.warnings + [dataclasses.replace(p, level="warning") for p in problems]
    coverage = Coverage(prepared.spec_operations, operation_count(prepared.doc), len(pkg.operations),
                        len(pkg.models), sort_problems(warnings))
    return pkg, coverage


def check_spec(options: Options) -> Coverage:
    """Load, overlay, filter, validate and build (no rendering): the coverage `generate` would report."""
    return build(options, prepare(options))[1]


def generate(options: Options) -> Result:
    """Run every stage in memory; raises SpecError on bad input, writes nothing."""
    clock = _Clock()
    prepared = prepare(options, clock)
    pkg, coverage = build(options, prepared)
    clock.lap("build")
    texts = render_package(pkg, options.templates)
    texts["_runtime.py"] = f"# {pkg.header_comment}\n" + RUNTIME_FILE.read_text(encoding="utf-8")
    texts["py.typed"] = f"# {pkg.header_comment}\n"
    clock.lap("render")
    texts = format_files(texts)
    clock.lap("format")
    files = {name: text.encode("utf-8") for name, text in sorted(texts.items())}
    files["_manifest.json"] = manifest(options, prepared.loaded.sha256, prepared.overlays, pkg.header_comment, files)
    return Result(files, coverage, clock.timings)


def manifest(options: Options, spec_sha: str, overlays: list[tuple[Path, bytes]], header: str,
             files: dict[str, bytes]) -> bytes:
    """What the output was made from, so a drift check can say why it differs."""
    data = {
        "_comment": header,
        "generator": {"name": TOOL_NAME, "version": __version__, "sha256": tree_hash(GENERATOR_DIR, ".py")},
        "spec": {"file": options.spec.name, "sha256": spec_sha},
        "overlays": [{"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()} for path, raw in overlays],
        "templates": {"sha256": sources_hash(template_sources(options.templates))},
        "formatter": {"name": "black", "version": metadata.version("black")},
        "options": {"package": options.package, "client_name": options.client_name,
                    "env_prefix": options.env_prefix, "tags": list(options.filters.tags),
                    "operations": list(options.filters.operations)},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")


def sources_hash(sources: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def tree_hash(root: Path, suffix: str) -> str:
    """sha256 over the relative paths and bytes of every `suffix` file under root, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob(f"*{suffix}") if "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
