"""The published OpenAI specs (outside the repo) generate clean, importable, typed packages.

Three real specs, each generated whole and with `--tag Assistants` (6 outputs), through
the command line exactly as a user would run it. Every output is generated once per
session; the runs (and mypy/ruff on their output) go through a small thread pool, so
the slow 2026 generations overlap with everything else. Only the jobs the selected
tests need are started.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generator.naming import function_name, parameter_name
from tests.corpus_support import oversized_modules
from tests.spec_contract import OperationContract, Param
from tests.spec_contract_v1 import BY_ID as V1_BY_ID
from tests.spec_contract_v1 import CONTRACT as V1_CONTRACT

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
PROJECT_CONFIG = ROOT / "pyproject.toml"
PACKAGE = "openai_client"
CLIENT = "OpenAIClient"

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"the published reference specs are not available ({REFERENCE} is absent)"
)


@dataclass(frozen=True)
class RefSpec:
    date: str
    file: str
    total: int  # operations in the whole spec
    assistants: int  # operations tagged Assistants

    @property
    def path(self) -> Path:
        return REFERENCE / self.file


SPECS = {
    s.date: s
    for s in (
        RefSpec("2024-04-12", "openai-openapi-2024-04-12.yaml", 52, 28),
        RefSpec("2024-10-17", "openai-openapi-2024-10-17.yaml", 94, 23),
        RefSpec("2026-08-21", "openai-openapi-2026-08-21.yaml", 288, 23),
    )
}
SCOPES = ("whole", "Assistants")
OUTPUTS = [f"{date}-{scope}" for date in SPECS for scope in SCOPES]
BIG = "2026-08-21"
V1 = "2024-04-12-Assistants"


def _split(key: str) -> tuple[RefSpec, str | None]:
    date, _, scope = key.rpartition("-")
    return SPECS[date], (None if scope == "whole" else scope)


# ---- running the command line ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    cwd: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def show(self) -> str:
        return (f"$ {' '.join(self.args)}  (cwd {self.cwd}, exit {self.returncode}, {self.seconds:.1f}s)\n"
                f"--- stdout\n{self.stdout[-4000:]}\n--- stderr\n{self.stderr[-4000:]}")

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines() + self.stderr.splitlines()


def _run(args: list[str], cwd: Path, seed: str = "0") -> Run:
    cwd.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONHASHSEED=seed, OAPI_PYGEN_CACHE="0")  # no cache: each run does all the work
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    return Run(tuple(args), cwd, done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def _cli(command: str, spec: RefSpec, tag: str | None, *extra: str) -> list[str]:
    return ["-m", "generator", command, "--spec", str(spec.path), *(["--tag", tag] if tag else []), *extra]


def _generate_args(spec: RefSpec, tag: str | None, out: Path) -> list[str]:
    return _cli("generate", spec, tag, "--out", str(out), "--package", PACKAGE, "--client-name", CLIENT)


class Lab:
    """Named jobs (subprocess runs), each started at most once, on a shared pool.

    gen:<output>     generate the output (PYTHONHASHSEED=0), cwd a fresh folder
    import|mypy|ruff|black:<output>   checks on a generated output, started when its generation ends
    regen:2026-08-21 the whole 2026 spec again under another hash seed
    validate:<date>, strict:<date>, validate-tag:<date>, resolve-tag:<date>
    """

    def __init__(self, root: Path, workers: int) -> None:
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refspec")
        self.lock = threading.RLock()
        self.futures: dict[str, Future[Any]] = {}

    def out(self, key: str) -> Path:
        return self.root / "out" / key

    def package(self, key: str) -> Path:
        return self.out(key) / PACKAGE

    def result(self, job: str) -> Any:
        spec = _job_spec(job)
        if not spec.path.is_file():
            pytest.skip(f"reference spec {spec.path} is absent")
        return self.future(job).result()

    def future(self, job: str) -> Future[Any]:
        with self.lock:
            if job not in self.futures:
                self.futures[job] = self._start(job)
            return self.futures[job]

    def _start(self, job: str) -> Future[Any]:
        kind, _, key = job.partition(":")
        if kind in CHECKS:
            return self._after(self.future(f"gen:{key}"), lambda: CHECKS[kind](self, key))
        return self.pool.submit(JOBS[kind], self, key)

    def _after(self, dep: Future[Any], fn: Callable[[], Any]) -> Future[Any]:
        """A future for fn(), submitted only once dep is done (so no worker ever waits on another)."""
        out: Future[Any] = Future()

        def copy(inner: Future[Any]) -> None:
            error = inner.exception()
            if error is not None:
                out.set_exception(error)
            else:
                out.set_result(inner.result())

        def submit(_: Future[Any]) -> None:
            try:
                self.pool.submit(fn).add_done_callback(copy)
            except RuntimeError as exc:  # the pool shut down first
                out.set_exception(exc)

        dep.add_done_callback(submit)
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _job_spec(job: str) -> RefSpec:
    key = job.partition(":")[2]
    return SPECS[key] if key in SPECS else _split(key)[0]


def _gen(lab: Lab, key: str) -> Run:
    spec, tag = _split(key)
    return _run(_generate_args(spec, tag, lab.out(key)), lab.out(key))


def _regen(lab: Lab, date: str) -> Run:
    where = lab.root / "regen" / date
    return _run(_generate_args(SPECS[date], None, where), where, seed="12345")


def _validate(lab: Lab, date: str) -> Run:
    return _run(_cli("validate", SPECS[date], None), lab.root / "validate" / date)


def _strict(lab: Lab, date: str) -> Run:
    where = lab.root / "strict" / date
    return _run(_generate_args(SPECS[date], None, where / "out") + ["--strict"], where)


def _validate_tag(lab: Lab, date: str) -> Run:
    return _run(_cli("validate", SPECS[date], "Assistants"), lab.root / "validate-tag" / date)


def _resolve_tag(lab: Lab, date: str) -> Run:
    where = lab.root / "resolve-tag" / date
    return _run(_cli("resolve", SPECS[date], "Assistants", "--output", str(where / "spec.json")), where)


def _import(lab: Lab, key: str) -> Run:
    code = f"import {PACKAGE}, {PACKAGE}.models, {PACKAGE}.operations, {PACKAGE}.client; print('ok')"
    return _run(["-c", code], lab.out(key))


def _mypy(lab: Lab, key: str) -> Run:
    return _run(["-m", "mypy", "--strict", "--no-incremental", PACKAGE], lab.out(key))


def _ruff(lab: Lab, key: str) -> Run:
    return _run(["-m", "ruff", "check", "--no-cache", "--config", str(PROJECT_CONFIG), PACKAGE], lab.out(key))


def _black(lab: Lab, key: str) -> Run:
    """black over the whole modules: the chunked formatting (classes cut between methods) left
    nothing for it to change."""
    return _run(["-m", "black", "--check", "--diff", "--quiet", "--line-length", "100", "--target-version", "py311",
                 PACKAGE], lab.out(key))


JOBS: dict[str, Callable[[Lab, str], Run]] = {
    "gen": _gen, "regen": _regen, "validate": _validate, "strict": _strict,
    "validate-tag": _validate_tag, "resolve-tag": _resolve_tag,
}
CHECKS: dict[str, Callable[[Lab, str], Run]] = {"import": _import, "mypy": _mypy, "ruff": _ruff, "black": _black}

# What each test needs, so the fixture can start all of it at once ({key}: the test's `key` param).
NEEDS: dict[str, tuple[str, ...]] = {
    "test_generates_everything_in_scope": ("gen:{key}",),
    "test_package_imports": ("import:{key}",),
    "test_mypy_strict_passes": ("mypy:{key}",),
    "test_ruff_passes": ("ruff:{key}",),
    "test_black_finds_nothing_to_change": ("black:{key}",),
    "test_v1_operation_function_signature": (f"gen:{V1}",),
    "test_v1_client_method_signature": (f"gen:{V1}",),
    "test_v1_function_names": (f"gen:{V1}",),
    "test_v1_requests_use_the_contract_method_and_path": (f"gen:{V1}",),
    "test_v1_validate_tag_assistants": ("validate-tag:2024-04-12",),
    "test_v1_resolved_operations_match_the_contract": ("resolve-tag:2024-04-12",),
    "test_2026_validate_warns_with_pointers_and_lines": (f"validate:{BIG}",),
    "test_2026_every_warning_names_a_real_node": (f"validate:{BIG}",),
    "test_2026_strict_refuses_and_writes_nothing": (f"strict:{BIG}", f"validate:{BIG}"),
    "test_2026_strict_prints_the_warnings_as_errors": (f"strict:{BIG}",),
    "test_2024_10_17_duplicate_enum_values_are_warnings": ("gen:2024-10-17-whole", "gen:2024-10-17-Assistants"),
    "test_2024_04_12_default_breaking_min_items_is_a_warning": ("gen:2024-04-12-whole", f"gen:{V1}"),
    "test_2026_generation_is_deterministic": (f"gen:{BIG}-whole", f"regen:{BIG}"),
    "test_2026_whole_calls_go_through_resources": (f"gen:{BIG}-whole",),
}


def _cost(job: str) -> int:
    """Rough seconds, to start the longest jobs first."""
    if job in (f"gen:{BIG}-whole", f"regen:{BIG}"):
        return 40
    if job in (f"validate:{BIG}", f"strict:{BIG}"):
        return 20
    return 5 if "whole" in job else 2


@pytest.fixture(scope="session")
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = Lab(tmp_path_factory.mktemp("reference-specs"), workers=min(4, (os.cpu_count() or 2) + 1))
    wanted: dict[str, None] = {}
    for item in request.session.items:
        if Path(item.path).resolve() != Path(__file__).resolve():
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        for job in NEEDS.get(getattr(item, "originalname", item.name), ()):
            wanted[job.format(key=params.get("key", ""))] = None
    for job in sorted(wanted, key=lambda j: -_cost(j)):
        if _job_spec(job).path.is_file():
            lab.future(job)
    yield lab
    lab.close()


# ---- reading the output --------------------------------------------------------------------

COVERAGE = re.compile(r"^coverage: (\d+)/(\d+) operations(?: \((\d+) in scope\))?, (\d+) models; warnings: (.+)$")
SUMMARY = re.compile(r"^generated: (\d+) operations, (\d+) models in ")
PROBLEM = re.compile(r"^(warning|error): (/\S*) \(line (\d+)\): (.+)$")
ANY_PROBLEM = re.compile(r"^(warning|error): (\S+)(?: \(line \d+\))?: (.+)$")


@dataclass(frozen=True)
class Coverage:
    operations: int
    spec_operations: int
    in_scope: int
    models: int
    warnings: dict[str, int]


def _coverage(run: Run) -> Coverage:
    found = [m for m in map(COVERAGE.match, run.stdout.splitlines()) if m]
    assert len(found) == 1, run.show()
    m = found[0]
    kinds = {} if m[5] == "none" else {k: int(n) for k, n in (w.rsplit(" ", 1) for w in m[5].split(", "))}
    in_scope = int(m[3]) if m[3] is not None else int(m[2])
    return Coverage(int(m[1]), int(m[2]), in_scope, int(m[4]), kinds)


def _warning_lines(run: Run) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.startswith("warning:")]


def _located(lines: list[str]) -> list[tuple[str, int, str]]:
    """(pointer, line, message) of each problem line; fails on one without a pointer and a line."""
    out = []
    for line in lines:
        m = PROBLEM.match(line)
        assert m, f"no JSON pointer and (line N) in: {line}"
        out.append((m[2], int(m[3]), m[4]))
    return out


def _last_token(ptr: str) -> str:
    return ptr.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def _kind_of(line: str) -> str | None:
    m = ANY_PROBLEM.match(line)
    return _kind(m[2], m[3]) if m else None


def _kind(ptr: str, message: str) -> str | None:
    """The warning kind of the four validator kinds checked here, from what is printed."""
    if message.startswith("the default does not fit the schema"):
        return "default-mismatch"
    if message.startswith("a boolean exclusiveMinimum/exclusiveMaximum is OpenAPI 3.0 style"):
        return "exclusive-bound-3.0"
    if message.startswith("repeated required entry"):
        return "duplicate-required"
    if _last_token(ptr) in ("$recursiveAnchor", "$recursiveRef", "$dynamicAnchor"):
        return "meta-keyword"
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _line_holds(lines: list[str], n: int, key: str) -> bool:
    """Line n (1-based) is `key:`'s line, or the first item of a block sequence under `key:`."""
    text = lines[n - 1]
    if re.search(rf"(^|[\s{{,-]){re.escape(key)}\s*:", text):
        return True
    if text.lstrip().startswith("- "):  # the first item: the line before is `key:` itself
        parent = next((t for t in reversed(lines[:n - 1]) if t.strip()), "")
        return _indent(parent) < _indent(text) and parent.strip() == f"{key}:"
    return False


