"""`make bench`: how fast the generator and its client are, side by side with the peers.

A benchmark, not a test: it prints one table (each target marked met / NOT MET) and
writes bench/results/<timestamp>.json, bench/results/latest.json and
bench/results/scaling.png. It never fails on a target; it exits non-zero only when
the benchmark itself breaks. Run it with the bench environment's Python (the Makefile
target sets that up): `bench/.venv/bin/python bench/run.py`.

Sections:
1. generation: whole-process wall time and peak RSS of our CLI (cold and warm) and of
   openapi-python-client and datamodel-code-generator on the same specs, plus our
   per-phase times from in-process `generate()`;
2. scaling: the three tools on synthetic specs of growing size (bench/synth.py);
3. runtime: calls/s against a loopback server for raw httpx, our client and the
   openai SDK; parse time of a 100-message list; import time of the generated package;
4. load: AsyncAssistantsClient making many calls at once (bench/load.py, a child process)
   against the same loopback server: requests/s, errors, and the child's peak RSS;
5. startup: fresh processes that import a generated package and build its client
   (generated/assistants_client, the whole 2026 OpenAI spec, vault), next to
   `import httpx, pydantic` alone: time in the child and of the whole process, peak RSS,
   model classes created (bench/startup.py).

Environment variables (all optional):
  BENCH_REPEATS           repeats for every measurement (overrides the two below)
  BENCH_REPEATS_SMALL     repeats for small inputs (default 5)
  BENCH_REPEATS_LARGE     repeats for large inputs: the whole 2026 spec (default 3)
  BENCH_SCALING_SIZES     comma-separated schema counts (default 100,1000,5000,10000)
  BENCH_SCALING_REPEATS   repeats per scaling size (default: 3 up to 1000 schemas, 1 above)
  BENCH_TIMEOUT           seconds before one generation run is killed (default 600)
  BENCH_CALLS             sequential calls per runtime measurement (default 2000)
  BENCH_RUNTIME_REPEATS   repeats of each runtime measurement (default 3)
  BENCH_IMPORT_REPEATS    fresh processes for the import-time figures (default 15)
  BENCH_WARM_LARGE        0: skip the warm check on the whole 2026 spec (default 1)
  BENCH_LOAD_REQUESTS     calls in the load section (default 5000)
  BENCH_LOAD_CONCURRENCY  calls in flight at once in the load section (default 50)
  BENCH_STARTUP_REPEATS   fresh processes per target in the startup section (default 7)
  BENCH_SECTIONS          comma-separated subset of generation,scaling,runtime,load,startup (default all)
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))

import startup
import synth
from messages import THREAD_ID, list_body

PY = sys.executable
BIN = Path(PY).parent
CLIENT_PY = REPO / "bench" / ".venv-client" / "bin" / "python"  # only the generated client's dependencies
TIME_BIN = "/usr/bin/time"
REFERENCE = REPO.parent / "shared" / "reference"
SPEC_2026 = REFERENCE / "openai-openapi-2026-08-21.yaml"
SPEC_2024 = REFERENCE / "openai-openapi-2024-10-17.yaml"
OPC = "openapi-python-client"
DCG = "datamodel-code-generator"
TOOLS = ("ours", "opc", "dcg")
TOOL_LABEL = {"ours": "oapi-pygen (ours)", "opc": OPC, "dcg": DCG}
SECTIONS = ("generation", "scaling", "runtime", "load", "startup")
COVERAGE_RE = re.compile(r"coverage: (\d+)/(\d+) operations(?: \((\d+) in scope\))?, (\d+) models")
STARTED = time.perf_counter()


# -- configuration ------------------------------------------------------------------------------

def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(1, int(raw))
    except ValueError:
        raise SystemExit(f"{name} must be a positive integer, got {raw!r}") from None


@dataclass
class Config:
    repeats_small: int
    repeats_large: int
    scaling_sizes: list[int]
    scaling_repeats: int | None  # None: 3 up to 1000 schemas, 1 above
    timeout: int
    calls: int
    runtime_repeats: int
    import_repeats: int
    warm_large: bool
    sections: list[str]
    load_requests: int = 5000
    load_concurrency: int = 50
    startup_repeats: int = 7
    notes: list[str] = field(default_factory=list)

    def repeats_for_size(self, n: int) -> int:
        if self.scaling_repeats is not None:
            return self.scaling_repeats
        return min(3, self.repeats_large) if n <= 1000 else 1

    @classmethod
    def from_env(cls) -> Config:
        both = os.environ.get("BENCH_REPEATS", "").strip()
        small = _env_int("BENCH_REPEATS", 5) if both else _env_int("BENCH_REPEATS_SMALL", 5)
        large = _env_int("BENCH_REPEATS", 3) if both else _env_int("BENCH_REPEATS_LARGE", 3)
        sizes_raw = os.environ.get("BENCH_SCALING_SIZES", "").strip()
        try:
            sizes = sorted({int(s) for s in sizes_raw.split(",") if s.strip()}) if sizes_raw else [100, 1000, 5000, 10000]
        except ValueError:
            raise SystemExit(f"BENCH_SCALING_SIZES must be comma-separated integers, got {sizes_raw!r}") from None
        if any(n < 10 for n in sizes):
            raise SystemExit("BENCH_SCALING_SIZES: every size must be at least 10")
        sections_raw = os.environ.get("BENCH_SECTIONS", "").strip()
        sections = [s.strip() for s in sections_raw.split(",") if s.strip()] or list(SECTIONS)
        unknown = set(sections) - set(SECTIONS)
        if unknown:
            raise SystemExit(f"BENCH_SECTIONS: unknown section(s) {sorted(unknown)}")
        cfg = cls(
            repeats_small=small,
            repeats_large=large,
            scaling_sizes=sizes,
            scaling_repeats=_env_int("BENCH_SCALING_REPEATS", 1) if os.environ.get("BENCH_SCALING_REPEATS") else None,
            timeout=_env_int("BENCH_TIMEOUT", 600),
            calls=_env_int("BENCH_CALLS", 2000),
            runtime_repeats=_env_int("BENCH_RUNTIME_REPEATS", 3),
            import_repeats=_env_int("BENCH_IMPORT_REPEATS", 15),
            warm_large=os.environ.get("BENCH_WARM_LARGE", "1").strip() not in ("", "0", "false", "no"),
            sections=sections,
            load_requests=_env_int("BENCH_LOAD_REQUESTS", 5000),
            load_concurrency=_env_int("BENCH_LOAD_CONCURRENCY", 50),
            startup_repeats=_env_int("BENCH_STARTUP_REPEATS", 7),
        )
        # Say where the defaults trim the brief's "5 small / 3 large" so the run fits in ~20 minutes.
        if cfg.scaling_repeats is None and "scaling" in sections:
            cfg.notes.append("scaling: 3 repeats up to 1000 schemas, 1 above (to fit ~20 min; "
                             "BENCH_SCALING_REPEATS=N to change)")
        if not cfg.warm_large and "generation" in sections:
            cfg.notes.append("warm check on the whole 2026 spec not measured (BENCH_WARM_LARGE=0)")
        if cfg.scaling_sizes != [100, 1000, 5000, 10000]:
            cfg.notes.append(f"scaling sizes trimmed to {cfg.scaling_sizes} (BENCH_SCALING_SIZES)")
        if (small, large) != (5, 3):
            cfg.notes.append(f"repeats: {small} small / {large} large (defaults 5 / 3)")
        if sections != list(SECTIONS):
            cfg.notes.append(f"only sections {sections} (BENCH_SECTIONS)")
        if (cfg.load_requests, cfg.load_concurrency) != (5000, 50) and "load" in sections:
            cfg.notes.append(f"load: {cfg.load_requests} requests, {cfg.load_concurrency} in flight "
                             "(defaults 5000 / 50)")
        if cfg.startup_repeats != 7 and "startup" in sections:
            cfg.notes.append(f"startup: {cfg.startup_repeats} fresh processes per target (default 7)")
        return cfg


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", flush=True)


# -- running one child process --------------------------------------------------------------------

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


# -- the tools --------------------------------------------------------------------------------------

def opc_supports_meta() -> bool:
    try:
        help_text = subprocess.run([str(BIN / "openapi-python-client"), "generate", "--help"], check=False,
                                   capture_output=True,
                                   text=True, timeout=120, env=child_env(Path(tempfile.gettempdir()))).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--meta" in help_text


OPC_META: list[str] = []
LOADS: list[float] = []  # the load average at the start of every child run, for the "busy machine" note


def tool_cmd(tool: str, spec_args: list[str], peer_spec: Path | None, out: Path) -> list[str]:
    if tool == "ours":
        return [PY, "-m", "generator", "generate", *spec_args, "--out", str(out)]
    assert peer_spec is not None
    if tool == "opc":
        return [str(BIN / "openapi-python-client"), "generate", "--path", str(peer_spec),
                "--output-path", str(out / "client"), "--overwrite", *OPC_META]
    return [str(BIN / "datamodel-codegen"), "--input", str(peer_spec), "--input-file-type", "openapi",
            "--output", str(out / "models.py")]


def describe_output(tool: str, done: Finished, out: Path) -> dict[str, Any]:
    """What the tool produced (operations / models), from its output and its log."""
    text = done.stdout + "\n" + done.stderr
    if tool == "ours":
        match = COVERAGE_RE.search(done.stdout)
        if not match:
            return {"summary": "no coverage line", "dropped_operations": None}
        generated, total, scope, models = match.group(1), match.group(2), match.group(3), match.group(4)
        in_scope = int(scope or total)
        return {"summary": f"{generated}/{in_scope} ops, {models} models",
                "operations": int(generated), "in_scope": in_scope, "models": int(models),
                "dropped_operations": in_scope - int(generated), "coverage": match.group(0)}
    if tool == "opc":
        client = out / "client"
        endpoints = [p for p in (client / "api").rglob("*.py") if p.name != "__init__.py"] if client.is_dir() else []
        models = [p for p in (client / "models").glob("*.py") if p.name != "__init__.py"] if client.is_dir() else []
        skipped = text.count("Endpoint will not be generated")
        warnings = text.count("WARNING parsing")
        return {"summary": f"{len(endpoints)} endpoints, {len(models)} model files; {skipped} endpoints skipped",
                "operations": len(endpoints), "models": len(models), "dropped_operations": skipped,
                "warnings": warnings}
    files = [out / "models.py"] if (out / "models.py").is_file() else list((out / "models.py").rglob("*.py"))
    classes = sum(len(re.findall(r"^class ", f.read_text(errors="replace"), re.MULTILINE)) for f in files)
    return {"summary": f"{classes} model classes (models only)", "models": classes}


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


# -- section 1: generation ---------------------------------------------------------------------------

@dataclass
class Case:
    key: str
    label: str
    ours_args: list[str]  # spec-selecting arguments of `python -m generator generate|check`
    phase_args: list[str]  # the same for bench/phases.py
    peer_spec: Path | None
    peer_note: str
    repeats: int
    warm: bool


def resolve_spec(ws: Workspace, args: list[str], name: str) -> tuple[Path | None, str]:
    out = ws.root / name
    done = run_child([PY, "-m", "generator", "resolve", *args, "--output", str(out)],
                     env=child_env(ws.fresh("xdg-resolve")), timeout=600)
    if not done.sample.ok or not out.is_file():
        return None, f"`generator resolve` failed (exit {done.sample.rc}): {tail(done.stderr, 3)}"
    return out, ""


def generation_cases(cfg: Config, ws: Workspace) -> tuple[list[Case], list[str]]:
    notes: list[str] = []
    cases: list[Case] = []
    effective, why = resolve_spec(ws, [], "assistants-effective.json")
    cases.append(Case("assistants", "Assistants spec/ (+ overlays)", [], ["--project"], effective,
                      "peers read the effective spec (overlays applied) from `generator resolve`" if effective else why,
                      cfg.repeats_small, True))
    if SPEC_2026.is_file():
        args = ["--spec", str(SPEC_2026), "--package", "openai_client", "--client-name", "OpenAIClient"]
        cases.append(Case("openai-2026", "whole OpenAI 2026-08-21 spec", args, args, SPEC_2026,
                          "all tools read the published YAML", cfg.repeats_large, cfg.warm_large))
    else:
        notes.append(f"whole 2026 spec skipped: {SPEC_2026} is absent")
        print(f"note: {notes[-1]}", flush=True)
    if SPEC_2024.is_file():
        args = ["--spec", str(SPEC_2024), "--tag", "Assistants"]
        subset, why = resolve_spec(ws, args, "assistants-2024-subset.json")
        cases.append(Case("assistants-2024", "2024-10-17 spec, Assistants subset", args, args, subset,
                          "ours filters the whole YAML with --tag Assistants; peers read the subset "
                          "(Assistants operations and reachable components) from `generator resolve`"
                          if subset else why, cfg.repeats_small, True))
    else:
        notes.append(f"2024-10-17 Assistants subset skipped: {SPEC_2024} is absent")
        print(f"note: {notes[-1]}", flush=True)
    return cases, notes


def measure_case(case: Case, cfg: Config, ws: Workspace) -> dict[str, Any]:
    log(f"generation: {case.label} ({case.repeats} repeats)")
    samples: dict[str, list[Sample]] = {t: [] for t in TOOLS}
    outputs: dict[str, dict[str, Any]] = {}
    logs: dict[str, str] = {}
    tools = [t for t in TOOLS if t == "ours" or case.peer_spec is not None]
    for r in range(case.repeats):  # interleaved, so drift in machine load hits every tool alike
        for tool in tools:
            out = ws.fresh(f"{case.key}-{tool}")
            done = run_child(tool_cmd(tool, case.ours_args, case.peer_spec, out), env=ws.cold_env(),
                             timeout=cfg.timeout)
            samples[tool].append(done.sample)
            if r == 0 or not done.sample.ok:
                outputs[tool] = describe_output(tool, done, out)
                logs[tool] = tail(done.stdout + "\n" + done.stderr, 20)
            s = done.sample
            log(f"  {tool:4} cold {r + 1}/{case.repeats}: {s.wall_s:6.2f}s "
                f"{(s.rss_mb or 0):6.0f}MB {'timeout' if s.timed_out else f'exit {s.rc}'}")
            shutil.rmtree(out, ignore_errors=True)
    result: dict[str, Any] = {"label": case.label, "peer_spec": str(case.peer_spec) if case.peer_spec else None,
                              "peer_note": case.peer_note, "cold": {}}
    for tool in TOOLS:
        if tool in tools:
            result["cold"][tool] = {**summarize(samples[tool]), "output": outputs.get(tool, {}),
                                    "log_tail": logs.get(tool, "")}
        else:
            result["cold"][tool] = {"status": "skipped", "ok": False, "note": case.peer_note}
    result["phases"] = measure_phases(case, cfg, ws)
    result["profile"] = measure_profile(case, cfg, ws)
    result["warm"] = measure_warm(case, cfg, ws) if case.warm else {"status": "skipped"}
    return result


def measure_phases(case: Case, cfg: Config, ws: Workspace) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    errors: list[str] = []
    for _ in range(case.repeats):
        done = run_child([PY, str(BENCH / "phases.py"), *case.phase_args], env=ws.cold_env(), timeout=cfg.timeout)
        try:
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        except (IndexError, json.JSONDecodeError):
            errors.append(f"exit {done.sample.rc}: {tail(done.stderr, 5)}")
    phases: dict[str, float] = {}
    for name in dict.fromkeys(k for run in runs for k in run["timings"]):
        phases[name] = statistics.median([run["timings"].get(name, 0.0) for run in runs])
    total = median([run["total"] for run in runs])
    if runs:
        log(f"  ours phases (in-process generate(), median of {len(runs)}): "
            + ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()) + f"; total {total:.2f}s")
    return {"status": "ok" if runs and not errors else ("error" if errors else "not run"), "median_s": phases,
            "total_median_s": total, "runs": runs, "errors": errors}


def measure_profile(case: Case, cfg: Config, ws: Workspace) -> dict[str, Any]:
    """bench/stages.py once: each stage run serially under cProfile, its CPU by package (where the time goes)."""
    done = run_child([PY, str(BENCH / "stages.py"), *case.phase_args], env=ws.cold_env(), timeout=cfg.timeout)
    try:
        found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"status": f"error: exit {done.sample.rc}: {tail(done.stderr, 5)}"}
    found["status"] = "ok"
    log("  ours CPU by stage (serial, under cProfile): " + "; ".join(
        f"{name} {st['seconds']:.2f}s" for name, st in found["stages"].items()))
    return found


def profile_rows(sec: str, prof: dict[str, Any]) -> list[Row]:
    """One row per stage: its CPU under cProfile and the packages that spent most of it."""
    rows = []
    for name, st in prof.get("stages", {}).items():
        total = sum(st["by_package"].values()) or 1.0
        shares = ", ".join(f"{pkg} {100 * sec_ / total:.0f}%" for pkg, sec_ in list(st["by_package"].items())[:4])
        rows.append(Row(sec, f"  CPU, {name}", f"{st['seconds']:.2f}s: {shares}"))
    return rows


def measure_warm(case: Case, cfg: Config, ws: Workspace) -> dict[str, Any]:
    """`check` on an unchanged tree right after a `generate`, one persistent cache dir throughout."""
    cache_home = ws.fresh(f"xdg-warm-{case.key}")
    clear_repo_caches()
    env = child_env(cache_home)
    out = ws.fresh(f"{case.key}-warm")
    prime = run_child([PY, "-m", "generator", "generate", *case.ours_args, "--out", str(out)], env=env,
                      timeout=cfg.timeout)
    samples = []
    last = prime
    if prime.sample.ok:
        for r in range(case.repeats):
            last = run_child([PY, "-m", "generator", "check", *case.ours_args, "--out", str(out)], env=env,
                             timeout=cfg.timeout)
            samples.append(last.sample)
            log(f"  ours warm check {r + 1}/{case.repeats}: {last.sample.wall_s:6.2f}s "
                f"{(last.sample.rss_mb or 0):6.0f}MB exit {last.sample.rc}")
    files, size = tree_size(cache_home)
    repo_files, repo_size = tree_size(REPO / ".cache")
    summary = summarize(samples)
    summary["prime"] = asdict(prime.sample)
    summary["cache"] = {"xdg_files": files, "xdg_bytes": size, "repo_cache_files": repo_files,
                        "repo_cache_bytes": repo_size}
    if not prime.sample.ok:
        summary["status"] = f"generate before check failed (exit {prime.sample.rc})"
        summary["log_tail"] = tail(prime.stderr)
    elif not summary["ok"]:
        summary["log_tail"] = tail(last.stdout + "\n" + last.stderr)
    shutil.rmtree(out, ignore_errors=True)
    return summary


# -- section 2: scaling ----------------------------------------------------------------------------

def measure_scaling(cfg: Config, ws: Workspace) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": cfg.scaling_sizes, "tools": {t: {} for t in TOOLS}, "specs": {}}
    stop: dict[str, str] = {}  # tool -> why its larger sizes are skipped
    last: dict[str, tuple[int, float]] = {}  # tool -> (size, median seconds) of its last finished size
    for n in cfg.scaling_sizes:
        spec = synth.write_spec(n, ws.root / f"synth-{n}.json")
        ops = n // 5
        results["specs"][str(n)] = {"schemas": n, "operations": ops, "bytes": spec.stat().st_size}
        repeats = cfg.repeats_for_size(n)
        log(f"scaling: {n} schemas, {ops} operations, {spec.stat().st_size / 1e6:.1f} MB JSON ({repeats} repeats)")
        args = ["--spec", str(spec), "--package", "synth_client", "--client-name", "SynthClient"]
        active = []
        for tool in TOOLS:
            if tool in stop:
                results["tools"][tool][str(n)] = {"status": "skipped", "ok": False, "note": stop[tool]}
                log(f"  {tool:4} skipped: {stop[tool]}")
                continue
            if tool in last:
                size, seconds = last[tool]
                predicted = seconds * n / size  # linear: optimistic for anything superlinear
                if predicted > cfg.timeout:
                    note = f"predicted >= {predicted:.0f}s from {seconds:.0f}s at {size} (timeout {cfg.timeout}s)"
                    results["tools"][tool][str(n)] = {"status": "skipped", "ok": False, "note": note}
                    stop[tool] = note
                    log(f"  {tool:4} skipped: {note}")
                    continue
            active.append(tool)
        samples: dict[str, list[Sample]] = {t: [] for t in active}
        outputs: dict[str, dict[str, Any]] = {}
        logs: dict[str, str] = {}
        for r in range(repeats):
            for tool in active:
                if samples[tool] and samples[tool][-1].timed_out:
                    continue  # one timeout is the answer
                out = ws.fresh(f"synth-{n}-{tool}")
                done = run_child(tool_cmd(tool, args, spec, out), env=ws.cold_env(), timeout=cfg.timeout)
                samples[tool].append(done.sample)
                if r == 0 or not done.sample.ok:
                    outputs[tool] = describe_output(tool, done, out)
                    logs[tool] = tail(done.stdout + "\n" + done.stderr, 12)
                s = done.sample
                log(f"  {tool:4} {r + 1}/{repeats}: {s.wall_s:7.2f}s {(s.rss_mb or 0):6.0f}MB "
                    f"{'timeout' if s.timed_out else f'exit {s.rc}'}")
                shutil.rmtree(out, ignore_errors=True)
        for tool in active:
            summary = {**summarize(samples[tool]), "output": outputs.get(tool, {})}
            if not summary["ok"]:
                summary["log_tail"] = logs.get(tool, "")
            results["tools"][tool][str(n)] = summary
            if summary["status"] == "timeout":
                stop[tool] = f"timed out at {n} schemas"
            elif summary["median_s"] is not None:
                last[tool] = (n, summary["median_s"])
    ours = results["tools"]["ours"]
    t1k, t10k = ours.get("1000", {}), ours.get("10000", {})
    results["ours_10k_over_1k"] = (t10k["median_s"] / t1k["median_s"]
                                   if t1k.get("ok") and t10k.get("ok") else None)
    return results


def plot_scaling(scaling: dict[str, Any], path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"no plot: matplotlib is not importable ({exc})"
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 5))
    for tool, marker in zip(TOOLS, "osd"):
        by_size = scaling["tools"][tool]
        points = [(int(n), r) for n, r in by_size.items() if r.get("median_s") is not None and r.get("ok")]
        if points:
            ax_t.plot([n for n, _ in points], [r["median_s"] for _, r in points], marker=marker,
                      label=TOOL_LABEL[tool])
            mem = [(n, r["rss_max_mb"]) for n, r in points if r.get("rss_max_mb")]
            line = ax_m.plot([n for n, _ in mem], [m for _, m in mem], marker=marker,
                             label=f"{TOOL_LABEL[tool]}, largest process")[0]
            tree = [(n, r["tree_pss_max_mb"]) for n, r in points
                    if (r.get("max_procs") or 0) > 1 and r.get("tree_pss_max_mb")]
            if tree:
                ax_m.plot([n for n, _ in tree], [m for _, m in tree], marker=marker, linestyle="--",
                          color=line.get_color(), alpha=0.6, label=f"{TOOL_LABEL[tool]}, process tree PSS")
        for n, r in by_size.items():
            if r.get("status") in ("timeout", "skipped") or (r.get("status", "").startswith("exit")):
                ax_t.annotate(f"{tool}: {r['status']}", (int(n), max(1.0, float(r.get("max_s") or 1.0))),
                              fontsize=7, rotation=20)
    for ax, title, unit in ((ax_t, "generation time vs schema count", "wall time (s, median)"),
                            (ax_m, "peak memory vs schema count", "peak RSS / PSS (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("schemas (operations = schemas / 5)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"bench/synth.py specs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# -- section 3: runtime --------------------------------------------------------------------------

class Server:
    """bench/server.py in its own process; stops when we close its stdin."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([PY, str(BENCH / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=REPO)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"bench/server.py did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=5)


