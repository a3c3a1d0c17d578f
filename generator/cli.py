"""Stage 8: the command line (`oapi-pygen` or `python -m generator`)."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import keyword
import math
import os
import shlex
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from generator import TOOL_NAME, manifest
from generator.config import Settings, env_prefix_of, load_settings
from generator.naming import BUILTINS, GENERATED_MODULE_NAMES
from generator.options import Coverage, Options
from generator.pipeline import (
    Result,
    api_surface,
    check_spec,
    effective_spec,
    generate_cached,
    inputs_of,
    with_lines,
)
from generator.problems import Problem, SpecError
from generator.progress import NO_PROGRESS, Progress, for_terminal
from generator.resources import GROUPINGS, Layout
from generator.scope import Filters
from generator.spec import pointer
from generator.surface import SURFACE_FILE, Surface
from generator.write import check_destination, drift, read_tree, recover, write_file, write_package

F = TypeVar("F", bound=Callable[..., Any])
EXIT_DRIFT = 1
EXIT_BAD_SPEC = 2
PROJECT_FILE = Path("pyproject.toml")


def _spec_options(func: F) -> F:
    decorators = [
        click.option("--spec", "spec", type=click.Path(path_type=Path), default=None,
                     help="The OpenAPI 3.0/3.1 document (YAML or JSON). [default: from pyproject.toml, "
                          "else spec/assistants.yaml]"),
        click.option("--overlay", "overlays", type=click.Path(path_type=Path), multiple=True,
                     help="An Overlay 1.0 document applied before validation; repeatable, in order."),
        click.option("--tag", "tags", multiple=True,
                     help="Generate only the operations with this tag (and what they reach); repeatable."),
        click.option("--operation", "operation_ids", multiple=True,
                     help="Generate only the operation with this operationId (and what it reaches); repeatable."),
        click.option("--strict", is_flag=True,
                     help="Treat warnings as errors (with --allow-partial too: nothing is repaired or dropped)."),
        click.option("--allow-partial", is_flag=True,
                     help="Generate what can be: repair deviations with one obvious meaning, drop the operations "
                          "(and replace the schemas) that are still invalid, and warn, instead of failing, when "
                          "something in scope cannot be generated; each with its pointer and line."),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _package_options(func: F) -> F:
    decorators = [
        click.option("--package", default=None, help="Name of the generated Python package."),
        click.option("--client-name", default=None, help="Class name of the generated client."),
        click.option("--env-prefix", default=None,
                     help="The prefix of the environment variables the client reads: its credentials "
                          "(PREFIX_<ARGUMENT>, one per credential argument of the spec's security schemes) "
                          "and its base URL (PREFIX_BASE_URL)."),
        click.option("--out", "out", type=click.Path(path_type=Path), default=None,
                     help="Folder that holds the generated package, or a generated package folder itself "
                          "(one with a _manifest.json, e.g. a vendored copy under another name). "
                          "[default: generated]"),
        click.option("--grouping", type=click.Choice(GROUPINGS), default=None,
                     help="Group the operations into resources by first tag, by first path segment, or not "
                          "at all (a flat client); wins over the spec's x-oapi-pygen-grouping. "
                          "[default: from pyproject.toml, else the spec's, else tags]"),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _verbose_option(func: F) -> F:
    return click.option("--verbose", "-v", is_flag=True,
                        help="Also say which backend the validator checks the spec's shape with: the compiled "
                             "jsonschema-rs or, where it is missing, pure Python (and why).")(func)


def _say_backend(verbose: bool) -> None:
    """Under --verbose, once per command: the validator's backend (it never changes what is reported)."""
    if verbose:
        from generator.validate import schema_backend

        click.echo(f"note: {schema_backend().describe()}", err=True)


def _settings() -> Settings:
    try:
        return load_settings(PROJECT_FILE)
    except SpecError as exc:
        _fail(exc)
        raise AssertionError("unreachable") from None


@dataclass(frozen=True)
class SpecArgs:
    """The spec-selecting options every command takes."""

    spec: Path | None
    overlays: tuple[Path, ...]
    tags: tuple[str, ...]
    operation_ids: tuple[str, ...]
    strict: bool
    allow_partial: bool