def _block_items(lines: list[str], n: int) -> list[str]:
    """The items of the block sequence whose first item is on line n."""
    first = lines[n - 1]
    items = []
    for text in lines[n - 1:]:
        if _indent(text) != _indent(first) or not text.lstrip().startswith("- "):
            break
        items.append(text.strip()[2:].strip().strip("'\""))
    return items


def _siblings(lines: list[str], n: int) -> list[str]:
    """The keys at the same indentation as line n, in the mapping that holds it."""
    indent = _indent(lines[n - 1])
    out = []
    for step in (-1, 1):
        i = n - 1
        while 0 <= i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= indent):
            if lines[i].strip() and _indent(lines[i]) == indent:
                out.append(lines[i].strip())
            i += step
    return out


def _yaml_lines(spec: RefSpec) -> list[str]:
    return spec.path.read_text(encoding="utf-8").splitlines()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _generated(lab: Lab, key: str) -> Run:
    run: Run = lab.result(f"gen:{key}")
    if run.returncode != 0:
        pytest.fail(f"generating {key} failed:\n{run.show()}")
    return run


# ---- every output: generated, complete, importable, typed, lint-clean ---------------------


@pytest.mark.parametrize("key", OUTPUTS)
def test_generates_everything_in_scope(lab: Lab, key: str) -> None:
    run: Run = lab.result(f"gen:{key}")
    print(f"{key} ({run.seconds:.1f}s): {' | '.join(run.stdout.splitlines())}")
    assert run.returncode == 0, run.show()
    spec, tag = _split(key)
    cov = _coverage(run)
    wanted = spec.assistants if tag else spec.total
    assert cov.in_scope == wanted, run.show()
    assert cov.operations == cov.in_scope, f"operations dropped:\n{run.show()}"
    assert cov.spec_operations == spec.total, run.show()
    summary = [m for m in map(SUMMARY.match, run.stdout.splitlines()) if m]
    assert len(summary) == 1 and int(summary[0][1]) == wanted, run.show()
    assert int(summary[0][2]) == cov.models > 0
    assert not [line for line in run.lines if line.startswith("error:")], run.show()
    assert len(_warning_lines(run)) == sum(cov.warnings.values()), run.show()
    assert (lab.package(key) / "_manifest.json").is_file()


