"""The command's entry point: run from a Python without the generator's dependencies, it says
what is missing and how to install it, and exits 2, with no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from generator import launch

ROOT = Path(__file__).resolve().parents[1]


def test_the_launcher_checks_exactly_the_declared_dependencies() -> None:
    """Every declared dependency is checked, but those the generator does without (launch.OPTIONAL)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    optional = [r for r in declared if re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0] in launch.OPTIONAL]
    assert len(optional) == len(launch.OPTIONAL)
    assert sorted(requirement for _, requirement in launch.REQUIRED) == sorted(set(declared) - set(optional))


def test_both_entry_points_start_at_the_launcher() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"oapi-pygen": "generator.launch:main"}
    assert "from generator.launch import main" in (ROOT / "generator" / "__main__.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", [["-m", "generator", "check"], ["-c", "from generator.launch import main; main()"]])
def test_without_its_dependencies_the_cli_says_what_is_missing(entry: list[str]) -> None:
    """`python -S` has no site-packages: none of the dependencies can be imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-S", *entry], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    for _, requirement in launch.REQUIRED:
        assert requirement in proc.stderr
    assert re.search(r"-m pip install .*'jinja2>=3\.1'.* black==26\.10\.1 ", proc.stderr), proc.stderr


def test_with_one_missing_only_that_one_is_named(tmp_path: Path) -> None:
    """A `click` that cannot be found (a folder that shadows nothing): the message names only click."""
    script = ("import importlib.util, sys\n"
              "real = importlib.util.find_spec\n"
              "importlib.util.find_spec = lambda name, *a: None if name == 'click' else real(name, *a)\n"
              "from generator.launch import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert "needs click>=8.1," in proc.stderr and "black" not in proc.stderr.split("Install")[0]