def _options(args: SpecArgs, package: str | None = None, client_name: str | None = None,
             env_prefix: str | None = None, grouping: str | None = None) -> Options:
    """CLI values over pyproject.toml values; configured overlays, filters and resource renames go
    with the configured spec (the renames name its resources)."""
    cfg = _settings()
    own_spec = args.spec is None
    filters = Filters(args.tags, args.operation_ids) if (args.tags or args.operation_ids) else (
        cfg.filters if own_spec else Filters())
    chosen = Options(
        spec=args.spec or cfg.spec,
        overlays=args.overlays or (cfg.overlays if own_spec else ()),
        package=package or cfg.package,
        client_name=client_name or cfg.client_name,
        # the configured prefix goes with the configured package; another one names its own
        env_prefix=env_prefix or (cfg.env_prefix if package in (None, cfg.package) else "")
        or env_prefix_of(package or cfg.package),
        templates=cfg.templates,
        filters=filters,
        layout=Layout(grouping or cfg.layout.grouping, cfg.layout.resources if own_spec else ()),
        strict=args.strict,
        allow_partial=args.allow_partial,
    )
    for value, what in ((chosen.package, "--package"), (chosen.client_name, "--client-name"),
                        (chosen.env_prefix, "--env-prefix")):
        if not value.isidentifier() or keyword.iskeyword(value):
            raise click.BadParameter(f"{value!r} is not a usable Python identifier", param_hint=what)
    taken = [name for name in (chosen.client_name, "Async" + chosen.client_name)
             if name in GENERATED_MODULE_NAMES or name in BUILTINS]
    if taken:  # the client module would define a class over a name it imports or uses
        raise click.BadParameter(f"{chosen.client_name!r} makes a class {taken[0]!r}, a name the generated "
                                 "client module already uses", param_hint="--client-name")
    return chosen


def _run(options: Options, notes: list[str] | None = None, progress: Progress = NO_PROGRESS) -> Result:
    """The generated files; a bad spec ends the command (exit 2), after any `notes` (as "note:" lines)."""
    try:
        return generate_cached(options, progress)
    except SpecError as exc:
        progress.close()  # the progress line goes before the problems are printed
        for line in notes or ():
            click.echo(f"note: {line}", err=True)
        _fail(exc)
        raise AssertionError("unreachable") from None


def _fail(exc: SpecError) -> NoReturn:
    for problem in exc.problems:
        click.echo(problem.render(), err=True)
    click.echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
    sys.exit(EXIT_BAD_SPEC)


