"""`make bench`: how fast the generator and its client are, side by side with the peers.

A benchmark, not a test: it prints one table (each target marked met / NOT MET) and
writes bench/results/<timestamp>.json, bench/results/latest.json and
bench/results/scaling.png. It never fails on a target; it exits non-zero only when
the benchmark itself breaks. Run it with the bench environment's Python (the Makefile
target sets that up): `bench/.venv/bin/python bench/run.py`.

This file runs the sections and writes the results; the rest lives beside it, imported by plain
name (bench/ is the script's folder): config.py (paths, tools, BENCH_* variables), process.py
(running and sampling one child process), tools.py (the generators compared), generation.py,
scaling.py, runtime.py (runtime and load) and startup.py (what each section measures), and
report.py (the table and the summary around it).

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

import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other bench modules, by plain name

import startup
from config import CLIENT_PY, DCG, OPC, PY, RESULTS, SECTIONS, STARTED, TIME_BIN, Config, log
from generation import generation_cases, measure_case
from process import LOADS, Workspace, child_env
from report import print_report, render_table, report_rows
from runtime import measure_load, measure_runtime
from scaling import measure_scaling, plot_scaling
from tools import use_opc_meta

Results = dict[str, Any]


# -- the sections -------------------------------------------------------------------------------------

def run_generation(cfg: Config, ws: Workspace, results: Results) -> None:
    cases, notes = generation_cases(cfg, ws)
    results["notes"] += notes
    results["generation"] = {"cases": {c.key: measure_case(c, cfg, ws) for c in cases}}


def run_scaling(cfg: Config, ws: Workspace, results: Results) -> None:
    results["scaling"] = measure_scaling(cfg, ws)
    problem = plot_scaling(results["scaling"], RESULTS / "scaling.png")
    if problem:
        results["notes"].append(problem)


def run_runtime(cfg: Config, ws: Workspace, results: Results) -> None:
    results["runtime"] = measure_runtime(cfg)
    results["notes"] += results["runtime"].pop("notes", [])


def run_load(cfg: Config, ws: Workspace, results: Results) -> None:
    results["load"] = measure_load(cfg)


def run_startup(cfg: Config, ws: Workspace, results: Results) -> None:
    python = str(CLIENT_PY) if CLIENT_PY.is_file() else PY
    if python == PY:
        results["notes"].append(f"startup: measured with {PY}: {CLIENT_PY} is missing")
    results["startup"] = startup.measure(
        python=python, generator_python=PY, repeats=cfg.startup_repeats, workdir=ws.fresh("startup"),
        generator_env=child_env(ws.fresh("xdg-startup")), timeout=cfg.timeout, log=log)
    results["notes"] += results["startup"].pop("notes", [])
    LOADS.extend(results["startup"].get("loads", []))


RUNNERS: dict[str, Callable[[Config, Workspace, Results], None]] = {
    "generation": run_generation, "scaling": run_scaling, "runtime": run_runtime, "load": run_load,
    "startup": run_startup,
}


def run_sections(cfg: Config, results: Results) -> None:
    """Every section asked for, in the order of SECTIONS; one that breaks is recorded and the next runs."""
    ws = Workspace()
    try:
        for name in SECTIONS:
            if name not in cfg.sections:
                continue
            try:
                RUNNERS[name](cfg, ws, results)
            except Exception:  # noqa: BLE001 - record and go on to the other sections
                results["errors"].append(f"{name}: " + traceback.format_exc())
                traceback.print_exc()
    finally:
        ws.close()


# -- the results --------------------------------------------------------------------------------------

def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for dist in ("oapi-pygen", OPC, DCG, "openai", "httpx", "httpx2", "pydantic", "pydantic-core", "black", "ruff",
                 "matplotlib"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    return found


def start_results(cfg: Config, stamp: datetime) -> Results:
    return {
        "started_utc": stamp.isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_start": os.getloadavg(), "peak_rss_method": "/usr/bin/time -f %M per child"
                    if os.access(TIME_BIN, os.X_OK) else "os.wait4 rusage per child"},
        "versions": versions(),
        "config": {k: v for k, v in asdict(cfg).items() if k != "notes"},
        "notes": list(cfg.notes),
        "errors": [],
    }


def finish_results(results: Results) -> None:
    """The run's duration and the machine's load at the end; a note when it was busier than its cores."""
    results["elapsed_s"] = time.perf_counter() - STARTED
    machine = results["machine"]
    machine["loadavg_end"] = os.getloadavg()
    busiest = max([machine["loadavg_start"][0], machine["loadavg_end"][0], *LOADS])
    machine["loadavg_max"] = busiest
    if busiest > (os.cpu_count() or 1):
        results["notes"].append(f"the machine was busy: 1-minute load average up to {busiest:.1f} on "
                                f"{os.cpu_count()} cores during the run; figures from that time are slower "
                                "than this code is (each sample's load is in the JSON)")


def write_results(results: Results, stamp: datetime) -> Path:
    """bench/results/<timestamp>.json and bench/results/latest.json, the same text."""
    path = RESULTS / f"{stamp:%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(results, indent=1, default=str) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    return path


def main() -> int:
    cfg = Config.from_env()
    stamp = datetime.now(UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = start_results(cfg, stamp)
    log("versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()))
    for note in cfg.notes:
        print(f"note: {note}", flush=True)
    use_opc_meta()
    run_sections(cfg, results)
    finish_results(results)
    rows = report_rows(results)
    results["targets"] = [asdict(r) | {"status": r.status} for r in rows if r.target]
    results["table"] = render_table(rows)
    path = write_results(results, stamp)
    print_report(results, cfg, rows, stamp, path)
    if results["errors"]:
        print(f"the benchmark itself failed in {len(results['errors'])} section(s); see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
