"""The generation section of `make bench`: ours and the peers on the Assistants spec/ (with its
overlays), the whole 2026 OpenAI spec and the 2024 Assistants subset, cold, interleaved repeat by
repeat; ours also per phase (bench/phases.py), its CPU by stage (bench/stages.py) and warm."""

from __future__ import annotations

import json
import shutil
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from config import BENCH, PY, REPO, SPEC_2024, SPEC_2026, TOOLS, Config, log
from process import (
    Sample,
    Workspace,
    child_env,
    clear_repo_caches,
    median,
    run_child,
    summarize,
    tail,
    tree_size,
)
from tools import run_cold, tool_cmd


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
            s = run_cold(tool, tool_cmd(tool, case.ours_args, case.peer_spec, out), out, cfg, ws, r == 0,
                         samples[tool], outputs, logs, 20)
            log(f"  {tool:4} cold {r + 1}/{case.repeats}: {s.wall_s:6.2f}s "
                f"{(s.rss_mb or 0):6.0f}MB {'timeout' if s.timed_out else f'exit {s.rc}'}")
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

