"""The corpus of real specs beside the project (../shared/corpus/specs) and how its tests
generate each one. No pytest here: tests/test_corpus.py, tests/corpus_report.py and
tests/live_check.py use it.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "specs"
SPECS = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
COVERAGE = re.compile(
    r"^coverage: (\d+)/(\d+) operations(?: \((\d+) in scope\))?, (\d+) models; warnings: (.*)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Generated:
    spec: Path
    package: str
    mode: str  # "default" or "--allow-partial"
    returncode: int
    stdout: str
    stderr: str

    @property
    def coverage(self) -> re.Match[str] | None:
        return COVERAGE.search(self.stdout)


def package_name(spec: Path) -> str:
    return "c_" + re.sub(r"\W", "_", spec.stem)


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MAKELEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def generate(spec: Path, out: Path) -> Generated:
    """By default; with --allow-partial only when the default run refuses the spec."""
    args: list[str | Path] = [
        "generate",
        "--spec",
        spec,
        "--out",
        out,
        "--package",
        package_name(spec),
        "--client-name",
        "Client",
        "--env-prefix",
        "CORPUS",
    ]
    proc = _cli(*args, cwd=out.parent)
    mode = "default"
    if proc.returncode == 2:
        proc, mode = _cli(*args, "--allow-partial", cwd=out.parent), "--allow-partial"
    return Generated(spec, package_name(spec), mode, proc.returncode, proc.stdout, proc.stderr)


MODULE_LINES = 5000  # about the most a generated module may have (issue 19), but one of a single class


def oversized_modules(package: Path) -> dict[str, int]:
    """The package's modules over MODULE_LINES lines that hold more than one class (a resource's
    sync and async twins count as one): {path: lines}."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MODULE_LINES:
            classes = {node.name.removeprefix("Async") for node in ast.parse(text).body
                       if isinstance(node, ast.ClassDef)}
            if len(classes) != 1:
                found[str(path.relative_to(package))] = lines
    return found
