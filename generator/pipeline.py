"""The stages in order: load -> validate -> build -> render -> format -> files in memory."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import HEADER, cache, manifest
from generator.ir import PackageIR
from generator.isolate import Check, isolate
from generator.json_lines import json_lines
from generator.load import LoadedSpec, check_tree, load_spec, yaml_lines
from generator.options import Coverage, Options
from generator.overlay import apply_overlays
from generator.problems import Problem, SpecError, sort_problems
from generator.progress import NO_PROGRESS, Progress
from generator.render import BUILTIN_TEMPLATES, render_package, template_sources
from generator.repair import repair
from generator.runtime_files import runtime_files
from generator.scope import operation_count, select
from generator.surface import SURFACE_FILE, Surface, surface_of
from generator.validate import as_error, validate

if TYPE_CHECKING:
    from generator.concurrent import PendingValidation

GENERATOR_DIR = Path(__file__).resolve().parent
DEFAULT_TEMPLATES = BUILTIN_TEMPLATES
MANIFEST = manifest.MANIFEST


@dataclass
class Result:
    files: dict[str, bytes]  # path relative to the package folder -> bytes
    coverage: Coverage
    timings: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)  # what the manifest records as the inputs

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
    """A Scoped spec that passed validation, with what validation had to say. Under --allow-partial
    `doc` is the scoped document repaired and pruned (see `partially_valid`)."""

    warnings: list[Problem]
    scope_operations: int  # in the scoped document, before anything was pruned


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
    """Load -> overlays -> filters -> validate; every problem gets its line where the source has one."""
    spec = scoped(options)
    if clock:
        clock.lap("load")
    try:
        if partial(options):
            doc, warnings = partially_valid(spec.doc, validate)
        else:
            doc, warnings = spec.doc, validate(spec.doc, strict=options.strict)
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, spec.loaded)) from None
    if clock:
        clock.lap("validate")
    return validated(spec, warnings, doc)


def partial(options: Options) -> bool:
    """Whether invalid parts of the spec are repaired or taken out (--allow-partial; --strict wins)."""
    return options.allow_partial and not options.strict


def partially_valid(doc: dict[str, Any], check: Check, repaired: tuple[dict[str, Any], list[Problem]] | None = None,
                    errors: list[Problem] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """--allow-partial: (the document repaired (see `repair`) and without what is still invalid (see
    `isolate`), the warnings of `check` on it plus one for each repair and each part taken out).
    `repaired` and `errors`: the repairs, and the errors `check` found in them, when already known.
    Raises SpecError (its problems without lines) with the errors nothing can be taken out for."""
    doc, notes = repaired or repair(doc)
    if errors is None:
        try:
            return doc, check(doc) + notes
        except SpecError as exc:
            errors = list(exc.problems)
    doc, warnings, taken_out = isolate(doc, errors, check)
    return doc, warnings + notes + taken_out


def validated(spec: Scoped, warnings: list[Problem], doc: dict[str, Any] | None = None) -> Prepared:
    """The validated spec; `doc`: what is built instead of the scoped document (repaired and pruned)."""
    return Prepared(spec.loaded, spec.doc if doc is None else doc, spec.overlays, spec.spec_operations,
                    with_lines(warnings, spec.loaded), operation_count(spec.doc))


def with_lines(problems: Iterable[Problem], loaded: LoadedSpec) -> list[Problem]:
    """The problems, each with the line of the node it names in the YAML or JSON text (when it has that node)."""
    problems = list(problems)
    if not problems:
        return problems
    # Only pointers into the spec: an overlay's problems are at "OVERLAY#/...", which may start with "/" too.
    wanted = [p.pointer for p in problems if p.line is None and p.pointer.startswith("/") and "#/" not in p.pointer]
    find = json_lines if loaded.path.suffix.lower() == ".json" else yaml_lines
    lines = find(loaded.raw, wanted)
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
                                      layout=options.layout)
    except RecursionError:
        raise too_deep() from None
    return pkg, coverage_of(options, prepared, pkg, problems)


def too_deep() -> SpecError:
    """The last resort when the spec's nesting is within the loader's limit but its $ref chains are not."""
    return SpecError([Problem("", "the spec nests too deeply to generate (a chain of hundreds of $refs?)")])


def coverage_of(options: Options, prepared: Prepared, pkg: PackageIR, problems: list[Problem]) -> Coverage:
    """What was generated, with the build's problems: dropped items fail unless partial output is allowed."""
    problems = with_lines(problems, prepared.loaded)
    infos = [p for p in problems if p.level == "info"]
    problems = [p for p in problems if p.level != "info"]
    dropped = [p for p in problems if p.level == "error"]
    if (dropped and not options.allow_partial) or (problems and options.strict):
        raise SpecError(dropped if not options.strict else [as_error(p) for p in problems])
    warnings = prepared.warnings + [dataclasses.replace(p, level="warning") for p in problems] + infos
    return Coverage(prepared.spec_operations, prepared.scope_operations, len(pkg.operations),
                    len(pkg.models), sort_problems(warnings))


