"""SIGKILL while the package is being written: it is wholly old or wholly new, and the next run recovers.

The generator runs as a real process on the real spec, in an out folder holding the
package generated from a slightly different spec (so every file changes). It is killed
at every step of the write: after each file is written and synced to the staging
folder, after the staging folder is synced, after the atomic swap, before each
folder removal. A small launcher (LAUNCHER) reports each step and stops at the chosen
one until it is killed; the generator's own code is not changed for the test. A few
runs of plain `python -m generator generate` are also killed after increasing delays.

After each kill the package must be byte-identical to the old tree or to the new one,
never a mix and never missing; then a plain run must leave exactly the new tree and
no hidden staging folder. The same steps are also killed with the atomic exchange
(Linux renameat2) unavailable, where write.py parks the old folder and renames the new
one in: there the guarantee holds once `recover()`, the first thing every run does,
has put a parked folder back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.write import read_tree, recover
from tests.cli_support import PKG, REPO, Workspace, run_cli

HANG_GUARD = 300  # seconds; only so that a hang fails instead of blocking the suite
Trees = tuple[Path, Path, dict[str, bytes], dict[str, bytes]]  # new spec, old out folder, old files, new files

# Runs the real command line with the write steps reported on stderr; with KILL_AT=n it
# stops at the n-th step (and prints READY) until it is killed.
LAUNCHER = r"""
import os, shutil, sys, time
from pathlib import Path
import generator.write as write

kill_at, steps = int(os.environ["KILL_AT"]), []

def step(label):
    steps.append(label)
    print(f"STEP {len(steps)} {label}", file=sys.stderr, flush=True)
    if len(steps) == kill_at:
        print("READY", file=sys.stderr, flush=True)
        time.sleep(3600)

def fsync(fd, _real=os.fsync):
    _real(fd)
    step("synced")

def exchange(a, b, _real=write._exchange):
    if os.environ.get("NO_EXCHANGE"):  # as on a system without renameat2: park the old tree, then rename
        return False
    swapped = _real(a, b)
    step("swapped")
    return swapped

def rename(src, dst, _real=os.rename):
    _real(src, dst)
    step("renamed")

def rmtree(path, *args, _real=shutil.rmtree, **kwargs):
    if Path(path).exists():
        step("removing " + Path(path).name.split("-")[0])
    return _real(path, *args, **kwargs)

write.os.fsync, write.os.rename, write._exchange, write.shutil.rmtree = fsync, rename, exchange, rmtree
from generator.cli import main
main(sys.argv[1:], prog_name="generator")
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _launch(spec: Path, out: Path, kill_at: int, exchange: bool = True) -> subprocess.Popen[str]:
    env = {**_env(), "KILL_AT": str(kill_at)} | ({} if exchange else {"NO_EXCHANGE": "1"})
    return subprocess.Popen([sys.executable, "-c", LAUNCHER, "generate", "--spec", str(spec), "--out", str(out)],
                            cwd=out.parent, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def _wait_ready(proc: subprocess.Popen[str]) -> list[str]:
    """The steps the process reported before stopping; [] if it finished without stopping."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        if line.startswith("READY"):
            return seen
        seen.append(line.rstrip("\n"))
    proc.wait(timeout=HANG_GUARD)
    return []


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name != PKG)


@pytest.fixture(scope="module")
def trees(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Trees:
    """(new spec, folder with the old package, old files, new files); every file that depends on the
    spec differs between the two."""
    root = tmp_path_factory.mktemp("killed")
    spec = root / "spec" / "assistants.yaml"
    spec.parent.mkdir()
    text = ws.spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("paths:\n", "paths:\n  # changed for the kill test\n", 1)
                    .replace("title: ", "title: Changed ", 1), encoding="utf-8")
    new_out = root / "new"
    proc = run_cli("generate", "--spec", spec, "--out", new_out, cwd=root, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    old, new = read_tree(ws.pkg), read_tree(new_out / PKG)
    # Every file changes but the two that are the same for every spec and the surface, which a
    # changed title leaves alone (they are hard-linked into the new tree, not written).
    assert set(old) == set(new)
    assert {n for n in old if old[n] == new[n]} == {n for n in old if n.startswith("_runtime/")} | {"py.typed",
                                                                                         "_surface.json"}
    return spec, ws.out, old, new


def _attempt(trees: Trees, folder: Path, kill_at: int, exchange: bool) -> tuple[str, list[str]]:
    """Kill a run at step `kill_at`; check the tree; return (which tree was there, steps seen).

    Without the atomic exchange there is a moment with no package folder (the old one parked
    beside it); the next run's first act, recover(), puts it back, so that is checked after it.
    """
    spec, old_out, old, new = trees
    out = folder / "out"
    shutil.copytree(old_out, out)
    proc = _launch(spec, out, kill_at, exchange)
    steps = _wait_ready(proc)
    proc.kill()
    proc.wait(timeout=HANG_GUARD)
    if not exchange:
        recover(out, PKG)
    return _which(out, old, new), steps


def _which(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    assert (out / PKG).is_dir(), "the package folder must never be missing"
    found = read_tree(out / PKG)
    assert found in (old, new), f"a mix of old and new files: {sorted(n for n in found if found[n] != old.get(n))}"
    return "old" if found == old else "new"


def _recovers(spec: Path, out: Path, new: dict[str, bytes]) -> None:
    proc = run_cli("generate", "--spec", spec, "--out", out, cwd=out.parent, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    assert read_tree(out / PKG) == new
    assert _leftovers(out) == [], "the next run must remove what the killed one left"


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "without-renameat2"])
def test_killed_at_every_write_step(trees: Trees, tmp_path: Path, exchange: bool) -> None:
    spec, old_out, old, new = trees
    # A run that is never stopped lists the steps, and shows that the launcher changes nothing.
    listing = tmp_path / "listing"
    shutil.copytree(old_out, listing / "out")
    _, stderr = _launch(spec, listing / "out", 0, exchange).communicate(timeout=HANG_GUARD)
    assert read_tree(listing / "out" / PKG) == new and _leftovers(listing / "out") == []
    labels = re.findall(r"^STEP \d+ (.+)$", stderr, flags=re.MULTILINE)
    written = [name for name in new if old.get(name) != new[name]]  # the others are hard-linked
    assert labels.count("synced") > len(written), labels  # every file written, then the folders
    # the step after which the new tree is in place
    switch = labels.index("swapped") + 1 if exchange else [i for i, x in enumerate(labels) if x == "renamed"][1] + 1

    outcomes = {}
    for k, label in enumerate(labels, start=1):
        which, seen = _attempt(trees, tmp_path / f"k{k}", k, exchange)
        assert len(seen) == k and seen[-1] == f"STEP {k} {label}", (k, seen)
        outcomes[k] = (label, which)
        _recovers(spec, tmp_path / f"k{k}" / "out", new)
    assert all(which == "old" for k, (_, which) in outcomes.items() if k < switch), outcomes
    assert all(which == "new" for k, (_, which) in outcomes.items() if k >= switch), outcomes


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_killed_after_a_delay(trees: Trees, tmp_path: Path, delay: float) -> None:
    """Plain `python -m generator generate`, killed wherever it happens to be after `delay` seconds."""
    spec, old_out, old, new = trees
    out = tmp_path / "out"
    shutil.copytree(old_out, out)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(out)],
                            cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=HANG_GUARD)
    _which(out, old, new)
    _recovers(spec, out, new)