@pytest.mark.parametrize("key", OUTPUTS)
def test_package_imports(lab: Lab, key: str) -> None:
    _generated(lab, key)
    run: Run = lab.result(f"import:{key}")
    assert run.returncode == 0 and run.stdout == "ok\n", run.show()


@pytest.mark.parametrize("key", OUTPUTS)
def test_mypy_strict_passes(lab: Lab, key: str) -> None:
    _generated(lab, key)
    run: Run = lab.result(f"mypy:{key}")
    print(f"mypy --strict on {key}: {run.seconds:.1f}s: {run.stdout.strip().splitlines()[-1:]}")
    assert run.returncode == 0, run.show()
    assert "Success: no issues found" in run.stdout, run.show()


@pytest.mark.parametrize("key", OUTPUTS)
def test_ruff_passes(lab: Lab, key: str) -> None:
    _generated(lab, key)
    run: Run = lab.result(f"ruff:{key}")
    assert run.returncode == 0, run.show()


@pytest.mark.parametrize("key", OUTPUTS)
def test_black_finds_nothing_to_change(lab: Lab, key: str) -> None:
    _generated(lab, key)
    run: Run = lab.result(f"black:{key}")
    assert run.returncode == 0, run.show()


# ---- the v1 Assistants subset against the seed-derived table --------------------------------