def api_surface(options: Options) -> Surface:
    """The public surface of the client `generate(options)` would write (nothing is rendered)."""
    return surface_of(build(options, prepare(options))[0])


def check_spec(options: Options) -> Coverage:
    """Load, overlay, filter, validate and build (no rendering): the coverage `generate` would report."""
    return build(options, prepare(options))[1]


def generate(options: Options, progress: Progress = NO_PROGRESS) -> Result:
    """Run every stage in memory; raises SpecError on bad input, writes nothing.

    Validation runs beside build, render and format (see `concurrent`); its verdict
    is awaited before the result is returned, so an invalid spec still yields nothing.
    Under --allow-partial the spec is repaired first, and when validation then finds
    errors, the build runs again on what is left once they are taken out.
    `progress` is told each stage and how far it is; it never changes the result.
    """
    from generator.concurrent import PendingValidation

    clock = _Clock()
    progress.stage("loading")
    spec = scoped(options)
    repaired = repair(spec.doc) if partial(options) else None
    doc = repaired[0] if repaired else spec.doc
    clock.lap("load")
    generator_sha = tree_hash(GENERATOR_DIR, ".py")
    progress.stage("validating")  # here and now, when it cannot run in a child beside the stages below
    pending = PendingValidation(doc, options.strict, generator_sha)
    made = _built(options, doc, clock, pending.running, progress)
    progress.stage("validating")  # its verdict, awaited (and under --allow-partial, what to take out)
    try:
        valid_doc, warnings = _verdict(pending, doc, repaired, lambda d: PendingValidation(
            d, options.strict, generator_sha).result())
    except SpecError as exc:
        raise SpecError(with_lines(exc.problems, spec.loaded)) from None
    clock.timings["validate"] = pending.seconds
    if valid_doc is not doc:  # parts were taken out: build what is left
        clock.lap("isolate")
        made = _built(options, valid_doc, clock, False, progress)
    if isinstance(made, RecursionError):
        raise too_deep() from None
    if isinstance(made, Exception):
        raise made
    return _result(options, spec, valid_doc, warnings, made, clock)


@dataclass
class _Made:
    """What build, render and format made of a document."""

    pkg: PackageIR
    problems: list[Problem]
    texts: dict[str, str]


def _built(options: Options, doc: dict[str, Any], clock: _Clock, beside_validation: bool,
           progress: Progress) -> _Made | Exception:
    """What build, render and format made of the document, or why they failed (an invalid spec
    explains a failed build: the caller reports validation's verdict first)."""
    # Loaded here, not at import: a `check` that finds its output current needs none of them.
    from generator.build import build_package
    from generator.format import format_files

    try:
        pkg, problems = build_package(doc, options.package, options.client_name, options.env_prefix, progress,
                                      options.layout)
        clock.lap("build")
        texts = render_package(pkg, options.templates, progress)
        clock.lap("render")
        texts = format_files(texts, beside_validation=beside_validation, progress=progress)
        clock.lap("format")
    except Exception as exc:  # noqa: BLE001 - handed to the caller, which decides after validation
        return exc
    return _Made(pkg, problems, texts)


