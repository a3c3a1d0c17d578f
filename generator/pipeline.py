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
from generator.ir import PackageIR
from generator.load import LoadedSpec, check_tree, load_spec, yaml_lines
from generator.overlay import apply_overlays
from generator.problems import Problem, SpecError, sort_problems
from generator.render import BUILTIN_TEMPLATES, render_package, template_sources
from generator.scope import NO_FILTERS, Filters, operation_count, select
from generator.surface import SURFACE_FILE, Surface, surface_of
from generator.validate import as_error, validate
from generator.write import read_tree

GENERATOR_DIR = Path(__file__).resolve().parent
DEFAULT_TEMPLATES = BUILTIN_TEMPLATES
RUNTIME_FILE = GENERATOR_DIR / "runtime" / "_runtime.py"
MANIFEST = "_manifest.json"


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
    recorded: bool = False  # read back from a manifest: warning counts, not the warnings themselves

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
class Scoped:
    """The spec loaded, overlaid and filtered: what validation and the build work on."""

    loaded: LoadedSpec
    doc: dict[str, Any]
    overlays: list[tuple[Path, bytes]]
    spec_operations: int


@dataclass(frozen=True)
class Prepared(Scoped):
    """A Scoped spec that passed validation, with what validation had to say."""

    warnings: list[Problem]


def scoped(options: Options) -> Scoped:
    loaded = load_spec(options.spec)
    try:
        overlays = [(path, read_overlay(path)) for path in options.overlays]
        full = apply_overlays(loaded.doc, overlays)
        problem = check_tree(full, {}) if overlays else None  # an overlay can nest the spec deeper
        if problem is not None:
            raise SpecError([problem])
        return Scoped(loaded, select(full, options.filters), overlays, operation_count(full))
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, loaded)) from None


def prepare(options: Options, clock: _Clock | None = None) -> Prepared:
    """Load -> overlays -> filters -> validate; every problem gets its line where the YAML has one."""
    spec = scoped(options)
    if clock:
        clock.lap("load")
    try:
        warnings = validate(spec.doc, strict=options.strict)
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, spec.loaded)) from None
    if clock:
        clock.lap("validate")
    return validated(spec, warnings)


def validated(spec: Scoped, warnings: list[Problem]) -> Prepared:
    return Prepared(spec.loaded, spec.doc, spec.overlays, spec.spec_operations, with_lines(warnings, spec.loaded))


def with_lines(problems: Iterable[Problem], loaded: LoadedSpec) -> list[Problem]:
    """The problems, each with the YAML line of the node it names (when the source has that node)."""
    problems = list(problems)
    if loaded.path.suffix.lower() == ".json" or not problems:
        return problems
    # Only pointers into the spec: an overlay's problems are at "OVERLAY#/...", which may start with "/" too.
    lines = yaml_lines(loaded.raw, [p.pointer for p in problems
                                    if p.line is None and p.pointer.startswith("/") and "#/" not in p.pointer])
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
    from generator.build import build_package

    try:
        pkg, problems = build_package(prepared.doc, options.package, options.client_name, options.env_prefix,
                                      prepared.loaded.sha256)
    except RecursionError:
        raise too_deep() from None
    return pkg, coverage_of(options, prepared, pkg, problems)


def too_deep() -> SpecError:
    """The last resort when the spec's nesting is within the loader's limit but its $ref chains are not."""
    return SpecError([Problem("", "the spec nests too deeply to generate (a chain of hundreds of $refs?)")])


def coverage_of(options: Options, prepared: Prepared, pkg: PackageIR, problems: list[Problem]) -> Coverage:
    """What was generated, with the build's problems: dropped items fail unless partial output is allowed."""
    problems = with_lines(problems, prepared.loaded)
    dropped = [p for p in problems if p.level == "error"]
    if (dropped and not options.allow_partial) or (problems and options.strict):
        raise SpecError(dropped if not options.strict else [as_error(p) for p in problems])
    warnings = prepared.warnings + [dataclasses.replace(p, level="warning") for p in problems]
    return Coverage(prepared.spec_operations, operation_count(prepared.doc), len(pkg.operations),
                    len(pkg.models), sort_problems(warnings))


def api_surface(options: Options) -> Surface:
    """The public surface of the client `generate(options)` would write (nothing is rendered)."""
    return surface_of(build(options, prepare(options))[0])


def check_spec(options: Options) -> Coverage:
    """Load, overlay, filter, validate and build (no rendering): the coverage `generate` would report."""
    return build(options, prepare(options))[1]


