"""The startup section of `make bench`: what a fresh Python process pays to import a generated
client package and build its client, side by side with what httpx and pydantic cost alone.

Measured, in one run, each in fresh processes of the same Python (bench/.venv-client's when
it exists: only the generated client's dependencies, httpx and pydantic, are installed there):

- `python -c pass`: the interpreter's own start, subtracted from every whole-process time;
- the floor: `import httpx, pydantic` alone;
- `import <package>; <package>.<Client>(base_url="http://127.0.0.1:9", <credentials>)` for
  generated/assistants_client, the whole 2026 OpenAI spec and vault (both generated first
  into a temporary folder with `python -m generator generate`; each skipped with a note when
  its spec under ../shared is absent). The credentials are the constructor arguments the
  generated client.py declares for its spec's securitySchemes (its SECURITY_SCHEMES), each
  given a dummy value; a spec without security schemes gets none. The address is never
  contacted.

Two runs per target and round, interleaved target by target so that drift in the machine's
load hits every target alike:

- a plain run of just the statement, timed whole by the parent (perf_counter around the
  child, a blocking wait);
- an instrumented run: perf_counter around the statement inside the child; then, outside the
  timed part, the child's peak RSS (VmHWM of /proc/self/status), the BaseModel subclasses
  alive (walked recursively from pydantic.BaseModel, when pydantic.main was loaded at all),
  how many of them come from the package and the modules loaded.

Peak RSS is VmHWM, not ru_maxrss: a child's ru_maxrss (getrusage(RUSAGE_CHILDREN), os.wait4,
or its own RUSAGE_SELF) starts from the RSS of the process it was forked from, so every child
of this benchmark would read at least the benchmark's own RSS; VmHWM belongs to the memory of
the program exec'd. Where /proc is missing, ru_maxrss is used, and the JSON says so.

A first, untimed run of each target writes the bytecode, as on a user's machine after the
first import; for a generated package it also reads the credentials and counts the model
classes the package defines (every module but _runtime imported). Figures are medians; the
targets (import + construct in the child: whole OpenAI spec and vault <= 0.15 s, Assistants
<= 0.13 s; peak RSS: whole OpenAI spec and vault <= 60 MB) are reported as met / NOT MET,
never enforced.

run.py calls measure(); report.py turns report()'s tuples into rows of its table.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
SPEC_2026 = SHARED / "reference" / "openai-openapi-2026-08-21.yaml"
SPEC_VAULT = SHARED / "corpus" / "specs" / "vault.json"
BASE_URL = "http://127.0.0.1:9"  # the discard port: never contacted, building a client sends nothing
DUMMY_CREDENTIAL = "bench-credential"
CHILD_TIMEOUT = 300.0  # seconds for one measured child; a hang is a broken benchmark, not a figure
PASS = "pass"
FLOOR = "floor"
FLOOR_LABEL = "httpx+pydantic"


@dataclass
class Target:
    key: str
    label: str
    folder: Path  # the child's working directory: the folder holding the package
    package: str | None = None  # None: `pass` or the floor
    client: str | None = None
    time_target_s: float | None = None
    rss_target_mb: float | None = None
    spec: Path | None = None  # generated from this spec first; None: already generated
    credentials: list[str] = field(default_factory=list)
    models_defined: int | None = None  # the package's own BaseModel subclasses, every module imported
    status: str = "ok"

    def statement(self) -> str:
        """The measured statement, the same in the plain and the instrumented run."""
        if self.key == PASS:
            return "pass"
        if self.package is None:
            return "import httpx, pydantic"
        args = "".join(f", {name}={DUMMY_CREDENTIAL!r}" for name in self.credentials)
        return f"import {self.package}\n_client = {self.package}.{self.client}(base_url={BASE_URL!r}{args})"

    def call(self) -> str:
        """The statement as the table shows it."""
        if self.package is None:
            return self.statement()
        args = "".join(f", {name}=..." for name in self.credentials)
        return f"import {self.package}; {self.client}(base_url=...{args})"


# What the instrumented child does after the timed statement: nothing here is timed. VmHWM is read
# first, with nothing imported. BaseModel's subclasses are only looked for when pydantic.main was
# loaded (`import pydantic` alone does not load it, and looking would).
REPORT_CODE = """
_hwm_kb = None
try:
    with open("/proc/self/status", "rb") as _fh:
        for _line in _fh:
            if _line.startswith(b"VmHWM:"):
                _hwm_kb = int(_line.split()[1])