@pytest.fixture(scope="module")
def v1(lab: Lab) -> Iterator[dict[str, ModuleType]]:
    """The generated v1 package, imported under a name no other test uses."""
    _generated(lab, V1)
    alias = "_reference_specs_v1_openai_client"
    where = lab.package(V1)
    spec = importlib.util.spec_from_file_location(alias, where / "__init__.py",
                                                  submodule_search_locations=[str(where)])
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    try:
        spec.loader.exec_module(package)
        yield {name: importlib.import_module(f"{alias}.{name}")
               for name in ("models", "operations", "client")} | {"package": package}
    finally:
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]


PER_CALL_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout", "max_retries")


def _body_fields(models: ModuleType, contract: OperationContract) -> dict[str, bool]:
    """The body's properties and whether each is required, from the generated model."""
    if contract.body is None:
        return {}
    model = getattr(models, contract.body)
    return {f.alias or name: f.is_required() for name, f in model.model_fields.items()}


def _check(func: Callable[..., Any], contract: OperationContract, models: ModuleType, skip_self: bool) -> None:
    params = list(inspect.signature(func).parameters.values())[1 if skip_self else 0:]
    if skip_self:  # client methods end with the per-call options, all optional
        assert [p.name for p in params[-len(PER_CALL_OPTIONS):]] == list(PER_CALL_OPTIONS)
        assert all(p.default is not p.empty for p in params[-len(PER_CALL_OPTIONS):])
        params = params[:-len(PER_CALL_OPTIONS)]
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = {p.name: p for p in params if p.kind is p.KEYWORD_ONLY}
    assert len(positional) + len(keyword) == len(params), "no *args/**kwargs/positional-only parameters"
    assert [p.name for p in positional] == list(contract.path_params)
    assert all(p.default is p.empty for p in positional)
    wanted = {parameter_name(q.name): q.required for q in contract.query_params}
    wanted.update({parameter_name(name): req for name, req in _body_fields(models, contract).items()})
    assert sorted(keyword) == sorted(wanted)
    for name, required in wanted.items():
        assert (keyword[name].default is inspect.Parameter.empty) == required, name
    if contract.body is not None and not contract.body_required:  # an optional body: callable without it
        assert all(p.default is not p.empty for p in keyword.values())


