"""How `make bench` runs what it measures: one child process at a time, timed whole (perf_counter
around it), its peak RSS from /usr/bin/time, the memory of its whole process tree sampled from
/proc; the temporary folders and cold caches every run gets; the summary of a tool's samples."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from config import BIN, REPO, TIME_BIN

LOADS: list[float] = []  # the load average at the start of every child run, for the "busy machine" note


@dataclass
class Sample:
    wall_s: float
    rss_mb: float | None  # peak RSS of the one process (/usr/bin/time %M: its largest single process)
    rc: int | None  # None when killed by the timeout
    timed_out: bool = False
    tree_rss_mb: float | None = None  # peak of the summed RSS of all its processes (sampled, see TreeSampler)
    tree_pss_mb: float | None = None  # peak of their summed PSS (sampled)
    max_procs: int | None = None  # most processes seen at once in its tree
    load1: float | None = None  # the machine's 1-minute load average when the run started

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out


class TreeSampler(threading.Thread):
    """Samples the memory of every process in one session (a child started with start_new_session, so
    the tool and any workers it forks), every 0.2 s: the summed RSS (pages shared copy-on-write after a
    fork count once per process: an upper bound) and the summed PSS (shared pages split between their
    processes: what the tree really holds). About 1-2% of one core."""

    INTERVAL = 0.2

    PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __init__(self, sid: int, exclude: int | None) -> None:
        super().__init__(daemon=True)
        self.sid, self.exclude = sid, exclude
        self.peak = 0
        self.peak_pss = 0
        self.procs = 0
        self.available = Path("/proc/self/stat").exists()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while self.available and not self._stop_event.wait(self.INTERVAL):
            self.sample()

    def sample(self) -> None:
        total = pss = count = 0
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == self.exclude:
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            fields = data[data.rfind(b")") + 2:].split()
            if len(fields) > 21 and int(fields[3]) == self.sid:
                total += int(fields[21]) * self.PAGE
                pss += self._pss(name)
                count += 1
        self.peak = max(self.peak, total)
        self.peak_pss = max(self.peak_pss, pss)
        self.procs = max(self.procs, count)

    @staticmethod
    def _pss(pid: str) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def finish(self) -> tuple[float | None, float | None, int | None]:
        self._stop_event.set()
        self.join()
        if not (self.available and self.peak):
            return None, None, None
        return self.peak / 2**20, (self.peak_pss / 2**20) or None, self.procs


@dataclass
class Finished:
    sample: Sample
    stdout: str
    stderr: str


def run_child(argv: list[str], *, env: dict[str, str], timeout: float, cwd: Path = REPO) -> Finished:
    """Run argv to completion; wall time with perf_counter, peak RSS from /usr/bin/time -f %M
    (or from os.wait4 of that child when /usr/bin/time is missing)."""
    with tempfile.TemporaryDirectory(prefix="oapi-bench-run-") as tmp:
        out_path, err_path, rss_path = Path(tmp, "out"), Path(tmp, "err"), Path(tmp, "rss")
        use_time = os.access(TIME_BIN, os.X_OK)
        cmd = [TIME_BIN, "-f", "%M", "-o", str(rss_path), *argv] if use_time else list(argv)
        rusage: list[Any] = []
        load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        timed_out = False
        rc: int | None
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            sampler = TreeSampler(proc.pid, proc.pid if use_time else None)
            sampler.start()
            # A blocking wait in a thread, not Popen.wait(timeout=...): that one polls with sleeps
            # growing to 50 ms, which added up to 50 ms to every measured run (0.10 s read as 0.16 s).
            if use_time:
                waiter = threading.Thread(target=proc.wait, daemon=True)
            else:
                waiter = threading.Thread(target=lambda: rusage.append(os.wait4(proc.pid, 0)), daemon=True)
            waiter.start()
            waiter.join(timeout)
            timed_out = waiter.is_alive()
            wall = time.perf_counter() - started
            rc = proc.returncode
            if timed_out:
                os.killpg(proc.pid, signal.SIGKILL)  # the process group we started, nothing else
                waiter.join()
                rc = None
            elif not use_time:
                _, status, _ = rusage[0]
                rc = os.waitstatus_to_exitcode(status)
                proc.returncode = rc
            tree_mb, tree_pss_mb, procs = sampler.finish()
            if load1 is not None:
                LOADS.append(load1)
        rss_mb: float | None = None
        if use_time and rss_path.exists():
            lines = [ln.strip() for ln in rss_path.read_text(errors="replace").splitlines() if ln.strip()]
            if lines and lines[-1].isdigit():
                rss_mb = int(lines[-1]) / 1024
        elif rusage:
            rss_mb = rusage[0][2].ru_maxrss / 1024
        return Finished(Sample(wall, rss_mb, rc, timed_out, tree_mb, tree_pss_mb, procs, load1),
                        out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))


class Workspace:
    """Temporary folders for outputs and caches, all under one root removed at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="oapi-bench-"))
        self._cold: Path | None = None

    def fresh(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.root))

    def cold_env(self) -> dict[str, str]:
        """A fresh, empty XDG_CACHE_HOME (and no generator cache in the repository)."""
        clear_repo_caches()
        if self._cold is not None:
            shutil.rmtree(self._cold, ignore_errors=True)
        self._cold = self.fresh("xdg-cold")
        return child_env(self._cold)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def child_env(cache_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # as if bench/.venv were activated (opc runs ruff)
    env["VIRTUAL_ENV"] = str(BIN.parent)
    env["XDG_CACHE_HOME"] = str(cache_home)
    env["NO_COLOR"] = "1"
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every tool imports from cached bytecode, as it would for a user
    for name in [n for n in env if n.startswith("OAPI_PYGEN_")]:
        env.pop(name)  # e.g. OAPI_PYGEN_CACHE_DIR would point every run at one shared cache
    return env


CACHE_HINTS = ("oapi", "pygen", "generator")


def clear_repo_caches() -> list[str]:
    """Delete any cache folder the generator keeps in the repository (<repo>/.cache/*oapi*|*pygen*|*generator*)."""
    removed = []
    cache = REPO / ".cache"
    if cache.is_dir():
        for child in cache.iterdir():
            if any(h in child.name.lower() for h in CACHE_HINTS):
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
                removed.append(str(child.relative_to(REPO)))
    return removed


def tree_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(samples: list[Sample]) -> dict[str, Any]:
    finished = [s for s in samples if not s.timed_out]
    walls = [s.wall_s for s in finished]
    rss = [s.rss_mb for s in finished if s.rss_mb is not None]
    rcs = [s.rc for s in samples]
    if not samples:
        status = "not run"
    elif any(s.timed_out for s in samples):
        status = "timeout"
    elif all(s.rc == 0 for s in samples):
        status = "ok"
    else:
        status = "exit " + "/".join(sorted({str(s.rc) for s in samples if s.rc != 0}))
    return {
        "status": status,
        "ok": status == "ok",
        "repeats": len(samples),
        "median_s": median(walls),
        "min_s": min(walls) if walls else None,
        "max_s": max(walls) if walls else None,
        "rss_median_mb": median(rss),
        "rss_max_mb": max(rss) if rss else None,
        "tree_rss_max_mb": max((s.tree_rss_mb for s in finished if s.tree_rss_mb), default=None),
        "tree_pss_max_mb": max((s.tree_pss_mb for s in finished if s.tree_pss_mb), default=None),
        "max_procs": max((s.max_procs for s in finished if s.max_procs), default=None),
        "load1_max": max((s.load1 for s in samples if s.load1 is not None), default=None),
        "exit_codes": rcs,
        "samples": [asdict(s) for s in samples],
    }


def tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])