except OSError:
    pass
import json as _json, resource as _resource, sys as _sys
_main = _sys.modules.get("pydantic.main")
_seen = set()
_stack = [_main.BaseModel] if _main is not None else []
while _stack:
    for _sub in type.__subclasses__(_stack.pop()):
        if _sub not in _seen:
            _seen.add(_sub)
            _stack.append(_sub)
_mods = [_c.__module__ for _c in _seen]
print(_json.dumps({
    "seconds": _t1 - _t0,
    "peak_rss_kb": _hwm_kb or _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss,
    "peak_rss_source": "VmHWM" if _hwm_kb else "ru_maxrss",
    "model_classes": len(_seen),
    "package_model_classes": sum(1 for _m in _mods if _m.split(".")[0] == PACKAGE and "._runtime" not in _m),
    "runtime_model_classes": sum(1 for _m in _mods if _m.startswith(PACKAGE + "._runtime")),
    "modules": len(_sys.modules),
}))
"""

# Run once per generated package, untimed: writes the bytecode of every module, reads from its
# client module the constructor arguments that take credentials (SECURITY_SCHEMES), keeping only
# those the constructor accepts, and counts the model classes the package defines.
DISCOVER_CODE = """
import importlib, inspect, json, pkgutil, sys
import pydantic
import {package}
cls = getattr({package}, {client!r})
module = sys.modules[cls.__module__]
accepted = inspect.signature(cls).parameters
schemes = getattr(module, "SECURITY_SCHEMES", ())
wanted = [a for s in schemes for a in getattr(s, "arguments", ())]
for info in pkgutil.walk_packages({package}.__path__, {package!r} + "."):
    if "._runtime" not in info.name:
        importlib.import_module(info.name)
seen, stack = set(), [pydantic.BaseModel]
while stack:
    for sub in type.__subclasses__(stack.pop()):
        if sub not in seen:
            seen.add(sub)
            stack.append(sub)
print(json.dumps({{"credentials": [a for a in dict.fromkeys(wanted) if a in accepted],
                   "env_vars": [e for s in schemes for e in getattr(s, "env_vars", ())],
                   "parameters": list(accepted),
                   "models_defined": sum(1 for c in seen if c.__module__.split(".")[0] == {package!r}
                                         and "._runtime" not in c.__module__)}}))
"""


def instrumented_code(target: Target) -> str:
    return ("import time as _time\n_t0 = _time.perf_counter()\n" + target.statement()
            + "\n_t1 = _time.perf_counter()\n" + REPORT_CODE.replace("PACKAGE", repr(target.package or "")))


def measure_env() -> dict[str, str]:
    """The parent's environment without any PYTHON* variable (PYTHONPATH, PYTHONDONTWRITEBYTECODE,
    PYTHONPROFILEIMPORTTIME... would each change what is measured)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


@dataclass
class Run:
    wall_s: float
    rc: int | None  # None: killed after CHILD_TIMEOUT
    stdout: str
    stderr: str