@pytest.mark.parametrize("contract", V1_CONTRACT, ids=[c.operation_id for c in V1_CONTRACT])
def test_v1_operation_function_signature(v1: dict[str, ModuleType], contract: OperationContract) -> None:
    func = getattr(v1["operations"], function_name(contract.operation_id))
    _check(func, contract, v1["models"], skip_self=False)


@pytest.mark.parametrize("contract", V1_CONTRACT, ids=[c.operation_id for c in V1_CONTRACT])
def test_v1_client_method_signature(v1: dict[str, ModuleType], contract: OperationContract) -> None:
    name = function_name(contract.operation_id)
    for cls in (getattr(v1["client"], CLIENT), getattr(v1["client"], "Async" + CLIENT)):
        _check(getattr(cls, name), contract, v1["models"], skip_self=True)
    assert inspect.iscoroutinefunction(inspect.unwrap(getattr(getattr(v1["client"], "Async" + CLIENT), name)))


def test_v1_function_names(v1: dict[str, ModuleType]) -> None:
    ops = v1["operations"]
    assert sorted(ops.__all__) == sorted(function_name(c.operation_id) for c in V1_CONTRACT)
    for name in ("create_assistant_file", "list_assistant_files", "get_assistant_file",
                 "delete_assistant_file", "list_message_files", "get_message_file", "submit_tool_ouputs_to_run"):
        assert name in ops.__all__