def per_second(fn: Callable[[], Any], calls: int) -> float:
    gc.collect()
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - started)


def per_call_ms(fn: Callable[[], Any], batches: int = 15, batch_s: float = 0.05) -> float:
    """Median over batches of the mean time of one call, in ms (timeit-style)."""
    fn()
    k, elapsed = 1, 0.0
    while True:  # calibrate: calls per batch so that one batch takes about batch_s
        started = time.perf_counter()
        for _ in range(k):
            fn()
        elapsed = time.perf_counter() - started
        if elapsed >= batch_s or k >= 1 << 20:
            break
        k *= 2
    gc.collect()
    times = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(k):
            fn()
        times.append((time.perf_counter() - started) / k)
    return statistics.median(times) * 1000


def measure_runtime(cfg: Config) -> dict[str, Any]:
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the SDK's beta.threads is deprecated
    sys.path.insert(0, str(REPO / "generated"))
    import httpx
    from assistants_client import AssistantsClient
    from assistants_client.models import ListMessagesResponse

    result: dict[str, Any] = {"calls": cfg.calls, "repeats": cfg.runtime_repeats, "throughput": {}, "parse": {},
                              "import": {}, "notes": []}
    sdk: Any = None
    try:
        import openai

        sdk = openai
        result["openai_http"] = "httpx2" if "httpx2" in sys.modules else "httpx"
    except ImportError as exc:
        result["notes"].append(f"openai SDK not importable ({exc}): its figures are skipped")

    server = Server()
    clients: list[Any] = []
    try:
        base = server.base_url
        path = f"/v1/threads/{THREAD_ID}/messages"
        raw = httpx.Client(base_url=base, timeout=30)
        ours = AssistantsClient(api_key="k", base_url=f"{base}/v1", max_retries=0)
        clients += [raw, ours]
        calls: dict[str, Callable[[int], Any]] = {
            "raw httpx": lambda n: raw.get(path, params={"limit": n}).json(),
            "ours": lambda n: ours.list_messages(THREAD_ID, limit=n).response,
        }
        if sdk is not None:
            oa = sdk.OpenAI(api_key="k", base_url=f"{base}/v1", max_retries=0)
            clients.append(oa)
            calls["openai SDK"] = lambda n: oa.beta.threads.messages.list(THREAD_ID, limit=n)
        for size in (1, 20):
            for name, fn in list(calls.items()):  # check each returns `size` messages, then warm up
                got = fn(size)
                items = got["data"] if isinstance(got, dict) else got.data
                if len(items) != size:
                    raise RuntimeError(f"{name} returned {len(items)} messages, expected {size}")
                for _ in range(min(200, cfg.calls)):
                    fn(size)
            rates: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(cfg.runtime_repeats):
                for name, call in calls.items():
                    rates[name].append(per_second(partial(call, size), cfg.calls))
            raw_rate = statistics.median(rates["raw httpx"])
            block = {}
            for name, values in rates.items():
                rate = statistics.median(values)
                block[name] = {"calls_per_s": rate, "ratio_to_raw": rate / raw_rate, "samples": values}
            result["throughput"][str(size)] = block
            log(f"runtime: page size {size}: " + ", ".join(
                f"{name} {b['calls_per_s']:.0f}/s ({b['ratio_to_raw']:.2f}x)" for name, b in block.items()))
    finally:
        for client in clients:
            with contextlib.suppress(Exception):  # closing is best effort
                client.close()
        server.stop()

    body = list_body(100)
    parsers: dict[str, Callable[[], Any]] = {
        "json.loads": lambda: json.loads(body),
        "ours model_validate_json": lambda: ListMessagesResponse.model_validate_json(body),
    }
    if sdk is not None:
        try:
            from openai._models import construct_type, validate_type
            from openai.pagination import SyncCursorPage
            from openai.types.beta.threads import Message

            page_type = SyncCursorPage[Message]
            constructed: Any = construct_type(type_=page_type, value=json.loads(body))
            assert len(constructed.data) == 100
            assert len(validate_type(type_=page_type, value=json.loads(body)).data) == 100
            parsers["openai SDK default: json.loads + construct"] = (
                lambda: construct_type(type_=page_type, value=json.loads(body)))
            parsers["openai SDK strict: json.loads + validate"] = (
                lambda: validate_type(type_=page_type, value=json.loads(body)))
        except Exception as exc:  # noqa: BLE001 - private SDK API; skip when it moved
            result["notes"].append(f"openai SDK parse not measured: {exc!r}")
    assert len(ListMessagesResponse.model_validate_json(body).data) == 100
    base_ms = None
    for name, parse in parsers.items():
        ms = per_call_ms(parse)
        base_ms = base_ms or ms
        result["parse"][name] = {"ms": ms, "ratio_to_json_loads": ms / base_ms}
    result["parse_body_bytes"] = len(body)
    log("runtime: parse 100 messages: " + ", ".join(
        f"{k.split(':')[0]} {v['ms']:.3f}ms ({v['ratio_to_json_loads']:.2f}x)" for k, v in result["parse"].items()))

    result["import"] = measure_imports(cfg)
    return result