def run(python: str, code: str, cwd: Path, env: dict[str, str], timeout: float = CHILD_TIMEOUT) -> Run:
    """`python -c code` to completion, its wall time from perf_counter around it (a blocking
    wait: no polling that would add to the time; a timer kills it after `timeout`)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([python, "-c", code], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()  # the one child started above

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            rc = proc.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(wall, None if killed.is_set() else rc, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"))


def tail(text: str, lines: int = 5) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def generate(target: Target, generator_python: str, env: dict[str, str], timeout: float,
             log: Callable[[str], None]) -> None:
    """`python -m generator generate` of target.spec into target.folder (from the repository root)."""
    assert target.spec is not None
    log(f"startup: generating {target.label} into a temporary folder")
    started = time.perf_counter()
    try:
        done = subprocess.run([generator_python, "-m", "generator", "generate", "--spec", str(target.spec),
                               "--out", str(target.folder), "--package", str(target.package),
                               "--client-name", str(target.client)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        target.status = f"generation timed out after {timeout:.0f}s"
        return
    if done.returncode != 0:
        target.status = f"generation failed (exit {done.returncode}): {tail(done.stderr, 3)}"
    else:
        log(f"startup:   generated in {time.perf_counter() - started:.1f}s")


def prepare(target: Target, python: str, env: dict[str, str]) -> None:
    """The untimed first run: bytecode written; for a package, credentials and models defined read."""
    if target.package is None:
        done = run(python, target.statement(), target.folder, env)
        if done.rc != 0:
            target.status = f"`{target.statement()}` failed (exit {done.rc}): {tail(done.stderr, 3)}"
        return
    done = run(python, DISCOVER_CODE.format(package=target.package, client=target.client), target.folder, env)
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
        target.credentials = list(found["credentials"])
        target.models_defined = int(found["models_defined"])
    except (IndexError, ValueError, KeyError, TypeError):
        target.status = f"import failed (exit {done.rc}): {tail(done.stderr, 3)}"


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure(*, python: str, generator_python: str, repeats: int, workdir: Path, generator_env: dict[str, str],
            timeout: float, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole section: generate, prepare, then `repeats` rounds over every target; a dict for the
    results JSON (with "notes" and "loads" for run.py to move into the report)."""
    notes: list[str] = []
    python = str(Path(python).absolute())  # the children run in other folders (not resolved: a venv's link)
    targets = make_targets(workdir, notes, log)
    env = measure_env()
    for target in targets:
        if target.spec is not None:
            generate(target, generator_python, generator_env, timeout, log)
        if target.status == "ok":
            prepare(target, python, env)
        if target.status != "ok":
            notes.append(f"startup: {target.label}: {target.status}")
            log(notes[-1])
    active = [t for t in targets if t.status == "ok"]
    log(f"startup: {repeats} rounds of fresh processes with {python}")
    rounds = measure_rounds(active, python, env, repeats, log)
    out: dict[str, Any] = {"python": python, "repeats": repeats, "base_url": BASE_URL, "targets": {},
                           "notes": notes, "loads": rounds.loads}
    for target in targets:
        out["targets"][target.key] = target_entry(target, rounds, notes)
    add_differences(out["targets"], log)
    return out


def make_targets(workdir: Path, notes: list[str], log: Callable[[str], None]) -> list[Target]:
    """`pass`, the floor, Assistants, and the two large specs whose file is present (a note for each absent)."""
    scratch = workdir / "cwd"  # an empty working directory for `pass` and the floor
    scratch.mkdir(parents=True, exist_ok=True)
    targets = [
        Target(PASS, "python -c pass", scratch),
        Target(FLOOR, "import httpx, pydantic", scratch),
        Target("assistants", "Assistants", REPO / "generated", "assistants_client", "AssistantsClient",
               time_target_s=0.13),
    ]
    for key, label, spec, package, client in (
            ("openai-2026", "whole OpenAI 2026 spec", SPEC_2026, "openai_client", "OpenAIClient"),
            ("vault", "vault", SPEC_VAULT, "vault_client", "VaultClient")):
        if spec.is_file():
            targets.append(Target(key, label, workdir / key, package, client, time_target_s=0.15,
                                  rss_target_mb=60, spec=spec))
        else:
            notes.append(f"startup: {label} skipped: {spec} is absent")
            log(notes[-1])
    return targets


@dataclass
class Rounds:
    """What the rounds gathered, per target key."""

    walls: dict[str, list[float]]  # the plain runs' whole-process times
    inside: dict[str, list[dict[str, Any]]]  # what the instrumented runs reported
    failures: dict[str, str] = field(default_factory=dict)  # the first failure of a target
    loads: list[float] = field(default_factory=list)  # the 1-minute load average at the start of each round