def test_v1_requests_use_the_contract_method_and_path(v1: dict[str, ModuleType]) -> None:
    """Each function, called with its required arguments, builds the table's method and path."""
    for contract in V1_CONTRACT:
        func = getattr(v1["operations"], function_name(contract.operation_id))
        required = {p.name: f"{p.name}-1" for p in inspect.signature(func).parameters.values()
                    if p.kind is p.KEYWORD_ONLY and p.default is p.empty}
        args = [f"{name}-1" for name in contract.path_params]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            request = func(*args, **required)
        path = contract.path.format(**{name: f"{name}-1" for name in contract.path_params})
        assert (request.method, request.path) == (contract.method, path), contract.operation_id


def test_v1_validate_tag_assistants(lab: Lab) -> None:
    run: Run = lab.result("validate-tag:2024-04-12")
    assert run.returncode == 0, run.show()
    assert re.search(rf"^valid: {len(V1_CONTRACT)} operations, \d+ models in ", run.stdout, re.MULTILINE), run.show()
    cov = _coverage(run)
    assert (cov.operations, cov.spec_operations, cov.in_scope) == (28, 52, 28), run.show()
    assert not [line for line in run.lines if line.startswith("error:")], run.show()


HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _operation_facts(doc: dict[str, Any], method: str, path: str) -> OperationContract:
    """What the resolved spec says about one operation, in the contract's shape."""
    item = _deref(doc, doc["paths"][path])
    op = item[method]
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in list(item.get("parameters") or []) + list(op.get("parameters") or []):
        p = _deref(doc, raw)
        params[(p["in"], p["name"])] = p
    body_name, body_required = None, False
    if "requestBody" in op:
        body = _deref(doc, op["requestBody"])
        content = body.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), {})
        ref = (media.get("schema") or {}).get("$ref")
        body_name = ref.rsplit("/", 1)[-1] if ref else "<inline schema>"
        body_required = bool(body.get("required", False))
    return OperationContract(
        op["operationId"], method.upper(), path,
        tuple(p["name"] for (where, _), p in params.items() if where == "path"),
        tuple(Param(p["name"], bool(p.get("required", False))) for (where, _), p in params.items()
              if where == "query"),
        body_name, body_required,
    )


def test_v1_resolved_operations_match_the_contract(lab: Lab) -> None:
    """`resolve --tag Assistants` keeps exactly the table's operations, methods, paths and parameters."""
    run: Run = lab.result("resolve-tag:2024-04-12")
    assert run.returncode == 0, run.show()
    doc = json.loads((run.cwd / "spec.json").read_text(encoding="utf-8"))
    found = {}
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if method in _deref(doc, item):
                facts = _operation_facts(doc, method, path)
                assert facts.operation_id not in found, f"duplicate operationId {facts.operation_id}"
                found[facts.operation_id] = facts
    assert sorted(found) == sorted(V1_BY_ID)
    assert {op: found[op] for op in sorted(found)} == {op: V1_BY_ID[op] for op in sorted(found)}


# ---- warnings: located, right, and fatal under --strict --------------------------------------

FOUR_KINDS = ("default-mismatch", "exclusive-bound-3.0", "duplicate-required", "meta-keyword")


