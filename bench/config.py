"""What `make bench` reads before it measures anything: the paths, the tools it compares, the
sections, and the configuration from BENCH_* environment variables (listed in bench/run.py)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
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
STARTED = time.perf_counter()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(1, int(raw))
    except ValueError:
        raise SystemExit(f"{name} must be a positive integer, got {raw!r}") from None


def _scaling_sizes() -> list[int]:
    sizes_raw = os.environ.get("BENCH_SCALING_SIZES", "").strip()
    try:
        sizes = sorted({int(s) for s in sizes_raw.split(",") if s.strip()}) if sizes_raw else [100, 1000, 5000, 10000]
    except ValueError:
        raise SystemExit(f"BENCH_SCALING_SIZES must be comma-separated integers, got {sizes_raw!r}") from None
    if any(n < 10 for n in sizes):
        raise SystemExit("BENCH_SCALING_SIZES: every size must be at least 10")
    return sizes


def _sections() -> list[str]:
    sections_raw = os.environ.get("BENCH_SECTIONS", "").strip()
    sections = [s.strip() for s in sections_raw.split(",") if s.strip()] or list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"BENCH_SECTIONS: unknown section(s) {sorted(unknown)}")
    return sections


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
        sizes = _scaling_sizes()
        sections = _sections()
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
        cfg.notes += cfg.trimmed()
        return cfg

    def trimmed(self) -> list[str]:
        """Where this configuration departs from the defaults (the brief's "5 small / 3 large" among
        them, which the default scaling repeats trim so the run fits in ~20 minutes)."""
        notes = []
        sections = self.sections
        if self.scaling_repeats is None and "scaling" in sections:
            notes.append("scaling: 3 repeats up to 1000 schemas, 1 above (to fit ~20 min; "
                         "BENCH_SCALING_REPEATS=N to change)")
        if not self.warm_large and "generation" in sections:
            notes.append("warm check on the whole 2026 spec not measured (BENCH_WARM_LARGE=0)")
        if self.scaling_sizes != [100, 1000, 5000, 10000]:
            notes.append(f"scaling sizes trimmed to {self.scaling_sizes} (BENCH_SCALING_SIZES)")
        if (self.repeats_small, self.repeats_large) != (5, 3):
            notes.append(f"repeats: {self.repeats_small} small / {self.repeats_large} large (defaults 5 / 3)")
        if sections != list(SECTIONS):
            notes.append(f"only sections {sections} (BENCH_SECTIONS)")
        if (self.load_requests, self.load_concurrency) != (5000, 50) and "load" in sections:
            notes.append(f"load: {self.load_requests} requests, {self.load_concurrency} in flight "
                         "(defaults 5000 / 50)")
        if self.startup_repeats != 7 and "startup" in sections:
            notes.append(f"startup: {self.startup_repeats} fresh processes per target (default 7)")
        return notes


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", flush=True)
