"""How `make bench` reports: one table of rows (section, metric, value, target, met / NOT MET) read
from the results, and the summary printed around it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import startup
from config import DCG, OPC, REPO, TOOL_LABEL, TOOLS, Config


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
    for key, case in results.get("generation", {}).get("cases", {}).items():
        rows += case_rows(key, case)
    rows += scaling_rows(results.get("scaling"))
    rows += runtime_rows(results.get("runtime"))
    rows += load_rows(results.get("load"))
    rows += [Row(*row) for row in startup.report(results.get("startup"))]
    return rows


# -- generation -------------------------------------------------------------------------------------

def case_rows(key: str, case: dict[str, Any]) -> list[Row]:
    """One generation case: every tool cold, ours per phase, by stage and warm, then the ratios."""
    sec = f"gen: {case['label']}"
    cold = case["cold"]
    warm = case.get("warm", {})
    return [*cold_rows(sec, cold), *phase_rows(sec, case.get("phases", {})),
            *stage_rows(sec, case.get("profile", {})), *warm_rows(sec, warm), *ratio_rows(sec, key, cold, warm)]


def cold_rows(sec: str, cold: dict[str, Any]) -> list[Row]:
    rows = []
    for tool in TOOLS:
        c = cold.get(tool, {})
        if c.get("status") == "skipped":
            rows.append(Row(sec, f"{TOOL_LABEL[tool]} cold", "skipped", ""))
            continue
        out = c.get("output", {}).get("summary", "")
        rows.append(Row(sec, f"{TOOL_LABEL[tool]} cold",
                        f"{fmt_s(c.get('median_s'))}{fmt_range(c)}  {fmt_mem(c)}  [{c.get('status')}] {out}"))
    return rows


def phase_rows(sec: str, ph: dict[str, Any]) -> list[Row]:
    if ph.get("median_s"):
        phases = ph["median_s"]
        names = [k for k in PHASE_ORDER if k in phases] + [k for k in phases if k not in PHASE_ORDER]
        total = ph.get("total_median_s") or 0.0
        overlap = " (phases overlap)" if sum(phases.values()) > total * 1.05 else ""
        return [Row(sec, "ours phases, in-process generate()", " ".join(
            f"{k} {phases[k]:.2f}" for k in names) + f"; total {fmt_s(total)}{overlap}")]
    if ph.get("errors"):
        return [Row(sec, "ours phases, in-process generate()", f"failed: {ph['errors'][0][:70]}")]
    return []


def stage_rows(sec: str, prof: dict[str, Any]) -> list[Row]:
    if prof.get("stages"):
        return [Row(sec, "ours CPU by stage (serial, cProfile)", "where the time goes; "
                    "shares of own time by package"), *profile_rows(sec, prof)]
    if prof.get("status"):
        return [Row(sec, "ours CPU by stage (serial, cProfile)", prof["status"][:80])]
    return []


def profile_rows(sec: str, prof: dict[str, Any]) -> list[Row]:
    """One row per stage: its CPU under cProfile and the packages that spent most of it."""
    rows = []
    for name, st in prof.get("stages", {}).items():
        total = sum(st["by_package"].values()) or 1.0
        shares = ", ".join(f"{pkg} {100 * sec_ / total:.0f}%" for pkg, sec_ in list(st["by_package"].items())[:4])
        rows.append(Row(sec, f"  CPU, {name}", f"{st['seconds']:.2f}s: {shares}"))
    return rows




def warm_rows(sec: str, warm: dict[str, Any]) -> list[Row]:
    if warm.get("median_s") is None and warm.get("status") in (None, "skipped"):
        return []
    cache = warm.get("cache", {})
    return [Row(sec, "ours warm check", f"{fmt_s(warm.get('median_s'))}  {fmt_mem(warm)}"
                f"  [{warm.get('status')}] cache files: {cache.get('xdg_files', 0)} in XDG, "
                f"{cache.get('repo_cache_files', 0)} in repo .cache")]


def ratio_rows(sec: str, key: str, cold: dict[str, Any], warm: dict[str, Any]) -> list[Row]:
    """Ours against the peers; the targets of the Assistants spec and of the whole 2026 spec."""
    r_opc = ratio(cold.get("ours"), cold.get("opc"))
    r_dcg = ratio(cold.get("ours"), cold.get("dcg"))
    r_warm = ratio(warm, cold.get("opc")) if warm.get("median_s") is not None else None
    if key == "assistants":
        return [Row(sec, "ours/opc cold", fmt_x(r_opc), "<= 0.33x", check(r_opc, 1 / 3)),
                Row(sec, "ours/dcg cold", fmt_x(r_dcg)),
                Row(sec, "ours warm / opc cold", fmt_x(r_warm), "<= 0.15x", check(r_warm, 0.15))]
    if key == "openai-2026":
        rows = [Row(sec, "ours/opc cold", fmt_x(r_opc), "<= 0.25x", check(r_opc, 0.25)),
                Row(sec, "ours/dcg cold", fmt_x(r_dcg))]
    else:
        rows = [Row(sec, "ours/opc cold", fmt_x(r_opc)), Row(sec, "ours/dcg cold", fmt_x(r_dcg))]
    if warm.get("median_s") is not None:
        rows.append(Row(sec, "ours warm / opc cold", fmt_x(r_warm)))
    if key == "openai-2026":
        rows += large_spec_rows(sec, cold.get("ours", {}))
    return rows


def large_spec_rows(sec: str, ours: dict[str, Any]) -> list[Row]:
    """Ours on the whole 2026 spec: peak memory and operations dropped, both with a target."""
    dropped = ours.get("output", {}).get("dropped_operations") if ours.get("ok") else None
    rss = ours.get("rss_max_mb")
    tree = (f"; whole tree: PSS {fmt_mb(ours.get('tree_pss_max_mb'))}, RSS sum "
            f"{fmt_mb(ours.get('tree_rss_max_mb'))} over {ours.get('max_procs')} procs"
            if (ours.get("max_procs") or 0) > 1 else "")
    return [Row(sec, "ours peak RSS (max of runs)", f"{fmt_mb(rss)} largest process{tree}", "<= 300MB",
                check(rss, 300)),
            Row(sec, "ours operations dropped", "-" if dropped is None else str(dropped), "0",
                None if dropped is None else dropped == 0)]


# -- scaling, runtime, load -------------------------------------------------------------------------

def scaling_rows(scaling: dict[str, Any] | None) -> list[Row]:
    if not scaling:
        return []
    rows = []
    for n in scaling["sizes"]:
        spec = scaling["specs"].get(str(n), {})
        cells = [scaling_cell(tool, scaling["tools"][tool].get(str(n), {})) for tool in TOOLS]
        rows.append(Row("scaling", f"{n} schemas / {spec.get('operations', n // 5)} ops", "  ".join(cells)))
    r = scaling.get("ours_10k_over_1k")
    rows.append(Row("scaling", "ours time 10k / 1k", fmt_x(r), "<= 12x", check(r, 12)))
    return rows


def scaling_cell(tool: str, r: dict[str, Any]) -> str:
    """One tool at one size: time and peak RSS, or why there is none."""
    if r.get("ok"):
        tree = (f" (tree PSS {fmt_mb(r['tree_pss_max_mb'])})"
                if (r.get("max_procs") or 0) > 1 and r.get("tree_pss_max_mb") else "")
        return f"{tool} {fmt_s(r.get('median_s'))} {fmt_mb(r.get('rss_max_mb'))}{tree}"
    return (f"{tool} {r.get('status', '-')}"
            + (f" after {fmt_s(r.get('max_s'))}" if r.get("status", "").startswith("exit") else ""))


def runtime_rows(runtime: dict[str, Any] | None) -> list[Row]:
    if not runtime:
        return []
    rows = throughput_rows(runtime["throughput"])
    for name, p in runtime["parse"].items():
        is_ours = name.startswith("ours")
        rows.append(Row("runtime", f"parse 100 msgs: {name}", f"{p['ms']:.3f}ms = {fmt_x(p['ratio_to_json_loads'])}",
                        "<= 2x json.loads" if is_ours else "",
                        check(p["ratio_to_json_loads"], 2) if is_ours else None))
    return rows + import_rows(runtime.get("import", {}))


def throughput_rows(throughput: dict[str, Any]) -> list[Row]:
    rows = []
    for size, limit in (("1", 0.85), ("20", 0.6)):
        block = throughput.get(size, {})
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
    return rows


def import_rows(imports: dict[str, Any]) -> list[Row]:
    rows = []
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


def print_report(results: dict[str, Any], cfg: Config, rows: list[Row], stamp: datetime, path: Path) -> None:
    """The machine and the configuration, the table, the notes, and how many targets were met."""
    machine, v = results["machine"], results["versions"]
    print()
    print(f"oapi-pygen benchmark, {stamp:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, load "
          f"{machine['loadavg_start'][0]:.2f} -> {machine['loadavg_end'][0]:.2f} "
          f"(max {machine['loadavg_max']:.2f}); "
          f"medians; peak RSS per process ({machine['peak_rss_method']})")
    print(f"peers: {OPC} {v[OPC]}, {DCG} {v[DCG]}, openai {v['openai']}; httpx {v['httpx']}, "
          f"pydantic {v['pydantic']}")
    print(f"repeats: {cfg.repeats_small} small / {cfg.repeats_large} large; scaling sizes {cfg.scaling_sizes}; "
          f"timeout {cfg.timeout}s; runtime {cfg.calls} calls x {cfg.runtime_repeats}; "
          f"load {cfg.load_requests} calls, {cfg.load_concurrency} in flight; "
          f"startup {cfg.startup_repeats} processes per target")
    print()
    print(results["table"])
    print()
    for note in results["notes"]:
        print(f"note: {note}")
    met = sum(1 for r in rows if r.met is True)
    judged = sum(1 for r in rows if r.target)
    print(f"targets met: {met}/{judged}; results: {path.relative_to(REPO)}, bench/results/latest.json"
          + (", bench/results/scaling.png" if "scaling" in results else "")
          + f"; took {results['elapsed_s'] / 60:.1f} min")
