"""Stage 8: the command line (`oapi-pygen` or `python -m generator`)."""

from __future__ import annotations

import keyword
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.pipeline import Options, Result, check_spec, generate
from generator.problems import SpecError
from generator.write import drift, read_tree, write_package

F = TypeVar("F", bound=Callable[..., Any])
EXIT_DRIFT = 1
EXIT_BAD_SPEC = 2


def _options(func: F) -> F:
    decorators = [
        click.option("--spec", "spec", type=click.Path(path_type=Path), default=Path("spec/assistants.yaml"),
                     show_default=True, help="The OpenAPI 3.0/3.1 document (YAML or JSON)."),
        click.option("--package", default="assistants_client", show_default=True,
                     help="Name of the generated Python package."),
        click.option("--client-name", default="AssistantsClient", show_default=True,
                     help="Class name of the generated client."),
        click.option("--env-prefix", default="OPENAI", show_default=True,
                     help="The client reads PREFIX_API_KEY and PREFIX_BASE_URL."),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _out_option(func: F) -> F:
    return click.option("--out", "out", type=click.Path(path_type=Path), default=Path("generated"),
                        show_default=True, help="Folder that holds the generated package.")(func)


def _make_options(spec: Path, package: str, client_name: str, env_prefix: str) -> Options:
    for value, what in ((package, "--package"), (client_name, "--client-name"), (env_prefix, "--env-prefix")):
        if not value.isidentifier() or keyword.iskeyword(value):
            raise click.BadParameter(f"{value!r} is not a usable Python identifier", param_hint=what)
    return Options(spec=spec, package=package, client_name=client_name, env_prefix=env_prefix)


def _run(options: Options) -> Result:
    try:
        return generate(options)
    except SpecError as exc:
        _fail(exc)
    raise AssertionError("unreachable")


def _fail(exc: SpecError) -> None:
    for problem in exc.problems:
        click.echo(problem.render(), err=True)
    click.echo(f"{len(exc.problems)} problem(s); nothing was written.", err=True)
    sys.exit(EXIT_BAD_SPEC)


def _summary(verb: str, result: Result, started: float) -> str:
    return f"{verb}: {result.operations} operations, {result.models} models in {time.perf_counter() - started:.2f}s"


@click.group()
@click.version_option(package_name="oapi-pygen")
def main() -> None:
    """Generate a typed Python client from an OpenAPI spec."""


@main.command("generate")
@_options
@_out_option
def generate_cmd(spec: Path, package: str, client_name: str, env_prefix: str, out: Path) -> None:
    """Generate the client package into OUT (atomically)."""
    started = time.perf_counter()
    result = _run(_make_options(spec, package, client_name, env_prefix))
    changed = write_package(out, package, result.files)
    click.echo(_summary("generated", result, started) + f"; {len(changed)} file(s) changed in {out / package}")


@main.command("check")
@_options
@_out_option
def check_cmd(spec: Path, package: str, client_name: str, env_prefix: str, out: Path) -> None:
    """Exit 1 with a diff when OUT differs from a fresh generation."""
    started = time.perf_counter()
    result = _run(_make_options(spec, package, client_name, env_prefix))
    diff = drift(result.files, read_tree(out / package), (out / package).as_posix())
    if diff:
        click.echo(diff, nl=False)
        click.echo(f"drift: {out / package} does not match {spec}; run `make generate` to regenerate.", err=True)
        sys.exit(EXIT_DRIFT)
    click.echo(_summary("up to date", result, started))


@main.command("validate")
@click.option("--spec", "spec", type=click.Path(path_type=Path), default=Path("spec/assistants.yaml"),
              show_default=True)
def validate_cmd(spec: Path) -> None:
    """Validate the spec only."""
    started = time.perf_counter()
    try:
        ops, schemas = check_spec(Options(spec=spec))
    except SpecError as exc:
        _fail(exc)
        return
    click.echo(f"valid: {ops} operations, {schemas} models in {time.perf_counter() - started:.2f}s")
