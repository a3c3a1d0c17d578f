"""Stage 8: the command line (`oapi-pygen` or `python -m generator`)."""

from __future__ import annotations

import json
import keyword
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.config import Settings, load_settings
from generator.pipeline import Options, Result, check_spec, effective_spec, generate
from generator.problems import SpecError
from generator.write import drift, read_tree, write_package

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
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _package_options(func: F) -> F:
    decorators = [
        click.option("--package", default=None, help="Name of the generated Python package."),
        click.option("--client-name", default=None, help="Class name of the generated client."),
        click.option("--env-prefix", default=None, help="The client reads PREFIX_API_KEY and PREFIX_BASE_URL."),
        click.option("--out", "out", type=click.Path(path_type=Path), default=None,
                     help="Folder that holds the generated package. [default: generated]"),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _settings() -> Settings:
    try:
        return load_settings(PROJECT_FILE)
    except SpecError as exc:
        _fail(exc)
        raise AssertionError("unreachable") from None


def _options(spec: Path | None, overlays: tuple[Path, ...], package: str | None = None,
             client_name: str | None = None, env_prefix: str | None = None) -> Options:
    """CLI values over pyproject.toml values; configured overlays go with the configured spec only."""
    cfg = _settings()
    chosen = Options(
        spec=spec or cfg.spec,
        overlays=overlays or (cfg.overlays if spec is None else ()),
        package=package or cfg.package,
        client_name=client_name or cfg.client_name,
        env_prefix=env_prefix or cfg.env_prefix,
    )
    for value, what in ((chosen.package, "--package"), (chosen.client_name, "--client-name"),
                        (chosen.env_prefix, "--env-prefix")):
        if not value.isidentifier() or keyword.iskeyword(value):
            raise click.BadParameter(f"{value!r} is not a usable Python identifier", param_hint=what)
    return chosen


def _run(options: Options) -> Result:
    try:
        return generate(options)
    except SpecError as exc:
        _fail(exc)
        raise AssertionError("unreachable") from None


def _fail(exc: SpecError) -> None:
    for problem in exc.problems:
        click.echo(problem.render(), err=True)
    click.echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
    sys.exit(EXIT_BAD_SPEC)


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the current folder when it is inside it."""
    here = Path.cwd()
    if path.is_absolute() and path.is_relative_to(here):
        return path.relative_to(here).as_posix()
    return path.as_posix()


def _summary(verb: str, result: Result, started: float) -> str:
    return f"{verb}: {result.operations} operations, {result.models} models in {time.perf_counter() - started:.2f}s"


@click.group()
@click.version_option(package_name="oapi-pygen")
def main() -> None:
    """Generate a typed Python client from an OpenAPI spec.

    With no options, the spec, overlays and output folder come from
    `[tool.oapi-pygen]` in ./pyproject.toml.
    """


@main.command("generate")
@_spec_options
@_package_options
def generate_cmd(spec: Path | None, overlays: tuple[Path, ...], package: str | None, client_name: str | None,
                 env_prefix: str | None, out: Path | None) -> None:
    """Generate the client package into OUT (atomically)."""
    started = time.perf_counter()
    options = _options(spec, overlays, package, client_name, env_prefix)
    out = out or _settings().out
    result = _run(options)
    changed = write_package(out, options.package, result.files)
    where = _shown(out / options.package)
    click.echo(_summary("generated", result, started) + f"; {len(changed)} file(s) changed in {where}")


@main.command("check")
@_spec_options
@_package_options
def check_cmd(spec: Path | None, overlays: tuple[Path, ...], package: str | None, client_name: str | None,
              env_prefix: str | None, out: Path | None) -> None:
    """Exit 1 with a diff when OUT differs from a fresh generation."""
    started = time.perf_counter()
    options = _options(spec, overlays, package, client_name, env_prefix)
    out = out or _settings().out
    result = _run(options)
    target = out / options.package
    diff = drift(result.files, read_tree(target), _shown(target))
    if diff:
        click.echo(diff, nl=False)
        click.echo(f"drift: {_shown(target)} does not match {_shown(options.spec)}; "
                   "run `make generate` to regenerate.", err=True)
        sys.exit(EXIT_DRIFT)
    click.echo(_summary("up to date", result, started))


@main.command("validate")
@_spec_options
def validate_cmd(spec: Path | None, overlays: tuple[Path, ...]) -> None:
    """Validate the spec (with its overlays) only."""
    started = time.perf_counter()
    try:
        ops, models = check_spec(_options(spec, overlays))
    except SpecError as exc:
        _fail(exc)
        return
    click.echo(f"valid: {ops} operations, {models} models in {time.perf_counter() - started:.2f}s")


@main.command("resolve")
@_spec_options
@click.option("--output", type=click.Path(path_type=Path), required=True, help="Where to write the JSON.")
def resolve_cmd(spec: Path | None, overlays: tuple[Path, ...], output: Path) -> None:
    """Write the effective spec (overlays applied, validated) as JSON, e.g. for a mock server."""
    started = time.perf_counter()
    try:
        _, doc, _ = effective_spec(_options(spec, overlays))
    except SpecError as exc:
        _fail(exc)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    paths = doc.get("paths") or {}
    click.echo(f"resolved: {len(paths)} paths to {_shown(output)} in {time.perf_counter() - started:.2f}s")
