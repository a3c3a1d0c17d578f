"""The generated package passes mypy --strict and ruff, and imports without side effects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "generated" / "assistants_client"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_mypy_strict_reports_no_errors() -> None:
    # With `deprecated` on as well: the package itself never calls what it marks deprecated, so a
    # project that vendors it and enables that error code sees only its own deprecated calls.
    result = _run("mypy", "--strict", "--enable-error-code", "deprecated", "--no-incremental", str(PACKAGE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_ruff_check_passes() -> None:
    result = _run("ruff", "check", "--no-cache", str(PACKAGE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_defines_only() -> None:
    """Importing the package must not touch the network, environment or files, or print."""
    code = (
        f"import sys; sys.path.insert(0, {str(PACKAGE.parent)!r}); import assistants_client,"
        " assistants_client.models, assistants_client.operations, assistants_client.client; print('ok')"
    )
    result = subprocess.run([sys.executable, "-X", "importtime", "-W", "error", "-c", code],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "ok\n"
    assert "httpx" in result.stderr  # the client needs httpx, and nothing the tests install
    assert "pytest" not in result.stderr


def test_every_component_schema_has_a_model() -> None:
    import yaml

    spec = yaml.load((ROOT / "spec" / "assistants.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    sys.path.insert(0, str(PACKAGE.parent))
    from assistants_client import models

    missing = [n for n in spec["components"]["schemas"] if not hasattr(models, n)]
    assert missing == []


def test_generator_itself_passes_mypy_strict_and_ruff() -> None:
    mypy = _run("mypy", "--strict", "--no-incremental", "generator")
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    ruff = _run("ruff", "check", "--no-cache", "generator", "tests")
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_generated_code_and_runtime_are_black_stable() -> None:
    """The generator formats with one black pass; black itself must find nothing left to change."""
    golden = sorted((ROOT / "tests" / "golden").glob("*/expected"))
    runtime = ROOT / "generator" / "runtime"  # copied verbatim, so kept formatted
    result = _run("black", "--check", "--quiet", "--line-length", "100", "--target-version", "py311",
                  str(PACKAGE), str(runtime), *map(str, golden))
    assert result.returncode == 0, result.stdout + result.stderr
