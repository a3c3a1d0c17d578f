"""Running the real command line in a subprocess, and looking at what it left on disk.

Shared by the command-line tests (test_cli.py) and the bad-spec tests (test_bad_specs.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec" / "assistants.yaml"
PKG = "assistants_client"
ERROR_LINE = re.compile(r"^error: (?P<pointer>\S+)(?: \(line (?P<line>\d+)\))?: (?P<message>.+)$")
SUMMARY_LINE = re.compile(r"^\d+ problem\(s\); nothing was written\.$")


def run_cli(
    *args: str | Path,
    cwd: Path,
    timeout: float | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m generator ARGS`; `timeout` only guards against a hang, it is not a measurement."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def snapshot(root: Path) -> dict[str, tuple[str, bytes | None, int]]:
    """Every file and folder under root (root included): kind, bytes, st_mtime_ns."""
    found: dict[str, tuple[str, bytes | None, int]] = {".": ("dir", None, root.stat().st_mtime_ns)}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if path.is_dir():
            found[rel] = ("dir", None, st.st_mtime_ns)
        else:
            found[rel] = ("file", path.read_bytes(), st.st_mtime_ns)
    return found


def error_lines(stderr: str) -> list[re.Match[str]]:
    return [m for m in map(ERROR_LINE.match, stderr.splitlines()) if m]


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def ptr(*tokens: object) -> str:
    return "".join("/" + escape(t) for t in tokens)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Workspace:
    """The real spec, generated once into a temporary folder; tests take private copies of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec = root / "spec" / "assistants.yaml"
        self.out = root / "out"
        self.result: subprocess.CompletedProcess[str] | None = None

    @property
    def pkg(self) -> Path:
        return self.out / PKG

    def copy_to(self, dest: Path) -> tuple[Path, Path]:
        """A private copy (spec, out dir) that a test may change."""
        spec = dest / "spec" / "assistants.yaml"
        spec.parent.mkdir(parents=True)
        shutil.copy2(self.spec, spec)
        out = dest / "out"
        shutil.copytree(self.out, out, symlinks=True)
        return spec, out


def make_workspace(root: Path) -> Workspace:
    w = Workspace(root)
    w.spec.parent.mkdir(parents=True)
    shutil.copy2(SPEC, w.spec)
    w.result = run_cli("generate", "--spec", w.spec, "--out", w.out, cwd=w.root)
    assert w.result.returncode == 0, w.result.stderr
    return w