IMPORT_CODE = "import assistants_client; from assistants_client import AssistantsClient"


def top_level_imports(stderr: str) -> list[tuple[str, int]]:
    """(module, cumulative µs) of each top-level entry of a `-X importtime` report."""
    found = []
    for line in stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if name.startswith(" ") and not name.startswith("  "):  # one space: not nested under another
                found.append((name.strip(), int(parts[1])))
    return found


def measure_imports(cfg: Config) -> dict[str, Any]:
    """The import measured twice: with the Python of bench/.venv-client, an environment holding only
    what the generated client needs (the `client` extra of pyproject.toml: httpx, pydantic), which is
    what the target is read from; and with the benchmark's own Python, whose environment also holds
    the peers and their dependencies (there httpx finds click, rich and pygments, and loads its
    command-line interface too)."""
    out: dict[str, Any] = {}
    if CLIENT_PY.is_file():
        out["client_env"] = measure_import(cfg, str(CLIENT_PY))
    else:
        out["client_env"] = {"status": f"skipped: {CLIENT_PY} is missing (`make bench` creates it)"}
        log(f"runtime: import in the client-only environment skipped: {CLIENT_PY} is missing")
    out["bench_env"] = measure_import(cfg, PY)
    return out


def measure_import(cfg: Config, py: str) -> dict[str, Any]:
    """What `import assistants_client; from assistants_client import AssistantsClient` costs a fresh
    process of `py`: the summed cumulative -X importtime of every top-level import the statement
    triggers (the package loads its client lazily, so `from ... import AssistantsClient` is a second
    top-level import), and, without -X importtime, the process wall time against `python -c pass`.
    Bytecode is written by a first, untimed run, as it is on a user's machine."""
    cwd = REPO / "generated"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([py, "-c", IMPORT_CODE], cwd=cwd, env=env, check=True)  # bytecode written once, not timed
    startup = {name for name, _ in top_level_imports(
        subprocess.run([py, "-X", "importtime", "-c", "pass"], check=False, cwd=cwd, env=env, capture_output=True,
                       text=True).stderr)}
    cumulative: list[float] = []
    package_only: list[float] = []
    wall_import: list[float] = []
    wall_pass: list[float] = []
    parts: dict[str, list[float]] = {}
    for _ in range(cfg.import_repeats):
        done = subprocess.run([py, "-X", "importtime", "-c", IMPORT_CODE], check=False, cwd=cwd, env=env,
                              capture_output=True, text=True)
        entries = [(n, us) for n, us in top_level_imports(done.stderr) if n not in startup]
        cumulative.append(sum(us for _, us in entries) / 1000)
        package_only += [us / 1000 for n, us in entries if n == "assistants_client"]
        for name, us in entries:
            parts.setdefault(name, []).append(us / 1000)
        for code, bucket in ((IMPORT_CODE, wall_import), ("pass", wall_pass)):
            started = time.perf_counter()
            subprocess.run([py, "-c", code], cwd=cwd, env=env, check=True)
            bucket.append((time.perf_counter() - started) * 1000)
    parts_ms = {name: statistics.median(v) for name, v in parts.items()}
    out: dict[str, Any] = {
        "importtime_ms": median(cumulative),
        "importtime_parts_ms": parts_ms,
        "package_only_ms": median(package_only),
        "process_wall_ms": median(wall_import),
        "python_startup_ms": median(wall_pass),
        "repeats": cfg.import_repeats,
        "samples": {"importtime_ms": cumulative, "process_wall_ms": wall_import, "python_startup_ms": wall_pass},
    }
    out["python"] = py
    log(f"runtime: import with {py}: {out['importtime_ms']:.1f}ms (-X importtime: " + ", ".join(
        f"{k} {v:.1f}" for k, v in parts_ms.items()) + f"); process {out['process_wall_ms']:.1f}ms "
        f"vs `python -c pass` {out['python_startup_ms']:.1f}ms")
    return out