def test_2026_validate_warns_with_pointers_and_lines(lab: Lab) -> None:
    run: Run = lab.result(f"validate:{BIG}")
    assert run.returncode == 0, run.show()
    assert not [line for line in run.lines if line.startswith("error:")], run.show()
    cov = _coverage(run)
    assert cov.operations == cov.spec_operations == 288
    assert all(cov.warnings.get(kind, 0) > 0 for kind in FOUR_KINDS), cov.warnings
    assert len(_warning_lines(run)) == sum(cov.warnings.values()), run.show()

    ours = [line for line in _warning_lines(run) if _kind_of(line) is not None]
    located = _located(ours)
    by_kind: dict[str, int] = {}
    for ptr, _, message in located:
        kind = _kind(ptr, message)
        assert kind is not None
        by_kind[kind] = by_kind.get(kind, 0) + 1
    assert by_kind == {kind: cov.warnings[kind] for kind in FOUR_KINDS}, run.show()

    lines = _yaml_lines(SPECS[BIG])
    wrong = [f"{ptr} (line {n}): {lines[n - 1].strip()!r}" for ptr, n, _ in located
             if not _line_holds(lines, n, _last_token(ptr))]
    assert wrong == []
    bounds = [n for ptr, n, message in located if _kind(ptr, message) == "exclusive-bound-3.0"]
    assert all("exclusiveMinimum" in lines[n - 1] or "exclusiveMaximum" in lines[n - 1] for n in bounds)
    anchors = [n for ptr, n, message in located if _kind(ptr, message) == "meta-keyword"]
    assert all("$recursiveAnchor" in lines[n - 1] for n in anchors)


def test_2026_every_warning_names_a_real_node(lab: Lab) -> None:
    run: Run = lab.result(f"validate:{BIG}")
    assert run.returncode == 0, run.show()
    _located(_warning_lines(run))


def test_2026_strict_refuses_and_writes_nothing(lab: Lab) -> None:
    """`generate --strict`: exit 2, the validator warnings become the problems, nothing written."""
    run: Run = lab.result(f"strict:{BIG}")
    assert run.returncode == 2, run.show()
    assert not (run.cwd / "out").exists(), "--strict wrote something"
    assert not [line for line in run.stdout.splitlines() if line.startswith(("generated:", "coverage:"))]
    problems = [line for line in run.stderr.splitlines() if PROBLEM.match(line)]
    assert re.search(rf"^{len(problems)} problem\(s\); nothing was written\.$", run.stderr, re.MULTILINE), run.show()
    relaxed: Run = lab.result(f"validate:{BIG}")
    expected = set(_located([line for line in _warning_lines(relaxed) if _kind_of(line) is not None]))
    got = {(m[2], int(m[3]), m[4]) for m in map(PROBLEM.match, problems) if m}
    assert got == expected
    assert {_kind(ptr, msg) for ptr, _, msg in got} == set(FOUR_KINDS)


def test_2026_strict_prints_the_warnings_as_errors(lab: Lab) -> None:
    run: Run = lab.result(f"strict:{BIG}")
    assert run.returncode == 2, run.show()
    problems = [m for m in map(PROBLEM.match, run.stderr.splitlines()) if m]
    assert problems and all(m[1] == "error" for m in problems), run.show()


@pytest.mark.parametrize("key", ["2024-10-17-whole", "2024-10-17-Assistants"])
def test_2024_10_17_duplicate_enum_values_are_warnings(lab: Lab, key: str) -> None:
    run = _generated(lab, key)
    cov = _coverage(run)
    lines = _yaml_lines(SPECS["2024-10-17"])
    repeated = [(ptr, n, msg) for ptr, n, msg in _located(
        [line for line in _warning_lines(run) if "repeated enum value" in line])]
    assert repeated and len(repeated) == cov.warnings.get("duplicate-enum"), run.show()
    for ptr, n, message in repeated:
        assert _last_token(ptr) == "enum"
        value = re.fullmatch(r"repeated enum value '([^']+)'", message)
        assert value, message
        assert _block_items(lines, n).count(value[1]) >= 2, (ptr, n, lines[n - 1])