def measure_rounds(active: list[Target], python: str, env: dict[str, str], repeats: int,
                   log: Callable[[str], None]) -> Rounds:
    """`repeats` rounds, each a plain and an instrumented run of every target in turn."""
    rounds = Rounds({t.key: [] for t in active}, {t.key: [] for t in active})
    walls, inside = rounds.walls, rounds.inside
    for r in range(repeats):
        rounds.loads.append(os.getloadavg()[0])
        for target in active:
            measure_once(target, python, env, rounds)
        log(f"startup: round {r + 1}/{repeats}, in the child: " + ", ".join(
            f"{key} {runs[-1]['seconds']:.3f}s" for key, runs in inside.items() if runs and key != PASS)
            + (f"; `python -c pass` {walls[PASS][-1]:.3f}s whole" if walls.get(PASS) else ""))
    return rounds


def measure_once(target: Target, python: str, env: dict[str, str], rounds: Rounds) -> None:
    """One plain and one instrumented run of the target; a failure is kept instead of the samples."""
    plain = run(python, target.statement(), target.folder, env)
    probe = run(python, instrumented_code(target), target.folder, env)
    try:
        if plain.rc != 0 or probe.rc != 0:
            raise ValueError(f"exit {plain.rc}/{probe.rc}")
        found = json.loads(probe.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as exc:
        rounds.failures.setdefault(target.key, f"{exc}: {tail(plain.stderr + probe.stderr, 3)}")
        return
    rounds.walls[target.key].append(plain.wall_s)
    rounds.inside[target.key].append(found)


def target_entry(target: Target, rounds: Rounds, notes: list[str]) -> dict[str, Any]:
    """One target in the results JSON: what was run, and its medians (or why there are none)."""
    entry: dict[str, Any] = {
        "label": target.label, "call": target.call(), "statement": target.statement(),
        "package": target.package, "client": target.client, "folder": str(target.folder),
        "spec": str(target.spec) if target.spec else None, "credentials": target.credentials,
        "models_defined": target.models_defined, "time_target_s": target.time_target_s,
        "rss_target_mb": target.rss_target_mb}
    samples = rounds.inside.get(target.key, [])
    if target.status != "ok" or target.key in rounds.failures or not samples:
        entry["status"] = target.status if target.status != "ok" else f"failed: {rounds.failures.get(target.key)}"
        if target.status == "ok":
            notes.append(f"startup: {target.label}: {entry['status']}")
        return entry
    walls = rounds.walls[target.key]
    rss = [s["peak_rss_kb"] / 1024 for s in samples]
    entry.update({
        "status": "ok",
        "in_child_s": summary([s["seconds"] for s in samples]),
        "process_s": summary(walls),
        "peak_rss_mb": summary(rss),
        "peak_rss_source": samples[-1]["peak_rss_source"],
        **{k: int(statistics.median(s[k] for s in samples))
           for k in ("model_classes", "package_model_classes", "runtime_model_classes", "modules")},
        "samples": {"in_child_s": [s["seconds"] for s in samples], "process_s": walls, "peak_rss_mb": rss},
    })
    return entry


def add_differences(targets: dict[str, dict[str, Any]], log: Callable[[str], None]) -> None:
    """Each measured target's whole-process time minus `python -c pass`'s, and its figures minus the floor's."""
    base = targets.get(PASS, {})
    floor = targets.get(FLOOR, {})
    for key, entry in targets.items():
        if entry.get("status") != "ok" or key == PASS:
            continue
        if base.get("status") == "ok":
            entry["process_over_pass_s"] = entry["process_s"]["median"] - base["process_s"]["median"]
        if floor.get("status") == "ok" and key != FLOOR:
            entry["over_floor"] = {
                "in_child_s": entry["in_child_s"]["median"] - floor["in_child_s"]["median"],
                "process_s": entry["process_s"]["median"] - floor["process_s"]["median"],
                "peak_rss_mb": entry["peak_rss_mb"]["max"] - floor["peak_rss_mb"]["max"],
                "peak_rss_ratio": entry["peak_rss_mb"]["max"] / floor["peak_rss_mb"]["max"],
            }
        log(f"startup: {key}: {entry['in_child_s']['median']:.3f}s in the child, peak RSS "
            f"{entry['peak_rss_mb']['max']:.0f}MB, {entry['model_classes']} model classes")


# -- the report ---------------------------------------------------------------------------------------

def _s(value: float) -> str:
    return f"{value:.3f}s"


def _spread(s: dict[str, Any]) -> str:
    return "" if s["min"] is None or s["min"] == s["max"] else f" ({s['min']:.3f}-{s['max']:.3f})"


def _check(value: float | None, limit: float | None) -> bool | None:
    return None if value is None or limit is None else value <= limit


def report(result: dict[str, Any] | None) -> list[tuple[str, str, str, str, bool | None]]:
    """Rows for the table (bench/report.py): (section, metric, value, target, met), met None when not judged."""
    if not result:
        return []
    rows: list[tuple[str, str, str, str, bool | None]] = []
    n = result["repeats"]
    for key, entry in result["targets"].items():
        sec = "startup: floor" if key in (PASS, FLOOR) else f"startup: {entry['label']}"
        time_target = f"<= {entry['time_target_s']}s" if entry.get("time_target_s") else ""
        rss_target = f"<= {entry['rss_target_mb']:.0f}MB" if entry.get("rss_target_mb") else ""
        if entry.get("package"):
            folder = Path(entry["folder"]) / entry["package"]
            where = (f"generated from {Path(entry['spec']).name}" if entry.get("spec")
                     else str(folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder))
            rows.append((sec, "built as", f"{entry['call']} ({where})", "", None))
        ok = entry.get("status") == "ok"
        if key == PASS:
            rows.append((sec, "python -c pass", f"whole process {_s(entry['process_s']['median'])}; peak RSS "
                         f"{entry['peak_rss_mb']['max']:.0f}MB" if ok else f"[{entry.get('status')}]", "", None))
            continue
        what = "import + construct" if entry.get("package") else entry["call"]
        if not ok:
            rows.append((sec, f"{what}, in child", f"[{entry.get('status')}]"[:90], time_target, None))
            if rss_target:
                rows.append((sec, "peak RSS", "-", rss_target, None))
            continue
        over = entry.get("over_floor")
        t = entry["in_child_s"]
        rows.append((sec, f"{what}, in child (median of {n})",
                     f"{_s(t['median'])}{_spread(t)}"
                     + (f" = {over['in_child_s']:+.3f}s over {FLOOR_LABEL}" if over else ""),
                     time_target, _check(t["median"], entry.get("time_target_s"))))
        if entry.get("process_over_pass_s") is not None:
            rows.append((sec, "whole process - `python -c pass`",
                         f"{_s(entry['process_over_pass_s'])}"
                         + (f" = {over['process_s']:+.3f}s over {FLOOR_LABEL}" if over else ""), "", None))
        m = entry["peak_rss_mb"]["max"]
        rows.append((sec, f"peak RSS, VmHWM (max of {n})",
                     f"{m:.0f}MB" + (f" = {over['peak_rss_mb']:+.0f}MB over {FLOOR_LABEL} "
                                     f"({over['peak_rss_ratio']:.2f}x)" if over else ""),
                     rss_target, _check(m, entry.get("rss_target_mb"))))
        if key == FLOOR:
            classes = f"{entry['model_classes']} BaseModel subclasses; {entry['modules']} modules loaded"
            rows.append((sec, "model classes alive", classes, "", None))
        else:
            defined = entry.get("models_defined")
            classes = (f"{entry['package_model_classes']} of the package's {'?' if defined is None else defined} "
                       f"(+{entry['runtime_model_classes']} runtime bases); {entry['model_classes']} BaseModel "
                       f"subclasses in all; {entry['modules']} modules loaded")
            rows.append((sec, "model classes created", classes, "", None))
    return rows