# -- section 4: load -------------------------------------------------------------------------------

def measure_load(cfg: Config) -> dict[str, Any]:
    """bench/load.py in a child process (its peak RSS is the client's alone) against bench/server.py
    in another: `load_requests` list_messages calls, `load_concurrency` in flight."""
    server = Server()
    try:
        deadline = max(60.0, cfg.timeout - 30.0)  # the child stops itself before run_child kills it
        argv = [PY, str(BENCH / "load.py"), "--base-url", f"{server.base_url}/v1",
                "--requests", str(cfg.load_requests), "--concurrency", str(cfg.load_concurrency),
                "--deadline", str(deadline)]
        log(f"load: {cfg.load_requests} requests, {cfg.load_concurrency} in flight (async client)")
        done = run_child(argv, env=child_env(Path(tempfile.gettempdir())), timeout=cfg.timeout)
    finally:
        server.stop()
    result: dict[str, Any] = {"requests": cfg.load_requests, "concurrency": cfg.load_concurrency,
                              "sample": asdict(done.sample)}
    try:
        child = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result.update(status=f"exit {done.sample.rc}" if not done.sample.timed_out else "timeout",
                      log_tail=tail(done.stdout + "\n" + done.stderr))
        log(f"load: failed ({result['status']}): {tail(done.stderr, 3)}")
        return result
    result.update(child)
    result["status"] = "ok" if done.sample.ok and not child.get("timed_out") else "incomplete"
    # Peak RSS as the other sections measure it (/usr/bin/time), else the child's own ru_maxrss.
    result["peak_rss_mb"] = done.sample.rss_mb or child.get("peak_rss_mb")
    result["child_peak_rss_mb"] = child.get("peak_rss_mb")
    log(f"load: {child['done']} calls in {child['seconds']:.2f}s = {child['requests_per_s']:.0f} req/s, "
        f"{child['errors']} errors, peak RSS {fmt_mb(result['peak_rss_mb'])} "
        f"(RSS {fmt_mb(child.get('rss_warm_mb'))} after a tenth, {fmt_mb(child.get('rss_end_mb'))} at the end)")
    return result


