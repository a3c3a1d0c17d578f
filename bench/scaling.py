"""The scaling section of `make bench`: the three tools on bench/synth.py specs of growing size,
a timeout per run, and the plot of time and peak memory against schema count."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import synth
from config import TOOL_LABEL, TOOLS, Config, log
from process import Sample, Workspace, summarize
from tools import run_cold, tool_cmd


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
        active = active_tools(n, cfg, results["tools"], stop, last)
        for tool, summary in measure_size(n, spec, active, repeats, cfg, ws).items():
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


def active_tools(n: int, cfg: Config, by_tool: dict[str, dict[str, Any]], stop: dict[str, str],
                 last: dict[str, tuple[int, float]]) -> list[str]:
    """The tools to run at n schemas. One that timed out at a smaller size, or whose linear
    extrapolation from its last size exceeds the timeout, is skipped: its entry says why."""
    active = []
    for tool in TOOLS:
        if tool not in stop and tool in last:
            size, seconds = last[tool]
            predicted = seconds * n / size  # linear: optimistic for anything superlinear
            if predicted > cfg.timeout:
                stop[tool] = f"predicted >= {predicted:.0f}s from {seconds:.0f}s at {size} (timeout {cfg.timeout}s)"
        if tool in stop:
            by_tool[tool][str(n)] = {"status": "skipped", "ok": False, "note": stop[tool]}
            log(f"  {tool:4} skipped: {stop[tool]}")
            continue
        active.append(tool)
    return active


def measure_size(n: int, spec: Path, active: list[str], repeats: int, cfg: Config,
                 ws: Workspace) -> dict[str, dict[str, Any]]:
    """The active tools on the spec of n schemas, cold, interleaved repeat by repeat; a summary each."""
    args = ["--spec", str(spec), "--package", "synth_client", "--client-name", "SynthClient"]
    samples: dict[str, list[Sample]] = {t: [] for t in active}
    outputs: dict[str, dict[str, Any]] = {}
    logs: dict[str, str] = {}
    for r in range(repeats):
        for tool in active:
            if samples[tool] and samples[tool][-1].timed_out:
                continue  # one timeout is the answer
            out = ws.fresh(f"synth-{n}-{tool}")
            s = run_cold(tool, tool_cmd(tool, args, spec, out), out, cfg, ws, r == 0, samples[tool], outputs, logs, 12)
            log(f"  {tool:4} {r + 1}/{repeats}: {s.wall_s:7.2f}s {(s.rss_mb or 0):6.0f}MB "
                f"{'timeout' if s.timed_out else f'exit {s.rc}'}")
    summaries = {}
    for tool in active:
        summary = {**summarize(samples[tool]), "output": outputs.get(tool, {})}
        if not summary["ok"]:
            summary["log_tail"] = logs.get(tool, "")
        summaries[tool] = summary
    return summaries


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