def generate(options: Options) -> Result:
    """Run every stage in memory; raises SpecError on bad input, writes nothing.

    Validation runs beside build, render and format (see `concurrent`); its verdict
    is awaited before the result is returned, so an invalid spec still yields nothing.
    """
    # Loaded here, not at import: a `check` that finds its output current needs none of them.
    from generator.build import build_package
    from generator.concurrent import PendingValidation
    from generator.format import format_files

    clock = _Clock()
    spec = scoped(options)
    clock.lap("load")
    pending = PendingValidation(spec.doc, options.strict, tree_hash(GENERATOR_DIR, ".py"))
    try:
        pkg, problems = build_package(spec.doc, options.package, options.client_name, options.env_prefix,
                                      spec.loaded.sha256)
        clock.lap("build")
        texts = render_package(pkg, options.templates)
        clock.lap("render")
        texts = format_files(texts, beside_validation=pending.running)
        clock.lap("format")
    except Exception as exc:
        try:
            pending.result()  # an invalid spec explains a failed build: report that instead
        except SpecError as invalid:
            raise SpecError(with_lines(invalid.problems, spec.loaded)) from None
        if isinstance(exc, RecursionError):
            raise too_deep() from None
        raise
    try:
        warnings = pending.result()
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, spec.loaded)) from None
    clock.timings["validate"] = pending.seconds
    lined = with_lines([*warnings, *problems], spec.loaded)  # one pass over the YAML for both
    warnings, problems = lined[:len(warnings)], lined[len(warnings):]
    prepared = validated(spec, warnings)
    coverage = coverage_of(options, prepared, pkg, problems)
    # The runtime is kept black-formatted in the repository and copied verbatim.
    texts["_runtime.py"] = f"# {pkg.header_comment}\n" + RUNTIME_FILE.read_text(encoding="utf-8")
    texts["py.typed"] = f"# {pkg.header_comment}\n"
    files = {name: text.encode("utf-8") for name, text in sorted(texts.items())}
    files[SURFACE_FILE] = surface_of(pkg).to_json(pkg.header_comment)
    files[MANIFEST] = manifest(options, spec.loaded.raw, spec.overlays, pkg.header_comment, coverage, files)
    return Result(files, coverage, clock.timings)


TOOLCHAIN = ("black", "jinja2", "pyyaml", "openapi-spec-validator", "jsonpath-rfc9535")


def fingerprint(options: Options, spec_raw: bytes, overlays: list[tuple[Path, bytes]]) -> dict[str, Any]:
    """Everything the output depends on: equal fingerprints mean byte-identical output."""
    return {
        "generator": {"name": TOOL_NAME, "version": __version__, "sha256": tree_hash(GENERATOR_DIR, ".py")},
        "spec": {"file": options.spec.name, "sha256": hashlib.sha256(spec_raw).hexdigest()},
        "overlays": [{"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()} for path, raw in overlays],
        "templates": {"sha256": sources_hash(template_sources(options.templates))},
        "toolchain": {name: metadata.version(name) for name in TOOLCHAIN},
        "options": {"package": options.package, "client_name": options.client_name,
                    "env_prefix": options.env_prefix, "tags": list(options.filters.tags),
                    "operations": list(options.filters.operations), "allow_partial": options.allow_partial},
    }


def manifest(options: Options, raw: bytes, overlays: list[tuple[Path, bytes]], header: str,
             coverage: Coverage, files: dict[str, bytes]) -> bytes:
    """What the output was made from (so a drift check can say why it differs, or that it cannot)."""
    data = {
        "_comment": header,
        "inputs": fingerprint(options, raw, overlays),
        "coverage": {
            "spec_operations": coverage.spec_operations, "scope_operations": coverage.scope_operations,
            "operations": coverage.operations, "models": coverage.models,
            # Counts only: where openapi-spec-validator reports a finding that several identical
            # schemas share can vary between runs, and the manifest must not.
            "warnings": dict(sorted(Counter(p.kind for p in coverage.warnings).items())),
        },
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")


def up_to_date(options: Options, target: Path) -> Coverage | None:
    """The recorded coverage when `target` is exactly what `generate(options)` would write, else None.

    The manifest's fingerprint covers every input (spec, overlays, templates, generator,
    tool versions, options) and its file hashes are checked against the files on disk,
    so a match proves the output current without generating it again.
    """
    try:
        recorded = json.loads((target / MANIFEST).read_bytes())
        overlays = [(path, path.read_bytes()) for path in options.overlays]
        current = fingerprint(options, options.spec.read_bytes(), overlays)
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict) or recorded.get("inputs") != current:
        return None
    on_disk = read_tree(target)
    files = recorded.get("files") or {}
    if set(on_disk) != set(files) | {MANIFEST}:
        return None
    if any(hashlib.sha256(data).hexdigest() != files.get(name) for name, data in on_disk.items() if name != MANIFEST):
        return None
    cov = recorded["coverage"]
    warnings = tuple(Problem("", "recorded by the last full run", "warning", kind=kind)
                     for kind, n in cov["warnings"].items() for _ in range(n))
    return Coverage(cov["spec_operations"], cov["scope_operations"], cov["operations"], cov["models"], warnings,
                    recorded=True)


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