# -- the report -----------------------------------------------------------------------------------

def fmt_s(value: float | None) -> str:
    return "-" if value is None else (f"{value:.2f}s" if value < 100 else f"{value:.0f}s")


def fmt_mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}MB"


def fmt_mem(summary: dict[str, Any]) -> str:
    """Peak RSS of the largest process; with the sampled sum over the process tree when it forks."""
    text = fmt_mb(summary.get("rss_max_mb"))
    if (summary.get("max_procs") or 0) > 1 and summary.get("tree_pss_max_mb"):
        text += f" (tree PSS {fmt_mb(summary['tree_pss_max_mb'])}, {summary['max_procs']} procs)"
    return text


def fmt_range(summary: dict[str, Any]) -> str:
    """The spread of the samples behind a median, when there are several."""
    if (summary.get("repeats") or 0) < 2 or summary.get("min_s") is None:
        return ""
    return f" ({summary['min_s']:.2f}-{summary['max_s']:.2f})"


PHASE_ORDER = ("load", "validate", "build", "render", "format")


def fmt_x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or not a.get("ok") or not b.get("ok") or not a.get("median_s") or not b.get("median_s"):
        return None
    return float(a["median_s"]) / float(b["median_s"])


@dataclass
class Row:
    section: str
    metric: str
    value: str
    target: str = ""
    met: bool | None = None  # None: no target, or not measurable this run

    @property
    def status(self) -> str:
        if not self.target:
            return ""
        return {True: "met", False: "NOT MET", None: "n/a"}[self.met]