@pytest.mark.parametrize("key", ["2024-04-12-whole", V1])
def test_2024_04_12_default_breaking_min_items_is_a_warning(lab: Lab, key: str) -> None:
    run = _generated(lab, key)
    cov = _coverage(run)
    assert cov.warnings.get("default-mismatch") == 1, run.show()
    lines = _yaml_lines(SPECS["2024-04-12"])
    [(ptr, n, message)] = _located([line for line in _warning_lines(run) if "default does not fit" in line])
    assert _last_token(ptr) == "default" and "should be non-empty" in message
    assert lines[n - 1].strip() == "default: []"
    assert "minItems: 1" in _siblings(lines, n)


# ---- determinism ---------------------------------------------------------------------------


def test_2026_generation_is_deterministic(lab: Lab) -> None:
    """The whole 2026 spec, generated under PYTHONHASHSEED=0 and 12345, gives the same bytes."""
    first = _generated(lab, f"{BIG}-whole")
    second: Run = lab.result(f"regen:{BIG}")
    assert second.returncode == 0, second.show()
    assert _coverage(second) == _coverage(first)
    a = _tree(lab.package(f"{BIG}-whole"))
    b = _tree(second.cwd / PACKAGE)
    assert sorted(a) == sorted(b)
    assert len(a) >= 8
    assert [name for name in a if a[name] != b[name]] == []


# ---- the whole 2026 spec: resources on the wire -------------------------------------------


@pytest.mark.parametrize("key", OUTPUTS)
def test_no_module_is_too_long_to_read(lab: Lab, key: str) -> None:
    """Split packages continue a long module in parts: none over about 5,000 lines but those of
    a single class (the whole 2026 spec's 14,000 lines of unused models are four modules)."""
    _generated(lab, key)
    assert oversized_modules(lab.package(key)) == {}


def test_2026_whole_calls_go_through_resources(lab: Lab, tmp_path: Path) -> None:
    """`client.files.list()`-style calls of the whole 2026 client, sync and async, in a fresh
    process against a loopback server: each reaches its operation's method and path."""
    _generated(lab, f"{BIG}-whole")
    script = tmp_path / "calls.py"
    script.write_text(RESOURCE_CALLS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and not k.endswith("_proxy")}
    env["PYTHONPATH"] = os.pathsep.join([str(lab.out(f"{BIG}-whole")), str(ROOT)])
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert run.stdout.splitlines() == [
        "GET /files", "GET /fine_tuning/jobs", "GET /vector_stores/vs_1/files", "GET /models/gpt-x"] * 2


RESOURCE_CALLS = f'''
import asyncio

from {PACKAGE} import Async{CLIENT}, {CLIENT}
from tests.loopback import LoopbackServer


def reply(request):
    if request.path.startswith("/models/"):
        return 200, {{}}, {{"id": "gpt-x", "object": "model", "created": 1, "owned_by": "me"}}
    return 200, {{}}, {{"object": "list", "data": [], "has_more": False, "first_id": "f", "last_id": "l"}}


with LoopbackServer(reply) as server:
    with {CLIENT}(base_url=server.base_url, api_key="k-123456789", max_retries=0) as client:
        client.files.list()
        client.fine_tuning.jobs.list_paginated()
        client.vector_stores.files.list("vs_1")
        assert client.models.retrieve("gpt-x").id == "gpt-x"

    async def go():
        async with Async{CLIENT}(base_url=server.base_url, api_key="k-123456789", max_retries=0) as client:
            await client.files.list()
            await client.fine_tuning.jobs.list_paginated()
            await client.vector_stores.files.list("vs_1")
            assert (await client.models.retrieve("gpt-x")).id == "gpt-x"

    asyncio.run(go())
    for request in server.requests:
        print(request.method, request.path)
'''
