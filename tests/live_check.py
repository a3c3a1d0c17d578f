"""Live check of the generated clients against Prism mocks of the corpus's real specs.

For each spec in ../shared/corpus/specs: generate the client (as tests/test_corpus.py does),
start `prism mock` on 127.0.0.1 (static mode, no --errors: a request that breaks the spec
still gets Prism's 4xx, with the violations in its `sl-violations` header), import the
package, and call every operation of the sync client once, with arguments synthesised from
the spec (tests/live_args.py) and a dummy value for every credential argument in the
client's SECURITY_SCHEMES. Each failed call is classed as the GENERATOR's fault or a
SPEC/MOCK fault, with a reason (tests/live_judge.py); when unsure, the generator's.

A call is made again, once, when that is what a user would do: with the optional parameters
Prism's violations name (an optional header the spec restricts, say); after a timeout, with a
longer one (Prism's first answer for an operation can take seconds); after Prism crashed, on
a new Prism with every optional parameter; and on a mock of its path alone when the spec has
paths identical up to parameter names (Prism routes those to the first it meets).

Specs are checked two at a time, the largest first; a spec over 1 MB with over 200
operations is called in two halves at once, each on a Prism mocking its half of the paths.

The target: generator faults are at most 3% of the calls that are not spec/mock faults.
`python -m tests.live_check` (make live) prints the report; tests/test_live_corpus.py asserts it.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx

from tests import prism_support
from tests.corpus_support import SPECS, generate
from tests.live_args import (
    ALL_OPTIONAL,
    Arguments,
    SchemaCheck,
    Synth,
    build_arguments,
    credentials,
    load_spec,
    resolve,
)
from tests.live_judge import (
    GENERATOR,
    SPEC_MOCK,
    WORKED,
    Exchange,
    Judge,
    Verdict,
    optional_named,
    short,
)

TARGET = 0.03  # generator faults / calls that are not spec/mock faults, at most
REQUEST_TIMEOUT = 15.0  # seconds for one call
LONG_TIMEOUT = 60.0  # seconds for a call made again after it timed out
CRASH_WAIT = 3.0  # seconds Prism gets to exit after a broken connection, to tell a crash
WORKERS = 2  # specs checked at once (each with its own Prism): the machines have 2 cores
# A spec this large with this many operations (discord: Prism takes ~1 s for each operation's
# first call) is called in two halves at once, each on a Prism mocking its half of the paths.
SPLIT_BYTES, SPLIT_OPERATIONS = 1_000_000, 200
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IMPORT_LOCK = threading.Lock()

# ---- records -----------------------------------------------------------------------------


@dataclass
class Call:
    """One operation called (once, or again as the module's docstring says), and its verdict."""

    spec: str
    operation: str
    method: str
    path: str
    verdict: str = WORKED
    cause: str = ""  # a short class of failure, to group the report by
    reason: str = ""  # what exactly went wrong
    note: str = ""  # how it was called again, if it was


@dataclass
class SpecRun:
    spec: str
    mode: str = ""
    seconds: float = 0.0
    calls: list[Call] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(call.verdict == verdict for call in self.calls)


# ---- the mock and the client -------------------------------------------------------------


class Recorder:
    """httpx hooks that keep every exchange of the current call (and the last request sent,
    read whole first so that a multipart body can be looked at afterwards)."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.sent: httpx.Request | None = None

    def request(self, request: httpx.Request) -> None:
        request.read()
        self.sent = request

    def response(self, response: httpx.Response) -> None:
        if not response.is_success:  # keep Prism's error; never read a 2xx stream here
            response.read()
        exchange = Exchange(
            response.request.method,
            str(response.request.url),
            response.status_code,
            response.request.headers,
            response.request.content,
            [],
            "" if response.is_success else response.text,
        )
        exchange.violations = _request_violations(
            response.headers.get("sl-violations"), exchange.problem
        )
        self.exchanges.append(exchange)


def _request_violations(header: str | None, problem: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's violations (Prism also lists its own error response's, left out here)."""
    found: list[Any] = problem.get("validation") or []
    if header:
        try:
            parsed = json.loads(header)
        except ValueError:
            parsed = [{"message": header}]
        found = parsed if isinstance(parsed, list) else [parsed]
    return [
        v for v in found if isinstance(v, dict) and (v.get("location") or [""])[0] != "response"
    ]


class Mock:
    """A Prism process mocking one spec file, and the generated client pointed at it."""

    def __init__(self, spec_file: Path, log_stem: Path, package: ModuleType) -> None:
        self.spec_file, self.log_stem, self.package = spec_file, log_stem, package
        self.recorder = Recorder()
        self.starts = 0
        self._start()

    def _start(self) -> None:
        self.starts += 1
        self.log_path = self.log_stem.with_name(f"{self.log_stem.name}.{self.starts}.log")
        self.process, base_url = prism_support.start_prism(
            self.spec_file, self.log_path, errors=False
        )
        client_module = importlib.import_module(f"{self.package.__name__}.client")
        hooks: dict[str, list[Callable[..., Any]]] = {
            "request": [self.recorder.request],
            "response": [self.recorder.response],
        }
        self.http = httpx.Client(timeout=REQUEST_TIMEOUT, trust_env=False, event_hooks=hooks)
        self.client = self.package.Client(
            base_url=base_url,
            max_retries=0,
            timeout=REQUEST_TIMEOUT,
            http_client=self.http,
            **credentials(client_module),
        )

    def stop(self) -> None:
        self.client.close()
        self.http.close()
        prism_support.stop(self.process)

    def restart(self) -> None:
        self.stop()
        self._start()

    def crashed(self) -> bool:
        """Whether Prism exited (waiting a little: a crash first breaks the connection)."""
        deadline = time.monotonic() + CRASH_WAIT
        while self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.process.poll() is not None

    def crash_message(self) -> str:
        """The error Prism died of, from its log."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        errors = [line.strip() for line in lines if re.match(r"^\s*\w*(Error|Exception)\b", line)]
        where = [line.strip() for line in lines if line.strip().startswith("at ")][:1]
        return short(" ".join(errors[-1:] + where) or "no error in its log", 240)

    def call(
        self, op: dict[str, Any], args: Arguments, runtime: SimpleNamespace, timeout: float | None = None
    ) -> tuple[Exception | None, list[Exchange]]:
        """Call the operation; the exception it raised (None when it worked) and the exchanges."""
        self.recorder.exchanges, self.recorder.sent = [], None
        options = {"timeout": timeout} if timeout else {}
        try:
            method = functools.reduce(getattr, op["name"].split("."), self.client)  # `files.list`: a resource's
            result = method(*args.positional, **args.keywords, **options)
            consume(result, runtime)
        except Exception as exc:  # noqa: BLE001 - every failure is classed
            return exc, list(self.recorder.exchanges)
        return None, list(self.recorder.exchanges)


@contextmanager
def mocked(spec_file: Path, log_stem: Path, package: ModuleType) -> Iterator[Mock]:
    mock = Mock(spec_file, log_stem, package)
    try:
        yield mock
    finally:
        mock.stop()


def consume(result: Any, runtime: SimpleNamespace) -> None:
    """Read a streamed result to its end (its events or lines are parsed then), and close it."""
    kinds = tuple(getattr(runtime, k) for k in ("Stream", "JSONLines", "BinaryStream") if hasattr(runtime, k))
    if kinds and isinstance(result, kinds):
        try:
            for _ in result:
                pass
        finally:
            result.close()


def import_package(out: Path, name: str) -> tuple[ModuleType, SimpleNamespace]:
    """The generated package `name` in folder `out` (imported afresh), and its runtime."""
    with _IMPORT_LOCK:
        if str(out) not in sys.path:
            sys.path.insert(0, str(out))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        importlib.invalidate_caches()
        package = importlib.import_module(name)
        importlib.import_module(f"{name}.client")
        return package, runtime_of(name)


def runtime_of(name: str) -> SimpleNamespace:
    """Every public name of the runtime modules that the package `name` carries."""
    folder = Path(importlib.import_module(f"{name}._runtime").__file__ or "").parent
    found: dict[str, Any] = {}
    for path in sorted(folder.glob("*.py")):
        if path.stem != "__init__":
            module = importlib.import_module(f"{name}._runtime.{path.stem}")
            found.update({member: getattr(module, member) for member in module.__all__})
    return SimpleNamespace(**found)


# ---- calling every operation of one spec --------------------------------------------------


@dataclass
class Caller:
    """Calls one spec's operations, each once, or again as the module's docstring says."""

    spec: Path
    synth: Synth
    judge: Judge

    def call(self, mock: Mock, op: dict[str, Any]) -> Call:
        call = Call(self.spec.name, op["name"], op["method"], op["path"])
        try:
            args = build_arguments(self.synth, op)
        except Exception as exc:  # noqa: BLE001 - this checker's bug, counted as the generator's
            call.verdict, call.cause, call.reason = (
                GENERATOR,
                "checker could not make arguments",
                f"{type(exc).__name__}: {exc}",
            )
            return call
        error, exchanges = mock.call(op, args, self.judge.runtime)
        if error is not None:
            args, error, exchanges = self._again(mock, op, args, error, exchanges, call)
        if error is not None and call.verdict == WORKED:
            call.verdict, call.cause, call.reason = self.judge.verdict(op, args, error, exchanges)
        return call

    def _again(
        self,
        mock: Mock,
        op: dict[str, Any],
        args: Arguments,
        error: Exception,
        exchanges: list[Exchange],
        call: Call,
    ) -> tuple[Arguments, Exception | None, list[Exchange]]:
        """The call made once more where a user would: after a timeout (Prism's first answer
        for an operation can take long), with a longer one; after a crash, on a new Prism with
        every optional parameter; with the optional parameters Prism's violations name."""
        runtime = self.judge.runtime
        if isinstance(error, runtime.APITimeoutError) and not mock.crashed():
            call.note = (
                f"timed out after {REQUEST_TIMEOUT:.0f} s; called again with {LONG_TIMEOUT:.0f} s"
            )
            return args, *mock.call(op, args, runtime, LONG_TIMEOUT)
        if isinstance(error, runtime.APIConnectionError) and mock.crashed():
            crash = mock.crash_message()
            call.note = (
                f"Prism crashed ({crash}); called again on a new Prism, all optional parameters"
            )
            mock.restart()
            args = build_arguments(self.synth, op, ALL_OPTIONAL)
            again, exchanges = mock.call(op, args, runtime)
            if isinstance(again, runtime.APIConnectionError) and mock.crashed():
                call.verdict, call.cause, call.reason = (
                    SPEC_MOCK,
                    "Prism crashed",
                    self._crash(mock),
                )
                mock.restart()
            return args, again, exchanges
        wanted = optional_named(op, args, exchanges)
        if not wanted:
            return args, error, exchanges
        named = ", ".join(f"{where} {name}" for where, name in sorted(wanted))
        call.note = f"called again with the optional {named} Prism asked for"
        args = build_arguments(self.synth, op, wanted)
        return args, *mock.call(op, args, runtime)

    @staticmethod
    def _crash(mock: Mock) -> str:
        sent = mock.recorder.sent
        what = f"; it was sent {sent.method} {sent.url.raw_path.decode()}" if sent else ""
        headers = (
            {k: v for k, v in sent.headers.items() if k in ("accept", "content-type")}
            if sent
            else {}
        )
        return f"{mock.crash_message()}{what} {headers}".rstrip()


def identical_paths(doc: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(METHOD, path) -> the spec's other paths with that method that are the same up to the
    names of their parameters (OpenAPI: such paths MUST NOT exist; Prism routes to one)."""
    shapes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, item in (doc.get("paths") or {}).items():
        for method in resolve(doc, item) or {}:
            if method in METHODS:
                shapes[(method.upper(), re.sub(r"\{[^}]+\}", "{}", path))].append(path)
    return {
        (method, path): [p for p in paths if p != path]
        for (method, _), paths in shapes.items()
        for path in paths
        if len(paths) > 1
    }


def alone_rounds(ops: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The operations split so that no round holds two paths of the same shape."""
    rounds: list[list[dict[str, Any]]] = []
    for op in ops:
        shape = re.sub(r"\{[^}]+\}", "{}", op["path"])
        free = [r for r in rounds if all(re.sub(r"\{[^}]+\}", "{}", o["path"]) != shape for o in r)]
        if free:
            free[0].append(op)
        else:
            rounds.append([op])
    return rounds


def reduced_spec(doc: dict[str, Any], ops: list[dict[str, Any]], file: Path) -> Path:
    """The spec with only these operations (their path-level parameters kept), as JSON."""
    paths: dict[str, Any] = {}
    for op in ops:
        item = resolve(doc, doc["paths"][op["path"]])
        kept = {k: v for k, v in item.items() if k not in METHODS}
        paths.setdefault(op["path"], kept)[op["method"].lower()] = item[op["method"].lower()]
    file.write_text(json.dumps({**doc, "paths": paths}, default=str), encoding="utf-8")
    return file


def _all_failed(spec: Path, doc: dict[str, Any], verdict: Verdict) -> list[Call]:
    """One failed call per operation of the spec, when none could be made."""
    return [
        Call(spec.name, str(operation.get("operationId", "")), method.upper(), path, *verdict)
        for path, item in (doc.get("paths") or {}).items()
        for method, operation in (resolve(doc, item) or {}).items()
        if method in METHODS and isinstance(operation, dict)
    ]


def call_spec(
    spec: Path, doc: dict[str, Any], package: ModuleType, runtime: SimpleNamespace, work: Path
) -> list[Call]:
    """Every operation of the package's surface called on a Prism mock of the spec (of its half
    of the paths, for a large spec); those that failed on a path the spec repeats (up to
    parameter names) called again on a mock of their path alone."""
    surface = json.loads(
        (Path(package.__file__ or "").parent / "_surface.json").read_text(encoding="utf-8")
    )
    ops = list(surface["operations"].values())
    check = SchemaCheck(doc)

    def call_all(batch: list[dict[str, Any]], spec_file: Path, name: str) -> list[Call]:
        caller = Caller(spec, Synth(doc, check), Judge(doc, check, runtime))  # one per thread
        with mocked(spec_file, work / name, package) as mock:
            return [caller.call(mock, op) for op in batch]

    split = spec.stat().st_size > SPLIT_BYTES and len(ops) > SPLIT_OPERATIONS
    halves = [ops[: len(ops) // 2], ops[len(ops) // 2 :]] if split else [ops]
    try:
        with ThreadPoolExecutor(max_workers=len(halves)) as pool:
            files = [
                reduced_spec(doc, h, work / f"half-{n}.json") if split else spec
                for n, h in enumerate(halves)
            ]
            calls = [
                c
                for done in pool.map(call_all, halves, files, ["prism-0", "prism-1"])
                for c in done
            ]
    except prism_support.PrismStartError as exc:
        last = [line for line in str(exc).splitlines() if line.strip()][-1:]
        return _all_failed(spec, doc, (SPEC_MOCK, "Prism refused the spec", short(last)))
    rivals = identical_paths(doc)
    again = [i for i, c in enumerate(calls) if c.verdict != WORKED and (c.method, c.path) in rivals]
    for n, batch in enumerate(alone_rounds([ops[i] for i in again])):
        redone = call_all(
            batch, reduced_spec(doc, batch, work / f"alone-{n}.json"), f"prism-alone-{n}"
        )
        for op, call in zip(batch, redone, strict=True):
            same = ", ".join(rivals[(op["method"], op["path"])][:2])
            alone = f"called on a mock of its path alone (the spec also has {same}...)"
            call.note = f"{alone} {call.note}".strip()
            calls[ops.index(op)] = call
    return calls


def check_spec(spec: Path, work: Path) -> SpecRun:
    """Generate, mock, import and call one spec's client: the verdict of every call."""
    started = time.perf_counter()
    run = SpecRun(spec.name)
    out = work / "packages"
    out.mkdir(parents=True, exist_ok=True)
    generated = generate(spec, out)
    run.mode = generated.mode
    doc = load_spec(spec)
    if generated.returncode != 0:
        tail = short(generated.stderr.strip().splitlines()[-1:])
        run.calls = _all_failed(
            spec, doc, (GENERATOR, "not generated", f"exit {generated.returncode}: {tail}")
        )
    else:
        try:
            package, runtime = import_package(out, generated.package)
        except Exception as exc:  # noqa: BLE001 - the generated package does not import
            run.calls = _all_failed(
                spec, doc, (GENERATOR, "does not import", f"{type(exc).__name__}: {short(exc)}")
            )
        else:
            run.calls = call_spec(spec, doc, package, runtime, work)
    run.seconds = time.perf_counter() - started
    return run


def run_corpus(
    specs: list[Path], work: Path, progress: Callable[[SpecRun], None] | None = None
) -> list[SpecRun]:
    """Every spec checked, WORKERS at a time (the largest first); the runs in the specs' order."""

    def one(spec: Path) -> SpecRun:
        run = check_spec(spec, work / spec.stem)
        if progress is not None:
            progress(run)
        return run

    largest_first = sorted(specs, key=lambda s: -s.stat().st_size)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = dict(zip(largest_first, pool.map(one, largest_first), strict=True))
    return [runs[spec] for spec in specs]


# ---- the report --------------------------------------------------------------------------


def generator_share(runs: list[SpecRun]) -> tuple[int, int, float]:
    """(generator faults, calls that are not spec/mock faults, their ratio)."""
    faults = sum(run.count(GENERATOR) for run in runs)
    judged = sum(len(run.calls) - run.count(SPEC_MOCK) for run in runs)
    return faults, judged, faults / judged if judged else 0.0


def table(runs: list[SpecRun]) -> str:
    """Per spec: operations called, worked, generator faults, spec/mock faults; and the total."""

    def row(name: str, mode: str, calls: list[Call], seconds: float) -> tuple[str, ...]:
        counts = [str(sum(c.verdict == v for c in calls)) for v in (WORKED, GENERATOR, SPEC_MOCK)]
        return (name, mode, str(len(calls)), *counts, f"{seconds:.1f}")

    rows: list[tuple[str, ...]] = [
        ("spec", "mode", "called", "worked", "generator", "spec/mock", "seconds")
    ]
    rows += [row(r.spec, r.mode, r.calls, r.seconds) for r in runs]
    rows.append(row("total", "", [c for r in runs for c in r.calls], sum(r.seconds for r in runs)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([lines[0], rule, *lines[1:-1], rule, lines[-1]])


def failures(runs: list[SpecRun], verdict: str) -> str:
    """Every failed call of that verdict, grouped by cause (the largest group first)."""
    groups: dict[str, list[Call]] = defaultdict(list)
    for call in (c for run in runs for c in run.calls if c.verdict == verdict):
        groups[call.cause].append(call)
    lines = []
    for cause, calls in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"  {cause} ({len(calls)}):")
        for c in calls:
            note = f" [{c.note.strip()}]" if c.note else ""
            lines.append(f"    {c.spec} {c.operation} ({c.method} {c.path}): {c.reason}{note}")
    return "\n".join(lines) or "  none"


def report(runs: list[SpecRun]) -> str:
    """The table, the generator-fault share, every failure with its reason, and the calls that
    worked once made again (see the module's docstring)."""
    faults, judged, share = generator_share(runs)
    again = [c for r in runs for c in r.calls if c.note and c.verdict == WORKED]
    return "\n".join(
        [
            table(runs),
            (
                f"generator-fault share: {faults}/{judged} = {share:.2%} of the calls that are not "
                f"spec/mock faults (target: at most {TARGET:.0%})"
            ),
            "generator faults:",
            failures(runs, GENERATOR),
            "spec/mock faults:",
            failures(runs, SPEC_MOCK),
            f"worked when made again ({len(again)}):",
            *[f"  {c.spec} {c.operation} ({c.method} {c.path}): {c.note}" for c in again],
        ]
    )


def main() -> int:
    if not SPECS:
        print("the corpus is not present (../shared/corpus/specs beside the project)")
        return 0
    if not prism_support.prism_installed():
        print("node_modules/.bin/prism is missing: run `make node_modules/.installed` (npm ci)")
        return 1

    def progress(run: SpecRun) -> None:
        print(
            f"{run.spec}: {len(run.calls)} calls, {run.count(GENERATOR)} generator faults, "
            f"{run.count(SPEC_MOCK)} spec/mock faults, {run.seconds:.0f} s",
            file=sys.stderr,
        )

    with tempfile.TemporaryDirectory(prefix="oapi-pygen-live-") as tmp:
        runs = run_corpus(SPECS, Path(tmp), progress)
    print(report(runs))
    return 0 if generator_share(runs)[2] <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