def check(value: float | None, limit: float, strict_less: bool = False) -> bool | None:
    if value is None:
        return None
    return value < limit if strict_less else value <= limit


def report_rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    gen = results.get("generation", {})
    for key, case in gen.get("cases", {}).items():
        sec = f"gen: {case['label']}"
        cold = case["cold"]
        for tool in TOOLS:
            c = cold.get(tool, {})
            if c.get("status") == "skipped":
                rows.append(Row(sec, f"{TOOL_LABEL[tool]} cold", "skipped", ""))
                continue
            out = c.get("output", {}).get("summary", "")
            rows.append(Row(sec, f"{TOOL_LABEL[tool]} cold",
                            f"{fmt_s(c.get('median_s'))}{fmt_range(c)}  {fmt_mem(c)}  [{c.get('status')}] {out}"))
        ph = case.get("phases", {})
        if ph.get("median_s"):
            phases = ph["median_s"]
            names = [k for k in PHASE_ORDER if k in phases] + [k for k in phases if k not in PHASE_ORDER]
            total = ph.get("total_median_s") or 0.0
            overlap = " (phases overlap)" if sum(phases.values()) > total * 1.05 else ""
            rows.append(Row(sec, "ours phases, in-process generate()", " ".join(
                f"{k} {phases[k]:.2f}" for k in names) + f"; total {fmt_s(total)}{overlap}"))
        elif ph.get("errors"):
            rows.append(Row(sec, "ours phases, in-process generate()", f"failed: {ph['errors'][0][:70]}"))
        prof = case.get("profile", {})
        if prof.get("stages"):
            rows.append(Row(sec, "ours CPU by stage (serial, cProfile)", "where the time goes; "
                            "shares of own time by package"))
            rows += profile_rows(sec, prof)
        elif prof.get("status"):
            rows.append(Row(sec, "ours CPU by stage (serial, cProfile)", prof["status"][:80]))
        warm = case.get("warm", {})
        if warm.get("median_s") is not None or warm.get("status") not in (None, "skipped"):
            cache = warm.get("cache", {})
            rows.append(Row(sec, "ours warm check", f"{fmt_s(warm.get('median_s'))}  {fmt_mem(warm)}"
                            f"  [{warm.get('status')}] cache files: {cache.get('xdg_files', 0)} in XDG, "
                            f"{cache.get('repo_cache_files', 0)} in repo .cache"))
        r_opc = ratio(cold.get("ours"), cold.get("opc"))
        r_dcg = ratio(cold.get("ours"), cold.get("dcg"))
        r_warm = ratio(warm, cold.get("opc")) if warm.get("median_s") is not None else None
        if key == "assistants":
            rows.append(Row(sec, "ours/opc cold", fmt_x(r_opc), "<= 0.33x", check(r_opc, 1 / 3)))
            rows.append(Row(sec, "ours/dcg cold", fmt_x(r_dcg)))
            rows.append(Row(sec, "ours warm / opc cold", fmt_x(r_warm), "<= 0.15x", check(r_warm, 0.15)))
        elif key == "openai-2026":
            ours = cold.get("ours", {})
            dropped = ours.get("output", {}).get("dropped_operations") if ours.get("ok") else None
            rows.append(Row(sec, "ours/opc cold", fmt_x(r_opc), "<= 0.25x", check(r_opc, 0.25)))
            rows.append(Row(sec, "ours/dcg cold", fmt_x(r_dcg)))
            if warm.get("median_s") is not None:
                rows.append(Row(sec, "ours warm / opc cold", fmt_x(r_warm)))
            rss = ours.get("rss_max_mb")
            tree = (f"; whole tree: PSS {fmt_mb(ours.get('tree_pss_max_mb'))}, RSS sum "
                    f"{fmt_mb(ours.get('tree_rss_max_mb'))} over {ours.get('max_procs')} procs"
                    if (ours.get("max_procs") or 0) > 1 else "")
            rows.append(Row(sec, "ours peak RSS (max of runs)", f"{fmt_mb(rss)} largest process{tree}", "<= 300MB",
                            check(rss, 300)))
            rows.append(Row(sec, "ours operations dropped", "-" if dropped is None else str(dropped), "0",
                            None if dropped is None else dropped == 0))
        else:
            rows.append(Row(sec, "ours/opc cold", fmt_x(r_opc)))
            rows.append(Row(sec, "ours/dcg cold", fmt_x(r_dcg)))
            if warm.get("median_s") is not None:
                rows.append(Row(sec, "ours warm / opc cold", fmt_x(r_warm)))
    scaling = results.get("scaling")
    if scaling:
        for n in scaling["sizes"]:
            spec = scaling["specs"].get(str(n), {})
            cells = []
            for tool in TOOLS:
                r = scaling["tools"][tool].get(str(n), {})
                if r.get("ok"):
                    tree = (f" (tree PSS {fmt_mb(r['tree_pss_max_mb'])})"
                            if (r.get("max_procs") or 0) > 1 and r.get("tree_pss_max_mb") else "")
                    cells.append(f"{tool} {fmt_s(r.get('median_s'))} {fmt_mb(r.get('rss_max_mb'))}{tree}")
                else:
                    cells.append(f"{tool} {r.get('status', '-')}"
                                 + (f" after {fmt_s(r.get('max_s'))}" if r.get("status", "").startswith("exit") else ""))
            rows.append(Row("scaling", f"{n} schemas / {spec.get('operations', n // 5)} ops", "  ".join(cells)))
        r = scaling.get("ours_10k_over_1k")
        rows.append(Row("scaling", "ours time 10k / 1k", fmt_x(r), "<= 12x", check(r, 12)))
    runtime = results.get("runtime")
    if runtime:
        for size, limit in (("1", 0.85), ("20", 0.6)):
            block = runtime["throughput"].get(size, {})
            raw = block.get("raw httpx", {})
            rows.append(Row("runtime", f"raw httpx, page {size}", f"{raw.get('calls_per_s', 0):.0f} calls/s"))
            ours = block.get("ours", {})
            val = ours.get("ratio_to_raw")
            rows.append(Row("runtime", f"ours, page {size}",
                            f"{ours.get('calls_per_s', 0):.0f} calls/s = {fmt_x(val)} raw", f">= {limit}x raw",
                            None if val is None else val >= limit))
            sdk = block.get("openai SDK")
            rows.append(Row("runtime", f"openai SDK, page {size}",
                            f"{sdk['calls_per_s']:.0f} calls/s = {fmt_x(sdk['ratio_to_raw'])} raw" if sdk else "skipped"))
        for name, p in runtime["parse"].items():
            is_ours = name.startswith("ours")
            rows.append(Row("runtime", f"parse 100 msgs: {name}", f"{p['ms']:.3f}ms = {fmt_x(p['ratio_to_json_loads'])}",
                            "<= 2x json.loads" if is_ours else "",
                            check(p["ratio_to_json_loads"], 2) if is_ours else None))
        imports = runtime.get("import", {})
        for key, where, target in (("client_env", "client's deps only", True), ("bench_env", "bench venv", False)):
            imp = imports.get(key, {})
            ms = imp.get("importtime_ms")
            parts = ", ".join(f"{k} {v:.0f}" for k, v in imp.get("importtime_parts_ms", {}).items())
            rows.append(Row("runtime", f"import + AssistantsClient, {where} (-X importtime)",
                            imp.get("status", "-") if ms is None else f"{ms:.1f}ms ({parts})",
                            "< 150ms" if target else "", check(ms, 150, strict_less=True) if target else None))
            if ms is not None:
                rows.append(Row("runtime", f"process, {where}: import vs `python -c pass`",
                                f"{imp.get('process_wall_ms', 0):.1f}ms vs {imp.get('python_startup_ms', 0):.1f}ms"))
    rows += load_rows(results.get("load"))
    rows += [Row(*row) for row in startup.report(results.get("startup"))]
    return rows


