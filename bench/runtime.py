"""The runtime and load sections of `make bench`: the generated client against bench/server.py, a
loopback server in its own process. Calls/s next to raw httpx and the openai SDK, the parse time of
a 100-message body, the import time of the package in fresh processes; and bench/load.py, a child
making many calls at once through the async client."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from config import BENCH, CLIENT_PY, PY, REPO, Config, log
from messages import THREAD_ID, list_body
from process import child_env, median, run_child, tail
from report import fmt_mb


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
    """The whole runtime section: calls/s, parse time, import time."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the SDK's beta.threads is deprecated
    sys.path.insert(0, str(REPO / "generated"))
    result: dict[str, Any] = {"calls": cfg.calls, "repeats": cfg.runtime_repeats, "throughput": {}, "parse": {},
                              "import": {}, "notes": []}
    sdk: Any = None
    try:
        import openai

        sdk = openai
        result["openai_http"] = "httpx2" if "httpx2" in sys.modules else "httpx"
    except ImportError as exc:
        result["notes"].append(f"openai SDK not importable ({exc}): its figures are skipped")

    result["throughput"] = measure_throughput(cfg, sdk)
    body = list_body(100)
    result["parse"] = measure_parse(body, sdk, result["notes"])
    result["parse_body_bytes"] = len(body)
    log("runtime: parse 100 messages: " + ", ".join(
        f"{k.split(':')[0]} {v['ms']:.3f}ms ({v['ratio_to_json_loads']:.2f}x)" for k, v in result["parse"].items()))

    result["import"] = measure_imports(cfg)
    return result


def measure_throughput(cfg: Config, sdk: Any) -> dict[str, dict[str, Any]]:
    """Calls/s at page sizes 1 and 20 of each client, against bench/server.py."""
    server = Server()
    clients: list[Any] = []
    try:
        calls = list_calls(server.base_url, sdk, clients)
        return {str(size): measure_page_size(cfg, calls, size) for size in (1, 20)}
    finally:
        for client in clients:
            with contextlib.suppress(Exception):  # closing is best effort
                client.close()
        server.stop()


def list_calls(base: str, sdk: Any, clients: list[Any]) -> dict[str, Callable[[int], Any]]:
    """`list_messages` with a page size, through raw httpx, our client and (when importable) the
    openai SDK; each client made is added to `clients`, for the caller to close."""
    import httpx
    from assistants_client import AssistantsClient

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
    return calls


def measure_page_size(cfg: Config, calls: dict[str, Callable[[int], Any]], size: int) -> dict[str, Any]:
    """Each call checked to return `size` messages and warmed up, then timed, interleaved."""
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
    log(f"runtime: page size {size}: " + ", ".join(
        f"{name} {b['calls_per_s']:.0f}/s ({b['ratio_to_raw']:.2f}x)" for name, b in block.items()))
    return block


def measure_parse(body: bytes, sdk: Any, notes: list[str]) -> dict[str, dict[str, float]]:
    """The time to parse `body` (a list of 100 messages): json.loads, our model, and the SDK's two ways."""
    from assistants_client.models import ListMessagesResponse

    parsers: dict[str, Callable[[], Any]] = {
        "json.loads": lambda: json.loads(body),
        "ours model_validate_json": lambda: ListMessagesResponse.model_validate_json(body),
    }
    if sdk is not None:
        parsers.update(sdk_parsers(body, notes))
    assert len(ListMessagesResponse.model_validate_json(body).data) == 100
    parse: dict[str, dict[str, float]] = {}
    base_ms = None
    for name, fn in parsers.items():
        ms = per_call_ms(fn)
        base_ms = base_ms or ms
        parse[name] = {"ms": ms, "ratio_to_json_loads": ms / base_ms}
    return parse


def sdk_parsers(body: bytes, notes: list[str]) -> dict[str, Callable[[], Any]]:
    """The openai SDK's default (construct) and strict (validate) parse of a page, each checked first;
    none when its private API moved (a note says so)."""
    try:
        from openai._models import construct_type, validate_type
        from openai.pagination import SyncCursorPage
        from openai.types.beta.threads import Message

        page_type = SyncCursorPage[Message]
        constructed: Any = construct_type(type_=page_type, value=json.loads(body))
        assert len(constructed.data) == 100
        assert len(validate_type(type_=page_type, value=json.loads(body)).data) == 100
        return {
            "openai SDK default: json.loads + construct": (
                lambda: construct_type(type_=page_type, value=json.loads(body))),
            "openai SDK strict: json.loads + validate": (
                lambda: validate_type(type_=page_type, value=json.loads(body))),
        }
    except Exception as exc:  # noqa: BLE001 - private SDK API; skip when it moved
        notes.append(f"openai SDK parse not measured: {exc!r}")
        return {}


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