def _verdict(pending: PendingValidation, doc: dict[str, Any], repaired: tuple[dict[str, Any], list[Problem]] | None,
             check: Check) -> tuple[dict[str, Any], list[Problem]]:
    """(the document to build, validation's warnings): `doc` when it is valid; under --allow-partial
    (`repaired`: `doc` and its repairs) the one left once what is invalid is taken out. Raises
    SpecError (its problems without lines)."""
    try:
        warnings = pending.result()
    except SpecError as exc:
        if repaired is None:
            raise
        return partially_valid(doc, check, repaired, list(exc.problems))
    return doc, warnings + (repaired[1] if repaired else [])


def _result(options: Options, spec: Scoped, doc: dict[str, Any], warnings: list[Problem], made: _Made,
            clock: _Clock) -> Result:
    lined = with_lines([*warnings, *made.problems], spec.loaded)  # one pass over the source for both
    warnings, problems = lined[:len(warnings)], lined[len(warnings):]
    prepared = validated(spec, warnings, doc)
    coverage = coverage_of(options, prepared, made.pkg, problems)
    texts = made.texts
    # The runtime modules the package uses, kept black-formatted in the repository and copied verbatim.
    texts.update(runtime_files(texts, HEADER))
    texts["py.typed"] = f"# {HEADER}\n"
    files = {name: text.encode("utf-8") for name, text in sorted(texts.items())}
    files[SURFACE_FILE] = surface_of(made.pkg).to_json(HEADER)
    recorded = manifest.inputs(options, spec.loaded.raw, spec.overlays,
                               sources_hash(template_sources(options.templates)))
    files[MANIFEST] = manifest.render(recorded, coverage, files)
    return Result(files, coverage, clock.timings, recorded)


# Every distribution whose code can shape the bytes or the verdict of a run, besides the generator
# itself: a cached result is keyed on all of their versions (the manifest records only the pinned
# formatter's; see `manifest`).
TOOLS = ("black", "jinja2", "markupsafe", "pyyaml", "jsonpath-rfc9535")
RESULT_FORMAT = "1"


def inputs_of(options: Options) -> dict[str, Any]:
    """The manifest's inputs for a run with these options (reads the spec, overlays and templates)."""
    overlays = [(path, path.read_bytes()) for path in options.overlays]
    return manifest.inputs(options, options.spec.read_bytes(), overlays,
                           sources_hash(template_sources(options.templates)))


def result_key(options: Options, recorded_inputs: dict[str, Any]) -> str:
    """A cache key over everything a run's result depends on: the inputs (content, not paths),
    --strict, the generator's code and the version of every tool it runs, and the Python."""
    from generator.validate import validator_versions

    return cache.key("result", RESULT_FORMAT, tree_hash(GENERATOR_DIR, ".py"), tool_versions(),
                     validator_versions(), sys.version, str(options.strict),
                     json.dumps(recorded_inputs, sort_keys=True))


def tool_versions() -> str:
    return cache.versions(TOOLS)


def generate_cached(options: Options, progress: Progress = NO_PROGRESS) -> Result:
    """What `generate(options)` returns, from the cache when a run with the same inputs, tools and
    generator already made it. The key is computed from the inputs themselves, never read from the
    output folder, so nothing in the tree (a forged manifest, say) can choose the result."""
    progress.stage("loading")
    try:
        expected = inputs_of(options)
    except OSError:
        return generate(options, progress)  # a file that cannot be read: let the run say which, with its place
    key = result_key(options, expected)
    hit = _unpacked(cache.get("result", key), expected)
    if hit is not None:
        return hit
    result = generate(options, progress)
    if result.inputs == expected:  # no input changed on disk while it ran
        cache.put("result", key, zlib.compress(pickle.dumps((result.files, result.coverage)), 1))
    return result


def _unpacked(entry: bytes | None, recorded_inputs: dict[str, Any]) -> Result | None:
    """A cached result; None for no entry or a damaged one (a miss, never a failure)."""
    if entry is None:
        return None
    try:
        files, coverage = pickle.loads(zlib.decompress(entry))
    except Exception:  # noqa: BLE001 - whatever a damaged entry raises
        return None
    return Result(files, coverage, {}, recorded_inputs)


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