def load_rows(load: dict[str, Any] | None) -> list[Row]:
    if not load:
        return []
    what = f"async client, {load['requests']} calls, {load['concurrency']} in flight"
    if "requests_per_s" not in load:
        return [Row("load", what, f"[{load.get('status')}]", "0 errors", None)]
    errors = load.get("errors")
    complete = load.get("done") == load["requests"] and load.get("status") == "ok"
    return [
        Row("load", what, f"{load['requests_per_s']:.0f} req/s ({load['seconds']:.1f}s); "
            f"peak RSS {fmt_mb(load.get('peak_rss_mb'))} (child); [{load.get('status')}]"),
        Row("load", "RSS after a tenth of the calls / at the end",
            f"{fmt_mb(load.get('rss_warm_mb'))} / {fmt_mb(load.get('rss_end_mb'))}"),
        Row("load", "errors", f"{errors} of {load.get('done')} calls", "0 errors",
            None if errors is None else (errors == 0 and complete)),
    ]


def render_table(rows: list[Row]) -> str:
    headers = ("section", "metric", "value", "target", "status")
    data = [(r.section, r.metric, r.value, r.target, r.status) for r in rows]
    widths = [max(len(h), *(len(d[i]) for d in data)) if data else len(h) for i, h in enumerate(headers)]
    widths[2] = min(widths[2], 90)
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), line]
    previous = None
    for d in data:
        cells = list(d)
        if cells[0] == previous:
            cells[0] = ""
        else:
            if previous is not None:
                out.append("")
            previous = cells[0]
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(out)


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for dist in ("oapi-pygen", OPC, DCG, "openai", "httpx", "httpx2", "pydantic", "pydantic-core", "black", "ruff",
                 "matplotlib"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    return found


def main() -> int:
    cfg = Config.from_env()
    stamp = datetime.now(UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started_utc": stamp.isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_start": os.getloadavg(), "peak_rss_method": "/usr/bin/time -f %M per child"
                    if os.access(TIME_BIN, os.X_OK) else "os.wait4 rusage per child"},
        "versions": versions(),
        "config": {k: v for k, v in asdict(cfg).items() if k != "notes"},
        "notes": list(cfg.notes),
        "errors": [],
    }
    log("versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()))
    for note in cfg.notes:
        print(f"note: {note}", flush=True)
    if OPC_META == [] and opc_supports_meta():
        OPC_META.extend(["--meta", "none"])
    ws = Workspace()
    try:
        if "generation" in cfg.sections:
            try:
                cases, notes = generation_cases(cfg, ws)
                results["notes"] += notes
                results["generation"] = {"cases": {c.key: measure_case(c, cfg, ws) for c in cases}}
            except Exception:  # noqa: BLE001 - record and go on to the other sections
                results["errors"].append("generation: " + traceback.format_exc())
                traceback.print_exc()
        if "scaling" in cfg.sections:
            try:
                results["scaling"] = measure_scaling(cfg, ws)
                problem = plot_scaling(results["scaling"], RESULTS / "scaling.png")
                if problem:
                    results["notes"].append(problem)
            except Exception:  # noqa: BLE001
                results["errors"].append("scaling: " + traceback.format_exc())
                traceback.print_exc()
        if "runtime" in cfg.sections:
            try:
                results["runtime"] = measure_runtime(cfg)
                results["notes"] += results["runtime"].pop("notes", [])
            except Exception:  # noqa: BLE001
                results["errors"].append("runtime: " + traceback.format_exc())
                traceback.print_exc()
        if "load" in cfg.sections:
            try:
                results["load"] = measure_load(cfg)
            except Exception:  # noqa: BLE001
                results["errors"].append("load: " + traceback.format_exc())
                traceback.print_exc()
        if "startup" in cfg.sections:
            try:
                python = str(CLIENT_PY) if CLIENT_PY.is_file() else PY
                if python == PY:
                    results["notes"].append(f"startup: measured with {PY}: {CLIENT_PY} is missing")
                results["startup"] = startup.measure(
                    python=python, generator_python=PY, repeats=cfg.startup_repeats, workdir=ws.fresh("startup"),
                    generator_env=child_env(ws.fresh("xdg-startup")), timeout=cfg.timeout, log=log)
                results["notes"] += results["startup"].pop("notes", [])
                LOADS.extend(results["startup"].get("loads", []))
            except Exception:  # noqa: BLE001
                results["errors"].append("startup: " + traceback.format_exc())
                traceback.print_exc()
    finally:
        ws.close()
    elapsed = time.perf_counter() - STARTED
    results["elapsed_s"] = elapsed
    results["machine"]["loadavg_end"] = os.getloadavg()
    busiest = max([results["machine"]["loadavg_start"][0], results["machine"]["loadavg_end"][0], *LOADS])
    results["machine"]["loadavg_max"] = busiest
    if busiest > (os.cpu_count() or 1):
        results["notes"].append(f"the machine was busy: 1-minute load average up to {busiest:.1f} on "
                                f"{os.cpu_count()} cores during the run; figures from that time are slower "
                                "than this code is (each sample's load is in the JSON)")
    rows = report_rows(results)
    table = render_table(rows)
    results["targets"] = [asdict(r) | {"status": r.status} for r in rows if r.target]
    results["table"] = table
    name = f"{stamp:%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(results, indent=1, default=str) + "\n"
    (RESULTS / name).write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")

    v = results["versions"]
    print()
    print(f"oapi-pygen benchmark, {stamp:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, load "
          f"{results['machine']['loadavg_start'][0]:.2f} -> {results['machine']['loadavg_end'][0]:.2f} "
          f"(max {busiest:.2f}); "
          f"medians; peak RSS per process ({results['machine']['peak_rss_method']})")
    print(f"peers: {OPC} {v[OPC]}, {DCG} {v[DCG]}, openai {v['openai']}; httpx {v['httpx']}, "
          f"pydantic {v['pydantic']}")
    print(f"repeats: {cfg.repeats_small} small / {cfg.repeats_large} large; scaling sizes {cfg.scaling_sizes}; "
          f"timeout {cfg.timeout}s; runtime {cfg.calls} calls x {cfg.runtime_repeats}; "
          f"load {cfg.load_requests} calls, {cfg.load_concurrency} in flight; "
          f"startup {cfg.startup_repeats} processes per target")
    print()
    print(table)
    print()
    for note in results["notes"]:
        print(f"note: {note}")
    met = sum(1 for r in rows if r.met is True)
    judged = sum(1 for r in rows if r.target)
    print(f"targets met: {met}/{judged}; results: {(RESULTS / name).relative_to(REPO)}, bench/results/latest.json"
          + (", bench/results/scaling.png" if "scaling" in results else "") + f"; took {elapsed / 60:.1f} min")
    if results["errors"]:
        print(f"the benchmark itself failed in {len(results['errors'])} section(s); see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
