"""The command's entry point (`oapi-pygen`, `python -m generator`): its dependencies come first.

Run from a Python that lacks one of them, the command says which are missing and how to
install them, and exits 2, instead of failing with a traceback on the first import.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys

# (module to import, requirement as pyproject.toml states it); tests/test_launch.py keeps the two equal.
REQUIRED = (
    ("jinja2", "jinja2>=3.1"),
    ("yaml", "pyyaml>=6.0"),
    ("openapi_spec_validator", "openapi-spec-validator>=0.8.4"),
    ("black", "black==26.10.1"),
    ("click", "click>=8.1"),
    ("jsonpath_rfc9535", "jsonpath-rfc9535>=1.0"),
)
# Declared too, but never required: without it the generator validates on pure Python (see
# validate.schema_backend), and pip installs it only where it has a wheel.
OPTIONAL = ("jsonschema-rs",)
EXIT_MISSING = 2


def missing() -> list[str]:
    """The requirements whose module this Python cannot find."""
    return [requirement for module, requirement in REQUIRED if importlib.util.find_spec(module) is None]


def main() -> None:
    lacking = missing()
    if lacking:
        install = shlex.join([sys.executable, "-m", "pip", "install", *lacking])
        sys.stderr.write(
            f"error: oapi-pygen needs {', '.join(lacking)}, which this Python ({sys.executable}) cannot import.\n"
            f"Install them with:\n  {install}\n"
            "or install the generator with its dependencies: pip install oapi-pygen (or `pip install .` "
            "in its repository).\n")
        sys.exit(EXIT_MISSING)
    from generator.cli import main as cli

    cli()