def _refused(verb: str, exc: OSError) -> NoReturn:
    """A path the operating system refused (or that is in the way): one error naming it and the reason."""
    where = _shown(Path(os.fsdecode(exc.filename))) if exc.filename else "the output"
    _fail(SpecError([Problem("", f"cannot {verb} {where}: {exc.strerror or exc}")]))


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the current folder when it is inside it."""
    here = Path.cwd()
    if path.is_absolute() and path.is_relative_to(here):
        return path.relative_to(here).as_posix()
    return path.as_posix()


def _summary(verb: str, coverage: Coverage, started: float) -> str:
    return f"{verb}: {coverage.operations} operations, {coverage.models} models in {time.perf_counter() - started:.2f}s"


def _report(coverage: Coverage) -> None:
    """The coverage line after every run, and each warning with its pointer (on stderr)."""
    for problem in coverage.warnings:
        click.echo(problem.render(), err=True)
    click.echo(coverage.summary())


@click.group()
@click.version_option(package_name="oapi-pygen")
def main() -> None:
    """Generate a typed Python client from an OpenAPI spec.

    With no options, the spec, overlays and output folder come from
    `[tool.oapi-pygen]` in ./pyproject.toml.
    """


@dataclass(frozen=True)
class Target:
    """Where the package goes: out_dir/folder. The folder is the package name, unless --out named an
    existing generated package folder (a vendored copy may have any name)."""

    out_dir: Path
    folder: str

    @property
    def path(self) -> Path:
        return self.out_dir / self.folder


def _target(out: Path | None, options: Options, given: dict[str, str | None]) -> tuple[Target, Options]:
    """The target folder, and the options with the names its manifest recorded when --out names a
    generated package folder (names given on the command line still win)."""
    out = out or _settings().out
    if not (out / manifest.MANIFEST).is_file():
        return Target(out, options.package), options
    try:
        recorded = manifest.read(out)
        names = recorded.names() if recorded is not None else None
    except manifest.ManifestError:
        names = None
    if names is None:
        raise click.BadParameter(f"{_shown(out / manifest.MANIFEST)} is not a manifest this generator wrote",
                                 param_hint="--out")
    names.update({key: value for key, value in given.items() if value})
    return Target(out.parent, out.name), dataclasses.replace(
        options, package=names["package"], client_name=names["client_name"], env_prefix=names["env_prefix"])


def _old_surface(target: Path) -> Surface | None:
    try:
        return Surface.from_json((target / SURFACE_FILE).read_bytes())
    except (OSError, ValueError):
        return None


def _recorded(package_dir: Path) -> manifest.Recorded | None:
    """The package's manifest, or None when it has none that can be read (then there is nothing to
    compare options with; a damaged manifest shows as drift)."""
    try:
        return manifest.read(package_dir)
    except manifest.ManifestError:
        return None


def _mismatches(options: Options, recorded: manifest.Recorded | None) -> list[str]:
    if recorded is None:
        return []
    try:
        return manifest.option_mismatches(recorded, inputs_of(options))
    except OSError:
        return []  # an input that cannot be read: the run itself says which


def _regenerate_command() -> str:
    """The command that regenerates with this run's options, in the form the user ran: `make
    generate` under make in this repository, else the program as called with `generate` and the
    options given on the command line."""
    ctx = click.get_current_context()
    if os.environ.get("MAKELEVEL") and _in_this_repository():
        return "make generate"
    words = [ctx.find_root().info_name or TOOL_NAME, "generate"]
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name is None:
            continue
        if ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE:
            continue
        flag = max(param.opts, key=len)
        value = ctx.params[param.name]
        if param.is_flag:
            words += [flag] if value else []
        else:
            words += [shlex.join([flag, str(v)]) for v in (value if param.multiple else [value])]
    return " ".join(words)


def _in_this_repository() -> bool:
    """Whether the current folder is this generator's own repository (where `make generate` exists)."""
    try:
        project = tomllib.loads(PROJECT_FILE.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return False
    return Path("Makefile").is_file() and isinstance(project, dict) and project.get("name") == TOOL_NAME


@main.command("generate")
@_spec_options
@_package_options
@click.option("--quiet", "-q", is_flag=True,
              help="No progress line. (On a terminal, outside CI, a run longer than a second shows its "
                   "stage and count on stderr; the lines printed at the end are the same either way.)")
@_verbose_option
def generate_cmd(package: str | None, client_name: str | None, env_prefix: str | None, out: Path | None,
                 grouping: str | None, quiet: bool, verbose: bool, **spec_args: Any) -> None:
    """Generate the client package into OUT (atomically); say what changed for callers."""
    started = time.perf_counter()
    _say_backend(verbose)
    given = {"package": package, "client_name": client_name, "env_prefix": env_prefix}
    target, options = _target(out, _options(SpecArgs(**spec_args), package, client_name, env_prefix, grouping),
                              given)
    where = _shown(target.path)
    try:
        check_destination(target.out_dir, target.folder)  # before any work: a file in the way is refused
        recover(target.out_dir, target.folder)  # an interrupted run's leftovers go even when nothing needs writing
    except OSError as exc:
        _refused("write", exc)
    notes = [f"{where} was {line}" for line in _mismatches(options, _recorded(target.path))]
    for line in notes:
        click.echo(f"note: {line}", err=True)
    with for_terminal(sys.stderr, quiet) as progress:  # its line is cleared before anything below is printed
        result = _run(options, progress=progress)
        before = _old_surface(target.path)
        progress.stage("writing")
        try:
            changed = write_package(target.out_dir, target.folder, result.files)
        except OSError as exc:
            progress.close()
            _refused("write", exc)
    click.echo(_summary("generated", result.coverage, started) + f"; {len(changed)} file(s) changed in {where}")
    if before is not None and SURFACE_FILE in changed:
        from generator import apidiff  # only when an existing package was replaced

        after = Surface.from_json(result.files[SURFACE_FILE])
        for line in apidiff.short_summary(apidiff.compare(before, after)):
            click.echo(line)
    _report(result.coverage)


@main.command("check")
@_spec_options
@_package_options
@_verbose_option
def check_cmd(package: str | None, client_name: str | None, env_prefix: str | None, out: Path | None,
              grouping: str | None, verbose: bool, **spec_args: Any) -> None:
    """Exit 1 with a diff when OUT differs from what `generate` would write.

    The comparison is of bytes: the files on disk against a fresh generation (from the
    cache when every input, tool and the generator are unchanged); the manifest's hashes
    are never taken as proof. Run with other options than the package was generated with,
    it says which and exits 2, without reporting drift.
    """
    started = time.perf_counter()
    _say_backend(verbose)
    given = {"package": package, "client_name": client_name, "env_prefix": env_prefix}
    target, options = _target(out, _options(SpecArgs(**spec_args), package, client_name, env_prefix, grouping),
                              given)
    where = _shown(target.path)
    recorded = _recorded(target.path)
    mismatches = [f"{where} was {line}" for line in _mismatches(options, recorded)]
    result = _run(options, notes=mismatches)  # a bad spec is reported first, and as such
    if mismatches:
        for line in mismatches:
            click.echo(f"error: {line}", err=True)
        click.echo("Not compared: run check with the options the package was generated with, or regenerate "
                   f"with the new ones: `{_regenerate_command()}`.", err=True)
        sys.exit(EXIT_BAD_SPEC)
    try:
        on_disk = read_tree(target.path)
    except OSError as exc:
        _refused("read", exc)
    diff = drift(result.files, on_disk, where)
    if diff:
        click.echo(diff, nl=False)
        click.echo(f"drift: {where} does not match {_shown(options.spec)}{_why(recorded, result)}; "
                   f"regenerate with `{_regenerate_command()}`.", err=True)
        sys.exit(EXIT_DRIFT)
    click.echo(_summary("up to date", result.coverage, started))
    _report(result.coverage)


def _why(recorded: manifest.Recorded | None, result: Result) -> str:
    """Why the package differs, as far as its manifest tells."""
    if recorded is None:
        return " (it has no readable manifest)"
    changed = manifest.changed_inputs(recorded, result.inputs)
    if changed:
        return f" (changed since it was generated: {', '.join(changed)})"
    return (" (its recorded inputs are unchanged, so its files were edited after generation,"
            " or this generator writes them differently)")


@main.command("validate")
@_spec_options
@_verbose_option
def validate_cmd(verbose: bool, **spec_args: Any) -> None:
    """Validate the spec (with its overlays and filters) and check that everything in scope can be generated."""
    started = time.perf_counter()
    _say_backend(verbose)
    try:
        coverage = check_spec(_options(SpecArgs(**spec_args)))
    except SpecError as exc:
        _fail(exc)
        return
    click.echo(f"valid: {coverage.operations} operations, {coverage.models} models "
               f"in {time.perf_counter() - started:.2f}s")
    _report(coverage)


@main.command("resolve")
@_spec_options
@click.option("--output", type=click.Path(path_type=Path), required=True, help="Where to write the JSON.")
@_verbose_option
def resolve_cmd(output: Path, verbose: bool, **spec_args: Any) -> None:
    """Write the effective spec (overlays and filters applied, validated) as JSON, e.g. for a mock server."""
    started = time.perf_counter()
    _say_backend(verbose)
    try:
        loaded, doc, _ = effective_spec(_options(SpecArgs(**spec_args)))
    except SpecError as exc:
        _fail(exc)
        return
    try:
        text = json.dumps(_as_json(doc), indent=1, sort_keys=False, allow_nan=False) + "\n"
    except SpecError as exc:
        _fail(SpecError(with_lines(exc.problems, loaded)))
        return
    try:
        write_file(output, text.encode("utf-8"))
    except OSError as exc:
        _refused("write", exc)
    paths = doc.get("paths") or {}
    click.echo(f"resolved: {len(paths)} paths to {_shown(output)} in {time.perf_counter() - started:.2f}s")


def _as_json(value: Any, where: str = "") -> Any:
    """YAML's extra scalars as JSON has them: dates and times as ISO 8601 text (as JSON Schema's
    `format: date` expects), binary as base64, sets as lists; keys that are not text become text.
    NaN and infinities (YAML's `.nan`, `.inf`) have no JSON form: a SpecError at their pointer."""
    if isinstance(value, dict):
        return {_json_key(k): _as_json(v, where + pointer(str(k))) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v, f"{where}/{i}") for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError([Problem(where, f"{value} has no JSON form, and resolve writes JSON: "
                                        "give a finite number here, or leave the value out")])
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted((_as_json(v) for v in value), key=repr)
    return value


def _json_key(key: Any) -> Any:
    if isinstance(key, (datetime.date, datetime.datetime)):
        return key.isoformat()
    return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)


@main.command("diff")
@click.argument("old_spec", type=click.Path(path_type=Path))
@click.argument("new_spec", type=click.Path(path_type=Path))
@click.option("--overlay", "overlays", type=click.Path(path_type=Path), multiple=True,
              help="An Overlay 1.0 document applied to both specs before validation; repeatable, in order. "
                   "[default: the overlays pyproject.toml configures]")
@click.option("--tag", "tags", multiple=True, help="Compare only the operations with this tag; repeatable.")
@click.option("--operation", "operation_ids", multiple=True,
              help="Compare only the operation with this operationId; repeatable.")
@click.option("--allow-partial", is_flag=True,
              help="Compare what can be generated when something in scope cannot be (repairs and drops as "
                   "for generate --allow-partial).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="Markdown (for a pull-request description) or JSON.")
@click.option("--fail-on-breaking", is_flag=True, help="Exit 1 when any change breaks callers.")
@_verbose_option
def diff_cmd(old_spec: Path, new_spec: Path, overlays: tuple[Path, ...], tags: tuple[str, ...],
             operation_ids: tuple[str, ...], allow_partial: bool, fmt: str, fail_on_breaking: bool,
             verbose: bool) -> None:
    """Report what changes for callers of the generated client from OLD_SPEC to NEW_SPEC.

    Both specs go through the same overlays, filters, grouping and build as `generate` (those
    pyproject.toml configures, unless --overlay, --tag or --operation are given); the
    two clients' public surfaces (operations, arguments, models, fields, enum
    values, deprecations) are compared, and each change is classed as breaking
    or not from the caller's side.
    """
    _say_backend(verbose)
    cfg = _settings()
    # As `generate` does: the configured overlays and filters, unless the command line gives its own.
    filters = Filters(tags, operation_ids) if (tags or operation_ids) else cfg.filters
    overlays = overlays or cfg.overlays
    surfaces = []
    for spec in (old_spec, new_spec):
        options = Options(spec=spec, overlays=overlays, package=cfg.package, client_name=cfg.client_name,
                          env_prefix=cfg.env_prefix, templates=cfg.templates, filters=filters,
                          layout=cfg.layout, allow_partial=allow_partial)
        try:
            surfaces.append(api_surface(options))
        except SpecError as exc:
            click.echo(f"in {_shown(spec)}:", err=True)
            _fail(exc)
    from generator import apidiff

    changes = apidiff.compare(surfaces[0], surfaces[1])
    labels = (_shown(old_spec), _shown(new_spec))
    report = apidiff.as_json(changes, *labels) if fmt == "json" else apidiff.markdown(changes, *labels)
    click.echo(report, nl=False)
    if fail_on_breaking and any(c.breaking for c in changes):
        click.echo(f"{apidiff.counts(changes)['breaking']} breaking change(s)", err=True)
        sys.exit(EXIT_DRIFT)
